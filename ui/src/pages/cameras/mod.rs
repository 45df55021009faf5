//! Cameras: every camera with its picture, health and counts (everyone
//! reads; admins add, test, tune and remove), the form to add one with a
//! Test button, and the tuning page of one camera ([`tune`]).

mod add;
mod detectors;
mod picture;
mod tune;

use std::collections::HashMap;

use animov_api::{Camera, CameraHealth};
use leptos::{prelude::*, task::spawn_local};

pub use add::CameraForm;
pub use tune::Tune;

use super::{ErrorBox, every, fetched, live::live_counts};
use crate::{api, app::ctx};

/// The Cameras page: `#/cameras`, `#/cameras/new`, `#/cameras/{source}`.
#[component]
pub fn Cameras(arg: Option<String>) -> impl IntoView {
    match arg.as_deref() {
        Some("new") => view! { <CameraForm camera=None/> }.into_any(),
        Some(a) if a.ends_with("/edit") => {
            view! { <EditCamera source=a.trim_end_matches("/edit").to_string()/> }.into_any()
        }
        Some(source) => view! { <Tune source=source.to_string()/> }.into_any(),
        None => view! { <CameraList/> }.into_any(),
    }
}

/// The form of an existing camera, once loaded.
#[component]
fn EditCamera(source: String) -> impl IntoView {
    let ctx = ctx();
    let cam = RwSignal::new(None::<Result<Camera, String>>);
    spawn_local(async move {
        let r = api::get::<Vec<Camera>>("/api/v1/cameras").await;
        if cam.is_disposed() {
            return;
        }
        cam.set(Some(match r {
            Ok(all) => all
                .into_iter()
                .find(|c| c.source == source)
                .ok_or_else(|| format!("{source}?")),
            Err(e) => Err(e.message),
        }));
    });
    move || match cam.get() {
        None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
        Some(Ok(c)) => view! { <CameraForm camera=Some(c)/> }.into_any(),
    }
}

