//! Alerts: filled by the alert engine (issue #6); until then, an honest empty list.

use leptos::prelude::*;

use crate::app::ctx;

/// Alert list.
#[component]
pub fn Alerts() -> impl IntoView {
    let ctx = ctx();
    view! {
        <h1>{move || ctx.t("nav.alerts")}</h1>
        <p id="alerts-empty">{move || ctx.t("alerts.none")}</p>
        <p class="muted">{move || ctx.t("alerts.hint")}</p>
    }
}
