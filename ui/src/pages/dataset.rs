//! Dataset: pictures taken from a camera's recordings with the detector's
//! boxes (over a day, inside its notes, or where the count differed from
//! the herd size), a box editor to correct them into ground truth, and
//! YOLO / COCO exports for retraining.

use animov_api::{
    BoxesInput, Camera, DATASET_CLASSES, DatasetFrame, ExportFormat, GroundBox, SampleKind,
};
use leptos::{ev, html, prelude::*, task::spawn_local};

use super::ErrorBox;
use crate::{
    api,
    app::ctx,
    boxes::{self, Grab},
    jobs, time,
};

/// What the mouse is doing on the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Drag {
    Idle,
    Grabbed(Grab),
    /// Drawing a new box (its index) from this corner.
    Drawing(usize, f64, f64),
}

fn class_key(c: u8) -> &'static str {
    match c {
        0 => "dataset.standing",
        1 => "dataset.lying",
        _ => "dataset.goat",
    }
}

/// `#/dataset/SOURCE/YYYY-MM-DD` (both optional).
#[component]
pub fn Dataset(arg: Option<String>) -> impl IntoView {
    let ctx = ctx();
    let arg = arg.unwrap_or_default();
    let mut parts = arg.split('/');
    let (source, date) = super::source_and_day(&mut parts);
    let kind = RwSignal::new(SampleKind::Range);
    let count = RwSignal::new(20u32);
    let tag = RwSignal::new(String::new());
    let truth_only = RwSignal::new(false);
    let export_truth = RwSignal::new(true);
    let cams = RwSignal::new(Vec::<Camera>::new());
    let frames = RwSignal::new(None::<Result<Vec<DatasetFrame>, String>>);
    let sampling: jobs::Followed = RwSignal::new(None);
    let exporting: jobs::Followed = RwSignal::new(None);
    let selected = RwSignal::new(None::<DatasetFrame>);
    let edit = RwSignal::new(Vec::<GroundBox>::new());
    let sel_box = RwSignal::new(None::<usize>);
    let drag = RwSignal::new(Drag::Idle);
    let new_class = RwSignal::new(2u8);
    let saved = RwSignal::new(None::<Result<String, String>>);
    let pic = NodeRef::<html::Div>::new();

    super::fetch_cameras(cams, source);
    let load = move || {
        let path = format!(
            "/api/v1/dataset/frames?source={}&reviewed={}",
            api::q(&source.get_untracked()),
            truth_only.get_untracked()
        );
        spawn_local(async move {
            let r = api::get::<Vec<DatasetFrame>>(&path)
                .await
                .map_err(|e| e.message);
            let _ = frames.try_set(Some(r));
        });
    };
    Effect::new(move |_| {
        source.track();
        truth_only.track();
        load();
    });
    // A finished sample shows its frames.
    Effect::new(move |_| {
        if sampling
            .get()
            .is_some_and(|j| j.is_ok_and(|j| j.state == animov_api::JobState::Done))
        {
            load();
        }
    });
    let open = move |f: DatasetFrame| {
        edit.set(f.boxes.clone());
        sel_box.set(None);
        saved.set(None);
        selected.set(Some(f));
    };
    let take = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let Some(day) = time::parse_ymd(&date.get_untracked()) else {
            return;
        };
        let body = serde_json::json!({
            "source": source.get_untracked(),
            "from_ms": day,
            "to_ms": time::next_day(day),
            "kind": kind.get_untracked(),
            "count": count.get_untracked(),
            "tag": Some(tag.get_untracked()).filter(|t| !t.trim().is_empty()),
        });
        jobs::start("/api/v1/dataset/sample", body, sampling);
    };
    let export = move |format: ExportFormat| {
        let body = serde_json::json!({
            "format": format,
            "source": source.get_untracked(),
            "reviewed_only": export_truth.get_untracked(),
        });
        jobs::start("/api/v1/dataset/export", body, exporting);
    };

    // The picture's pixel under the mouse.
    let point = move |ev: &ev::MouseEvent| -> Option<(f64, f64, f64)> {
        let f = selected.get_untracked()?;
        let el = pic.get_untracked()?;
        let r = el.get_bounding_client_rect();
        if r.width() <= 0.0 || r.height() <= 0.0 {
            return None;
        }
        let scale = f64::from(f.width) / r.width();
        let x = (f64::from(ev.client_x()) - r.left()) * scale;
        let y = (f64::from(ev.client_y()) - r.top()) * f64::from(f.height) / r.height();
        Some((x, y, scale))
    };
    let size = move || {
        selected
            .get_untracked()
            .map_or((1.0, 1.0), |f| (f64::from(f.width), f64::from(f.height)))
    };
    let down = move |ev: ev::MouseEvent| {
        let Some((x, y, scale)) = point(&ev) else {
            return;
        };
        ev.prevent_default();
        let grabbed =
            edit.with_untracked(|b| boxes::grab(b, sel_box.get_untracked(), x, y, 8.0 * scale));
        match grabbed {
            Some(g) => {
                let i = match g {
                    Grab::Move { i, .. } | Grab::Resize { i, .. } => i,
                };
                sel_box.set(Some(i));
                drag.set(Drag::Grabbed(g));
            }
            None => {
                let c = new_class.get_untracked();
                let i = edit.with_untracked(Vec::len);
                edit.update(|b| b.push(boxes::spanned(x, y, x, y, f64::MAX, f64::MAX, c)));
                sel_box.set(Some(i));
                drag.set(Drag::Drawing(i, x, y));
            }
        }
    };
    let moved = move |ev: ev::MouseEvent| {
        let d = drag.get_untracked();
        if d == Drag::Idle {
            return;
        }
        let Some((x, y, _)) = point(&ev) else {
            return;
        };
        let (w, h) = size();
        edit.update(|b| {
            let next = match d {
                Drag::Grabbed(g) => boxes::dragged(g, b, x, y, w, h),
                Drag::Drawing(i, ax, ay) => b
                    .get(i)
                    .map(|old| (i, boxes::spanned(ax, ay, x, y, w, h, old.class))),
                Drag::Idle => None,
            };
            if let Some((i, nb)) = next
                && let Some(slot) = b.get_mut(i)
            {
                *slot = nb;
            }
        });
    };
    let up = move |_| {
        if drag.get_untracked() == Drag::Idle {
            return;
        }
        drag.set(Drag::Idle);
        let before = edit.with_untracked(Vec::len);
        edit.update(boxes::tidy);
        if edit.with_untracked(Vec::len) < before {
            sel_box.set(None);
        }
    };
    let set_class = move |c: u8| {
        new_class.set(c);
        if let Some(i) = sel_box.get_untracked() {
            edit.update(|b| {
                if let Some(x) = b.get_mut(i) {
                    x.class = c;
                }
            });
        }
    };
    let delete_box = move || {
        if let Some(i) = sel_box.get_untracked() {
            edit.update(|b| {
                if i < b.len() {
                    b.remove(i);
                }
            });
            sel_box.set(None);
        }
    };
    let keys = move |ev: ev::KeyboardEvent| match ev.key().as_str() {
        "Delete" | "Backspace" => {
            ev.prevent_default();
            delete_box();
        }
        "1" => set_class(0),
        "2" => set_class(1),
        "3" => set_class(2),
        _ => {}
    };
    let save = move |_| {
        let Some(f) = selected.get_untracked() else {
            return;
        };
        let body = BoxesInput {
            boxes: edit.get_untracked(),
        };
        spawn_local(async move {
            let r = api::send::<_, DatasetFrame>(
                "PUT",
                &format!("/api/v1/dataset/frames/{}", f.id),
                &body,
            )
            .await;
            match r {
                Ok(done) => {
                    let next = frames.with_untracked(|fs| {
                        fs.as_ref().and_then(|r| r.as_ref().ok()).and_then(|fs| {
                            fs.iter()
                                .skip_while(|x| x.id != done.id)
                                .skip(1)
                                .find(|x| x.reviewed_by.is_none())
                                .cloned()
                        })
                    });
                    let _ = frames.try_update(|fs| {
                        if let Some(Ok(fs)) = fs
                            && let Some(slot) = fs.iter_mut().find(|x| x.id == done.id)
                        {
                            *slot = done.clone();
                        }
                    });
                    let _ =
                        saved.try_set(Some(Ok(format!("{} #{}", ctx.t("dataset.saved"), done.id))));
                    if let Some(n) = next {
                        let _ = edit.try_set(n.boxes.clone());
                        let _ = sel_box.try_set(None);
                        let _ = selected.try_set(Some(n));
                    } else {
                        let _ = selected.try_set(Some(done));
                    }
                }
                Err(e) => {
                    let _ = saved.try_set(Some(Err(e.message)));
                }
            }
        });
    };
    let delete_frame = move |_| {
        let Some(f) = selected.get_untracked() else {
            return;
        };
        if !web_sys::window()
            .and_then(|w| w.confirm_with_message(ctx.t("dataset.delete_confirm")).ok())
            .unwrap_or(false)
        {
            return;
        }
        spawn_local(async move {
            match api::send::<_, ()>("DELETE", &format!("/api/v1/dataset/frames/{}", f.id), &())
                .await
            {
                Ok(()) => {
                    let _ = selected.try_set(None);
                    load();
                }
                Err(e) => {
                    let _ = saved.try_set(Some(Err(e.message)));
                }
            }
        });
    };

    view! {
        <section class="page">
            <h2>{move || ctx.t("dataset.title")}</h2>
            <p class="muted">{move || ctx.t("dataset.hint")}</p>
            <form id="dataset-take" class="row" on:submit=take>
                <label>{move || ctx.t("timeline.camera")}
                    <select id="dataset-camera" prop:value=move || source.get()
                        on:change=move |ev| source.set(event_target_value(&ev))>
                        {move || cams.get().into_iter().map(|c| {
                            let s = c.source.clone();
                            view! { <option value=s.clone() selected=move || source.get() == s>{c.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || ctx.t("dataset.day")}
                    <input type="date" id="dataset-day" prop:value=move || date.get()
                        on:change=move |ev| date.set(event_target_value(&ev))/>
                </label>
                <label>{move || ctx.t("dataset.which")}
                    <select id="dataset-kind" on:change=move |ev| kind.set(match event_target_value(&ev).as_str() {
                        "notes" => SampleKind::Notes,
                        "disagree" => SampleKind::Disagree,
                        _ => SampleKind::Range,
                    })>
                        <option value="range">{move || ctx.t("dataset.kind_range")}</option>
                        <option value="notes">{move || ctx.t("dataset.kind_notes")}</option>
                        <option value="disagree">{move || ctx.t("dataset.kind_disagree")}</option>
                    </select>
                </label>
                {move || (kind.get() == SampleKind::Notes).then(|| view! {
                    <label>{ctx.t("dataset.tag")}
                        <input id="dataset-tag" prop:value=move || tag.get() on:input=move |ev| tag.set(event_target_value(&ev))/>
                    </label>
                })}
                <label>{move || ctx.t("dataset.count")}
                    <input type="number" id="dataset-count" min="1" max="500" prop:value=move || count.get().to_string()
                        on:input=move |ev| count.set(event_target_value(&ev).parse().unwrap_or(20))/>
                </label>
                <button type="submit" id="dataset-take-go">{move || ctx.t("dataset.take")}</button>
            </form>
            {jobs::show(sampling, "dataset-sample", "dataset.taking", "dataset.list")}

            <h3>{move || ctx.t("dataset.frames")}</h3>
            <label><input type="checkbox" id="dataset-truth-only" prop:checked=move || truth_only.get()
                on:change=move |ev| truth_only.set(event_target_checked(&ev))/>{move || ctx.t("dataset.truth_only")}</label>
            {move || match frames.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox message=e/> }.into_any(),
                Some(Ok(fs)) if fs.is_empty() => view! { <p class="muted" id="dataset-empty">{ctx.t("dataset.none")}</p> }.into_any(),
                Some(Ok(fs)) => {
                    let (n, checked) = (fs.len(), fs.iter().filter(|f| f.reviewed_by.is_some()).count());
                    view! {
                        <p class="muted" id="dataset-count-line">{format!("{n} {} · {checked} {}", ctx.t("dataset.n_frames"), ctx.t("dataset.n_checked"))}</p>
                        <div class="thumbs" id="dataset-thumbs">
                            {fs.into_iter().map(|f| {
                                let id = f.id;
                                let checked = f.reviewed_by.is_some();
                                let label = format!("{} · {} {}", time::hm_s(f.ts_ms), f.boxes.len(), ctx.t("dataset.boxes"));
                                let src = api::media(&format!("/api/v1/dataset/frames/{id}/image"));
                                view! {
                                    <button type="button" class="thumb" class:checked=checked
                                        class:selected=move || selected.with(|s| s.as_ref().is_some_and(|s| s.id == id))
                                        on:click=move |_| open(f.clone())>
                                        <img src=src alt="" loading="lazy"/>
                                        <span>{if checked { "✓ " } else { "" }}{label}</span>
                                    </button>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}

            {move || selected.get().map(|f| {
                let (w, h) = (f.width, f.height);
                let src = api::media(&format!("/api/v1/dataset/frames/{}/image", f.id));
                view! {
                    <div class="box-editor" id="box-editor" tabindex="0" on:keydown=keys>
                        <p class="muted">{ctx.t("dataset.editor_hint")}</p>
                        <div class="row">
                            {(0u8..3).map(|c| view! {
                                <button type="button" class=format!("class-{c}") id=format!("box-class-{c}")
                                    class:active=move || new_class.get() == c
                                    on:click=move |_| set_class(c)>{move || format!("{} {}", c + 1, ctx.t(class_key(c)))}</button>
                            }).collect_view()}
                            <button type="button" id="box-delete" on:click=move |_| delete_box()>{ctx.t("dataset.delete_box")}</button>
                            <button type="button" id="box-save" class="primary" on:click=save>{ctx.t("dataset.save")}</button>
                            <button type="button" id="frame-delete" on:click=delete_frame>{ctx.t("dataset.delete_frame")}</button>
                        </div>
                        <p class="muted" id="box-editor-info">{move || format!("{} · {} {} · {}",
                            time::ymd_hm(f.ts_ms),
                            edit.with(Vec::len), ctx.t("dataset.boxes"),
                            selected.with(|s| s.as_ref().and_then(|s| s.reviewed_by.clone()))
                                .map_or_else(|| ctx.t("dataset.from_detector").to_string(), |by| format!("{} {by}", ctx.t("dataset.checked_by"))))}</p>
                        <div class="box-picture" node_ref=pic on:mousedown=down on:mousemove=moved on:mouseup=up on:mouseleave=up>
                            <img src=src alt="" draggable="false"/>
                            <svg viewBox=format!("0 0 {w} {h}") preserveAspectRatio="none">
                                {move || edit.get().into_iter().enumerate().map(|(i, b)| {
                                    let sel = sel_box.get() == Some(i);
                                    let cls = format!("gt gt-{}{}", b.class, if sel { " selected" } else { "" });
                                    let handles = sel.then(|| [(b.x, b.y), (b.x + b.w, b.y), (b.x, b.y + b.h), (b.x + b.w, b.y + b.h)]
                                        .into_iter()
                                        .map(|(x, y)| view! { <rect class="handle" x=x - 4.0 y=y - 4.0 width="8" height="8"/> })
                                        .collect_view());
                                    view! {
                                        <rect class=cls x=b.x y=b.y width=b.w height=b.h/>
                                        {handles}
                                    }
                                }).collect_view()}
                            </svg>
                        </div>
                        {move || saved.get().map(|r| match r {
                            Ok(m) => view! { <p class="ok" id="box-saved">{m}</p> }.into_any(),
                            Err(e) => view! { <ErrorBox message=e/> }.into_any(),
                        })}
                    </div>
                }
            })}

            <h3>{move || ctx.t("dataset.export")}</h3>
            <p class="muted">{move || ctx.t("dataset.export_hint")}</p>
            <div class="row">
                <label><input type="checkbox" id="dataset-export-truth" prop:checked=move || export_truth.get()
                    on:change=move |ev| export_truth.set(event_target_checked(&ev))/>{move || ctx.t("dataset.truth_only")}</label>
                <button type="button" id="dataset-export-yolo" on:click=move |_| export(ExportFormat::Yolo)>"YOLO (zip)"</button>
                <button type="button" id="dataset-export-coco" on:click=move |_| export(ExportFormat::Coco)>"COCO (zip)"</button>
            </div>
            {jobs::show(exporting, "dataset-export", "dataset.exporting", "dataset.download")}
            <p class="muted">{move || DATASET_CLASSES.iter().enumerate().map(|(i, c)| format!("{i} = {c}")).collect::<Vec<_>>().join(" · ")}</p>
        </section>
    }
}
