//! Detectors: the bundled one and those imported from here (a YOLOv8/YOLO11
//! or NanoDet ONNX export with its JSON description), checked by the engine
//! on test pictures before they are accepted; listed with their classes,
//! where they come from, who imported them and which cameras use them.

use animov_api::DetectorInfo;
use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use crate::{
    api,
    app::ctx,
    pages::{ErrorBox, fetched, field_error},
    time,
};

/// The detectors section of the Cameras page.
#[component]
pub fn Detectors() -> impl IntoView {
    let ctx = ctx();
    let (list, reload) = fetched::<Vec<DetectorInfo>>("/api/v1/detectors");
    let name = RwSignal::new(String::new());
    let sending = RwSignal::new(None::<f64>);
    let status = RwSignal::new(None::<Result<String, (Option<String>, String)>>);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = form_ref.get() else {
            return;
        };
        let el: &web_sys::HtmlFormElement = form.unchecked_ref();
        let Ok(data) = web_sys::FormData::new_with_form(el) else {
            return;
        };
        sending.set(Some(0.0));
        status.set(None);
        spawn_local(async move {
            let r = api::send_upload::<DetectorInfo>(
                "/api/v1/detectors",
                api::Upload::Form(&data),
                move |p| {
                    sending.try_set(Some(p));
                },
            )
            .await;
            if sending.is_disposed() {
                return;
            }
            sending.set(None);
            match r {
                Ok(d) => {
                    status.set(Some(Ok(d.name)));
                    name.set(String::new());
                    reload();
                }
                Err(e) => status.set(Some(Err((e.field, e.message)))),
            }
        });
    };
    let refusal = move || status.get().and_then(Result::err);
    view! {
        <h2>{move || ctx.t("detectors.title")}</h2>
        {move || match list.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(ds)) => view! {
                <table class="cameras" id="detectors">
                    <thead><tr>
                        <th>{ctx.t("settings.name")}</th><th>{ctx.t("detectors.classes")}</th><th>{ctx.t("detectors.input")}</th>
                        <th>{ctx.t("detectors.origin")}</th><th>{ctx.t("detectors.used_by")}</th><th></th>
                    </tr></thead>
                    <tbody>
                        {ds.into_iter().map(|d| {
                            let n = d.name.clone();
                            let remove = move |_| {
                                let n = n.clone();
                                spawn_local(async move {
                                    match api::send::<_, ()>("DELETE", &format!("/api/v1/detectors/{}", api::q(&n)), &()).await {
                                        Ok(()) => reload(),
                                        Err(e) => status.set(Some(Err((None, e.message)))),
                                    }
                                });
                            };
                            let origin = match (&d.imported_by, d.imported_ms) {
                                (Some(by), Some(at)) => format!("{} {by}, {}", ctx.t("detectors.imported_by"), time::ymd_hm(at)),
                                _ => ctx.t("detectors.bundled").to_string(),
                            };
                            view! {
                                <tr data-detector=d.name.clone()>
                                    <td><strong>{d.name.clone()}</strong><br/><small class="muted">{d.title.clone()}</small></td>
                                    <td>{d.counted_classes.join(", ")}<br/><small class="muted">{format!("{} {}", d.classes.len(), ctx.t("detectors.classes_in_all"))}</small></td>
                                    <td>{format!("{} · {}×{}", d.format, d.input[0], d.input[1])}</td>
                                    <td>{origin}{d.provenance.clone().map(|p| view! { <br/><small class="muted">{p}</small> })}</td>
                                    <td class="used-by">{d.used_by.join(", ")}</td>
                                    <td>{(ctx.farm_admin() && !d.bundled).then(|| view! {
                                        <button class="detector-remove" disabled=!d.used_by.is_empty() on:click=remove>{ctx.t("cameras.remove")}</button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        {move || ctx.farm_admin().then(|| view! {
            <h3>{ctx.t("detectors.import")}</h3>
            <p class="muted">{ctx.t("detectors.import_hint")}</p>
            <form class="form" id="detector-form" node_ref=form_ref on:submit=submit>
                <label>{ctx.t("detectors.name")}
                    <input id="detector-name" name="name" required pattern="[a-z0-9_\\-]{1,40}" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                    {field_error(refusal, "name")}
                </label>
                <label>{ctx.t("detectors.model")}
                    <input id="detector-model" name="model" type="file" accept=".onnx" required/>
                    {field_error(refusal, "model")}
                </label>
                <label>{ctx.t("detectors.sidecar")}
                    <input id="detector-sidecar" name="sidecar" type="file" accept=".json,application/json" required/>
                    {field_error(refusal, "sidecar")}
                </label>
                <button type="submit" disabled=move || sending.get().is_some()>{ctx.t("detectors.import_button")}</button>
                {move || sending.get().map(|p| view! { <progress max="1" value=p></progress> })}
                {move || match status.get() {
                    Some(Ok(n)) => Some(view! { <p class="ok" id="detector-ok">{format!("{} {n}", ctx.t("detectors.accepted"))}</p> }.into_any()),
                    Some(Err((None, m))) => Some(view! { <ErrorBox message=m/> }.into_any()),
                    _ => None,
                }}
            </form>
        })}
    }
}
