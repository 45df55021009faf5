//! About: version and commit.

use animov_api::VersionInfo;
use leptos::{prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{api, app::ctx};

/// Version page.
#[component]
pub fn About() -> impl IntoView {
    let ctx = ctx();
    let v = RwSignal::new(None::<Result<VersionInfo, String>>);
    spawn_local(async move {
        v.set(Some(
            api::get("/api/v1/version")
                .await
                .map_err(|e: api::Failure| e.message),
        ))
    });
    view! {
        <h1>{move || ctx.t("nav.about")}</h1>
        {move || match v.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(v)) => view! {
                <dl>
                    <dt>{move || ctx.t("about.version")}</dt><dd id="version">{v.version.clone()}</dd>
                    <dt>{move || ctx.t("about.commit")}</dt><dd>{v.commit.clone().unwrap_or_else(|| "—".into())}</dd>
                </dl>
            }.into_any(),
        }}
    }
}
