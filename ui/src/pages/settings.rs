//! Settings: language, one's own password and the secure connection; for admins, alert rules,
//! users, ingest keys, alert email and where the data lives. Cameras have
//! their own page.

use animov_api::{Camera, SystemInfo};
use leptos::{prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{
    api,
    app::{LangSwitch, ctx},
};

/// Settings page.
#[component]
pub fn Settings() -> impl IntoView {
    let ctx = ctx();
    let cams = RwSignal::new(None::<Result<Vec<Camera>, String>>);
    spawn_local(async move {
        cams.set(Some(
            api::get("/api/v1/cameras")
                .await
                .map_err(|e: api::Failure| e.message),
        ))
    });
    view! {
        <h1>{move || ctx.t("nav.settings")}</h1>
        <h2>{move || ctx.t("settings.language")}</h2>
        <LangSwitch/>
        {move || match cams.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(cs)) => ctx.farm_admin().then(|| view! { <super::rules::AlertRulesForm cameras=cs/> }).into_any(),
        }}
        <super::accounts::OwnPassword/>
        <super::connection::Connection/>
        {move || ctx.is_admin().then(|| view! {
            <super::accounts::Users/>
            <super::accounts::ApiKeys/>
            <super::delivery::AlertDelivery/>
            <DataLocation/>
        })}
    }
}

/// Data folder and database (admin only).
#[component]
pub fn DataLocation() -> impl IntoView {
    let ctx = ctx();
    let info = RwSignal::new(None::<Result<SystemInfo, String>>);
    spawn_local(async move {
        info.set(Some(
            api::get("/api/v1/system")
                .await
                .map_err(|e: api::Failure| e.message),
        ))
    });
    view! {
        <h2>{move || ctx.t("settings.data")}</h2>
        {move || match info.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
            Some(Ok(i)) => view! {
                <dl id="data-location">
                    <dt>"Dossier / Folder"</dt><dd>{i.data_dir}</dd>
                    <dt>"Base / Database"</dt><dd>{i.database}</dd>
                    <dt>"Site"</dt><dd>{i.site_id}</dd>
                </dl>
            }.into_any(),
        }}
    }
}
