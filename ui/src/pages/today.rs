//! Today: per camera, the current counts (pushed live), today's standing share
//! and a way into the timeline.

use std::collections::HashMap;

use animov_api::{Camera, LiveCounts, SeriesPoint};
use leptos::{prelude::*, task::spawn_local};

use super::{ErrorBox, every, live::live_counts, state_key};
use crate::{api, app::ctx, chart, time};

#[derive(Clone, PartialEq)]
struct Card {
    camera: Camera,
    series: Vec<SeriesPoint>,
}

/// The farmer's main screen.
#[component]
pub fn Today() -> impl IntoView {
    let ctx = ctx();
    let cards = RwSignal::new(None::<Result<Vec<Card>, String>>);
    let updated = RwSignal::new(None::<i64>);
    let day = time::local_midnight(time::now_ms());
    let live = live_counts();
    let load = move || {
        spawn_local(async move {
            let result = async {
                let cams: Vec<Camera> = api::get("/api/v1/cameras").await?;
                let mut out = Vec::new();
                for c in cams {
                    let path = format!(
                        "/api/v1/series?source={}&from={day}&to={}&bucket=15m",
                        api::q(&c.source),
                        time::next_day(day)
                    );
                    let series = api::get::<Vec<SeriesPoint>>(&path).await?;
                    out.push(Card { camera: c, series });
                }
                Ok::<_, api::Failure>(out)
            }
            .await;
            cards.set(Some(result.map_err(|e| e.message)));
            updated.set(Some(time::now_ms()));
        });
    };
    every(60_000, load);
    Effect::new(move |_| {
        if let Some(Ok(cs)) = cards.get() {
            for c in &cs {
                let spark = chart::ratio_sparkline(&c.series, day, time::next_day(day));
                chart::draw(&format!("spark-{}", c.camera.source), &spark, 140);
            }
        }
    });
    view! {
        <h1>{move || ctx.t("nav.today")}</h1>
        <p class="muted">
            {move || updated.get().map(|u| format!("{} {}", ctx.t("today.updated"), time::hm(u)))}
        </p>
        {move || match cards.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e /> }.into_any(),
            Some(Ok(cs)) => view! {
                <div class="cards">
                    {cs.into_iter().map(|c| view! { <CameraCard card=c live=live /> }).collect_view()}
                </div>
            }.into_any(),
        }}
    }
}

#[component]
fn CameraCard(card: Card, live: RwSignal<HashMap<String, LiveCounts>>) -> impl IntoView {
    let ctx = ctx();
    let Card { camera, series } = card;
    let source = camera.source.clone();
    let herd = camera.herd_size;
    let state = camera.state.as_str();
    let key = state_key(camera.state);
    let last_ratio = series.iter().rev().find_map(|p| p.ratio_standing);
    let counts = {
        let source = source.clone();
        move || live.with(|m| m.get(&source).cloned())
    };
    view! {
        <section class="card" data-source=source.clone()>
            <h2>{camera.name.clone()}" "<crate::alerts::Badge source=source.clone()/></h2>
            <p class=format!("state {state}")>{move || ctx.t(key)}</p>
            {move || match counts() {
                Some(l) => view! {
                    <div class="counts">
                        <div class="count standing">
                            <span class="n">{l.standing}</span>
                            <span>{ctx.t("common.standing")}</span>
                        </div>
                        <div class="count lying">
                            <span class="n">{l.lying}</span>
                            <span>{ctx.t("common.lying")}</span>
                        </div>
                        <div class="count total">
                            <span class="n">
                                {match herd {
                                    Some(h) => format!("{} / {h}", l.total),
                                    None => l.total.to_string(),
                                }}
                            </span>
                            <span>{ctx.t("common.total")}</span>
                        </div>
                    </div>
                    <p class="muted frame-time" data-ts=l.ts_ms>{time::hm(l.ts_ms)}</p>
                }.into_any(),
                None => view! { <p class="muted">{ctx.t("common.nodata")}</p> }.into_any(),
            }}
            <h3>
                {move || ctx.t("today.ratio_day")}
                {last_ratio.map(|r| view! { <span class="ratio">{format!(" {r:.0} %")}</span> })}
            </h3>
            <div class="spark" id=format!("spark-{source}")></div>
            <a class="button" href=format!("#/timeline/{source}")>{move || ctx.t("today.open")}</a>
        </section>
    }
}
