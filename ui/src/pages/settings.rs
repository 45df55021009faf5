//! Settings: cameras (name, herd size; admin only) and language.

use animov_api::{Camera, CameraUpdate};
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
        <h2>{move || ctx.t("settings.cameras")}</h2>
        {move || (!ctx.is_admin()).then(|| view! { <p class="muted">{ctx.t("settings.readonly")}</p> })}
        {move || match cams.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(cs)) => view! {
                <table class="cameras">
                    <thead><tr>
                        <th>"Source"</th><th>{ctx.t("settings.name")}</th><th>{ctx.t("settings.herd")}</th><th></th>
                    </tr></thead>
                    <tbody>{cs.into_iter().map(|c| view! { <CameraRow camera=c/> }).collect_view()}</tbody>
                </table>
            }.into_any(),
        }}
    }
}

#[component]
fn CameraRow(camera: Camera) -> impl IntoView {
    let ctx = ctx();
    let name = RwSignal::new(camera.name.clone());
    let herd = RwSignal::new(camera.herd_size.map(|h| h.to_string()).unwrap_or_default());
    let status = RwSignal::new(None::<Result<(), String>>);
    let source = camera.source.clone();
    let save = move |_| {
        let source = source.clone();
        let body = CameraUpdate {
            name: name.get_untracked(),
            herd_size: herd.get_untracked().trim().parse().ok(),
        };
        spawn_local(async move {
            let r = api::send::<_, Camera>(
                "PUT",
                &format!("/api/v1/cameras/{}", api::q(&source)),
                &body,
            )
            .await;
            status.set(Some(r.map(|_| ()).map_err(|e| e.message)));
        });
    };
    let disabled = move || !ctx.is_admin();
    view! {
        <tr data-source=camera.source.clone()>
            <td>{camera.source.clone()}</td>
            <td><input class="cam-name" prop:value=name disabled=disabled on:input=move |ev| name.set(event_target_value(&ev))/></td>
            <td><input class="cam-herd" type="number" min="1" prop:value=herd disabled=disabled on:input=move |ev| herd.set(event_target_value(&ev))/></td>
            <td>
                <button class="cam-save" disabled=disabled on:click=save>{move || ctx.t("common.save")}</button>
                {move || match status.get() {
                    Some(Ok(())) => view! { <span class="ok">{ctx.t("common.saved")}</span> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
                    None => ().into_any(),
                }}
            </td>
        </tr>
    }
}
