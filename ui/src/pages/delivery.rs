//! Settings › alert email (admin): recipients, critical only, cooldown, quiet
//! hours, daily digest, and a test message.

use animov_api::{DeliverySettings, TestEmailResult};
use leptos::{prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{api, app::ctx};

fn hour(v: &str) -> Option<u32> {
    v.trim().parse().ok().filter(|h| *h < 24)
}

fn hour_text(h: Option<u32>) -> String {
    h.map(|h| h.to_string()).unwrap_or_default()
}

/// The alert email form.
#[component]
pub fn AlertDelivery() -> impl IntoView {
    let ctx = ctx();
    let to = RwSignal::new(String::new());
    let critical_only = RwSignal::new(false);
    let cooldown = RwSignal::new("60".to_string());
    let quiet_start = RwSignal::new(String::new());
    let quiet_end = RwSignal::new(String::new());
    let digest = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    spawn_local(async move {
        match api::get::<DeliverySettings>("/api/v1/alerts/delivery").await {
            Ok(s) => {
                to.set(s.email_to.join(", "));
                critical_only.set(s.email_critical_only);
                cooldown.set(s.cooldown_minutes.to_string());
                quiet_start.set(hour_text(s.quiet_start_hour));
                quiet_end.set(hour_text(s.quiet_end_hour));
                digest.set(hour_text(s.digest_hour));
            }
            Err(e) => status.set(Some(Err(e.message))),
        }
    });
    let save = move |_| {
        let body = DeliverySettings {
            email_to: to
                .get_untracked()
                .split([',', ';', ' '])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            email_critical_only: critical_only.get_untracked(),
            cooldown_minutes: cooldown.get_untracked().trim().parse().unwrap_or(60),
            quiet_start_hour: hour(&quiet_start.get_untracked()),
            quiet_end_hour: hour(&quiet_end.get_untracked()),
            digest_hour: hour(&digest.get_untracked()),
            // The farm's time zone: this computer's.
            utc_offset_minutes: -(js_sys::Date::new_0().get_timezone_offset() as i32),
        };
        spawn_local(async move {
            let r = api::send::<_, DeliverySettings>("PUT", "/api/v1/alerts/delivery", &body).await;
            status.set(Some(
                r.map(|_| ctx.t("common.saved").to_string())
                    .map_err(|e| e.message),
            ));
        });
    };
    let test = move |_| {
        status.set(None);
        spawn_local(async move {
            let r =
                api::send::<_, TestEmailResult>("POST", "/api/v1/alerts/delivery/test", &()).await;
            status.set(Some(
                r.map(|t| format!("{} {}", ctx.t("delivery.sent"), t.sent_to.join(", ")))
                    .map_err(|e| e.message),
            ));
        });
    };
    view! {
        <h2>{move || ctx.t("delivery.title")}</h2>
        <p class="muted">{move || ctx.t("delivery.hint")}</p>
        <form id="delivery" class="filters" on:submit=|ev| ev.prevent_default()>
            <label>{move || ctx.t("delivery.to")}
                <input id="delivery-to" size="40" prop:value=to on:input=move |ev| to.set(event_target_value(&ev))/>
            </label>
            <label>{move || ctx.t("delivery.critical_only")}
                <input id="delivery-critical" type="checkbox" prop:checked=critical_only
                    on:change=move |ev| critical_only.set(event_target_checked(&ev))/>
            </label>
            <label>{move || ctx.t("delivery.cooldown")}
                <input id="delivery-cooldown" type="number" min="0" prop:value=cooldown on:input=move |ev| cooldown.set(event_target_value(&ev))/>
            </label>
            <label>{move || ctx.t("delivery.quiet")}
                <span>
                    <input id="delivery-quiet-start" type="number" min="0" max="23" size="3" prop:value=quiet_start on:input=move |ev| quiet_start.set(event_target_value(&ev))/>
                    " – "
                    <input id="delivery-quiet-end" type="number" min="0" max="23" size="3" prop:value=quiet_end on:input=move |ev| quiet_end.set(event_target_value(&ev))/>
                </span>
            </label>
            <label>{move || ctx.t("delivery.digest")}
                <input id="delivery-digest" type="number" min="0" max="23" prop:value=digest on:input=move |ev| digest.set(event_target_value(&ev))/>
            </label>
            <button type="button" id="delivery-save" on:click=save>{move || ctx.t("common.save")}</button>
            <button type="button" id="delivery-test" on:click=test>{move || ctx.t("delivery.test")}</button>
        </form>
        {move || match status.get() {
            Some(Ok(m)) => view! { <p class="ok" id="delivery-ok">{m}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            None => ().into_any(),
        }}
    }
}