#[component]
fn CameraList() -> impl IntoView {
    let ctx = ctx();
    let (cams, reload) = fetched::<Vec<Camera>>("/api/v1/cameras");
    let health = RwSignal::new(HashMap::<String, CameraHealth>::new());
    let tick = RwSignal::new(0u64);
    let live = live_counts();
    every(5_000, move || {
        tick.update(|t| *t += 1);
        spawn_local(async move {
            let answer = api::get::<Vec<CameraHealth>>("/api/v1/cameras/health").await;
            if health.is_disposed() {
                return;
            }
            if let Ok(h) = answer {
                health.set(h.into_iter().map(|h| (h.source.clone(), h)).collect());
            }
        });
    });
    let status = RwSignal::new(None::<String>);
    view! {
        <h1>{move || ctx.t("nav.cameras")}</h1>
        {move || ctx.farm_admin().then(|| view! {
            <p><a class="button" id="camera-add" href="#/cameras/new">{ctx.t("cameras.add")}</a></p>
        })}
        {move || (!ctx.is_admin()).then(|| view! { <p class="muted">{ctx.t("settings.readonly")}</p> })}
        {move || ctx.central.get().then(|| view! { <p class="muted" id="farm-owned">{ctx.t("central.farm_owned")}</p> })}
        {move || status.get().map(|m| view! { <ErrorBox message=m/> })}
        {move || match cams.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(cs)) if cs.iter().all(|c| c.uri.is_none()) && cs.is_empty() => view! {
                <p class="muted" id="no-cameras">{ctx.t("cameras.none")}</p>
            }.into_any(),
            Some(Ok(cs)) => view! {
                <div class="tiles" id="camera-list">
                    {cs.into_iter().map(|c| {
                        let source = c.source.clone();
                        let s2 = source.clone();
                        let s3 = source.clone();
                        let h = move || health.with(|m| m.get(&s2).cloned());
                        let counts = move || live.with(|m| m.get(&s3).cloned());
                        let remove = {
                            let source = source.clone();
                            move |_| {
                                let confirmed = web_sys::window()
                                    .and_then(|w| w.confirm_with_message(ctx.t("cameras.remove_confirm")).ok())
                                    .unwrap_or(false);
                                if !confirmed {
                                    return;
                                }
                                let source = source.clone();
                                spawn_local(async move {
                                    match api::send::<_, ()>("DELETE", &format!("/api/v1/cameras/{}", api::q(&source)), &()).await {
                                        Ok(()) => reload(),
                                        Err(e) => status.set(Some(e.message)),
                                    }
                                });
                            }
                        };
                        let has_uri = c.uri.is_some();
                        // A central has no live picture of a farm's camera.
                        let (thumb_source, thumb_name) = (source.clone(), c.name.clone());
                        let thumb = move || (has_uri && !ctx.central.get()).then(|| {
                            let source = thumb_source.clone();
                            view! {
                                <img class="thumb" alt=thumb_name.clone() src=move || api::media(&format!(
                                    "/api/v1/cameras/{}/live.jpg?t={}",
                                    api::q(&source), tick.get()
                                ))/>
                            }
                        });
                        view! {
                            <section class="tile camera-tile" data-source=source.clone()>
                                <h2>{c.name.clone()}</h2>
                                {thumb}
                                <p class="muted uri">{c.uri.clone().unwrap_or_else(|| ctx.t("cameras.ingest_only").to_string())}</p>
                                {move || counts().map(|l| view! {
                                    <p class="big"><span class="standing">{l.standing}</span>" / "<span class="lying">{l.lying}</span></p>
                                })}
                                <dl class="health">
                                    <dt>{ctx.t("settings.herd")}</dt>
                                    <dd>{c.herd_size.map(|h| h.to_string()).unwrap_or_else(|| "—".into())}</dd>
                                    {move || h().map(|h| view! {
                                        <dt>{ctx.t("cameras.state")}</dt>
                                        <dd class=format!("cam-state {}", h.state.as_str())>{ctx.t(health_key(h.state))}</dd>
                                        <dt>{ctx.t("cameras.fps")}</dt>
                                        <dd>{format!("{:.1} / {:.1}", h.fps_in, h.fps_out)}</dd>
                                        <dt>{ctx.t("cameras.drops")}</dt>
                                        <dd>{format!("{} / {}", h.dropped, h.reconnects)}</dd>
                                        <dt>{ctx.t("cameras.recording")}</dt>
                                        <dd>{format!("{} · {}", h.recording, crate::pages::storage::size(h.disk_bytes))}</dd>
                                        {h.last_error.map(|e| view! {
                                            <dt>{ctx.t("cameras.last_error")}</dt>
                                            <dd class="error cam-problem">
                                                {h.problem.map(|p| view! { <span>{ctx.label(p.label())}</span><br/> })}
                                                <small>{e}</small>
                                            </dd>
                                        })}
                                    })}
                                </dl>
                                {(ctx.farm_admin() && has_uri).then(|| view! {
                                    <p class="actions">
                                        <a class="button tune" href=format!("#/cameras/{}", source)>{ctx.t("cameras.tune")}</a>
                                        " "
                                        <button class="remove" on:click=remove.clone()>{ctx.t("cameras.remove")}</button>
                                    </p>
                                })}
                            </section>
                        }
                    }).collect_view()}
                </div>
            }.into_any(),
        }}
        <detectors::Detectors/>
    }
}

/// Text of a pipeline state.
fn health_key(s: animov_api::CameraState) -> &'static str {
    use animov_api::CameraState::*;
    match s {
        Connecting => "cstate.connecting",
        Running => "cstate.running",
        Reconnecting => "cstate.reconnecting",
        Ended => "cstate.ended",
        Stopped => "cstate.stopped",
        Failed => "cstate.failed",
    }
}
