//! Tuning a camera on its picture: the region of interest drawn by clicks,
//! the score threshold and the smallest box (the count follows at once),
//! recording, the herd-size threshold calibration, and posture calibration
//! by marking boxes standing or lying.

use animov_api::{
    CalibrationRequest, Camera, CameraPicture, CameraSettings, DetectorInfo, MarkedBox,
    PostureSettings, PreviewRequest, ThresholdCalibration,
};
use leptos::{prelude::*, task::spawn_local};

use super::picture::{Mark, PictureView, box_at};
use crate::{api, app::ctx, pages::ErrorBox};

/// What a click on the picture does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Look,
    Region,
    Posture,
}

/// The tuning page of `source`.
#[component]
pub fn Tune(source: String) -> impl IntoView {
    let ctx = ctx();
    let settings = RwSignal::new(None::<CameraSettings>);
    let camera = RwSignal::new(None::<Camera>);
    let pic = RwSignal::new(None::<Result<CameraPicture, String>>);
    let mode = RwSignal::new(Mode::Look);
    let marks = RwSignal::new(Vec::<(usize, Mark)>::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let again = RwSignal::new(false);
    let src = StoredValue::new(source.clone());

    // The picture with `settings` applied; one call at a time, the newest settings win.
    let refresh = move || {
        let Some(mut s) = settings.get_untracked() else {
            return;
        };
        if s.roi.len() < 3 {
            // A region being drawn counts once it has three corners.
            s.roi.clear();
        }
        if busy.get_untracked() {
            again.set(true);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let path = format!("/api/v1/cameras/{}/preview", api::q(&src.get_value()));
            let r =
                api::send::<_, CameraPicture>("POST", &path, &PreviewRequest { settings: s }).await;
            if pic.is_disposed() {
                return;
            }
            match r {
                Ok(p) => pic.set(Some(Ok(p))),
                Err(e) => pic.update(|v| {
                    if !matches!(v, Some(Ok(_))) {
                        *v = Some(Err(e.message));
                    }
                }),
            }
            busy.set(false);
            if again.get_untracked() {
                again.set(false);
                // A change arrived while the call was out: ask again with it.
                settings.update(|_| {});
            }
        });
    };
    let load = move || {
        spawn_local(async move {
            let s = src.get_value();
            let answer =
                api::get::<CameraSettings>(&format!("/api/v1/cameras/{}/vision", api::q(&s))).await;
            if settings.is_disposed() {
                return;
            }
            match answer {
                Ok(v) => settings.set(Some(v)),
                Err(e) => pic.set(Some(Err(e.message))),
            }
            let answer = api::get::<Vec<Camera>>("/api/v1/cameras").await;
            if camera.is_disposed() {
                return;
            }
            if let Ok(all) = answer {
                camera.set(all.into_iter().find(|c| c.source == s));
            }
        });
    };
    load();
    let detectors = RwSignal::new(Vec::<DetectorInfo>::new());
    spawn_local(async move {
        let answer = api::get::<Vec<DetectorInfo>>("/api/v1/detectors").await;
        if detectors.is_disposed() {
            return;
        }
        if let Ok(d) = answer {
            detectors.set(d);
        }
    });
    Effect::new(move |_| {
        settings.track();
        refresh();
    });
    // A new picture while the page is open: every 3 s unless marking postures.
    super::super::every(3_000, move || {
        if mode.get_untracked() != Mode::Posture {
            refresh();
        }
    });
    let edit = move |f: &dyn Fn(&mut CameraSettings)| {
        settings.update(|s| {
            if let Some(s) = s {
                f(s)
            }
        })
    };
    let on_click = Callback::new(move |(x, y): (f32, f32)| match mode.get_untracked() {
        Mode::Region => edit(&|s| s.roi.push([x.round(), y.round()])),
        Mode::Posture => {
            let Some(Ok(p)) = pic.get_untracked() else {
                return;
            };
            if let Some(i) = box_at(&p, (x, y)) {
                marks.update(|m| match m.iter().position(|(j, _)| *j == i) {
                    None => m.push((i, Mark::Standing)),
                    Some(k) if m[k].1 == Mark::Standing => m[k].1 = Mark::Lying,
                    Some(k) => {
                        m.remove(k);
                    }
                });
            }
        }
        Mode::Look => {}
    });
    let save = move |_| {
        let Some(s) = settings.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let path = format!("/api/v1/cameras/{}/vision", api::q(&src.get_value()));
            let r = api::send::<_, CameraSettings>("PUT", &path, &s).await;
            if status.is_disposed() {
                return;
            }
            status.set(Some(
                r.map(|_| ctx.t("common.saved").to_string())
                    .map_err(|e| e.message),
            ));
        });
    };
    let calibrate_threshold = move |_| {
        let before = pic
            .get_untracked()
            .and_then(Result::ok)
            .map(|p| p.standing + p.lying + p.unknown);
        let old = settings
            .get_untracked()
            .map(|s| s.min_score)
            .unwrap_or_default();
        spawn_local(async move {
            let path = format!(
                "/api/v1/cameras/{}/threshold/calibrate",
                api::q(&src.get_value())
            );
            let answer = api::send::<_, ThresholdCalibration>("POST", &path, &()).await;
            if status.is_disposed() {
                return;
            }
            match answer {
                Ok(t) => {
                    status.set(Some(Ok(format!(
                        "{} {:.2} → {:.2} · {} {} → {} ({} {})",
                        ctx.t("tune.threshold"),
                        old,
                        t.min_score,
                        ctx.t("tune.counted"),
                        before.map(|b| b.to_string()).unwrap_or_else(|| "?".into()),
                        t.counted,
                        ctx.t("settings.herd"),
                        t.herd_size
                    ))));
                    edit(&|s| s.min_score = t.min_score);
                }
                Err(e) => status.set(Some(Err(e.message))),
            }
        });
    };
    let fit_posture = move |_| {
        let Some(Ok(p)) = pic.get_untracked() else {
            return;
        };
        let boxes: Vec<MarkedBox> = marks
            .get_untracked()
            .iter()
            .filter_map(|(i, m)| {
                p.boxes.get(*i).map(|b| MarkedBox {
                    x: b.x,
                    y: b.y,
                    w: b.w,
                    h: b.h,
                    posture: m.as_str().into(),
                })
            })
            .collect();
        let req = CalibrationRequest {
            frame_height: p.height as f32,
            boxes,
        };
        spawn_local(async move {
            let path = format!(
                "/api/v1/cameras/{}/posture/calibrate",
                api::q(&src.get_value())
            );
            let answer = api::send::<_, CameraSettings>("POST", &path, &req).await;
            if status.is_disposed() {
                return;
            }
            match answer {
                Ok(s) => {
                    marks.set(Vec::new());
                    mode.set(Mode::Look);
                    settings.set(Some(s));
                    status.set(Some(Ok(ctx.t("tune.posture_saved").into())));
                }
                Err(e) => status.set(Some(Err(e.message))),
            }
        });
    };
    let mode_button = move |m: Mode, id: &'static str, key: &'static str| {
        view! {
            <button type="button" id=id class:active=move || mode.get() == m
                on:click=move |_| mode.set(if mode.get_untracked() == m { Mode::Look } else { m })>
                {move || ctx.t(key)}
            </button>
        }
    };
    view! {
        <p><a href="#/cameras">{move || ctx.t("tune.back")}</a></p>
        <h1>{move || camera.get().map(|c| c.name).unwrap_or_else(|| src.get_value())}</h1>
        <p>
            <a class="button" id="camera-edit" href=move || format!("#/cameras/{}/edit", src.get_value())>{move || ctx.t("cameras.edit")}</a>
        </p>
        <p class="muted">{move || ctx.t("tune.hint")}</p>
        <div class="tune">
            <div class="tune-view">
                {move || match pic.get() {
                    None => view! { <p class="loading">{ctx.t("common.loading")}</p> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
                    Some(Ok(p)) => {
                        let roi = settings.get().map(|s| s.roi).unwrap_or_default();
                        view! {
                            <p class="big" id="tune-counts" data-counted=p.standing + p.lying + p.unknown>
                                <span class="standing">{p.standing}</span>" / "<span class="lying">{p.lying}</span>
                                <small class="muted">{format!(" {} / {} · {} {}", ctx.t("common.standing"), ctx.t("common.lying"), p.boxes.len(), ctx.t("tune.proposed"))}</small>
                            </p>
                            <PictureView pic=p roi=roi marks=marks.get() on_click=on_click/>
                        }.into_any()
                    }
                }}
            </div>
            {move || settings.get().map(|s| {
                let posture_rule = match &s.posture {
                    PostureSettings::Aspect { lying_below } => format!("{} {lying_below:.2}", ctx.t("tune.rule_aspect")),
                    PostureSettings::Logistic { samples, .. } => format!("{} {samples} {}", ctx.t("tune.rule_fitted"), ctx.t("tune.boxes")),
                };
                view! {
                    <div class="tune-controls form">
                        <label>{ctx.t("tune.threshold")}" "<output id="threshold-value">{format!("{:.2}", s.min_score)}</output>
                            <input id="threshold" type="range" min="0.05" max="0.95" step="0.01" prop:value=s.min_score.to_string()
                                on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f32>() { edit(&|s| s.min_score = v) } }/>
                        </label>
                        <p><button type="button" id="calibrate-threshold" on:click=calibrate_threshold>{ctx.t("tune.calibrate_threshold")}</button></p>
                        <label>{ctx.t("tune.min_box")}
                            <input id="min-box" type="number" min="0" max="10000" step="1" prop:value=s.min_box.to_string()
                                on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f32>() { edit(&|s| s.min_box = v) } }/>
                        </label>
                        <label>{ctx.t("tune.detector")}
                            <select id="detector" on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|s| s.model = (!v.is_empty()).then(|| v.clone()));
                            }>
                                {detectors.get().into_iter().map(|d| {
                                    let value = if d.bundled { String::new() } else { d.path.clone() };
                                    let selected = s.model.as_deref().unwrap_or("") == value;
                                    view! { <option value=value selected=selected>{format!("{} — {}", d.name, d.title)}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <label>{ctx.t("tune.tiles")}
                            <select id="tiles" on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|s| s.tiles = match v.as_str() { "2" => Some([2, 2]), "3" => Some([3, 3]), _ => None });
                            }>
                                <option value="1" selected=s.tiles.is_none()>{ctx.t("tune.tiles_none")}</option>
                                <option value="2" selected=s.tiles == Some([2, 2])>"2 × 2"</option>
                                <option value="3" selected=s.tiles == Some([3, 3])>"3 × 3"</option>
                            </select>
                        </label>
                        <label class="check">
                            <input id="record" type="checkbox" prop:checked=s.record on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                edit(&|s| s.record = on);
                            }/>
                            {ctx.t("tune.record")}
                        </label>
                        <h3>{ctx.t("tune.region")}</h3>
                        <p class="muted">{ctx.t("tune.region_hint")}</p>
                        <p>
                            {mode_button(Mode::Region, "draw-roi", "tune.draw")}" "
                            <button type="button" id="roi-undo" on:click=move |_| edit(&|s| { s.roi.pop(); })>{ctx.t("tune.undo")}</button>" "
                            <button type="button" id="roi-clear" on:click=move |_| edit(&|s| s.roi.clear())>{ctx.t("tune.clear")}</button>
                        </p>
                        <p class="muted" id="roi-points">{format!("{} {}", s.roi.len(), ctx.t("tune.points"))}</p>
                        <h3>{ctx.t("tune.posture")}</h3>
                        <p class="muted" id="posture-rule">{posture_rule}</p>
                        <p class="muted">{ctx.t("tune.posture_hint")}</p>
                        <p>
                            {mode_button(Mode::Posture, "mark-postures", "tune.mark")}" "
                            <button type="button" id="fit-posture" on:click=fit_posture
                                disabled=move || marks.with(|m| !(m.iter().any(|x| x.1 == Mark::Standing) && m.iter().any(|x| x.1 == Mark::Lying)))>
                                {ctx.t("tune.fit")}
                            </button>
                        </p>
                        <p class="muted" id="marks-count">{move || format!("{} {}", marks.with(Vec::len), ctx.t("tune.marked"))}</p>
                        <p><button type="button" id="tune-save" class="primary" on:click=save>{ctx.t("common.save")}</button></p>
                    </div>
                }
            })}
        </div>
        {move || match status.get() {
            Some(Ok(m)) => view! { <p class="ok" id="tune-status">{m}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
            None => ().into_any(),
        }}
    }
}
