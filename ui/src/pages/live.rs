//! Live: one tile per camera with its newest analysed picture, the boxes drawn
//! over it (standing and lying in their colours), and the newest counts pushed
//! by the engine as they arrive.

use std::collections::HashMap;

use animov_api::{Camera, Detection, Event, LiveCounts, LiveFrameInfo, Snapshot};
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
            let url = api::media(&format!(
                "/api/v1/cameras/{}/live.jpg?t={}",
                i.source, i.ts_ms
            ));
            view! { <BoxedPicture url=url width=i64::from(i.width) height=i64::from(i.height) detections=i.detections/> }
                .into_any()
        }
    }
}

/// A picture with its boxes drawn over it (standing and lying in their colours).
#[component]
pub fn BoxedPicture(
    url: String,
    width: i64,
    height: i64,
    detections: Vec<Detection>,
) -> impl IntoView {
    let ctx = ctx();
    view! {
        <div class="picture" data-boxes=detections.len()>
            <img src=url alt=ctx.t("live.picture_alt")/>
            <svg viewBox=format!("0 0 {width} {height}") preserveAspectRatio="none" aria-hidden="true">
                {detections.iter().map(|d| view! {
                    <rect x=d.x y=d.y width=d.w height=d.h class=format!("box {}", d.class)/>
                }).collect_view()}
            </svg>
        </div>
    }
}

/// At a central: the newest picture the farm sent of a camera (a snapshot of
/// the last day), with its boxes and its time.
#[component]
pub fn LatestSnapshot(source: String) -> impl IntoView {
    let ctx = ctx();
    let snap = RwSignal::new(None::<Option<Snapshot>>);
    every(60_000, move || {
        let src = source.clone();
        spawn_local(async move {
            let now = time::now_ms();
            let url = format!(
                "/api/v1/snapshots?source={}&from={}&to={now}",
                api::q(&src),
                now - 86_400_000
            );
            if let Ok(all) = api::get::<Vec<Snapshot>>(&url).await {
                let _ = snap.try_set(Some(all.into_iter().max_by_key(|s| s.ts_ms)));
            }
        });
    });
    move || {
        match snap.get() {
        None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
        Some(None) => view! { <p class="muted no-picture">{ctx.t("live.no_farm_picture")}</p> }.into_any(),
        Some(Some(s)) => view! {
            <BoxedPicture url=api::media(&s.url) width=s.width height=s.height detections=s.detections/>
            <p class="muted farm-picture">{format!("{} {}", ctx.t("live.farm_picture"), time::ymd_hm(s.ts_ms))}</p>
        }.into_any(),
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
                        let (src, has_uri) = (c.source.clone(), c.uri.is_some());
                        // A central shows the newest picture the farm sent.
                        let picture = move || if ctx.central.get() {
                            Some(view! { <LatestSnapshot source=src.clone()/> }.into_any())
                        } else {
                            has_uri.then(|| view! { <LivePicture source=src.clone()/> }.into_any())
                        };
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
