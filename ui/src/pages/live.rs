//! Live: one tile per camera with its newest analysed picture, the boxes drawn
//! over it (standing and lying in their colours), and the newest counts pushed
//! by the engine as they arrive.

use std::collections::HashMap;

use animov_api::{Camera, Event, LiveCounts, LiveFrameInfo};
use leptos::{prelude::*, task::spawn_local};

use super::{ErrorBox, every, state_key};
use crate::{api, app::ctx, events, time};

/// Newest counts per source: loaded once, then kept current by pushed events.
pub fn live_counts() -> RwSignal<HashMap<String, LiveCounts>> {
    let live = RwSignal::new(HashMap::new());
    spawn_local(async move {
        if let Ok(all) = api::get::<Vec<LiveCounts>>("/api/v1/live").await {
            live.update(|m| m.extend(all.into_iter().map(|l| (l.source.clone(), l))));
        }
    });
    events::subscribe(move |e| {
        if let Event::Frame(l) = e {
            live.update(|m| {
                m.insert(l.source.clone(), l);
            })
        }
    });
    live
}

/// The newest picture of a camera with its boxes, refreshed every second.
/// The picture is asked for only while this is shown (the engine encodes it
/// only then).
#[component]
pub fn LivePicture(source: String) -> impl IntoView {
    let ctx = ctx();
    let info = RwSignal::new(None::<Result<LiveFrameInfo, String>>);
    let src = source.clone();
    every(1_000, move || {
        let src = src.clone();
        spawn_local(async move {
            let r = api::get::<LiveFrameInfo>(&format!("/api/v1/cameras/{src}/live.json")).await;
            match r {
                Ok(i) => info.set(Some(Ok(i))),
                // Keep the last picture through a short hiccup; say why when there is none.
                Err(e) => info.update(|v| {
                    if !matches!(v, Some(Ok(_))) {
                        *v = Some(Err(e.message));
                    }
                }),
            }
        });
    });
    move || match info.get() {
        None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
        Some(Err(e)) => {
            view! { <p class="muted no-picture">{ctx.t("live.no_picture")}" ("{e}")"</p> }
                .into_any()
        }
        Some(Ok(i)) => {
            let token = api::token().unwrap_or_default();
            let url = format!(
                "/api/v1/cameras/{}/live.jpg?access_token={token}&t={}",
                i.source, i.ts_ms
            );
            view! {
                <div class="picture" data-boxes=i.detections.len()>
                    <img src=url alt=ctx.t("live.picture_alt")/>
                    <svg viewBox=format!("0 0 {} {}", i.width, i.height) preserveAspectRatio="none" aria-hidden="true">
                        {i.detections.iter().map(|d| view! {
                            <rect x=d.x y=d.y width=d.w height=d.h class=format!("box {}", d.class)/>
                        }).collect_view()}
                    </svg>
                </div>
            }.into_any()
        }
    }
}

/// Camera grid.
#[component]
pub fn Live() -> impl IntoView {
    let ctx = ctx();
    let cams = RwSignal::new(None::<Result<Vec<Camera>, String>>);
    let live = live_counts();
    every(30_000, move || {
        spawn_local(async move {
            cams.set(Some(
                api::get("/api/v1/cameras")
                    .await
                    .map_err(|e: api::Failure| e.message),
            ));
        });
    });
    view! {
        <h1>{move || ctx.t("nav.live")}</h1>
        <p class="muted">{move || ctx.t("live.hint")}</p>
        {move || match cams.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(cams)) => view! {
                <div class="tiles">
                    {cams.into_iter().map(|c| {
                        let key = state_key(c.state);
                        let state = c.state.as_str();
                        let source = c.source.clone();
                        let counts = move || live.with(|m| m.get(&source).cloned());
                        let picture = c.uri.is_some().then(|| view! { <LivePicture source=c.source.clone()/> });
                        view! {
                            <section class="tile" data-source=c.source.clone()>
                                <h2>{c.name.clone()}" "<crate::alerts::Badge source=c.source.clone()/></h2>
                                <p class=format!("state {state}")>{move || ctx.t(key)}</p>
                                {picture}
                                {move || counts().map(|l| view! {
                                    <p class="big"><span class="standing">{l.standing}</span>" / "<span class="lying">{l.lying}</span></p>
                                    <p class="muted" data-ts=l.ts_ms>{format!("{} / {} — {}", ctx.t("common.standing"), ctx.t("common.lying"), time::hm(l.ts_ms))}</p>
                                })}
                            </section>
                        }
                    }).collect_view()}
                </div>
            }.into_any(),
        }}
    }
}
