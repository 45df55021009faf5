//! Timeline: one camera over a date range, at 5 min / 15 min / 1 h / 1 day,
//! with min–max bands, zoom and pan, another day to compare, CSV and PNG export.

use animov_api::{Alert, Camera, ForecastPoint, SeriesPoint};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use super::ErrorBox;
use crate::{api, app::ctx, chart, time};

const CHART_ID: &str = "timeline-chart";

/// The timeline page; `camera` preselects a source, optionally with its
/// days: `cam-1/2024-02-19/2024-02-21`.
#[component]
pub fn Timeline(camera: Option<String>) -> impl IntoView {
    let ctx = ctx();
    let today = time::ymd(time::now_ms());
    let cams = RwSignal::new(Vec::<Camera>::new());
    let arg = camera.unwrap_or_default();
    let mut parts = arg.split('/');
    let source = RwSignal::new(parts.next().unwrap_or_default().to_string());
    let day = |d: Option<&str>| {
        d.filter(|d| time::parse_ymd(d).is_some())
            .map(str::to_string)
    };
    let first = day(parts.next());
    let last = day(parts.next()).or_else(|| first.clone());
    let from = RwSignal::new(first.unwrap_or_else(|| today.clone()));
    let to = RwSignal::new(last.unwrap_or(today));
    let bucket = RwSignal::new("15m".to_string());
    let compare = RwSignal::new(String::new());
    let points = RwSignal::new(None::<Result<Vec<SeriesPoint>, String>>);
    let other = RwSignal::new(Vec::<SeriesPoint>::new());
    let forecast = RwSignal::new(Vec::<ForecastPoint>::new());
    let alerts = RwSignal::new(Vec::<Alert>::new());

    spawn_local(async move {
        match api::get::<Vec<Camera>>("/api/v1/cameras").await {
            Ok(cs) => {
                if source.get_untracked().is_empty()
                    && let Some(c) = cs.first()
                {
                    source.set(c.source.clone());
                }
                cams.set(cs);
            }
            Err(e) => points.set(Some(Err(e.message))),
        }
    });

    Effect::new(move |_| {
        let (src, f, t, b, cmp) = (
            source.get(),
            from.get(),
            to.get(),
            bucket.get(),
            compare.get(),
        );
        if src.is_empty() {
            return;
        }
        let (Some(start), Some(last)) = (time::parse_ymd(&f), time::parse_ymd(&t)) else {
            points.set(Some(Err("?".into())));
            return;
        };
        let end = time::next_day(last.max(start));
        spawn_local(async move {
            let path = format!(
                "/api/v1/series?source={}&from={start}&to={end}&bucket={b}",
                api::q(&src)
            );
            let r = api::get::<Vec<SeriesPoint>>(&path)
                .await
                .map_err(|e| e.message);
            let mut shifted = Vec::new();
            if let Some(day) = time::parse_ymd(&cmp) {
                let path = format!(
                    "/api/v1/series?source={}&from={day}&to={}&bucket={b}",
                    api::q(&src),
                    time::next_day(day)
                );
                if let Ok(ps) = api::get::<Vec<SeriesPoint>>(&path).await {
                    shifted = ps
                        .into_iter()
                        .map(|mut p| {
                            p.ts += start - day;
                            p
                        })
                        .collect();
                }
            }
            // The forecast band over the same range (none stored yet: no band).
            let path = format!(
                "/api/v1/forecasts?source={}&from={start}&to={end}",
                api::q(&src)
            );
            forecast.set(
                api::get::<Vec<ForecastPoint>>(&path)
                    .await
                    .unwrap_or_default(),
            );
            let path = format!(
                "/api/v1/alerts?source={}&from={start}&to={end}",
                api::q(&src)
            );
            alerts.set(api::get::<Vec<Alert>>(&path).await.unwrap_or_default());
            other.set(shifted);
            points.set(Some(r));
        });
    });

    Effect::new(move |_| {
        let lang = ctx.lang.get();
        if let Some(Ok(ps)) = points.get() {
            let labels = chart::Labels::new(lang);
            let cmp = compare.get_untracked();
            let o = other.get();
            let c = if o.is_empty() {
                None
            } else {
                Some((cmp.as_str(), o.as_slice()))
            };
            let fc = forecast.get();
            let al = alerts.get();
            chart::draw(
                CHART_ID,
                &chart::timeline(&ps, c, &fc, &al, None, &labels),
                420,
            );
        }
    });

    let export_csv = move |_| {
        if let Some(Ok(ps)) = points.get_untracked() {
            let mut csv = String::from(
                "time_local,ts_ms,nb_frames,lying,standing,ratio_standing,lying_mean,standing_mean,lying_min,lying_max,standing_min,standing_max\n",
            );
            for p in &ps {
                csv.push_str(&format!(
                    "{},{},{},{},{},{},{},{},{},{},{},{}\n",
                    time::ymd_hm(p.ts),
                    p.ts,
                    p.nb_frames,
                    p.lying,
                    p.standing,
                    p.ratio_standing.map(|r| r.to_string()).unwrap_or_default(),
                    p.lying_mean,
                    p.standing_mean,
                    p.lying_min,
                    p.lying_max,
                    p.standing_min,
                    p.standing_max
                ));
            }
            download(
                &format!(
                    "animov-{}-{}-{}.csv",
                    source.get_untracked(),
                    from.get_untracked(),
                    bucket.get_untracked()
                ),
                &csv_url(&csv),
            );
        }
    };
    let export_png = move |_| {
        if let Some(url) = chart::png_data_url(CHART_ID) {
            download(
                &format!(
                    "animov-{}-{}.png",
                    source.get_untracked(),
                    from.get_untracked()
                ),
                &url,
            );
        }
    };

    view! {
        <h1>{move || ctx.t("nav.timeline")}</h1>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>{move || ctx.t("timeline.camera")}
                <select id="tl-camera" on:change=move |ev| source.set(event_target_value(&ev)) prop:value=source>
                    {move || cams.get().into_iter().map(|c| view! { <option value=c.source.clone() selected=c.source == source.get_untracked()>{c.name}</option> }).collect_view()}
                </select>
            </label>
            <label>{move || ctx.t("timeline.from")}
                <input id="tl-from" type="date" prop:value=from on:change=move |ev| from.set(event_target_value(&ev))/>
            </label>
            <label>{move || ctx.t("timeline.to")}
                <input id="tl-to" type="date" prop:value=to on:change=move |ev| to.set(event_target_value(&ev))/>
            </label>
            <label>{move || ctx.t("timeline.step")}
                <select id="tl-bucket" prop:value=bucket on:change=move |ev| bucket.set(event_target_value(&ev))>
                    <option value="5m">"5 min"</option>
                    <option value="15m" selected>"15 min"</option>
                    <option value="1h">"1 h"</option>
                    <option value="1d">"1 j / 1 d"</option>
                </select>
            </label>
            <label>{move || ctx.t("timeline.compare")}
                <input id="tl-compare" type="date" prop:value=compare on:change=move |ev| compare.set(event_target_value(&ev))/>
            </label>
            <button type="button" id="tl-csv" on:click=export_csv>{move || ctx.t("timeline.csv")}</button>
            <button type="button" id="tl-png" on:click=export_png>{move || ctx.t("timeline.png")}</button>
        </form>
        {move || match points.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(ps)) if ps.is_empty() => view! { <p id="tl-empty">{ctx.t("common.nodata")}</p> }.into_any(),
            Some(Ok(ps)) => view! { <p class="muted" id="tl-count" data-points=ps.len()>{format!("{} × {}", ps.len(), bucket.get_untracked())}</p> }.into_any(),
        }}
        <div id=CHART_ID class="chart"></div>
        {crate::notes::around(
            source.into(),
            Signal::derive(move || {
                let a = time::parse_ymd(&from.get()).unwrap_or(0);
                let b = time::parse_ymd(&to.get()).map_or(a, time::next_day);
                (a, b)
            }),
            "timeline-notes",
        )}
    }
}

fn csv_url(csv: &str) -> String {
    let parts = js_sys::Array::of1(&csv.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/csv;charset=utf-8");
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .ok()
        .and_then(|b| web_sys::Url::create_object_url_with_blob(&b).ok())
        .unwrap_or_default()
}

fn download(name: &str, url: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(a) = doc
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(url);
        a.set_download(name);
        a.click();
    }
}
