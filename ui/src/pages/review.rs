//! Review: a camera's recorded day for the vet. A 24-hour strip (where
//! recordings exist, the standing share per quarter hour, the alerts); a
//! click on it plays the video from that moment, across segments as one
//! timeline, with the stored detections drawn over it; speeds, frame steps,
//! keyboard shortcuts, previous / next alert; notes, clips, the goats' time
//! budgets and the day's recordings below.

use animov_api::{
    Alert, Camera, DetectionFrame, DetectionFrames, Note, NoteInput, NoteTags, Recording,
    SeriesPoint, Snapshot, TimeBudget,
};
use leptos::{ev, html, prelude::*, task::spawn_local};

use super::{ErrorBox, budget::Budget, every_frame, recordings::DayRecordings};
use crate::{
    api,
    app::ctx,
    jobs, notes,
    review::{self, DAY_MS, HOUR_MS, SPEEDS, STEP_S},
    time,
};

const CANVAS_ID: &str = "review-canvas";

/// What the day holds.
#[derive(Clone, Default)]
struct Day {
    recordings: Vec<Recording>,
    series: Vec<SeriesPoint>,
    alerts: Vec<Alert>,
    notes: Vec<Note>,
    snapshots: Vec<Snapshot>,
}

/// `#/review/SOURCE/YYYY-MM-DD` (both optional).
#[component]
pub fn Review(arg: Option<String>) -> impl IntoView {
    let ctx = ctx();
    let arg = arg.unwrap_or_default();
    let mut parts = arg.split('/');
    let (source, date) = super::source_and_day(&mut parts);
    // `…/HH:MM:SS` plays from that local time once the day is loaded.
    let start_at = RwSignal::new(parts.next().and_then(|t| {
        let mut hms = t.split(':').map(|x| x.parse::<i64>().ok());
        let (h, m, s) = (
            hms.next()??,
            hms.next()??,
            hms.next().flatten().unwrap_or(0),
        );
        Some((h * 3600 + m * 60 + s) * 1000)
    }));
    let cams = RwSignal::new(Vec::<Camera>::new());
    let recorded_days = RwSignal::new(Vec::<String>::new());
    let day = RwSignal::new(None::<Result<Day, String>>);
    let current = RwSignal::new(None::<Recording>);
    let frames = RwSignal::new(Vec::<DetectionFrame>::new());
    let pending = RwSignal::new(None::<f64>);
    let overlay = RwSignal::new(true);
    let speed = RwSignal::new(1.0_f64);
    let shown_ts = RwSignal::new(None::<i64>);
    let video = NodeRef::<html::Video>::new();
    let reload = RwSignal::new(0u32);
    let tags = RwSignal::new(Vec::<String>::new());
    let note_text = RwSignal::new(String::new());
    let note_tags = RwSignal::new(Vec::<String>::new());
    let note_span = RwSignal::new(None::<(i64, i64)>);
    // The note's box on the picture (video pixels), and whether one is being drawn.
    let note_area = RwSignal::new(None::<[f64; 4]>);
    let drawing = RwSignal::new(false);
    let box_from = StoredValue::new(None::<(f64, f64)>);
    let note_error = RwSignal::new(None::<String>);
    let clip: jobs::Followed = RwSignal::new(None);
    let editing = RwSignal::new(None::<i64>);
    let budget = RwSignal::new(None::<TimeBudget>);
    spawn_local(async move {
        if let Ok(t) = api::get::<NoteTags>("/api/v1/notes/tags").await {
            let _ = tags.try_set(t.tags);
        }
    });

    super::fetch_cameras(cams, source);
    // Days with recordings over the last 30 days (marked under the date picker).
    Effect::new(move |_| {
        let src = source.get();
        if src.is_empty() {
            return;
        }
        spawn_local(async move {
            let now = time::now_ms();
            let path = format!(
                "/api/v1/recordings?source={}&from={}&to={now}",
                api::q(&src),
                now - 30 * DAY_MS
            );
            if let Ok(rs) = api::get::<Vec<Recording>>(&path).await {
                let mut days: Vec<String> = rs.iter().map(|r| time::ymd(r.start_ms)).collect();
                days.dedup();
                days.reverse();
                let _ = recorded_days.try_set(days);
            }
        });
    });
    let day_start = move || time::parse_ymd(&date.get()).unwrap_or(0);
    Effect::new(move |_| {
        let (src, d0, _) = (source.get(), day_start(), reload.get());
        if src.is_empty() {
            return;
        }
        let d1 = time::next_day(d0);
        let q = format!("source={}&from={d0}&to={d1}", api::q(&src));
        spawn_local(async move {
            let recordings = api::get::<Vec<Recording>>(&format!("/api/v1/recordings?{q}")).await;
            let series = api::get::<Vec<SeriesPoint>>(&format!("/api/v1/series?{q}&bucket=15m"))
                .await
                .unwrap_or_default();
            let mut alerts = api::get::<Vec<Alert>>(&format!("/api/v1/alerts?{q}&limit=500"))
                .await
                .unwrap_or_default();
            alerts.sort_by_key(|a| a.since_ms);
            let _ = budget.try_set(
                api::get::<TimeBudget>(&format!("/api/v1/time-budget?{q}"))
                    .await
                    .ok(),
            );
            let mut notes = api::get::<Vec<Note>>(&format!("/api/v1/notes?{q}"))
                .await
                .unwrap_or_default();
            notes.sort_by_key(|n| n.start_ms);
            let snapshots = api::get::<Vec<Snapshot>>(&format!("/api/v1/snapshots?{q}"))
                .await
                .unwrap_or_default();
            let _ = day.try_set(Some(recordings.map_err(|e| e.message).map(|recordings| {
                Day {
                    recordings,
                    series,
                    alerts,
                    notes,
                    snapshots,
                }
            })));
        });
    });
    // The detections of the segment playing.
    Effect::new(move |_| {
        let Some(r) = current.get() else { return };
        let src = source.get_untracked();
        spawn_local(async move {
            let path = format!(
                "/api/v1/detections?source={}&from={}&to={}",
                api::q(&src),
                r.start_ms - 1_000,
                r.end_ms + 1_000
            );
            let f = api::get::<DetectionFrames>(&path)
                .await
                .map(|d| d.frames)
                .unwrap_or_default();
            let _ = frames.try_set(f);
        });
    });
    // Plays from capture time `ts`.
    let seek = move |ts: i64| {
        let Some(Ok(d)) = day.get_untracked() else {
            return;
        };
        let Some(i) = review::recording_at(&d.recordings, ts) else {
            return;
        };
        let r = d.recordings[i].clone();
        let offset = ((ts - r.start_ms).max(0)) as f64 / 1000.0;
        if current.get_untracked().map(|c| c.id) == Some(r.id) {
            if let Some(v) = video.get_untracked() {
                v.set_current_time(offset);
                let _ = v.play();
            }
        } else {
            pending.set(Some(offset));
            current.set(Some(r));
        }
    };
    // A link with a time plays from it as soon as the day is there.
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(offset)) = (day.get(), start_at.get_untracked()) {
            start_at.set(None);
            seek(day_start() + offset);
        }
    });
    let on_loaded = move |_| {
        if let (Some(v), Some(t)) = (video.get_untracked(), pending.get_untracked()) {
            v.set_current_time(t);
            v.set_playback_rate(speed.get_untracked());
            let _ = v.play();
            pending.set(None);
        }
    };
    // The next segment continues the timeline.
    let on_ended = move |_| {
        if let (Some(Ok(d)), Some(c)) = (day.get_untracked(), current.get_untracked())
            && let Some(next) = d
                .recordings
                .iter()
                .find(|r| r.start_ms >= c.end_ms - 1_000 && r.id != c.id)
        {
            pending.set(Some(0.0));
            current.set(Some(next.clone()));
        }
    };
    // The overlay, redrawn before every repaint (at 16× an analysed frame of
    // 500 ms lasts 31 ms of screen time); the time shown, five times a second.
    let last_shown = std::cell::Cell::new(i64::MIN);
    every_frame(move || {
        let (Some(v), Some(r)) = (video.get_untracked(), current.get_untracked()) else {
            return;
        };
        let ts = r.start_ms + (v.current_time() * 1000.0) as i64;
        let moved = (ts - last_shown.get()).abs();
        if moved >= 200 || (moved > 0 && v.paused()) {
            last_shown.set(ts);
            let _ = shown_ts.try_set(Some(ts));
        }
        let f = frames.with_untracked(|fs| review::frame_at(fs, ts).cloned());
        let on = overlay.get_untracked();
        // The boxes of the notes over this moment, and the one being written.
        let mut areas: Vec<[f64; 4]> = day.with_untracked(|d| match d {
            Some(Ok(d)) => d
                .notes
                .iter()
                .filter(|n| n.start_ms <= ts && ts <= n.end_ms.max(n.start_ms + 1_000))
                .filter_map(|n| n.area)
                .collect(),
            _ => Vec::new(),
        });
        areas.extend(note_area.get_untracked());
        let n = review::draw(
            CANVAS_ID,
            f.as_ref().filter(|_| on),
            &areas,
            f64::from(v.video_width()),
            f64::from(v.video_height()),
        );
        if let Some(c) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(CANVAS_ID))
        {
            let _ = c.set_attribute("data-boxes", &n.to_string());
            let _ = c.set_attribute("data-ts", &f.map_or(0, |f| f.ts_ms).to_string());
        }
    });
    // The previous / next mark of the kind chosen: alert, note or lying bout.
    let jump_kind = RwSignal::new("alert".to_string());
    let jump_alert = move |forward: bool| {
        let (Some(Ok(d)), Some(now)) = (day.get_untracked(), shown_ts.get_untracked()) else {
            return;
        };
        let mut marks: Vec<i64> = match jump_kind.get_untracked().as_str() {
            "note" => d.notes.iter().map(|n| n.start_ms).collect(),
            "bout" => budget.with_untracked(|b| {
                b.as_ref()
                    .map(|b| b.bouts.iter().map(|x| x.start_ms).collect())
                    .unwrap_or_default()
            }),
            _ => d.alerts.iter().map(|a| a.since_ms).collect(),
        };
        marks.sort_unstable();
        let target = if forward {
            marks.iter().copied().find(|t| *t > now + 1_000)
        } else {
            marks.iter().rev().copied().find(|t| *t < now - 1_000)
        };
        if let Some(t) = target {
            seek(t);
        }
    };
    let step = move |by: f64| {
        if let Some(v) = video.get_untracked() {
            let _ = v.pause();
            v.set_current_time((v.current_time() + by).max(0.0));
        }
    };
    let toggle = move || {
        if let Some(v) = video.get_untracked() {
            if v.paused() {
                let _ = v.play();
            } else {
                let _ = v.pause();
            }
        }
    };
    let keys = window_event_listener(ev::keydown, move |e| {
        let typing = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if typing || current.get_untracked().is_none() {
            return;
        }
        match e.key().as_str() {
            " " => toggle(),
            "ArrowLeft" => step(-5.0),
            "ArrowRight" => step(5.0),
            "," => step(-STEP_S),
            "." => step(STEP_S),
            "[" => jump_alert(false),
            "]" => jump_alert(true),
            _ => return,
        }
        e.prevent_default();
    });
    on_cleanup(move || keys.remove());
    // The hour the fine strip shows: the one being watched.
    let hour_start = Memo::new(move |_| {
        let d0 = day_start();
        let t = shown_ts
            .get()
            .filter(|t| *t >= d0 && *t < d0 + DAY_MS)
            .unwrap_or(d0);
        d0 + (t - d0) / HOUR_MS * HOUR_MS
    });
    // A click (or a drag, the button held) on a strip of `span` ms from `from()` plays from there.
    let strip_seek = move |e: &ev::MouseEvent, from: i64, span: i64| {
        let Some(el) = e
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        let frac = ((f64::from(e.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0);
        seek(from + (frac * span as f64) as i64);
    };
    let strip_click = move |e: ev::MouseEvent| strip_seek(&e, day_start(), DAY_MS);
    let strip_drag = move |e: ev::MouseEvent| {
        if e.buttons() == 1 {
            strip_seek(&e, day_start(), DAY_MS);
        }
    };
    let hour_click = move |e: ev::MouseEvent| strip_seek(&e, hour_start.get_untracked(), HOUR_MS);
    let hour_drag = move |e: ev::MouseEvent| {
        if e.buttons() == 1 {
            strip_seek(&e, hour_start.get_untracked(), HOUR_MS);
        }
    };
    // The video's picture size, and the picture pixel under the mouse
    // (the picture is letterboxed into the stage).
    let video_size = move || {
        let v = video.get_untracked()?;
        let (w, h) = (f64::from(v.video_width()), f64::from(v.video_height()));
        (w > 0.0 && h > 0.0).then_some((w, h))
    };
    let video_point = move |e: &ev::MouseEvent| -> Option<(f64, f64)> {
        let (w, h) = video_size()?;
        let el = e
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())?;
        let r = el.get_bounding_client_rect();
        let scale = (r.width() / w).min(r.height() / h);
        let (ox, oy) = (
            (r.width() - w * scale) / 2.0,
            (r.height() - h * scale) / 2.0,
        );
        let x = (f64::from(e.client_x()) - r.left() - ox) / scale;
        let y = (f64::from(e.client_y()) - r.top() - oy) / scale;
        Some((x.clamp(0.0, w), y.clamp(0.0, h)))
    };
    let save_note = move || {
        let Some((start, end)) = note_span.get_untracked() else {
            note_error.set(Some(ctx.t("review.note_pick").to_string()));
            return;
        };
        let body = NoteInput {
            source: source.get_untracked(),
            start_ms: start.min(end),
            end_ms: start.max(end),
            text: note_text.get_untracked(),
            tags: note_tags.get_untracked(),
            area: note_area.get_untracked(),
        };
        note_error.set(None);
        let (method, path) = match editing.get_untracked() {
            Some(id) => ("PUT", format!("/api/v1/notes/{id}")),
            None => ("POST", "/api/v1/notes".to_string()),
        };
        spawn_local(async move {
            match api::send::<_, Note>(method, &path, &body).await {
                Ok(_) => {
                    let _ = editing.try_set(None);
                    let _ = note_text.try_set(String::new());
                    let _ = note_tags.try_set(Vec::new());
                    let _ = note_span.try_set(None);
                    let _ = note_area.try_set(None);
                    reload.update(|r| *r += 1);
                }
                Err(e) => {
                    let _ = note_error.try_set(Some(e.message));
                }
            }
        });
    };
    let mark = move |end: bool| {
        // The time of the picture shown now (not the overlay's last redraw).
        let now = video
            .get_untracked()
            .zip(current.get_untracked())
            .map(|(v, r)| r.start_ms + (v.current_time() * 1000.0) as i64);
        if let Some(t) = now {
            note_span.update(|s| {
                *s = Some(match (*s, end) {
                    (Some((a, _)), true) => (a, t),
                    _ => (t, t),
                })
            });
        }
    };
    // A clip of the marked span (or of a note), followed until it is made.
    let export = move |span: Option<(i64, i64)>| {
        let Some((a, b)) = span else {
            clip.set(Some(Err(ctx.t("review.note_pick").to_string())));
            return;
        };
        let body = serde_json::json!({
            "source": source.get_untracked(),
            "from_ms": a.min(b),
            "to_ms": a.max(b).max(a.min(b) + 1_000),
        });
        jobs::start("/api/v1/clips", body, clip);
    };
    // A central has the recordings' times; their videos only when kept and sent.
    let play_url = move || {
        current
            .get()
            .filter(|r| r.video_here)
            .map(|r| api::media(&r.play_url))
    };

    view! {
        <h1>{move || ctx.t("review.title")}</h1>
        <p class="muted">{move || ctx.t("review.hint")}</p>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>{move || ctx.t("alerts.filter_camera")}
                <select id="review-camera" prop:value=source on:change=move |ev| source.set(event_target_value(&ev))>
                    {move || cams.get().into_iter().map(|c| view! { <option value=c.source.clone()>{c.name}</option> }).collect_view()}
                </select>
            </label>
            <label>{move || ctx.t("review.day")}
                <input type="date" id="review-date" prop:value=date on:change=move |ev| date.set(event_target_value(&ev))/>
            </label>
        </form>
        <p class="review-days">
            <span class="muted">{move || ctx.t("review.recorded_days")}" "</span>
            {move || recorded_days.get().into_iter().map(|d| {
                let d2 = d.clone();
                view! {
                    <button type="button" class="day-chip" class:active=move || date.get() == d2
                        data-day=d.clone() on:click=move |_| date.set(d.clone())>{d.clone()}</button>
                }
            }).collect_view()}
        </p>
        {move || match day.get() {
            None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            Some(Ok(d)) => {
                let d0 = day_start();
                let empty = d.recordings.is_empty();
                view! {
                    <div id="review-strip" class="review-strip" title=move || ctx.t("review.strip_hint")
                        data-recordings=d.recordings.len() on:click=strip_click on:mousemove=strip_drag>
                        {d.recordings.iter().map(|r| {
                            let (a, b) = (review::pct(d0, r.start_ms), review::pct(d0, r.end_ms));
                            view! { <span class="strip-rec" style=format!("left:{a:.3}%;width:{:.3}%", (b - a).max(0.15))></span> }
                        }).collect_view()}
                        {d.series.iter().filter_map(|p| {
                            let r = p.ratio_standing?;
                            let a = review::pct(d0, p.ts);
                            Some(view! { <span class="strip-ratio" style=format!("left:{a:.3}%;height:{:.0}%", r.clamp(0.0, 100.0))></span> })
                        }).collect_view()}
                        {d.alerts.iter().map(|a| {
                            let x = review::pct(d0, a.since_ms);
                            view! { <a class=format!("strip-alert sev-{}", a.severity.as_str()) href=format!("#/alerts/{}", a.id)
                                style=format!("left:{x:.3}%") title=ctx.label(a.rule.label())></a> }
                        }).collect_view()}
                        {d.notes.iter().map(|n| {
                            let (a, b) = (review::pct(d0, n.start_ms), review::pct(d0, n.end_ms));
                            view! { <span class="strip-note" data-id=n.id style=format!("left:{a:.3}%;width:{:.3}%", (b - a).max(0.3)) title=n.text.clone()></span> }
                        }).collect_view()}
                        {move || shown_ts.get().filter(|t| *t >= d0 && *t < d0 + DAY_MS).map(|t| view! {
                            <span id="strip-head" style=format!("left:{:.3}%", review::pct(d0, t))></span>
                        })}
                    </div>
                    <div class="strip-hours">{(0..=24).step_by(3).map(|h| view! { <span style=format!("left:{:.2}%", h as f64 / 24.0 * 100.0)>{format!("{h:02}h")}</span> }).collect_view()}</div>
                    {
                        let (recs, notes, alerts, snaps) = (d.recordings.clone(), d.notes.clone(), d.alerts.clone(), d.snapshots.clone());
                        move || {
                            let h0 = hour_start.get();
                            let at = move |t: i64| ((t - h0) as f64 / HOUR_MS as f64 * 100.0).clamp(0.0, 100.0);
                            let inside = move |a: i64, b: i64| a < h0 + HOUR_MS && b >= h0;
                            view! {
                                <div id="review-hour" class="review-strip hour-strip" title=ctx.t("review.hour_hint")
                                    data-from=h0 on:click=hour_click on:mousemove=hour_drag>
                                    {recs.iter().filter(|r| inside(r.start_ms, r.end_ms)).map(|r| view! {
                                        <span class="strip-rec" style=format!("left:{:.3}%;width:{:.3}%", at(r.start_ms), (at(r.end_ms) - at(r.start_ms)).max(0.1))></span>
                                    }).collect_view()}
                                    {move || budget.get().map(|b| b.bouts.into_iter().filter(|x| inside(x.start_ms, x.end_ms)).map(|x| view! {
                                        <span class="strip-bout" style=format!("left:{:.3}%;width:{:.3}%", at(x.start_ms), (at(x.end_ms) - at(x.start_ms)).max(0.1))
                                            title=format!("#{} {}–{}", x.track_id, time::hm(x.start_ms), time::hm(x.end_ms))></span>
                                    }).collect_view())}
                                    {notes.iter().filter(|n| inside(n.start_ms, n.end_ms)).map(|n| view! {
                                        <span class="strip-note" style=format!("left:{:.3}%;width:{:.3}%", at(n.start_ms), (at(n.end_ms) - at(n.start_ms)).max(0.3)) title=n.text.clone()></span>
                                    }).collect_view()}
                                    {alerts.iter().filter(|a| inside(a.since_ms, a.since_ms)).map(|a| view! {
                                        <a class=format!("strip-alert sev-{}", a.severity.as_str()) href=format!("#/alerts/{}", a.id)
                                            style=format!("left:{:.3}%", at(a.since_ms)) title=ctx.label(a.rule.label())></a>
                                    }).collect_view()}
                                    {snaps.iter().filter(|x| inside(x.ts_ms, x.ts_ms)).map(|x| view! {
                                        <a class="strip-snap" target="_blank" style=format!("left:{:.3}%", at(x.ts_ms))
                                            href=api::media(&x.url)
                                            title=format!("{} · {} {}", time::hm(x.ts_ms), x.detections.len(), ctx.t("review.snapshot"))
                                            on:click=|e| e.stop_propagation()></a>
                                    }).collect_view()}
                                    {move || shown_ts.get().filter(|t| inside(*t, *t)).map(|t| view! {
                                        <span class="strip-head" style=format!("left:{:.3}%", at(t))></span>
                                    })}
                                </div>
                                <div class="strip-hours">{(0..=60).step_by(10).map(|m| view! {
                                    <span style=format!("left:{:.2}%", m as f64 / 60.0 * 100.0)>{time::hm(h0 + m * 60_000)}</span>
                                }).collect_view()}</div>
                            }
                        }
                    }
                    {empty.then(|| view! { <p id="review-empty">{ctx.t("review.no_recording")}</p> })}
                    {
                        let snaps = d.snapshots.clone();
                        move || ctx.central.get().then(|| view! {
                            <p id="review-at-farm" class="muted">{ctx.t("review.at_farm")}</p>
                            <h3>{ctx.t("review.pictures")}</h3>
                            <div id="review-pictures" class="tiles">
                                {snaps.iter().map(|s| view! {
                                    <figure class="tile" data-ts=s.ts_ms>
                                        <super::live::BoxedPicture url=api::media(&s.url) width=s.width height=s.height detections=s.detections.clone()/>
                                        <figcaption class="muted">{format!("{} · {} {}", time::hm(s.ts_ms), s.detections.len(), ctx.t("dataset.boxes"))}</figcaption>
                                    </figure>
                                }).collect_view()}
                            </div>
                        })
                    }
                }.into_any()
            }
        }}
        <div class="review-player">
            <div class="review-stage" class:no-video=move || ctx.central.get() && play_url().is_none()>
                <video id="review-video" node_ref=video muted=true playsinline=true prop:src=play_url
                    on:loadedmetadata=on_loaded on:ended=on_ended></video>
                <canvas id=CANVAS_ID class="review-overlay" class:drawing=move || drawing.get()
                    on:mousedown=move |e| if drawing.get_untracked() && let Some(p) = video_point(&e) {
                        e.prevent_default();
                        box_from.set_value(Some(p));
                    }
                    on:mousemove=move |e| if let (Some((ax, ay)), Some((x, y)), Some((w, h))) = (box_from.get_value(), video_point(&e), video_size()) {
                        let b = crate::boxes::spanned(ax, ay, x, y, w, h, 0);
                        note_area.set(Some([b.x, b.y, b.w, b.h]));
                    }
                    on:mouseup=move |_| if box_from.get_value().is_some() {
                        box_from.set_value(None);
                        drawing.set(false);
                        if note_area.get_untracked().is_some_and(|a| a[2] < crate::boxes::MIN_SIDE || a[3] < crate::boxes::MIN_SIDE) {
                            note_area.set(None);
                        }
                    }></canvas>
            </div>
            <div class="review-controls">
                <button type="button" id="review-prev-alert" on:click=move |_| jump_alert(false)>{move || ctx.t("review.prev_alert")}</button>
                <button type="button" id="review-back" on:click=move |_| step(-STEP_S) title=",">"◀︎ |"</button>
                <button type="button" id="review-play" on:click=move |_| toggle()>{move || ctx.t("review.space")}</button>
                <button type="button" id="review-forward" on:click=move |_| step(STEP_S) title=".">"| ▶︎"</button>
                <button type="button" id="review-next-alert" on:click=move |_| jump_alert(true)>{move || ctx.t("review.next_alert")}</button>
                <select id="review-jump-kind" title="[ ]" on:change=move |ev| jump_kind.set(event_target_value(&ev))>
                    <option value="alert">{move || ctx.t("review.jump_alert")}</option>
                    <option value="note">{move || ctx.t("review.jump_note")}</option>
                    <option value="bout">{move || ctx.t("review.jump_bout")}</option>
                </select>
                <label>{move || ctx.t("review.speed")}
                    <select id="review-speed" on:change=move |ev| {
                        let s: f64 = event_target_value(&ev).parse().unwrap_or(1.0);
                        speed.set(s);
                        if let Some(v) = video.get_untracked() { v.set_playback_rate(s); }
                    }>
                        {SPEEDS.iter().map(|s| view! { <option value=s.to_string()>{format!("{s}×")}</option> }).collect_view()}
                    </select>
                </label>
                <label><input type="checkbox" id="review-boxes" prop:checked=overlay
                    on:change=move |ev| overlay.set(event_target_checked(&ev))/>{move || ctx.t("review.boxes")}</label>
                <span id="review-time" class="muted">{move || shown_ts.get().map(time::ymd_hm).unwrap_or_default()}</span>
            </div>
            <p class="muted">{move || ctx.t("review.keys")}</p>
        </div>
        <section class="review-notes">
            <h2>{move || ctx.t("review.notes")}</h2>
            <form class="note-form" on:submit=move |ev| { ev.prevent_default(); save_note(); }>
                <div>
                    <button type="button" id="note-start" on:click=move |_| mark(false)>{move || ctx.t("review.note_start")}</button>
                    <button type="button" id="note-end" on:click=move |_| mark(true)>{move || ctx.t("review.note_end")}</button>
                    <button type="button" id="note-box" class:active=move || drawing.get()
                        on:click=move |_| { note_area.set(None); drawing.update(|d| *d = !*d); }>
                        {move || if note_area.get().is_some() { ctx.t("review.note_box_again") } else { ctx.t("review.note_box") }}</button>
                    <span id="note-span" class="muted">{move || note_span.get().map(|(a, b)| format!("{} – {}", time::hm_s(a.min(b)), time::hm_s(a.max(b)))).unwrap_or_default()}</span>
                </div>
                <textarea id="note-text" rows="2" maxlength="4000" prop:value=note_text
                    on:input=move |ev| note_text.set(event_target_value(&ev))></textarea>
                <div class="note-tags">
                    {move || tags.get().into_iter().map(|t| {
                        let (t1, t2) = (t.clone(), t.clone());
                        view! {
                            <label><input type="checkbox" data-tag=t.clone()
                                prop:checked=move || note_tags.get().contains(&t1)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let t = t2.clone();
                                    note_tags.update(|v| { v.retain(|x| *x != t); if on { v.push(t); } });
                                }/>{notes::tag_label(ctx.lang.get(), &t)}</label>
                        }
                    }).collect_view()}
                </div>
                <div>
                    <button type="submit" id="note-save">{move || if editing.get().is_some() { ctx.t("review.note_update") } else { ctx.t("review.note_save") }}</button>
                    {move || (!ctx.central.get()).then(|| view! {
                        <button type="button" id="clip-export" on:click=move |_| export(note_span.get_untracked())>{move || ctx.t("review.clip")}</button>
                    })}
                </div>
                {move || note_error.get().map(|e| view! { <ErrorBox message=e/> })}
                // Clips and dataset pictures are made from the videos, at the farm.
                {move || (!ctx.central.get()).then(|| view! {
                    <p class="muted">{move || ctx.t("review.clip_hint")}</p>
                    {jobs::show(clip, "clip", "review.clip_making", "review.clip_download")}
                    <p><a id="review-dataset" href=move || format!("#/dataset/{}/{}", source.get(), date.get())>{move || ctx.t("review.dataset")}</a></p>
                })}
            </form>
            <ul id="review-note-list">
                {move || match day.get() {
                    Some(Ok(d)) => d.notes.into_iter().map(|n| {
                        let start = n.start_ms;
                        view! {
                            <li data-id=n.id data-tags=n.tags.join(" ")>
                                <a href="#" on:click=move |ev| { ev.prevent_default(); seek(start); }>
                                    {format!("{} – {}", time::hm_s(n.start_ms), time::hm_s(n.end_ms))}
                                </a>" "
                                <strong>{n.tags.iter().map(|t| notes::tag_label(ctx.lang.get(), t)).collect::<Vec<_>>().join(", ")}</strong>" "
                                {n.text.clone()}" "<span class="muted">{format!("— {}", n.author)}</span>" "
                                {(!ctx.central.get_untracked()).then(|| view! {
                                    <button type="button" class="note-clip" on:click=move |_| export(Some((n.start_ms, n.end_ms)))>{ctx.t("review.clip_short")}</button>
                                })}
                                {
                                    let mine = ctx.user.get().is_some_and(|u| u.username == n.author) || ctx.is_admin();
                                    let (id, text, tags, span, area) = (n.id, n.text.clone(), n.tags.clone(), (n.start_ms, n.end_ms), n.area);
                                    mine.then(|| view! {
                                        <button type="button" class="note-edit" on:click=move |_| {
                                            editing.set(Some(id));
                                            note_text.set(text.clone());
                                            note_tags.set(tags.clone());
                                            note_span.set(Some(span));
                                            note_area.set(area);
                                        }>{ctx.t("review.note_edit")}</button>
                                        <button type="button" class="note-delete" on:click=move |_| {
                                            let sure = web_sys::window()
                                                .and_then(|w| w.confirm_with_message(ctx.t("review.note_delete_confirm")).ok())
                                                .unwrap_or(false);
                                            if sure {
                                                spawn_local(async move {
                                                    let _ = api::send::<_, ()>("DELETE", &format!("/api/v1/notes/{id}"), &()).await;
                                                    reload.update(|r| *r += 1);
                                                });
                                            }
                                        }>{ctx.t("review.rec_delete")}</button>
                                    })
                                }
                            </li>
                        }
                    }).collect_view().into_any(),
                    _ => ().into_any(),
                }}
            </ul>
        </section>
        <section class="review-budget">
            <h2>{move || ctx.t("budget.title")}</h2>
            <p class="muted">{move || ctx.t("budget.hint")}</p>
            <Budget budget=budget day_start=Signal::derive(day_start) seek=Callback::new(seek)/>
        </section>
        <section class="review-recordings">
            <h2>{move || ctx.t("review.recordings")}</h2>
            {move || match day.get() {
                Some(Ok(d)) if !d.recordings.is_empty() => view! {
                    <DayRecordings recordings=d.recordings notes=d.notes seek=Callback::new(seek) reload=reload/>
                }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}
