//! Adding or editing a camera: its name, address and herd size; **Test**
//! grabs a picture through the engine's real capture path and shows the
//! detector's boxes, or says in plain words why it failed — before anything
//! is saved. A stored password shows as `•••` and is kept unless replaced.

use animov_api::{
    Camera, CameraPicture, CameraProblem, CameraTest, CameraUpdate, NewCamera, UploadedVideo,
    VideoDevice,
};
use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use super::picture::PictureView;
use crate::{
    api,
    app::ctx,
    pages::{ErrorBox, field_error},
};

/// A source name from a display name: lower case letters, digits and `-`.
fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.trim().to_lowercase().chars() {
        let c = match c {
            'a'..='z' | '0'..='9' => c,
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            _ => '-',
        };
        if !(c == '-' && (s.is_empty() || s.ends_with('-'))) {
            s.push(c);
        }
    }
    s.trim_end_matches('-').chars().take(64).collect()
}

/// The test's outcome: a picture, or a problem in plain words.
#[derive(Clone)]
enum Tested {
    Picture(Box<CameraPicture>),
    Problem { code: String, detail: String },
}

/// The camera form: a new camera (`None`), or `camera` to edit.
#[component]
pub fn CameraForm(camera: Option<Camera>) -> impl IntoView {
    let ctx = ctx();
    let editing = camera.is_some();
    let name = RwSignal::new(camera.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let source = RwSignal::new(
        camera
            .as_ref()
            .map(|c| c.source.clone())
            .unwrap_or_default(),
    );
    let source_edited = RwSignal::new(editing);
    let uri = RwSignal::new(
        camera
            .as_ref()
            .and_then(|c| c.uri.clone())
            .unwrap_or_default(),
    );
    let herd = RwSignal::new(
        camera
            .as_ref()
            .and_then(|c| c.herd_size)
            .map(|h| h.to_string())
            .unwrap_or_default(),
    );
    let tested = RwSignal::new(None::<Tested>);
    let testing = RwSignal::new(false);
    let error = RwSignal::new(None::<(Option<String>, String)>);
    // The first field has the keyboard's focus.
    let name_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = name_ref.get() {
            let _ = el.focus();
        }
    });
    // The machine's USB cameras, and a video file sent from the file dialog.
    let devices = RwSignal::new(Vec::<VideoDevice>::new());
    spawn_local(async move {
        let answer = api::get::<Vec<VideoDevice>>("/api/v1/cameras/devices").await;
        if devices.is_disposed() {
            return;
        }
        if let Ok(d) = answer {
            devices.set(d);
        }
    });
    let sending = RwSignal::new(None::<f64>);
    let pick_video = move |ev: ev::Event| {
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        sending.set(Some(0.0));
        error.set(None);
        spawn_local(async move {
            let path = format!("/api/v1/videos?name={}", api::q(&file.name()));
            let r = api::upload::<UploadedVideo>(&path, &file, move |p| {
                sending.try_set(Some(p));
            })
            .await;
            sending.set(None);
            match r {
                Ok(v) => {
                    uri.set(v.path);
                    tested.set(None);
                }
                Err(e) => error.set(Some((Some("uri".into()), e.message))),
            }
        });
    };
    let test = move |_| {
        testing.set(true);
        tested.set(None);
        let req = CameraTest {
            uri: uri.get_untracked(),
            source: editing.then(|| source.get_untracked()),
        };
        spawn_local(async move {
            let r = api::send::<_, CameraPicture>("POST", "/api/v1/cameras/test", &req).await;
            if tested.is_disposed() {
                return;
            }
            tested.set(Some(match r {
                Ok(p) => Tested::Picture(Box::new(p)),
                Err(e) => Tested::Problem {
                    code: e.code,
                    detail: e.message,
                },
            }));
            testing.set(false);
        });
    };
    let save = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let herd_size = match herd.get_untracked().trim() {
            "" => None,
            h => match h.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    error.set(Some((
                        Some("herd_size".into()),
                        ctx.t("cameras.herd_number").into(),
                    )));
                    return;
                }
            },
        };
        let src = source.get_untracked();
        let (method, path, body) = if editing {
            let body = CameraUpdate {
                name: name.get_untracked(),
                herd_size,
                uri: Some(uri.get_untracked()),
            };
            let path = format!("/api/v1/cameras/{}", api::q(&src));
            ("PUT", path, serde_json::to_value(body))
        } else {
            let body = NewCamera {
                source: src,
                name: name.get_untracked(),
                uri: uri.get_untracked(),
                herd_size,
            };
            (
                "POST",
                "/api/v1/cameras".to_string(),
                serde_json::to_value(body),
            )
        };
        let Ok(body) = body else {
            return;
        };
        spawn_local(async move {
            let answer = api::send::<_, Camera>(method, &path, &body).await;
            if error.is_disposed() {
                return;
            }
            match answer {
                Ok(c) => {
                    let _ = web_sys::window()
                        .map(|w| w.location().set_hash(&format!("#/cameras/{}", c.source)));
                }
                Err(e) => error.set(Some((e.field, e.message))),
            }
        });
    };
    let refusal = move || error.get();
    view! {
        <h1>{move || if editing { ctx.t("cameras.edit") } else { ctx.t("cameras.add") }}</h1>
        <form class="form" id="camera-form" on:submit=save>
            <label>{move || ctx.t("settings.name")}
                <input id="cam-name" node_ref=name_ref required prop:value=name on:input=move |ev| {
                    let v = event_target_value(&ev);
                    if !source_edited.get_untracked() {
                        source.set(slug(&v));
                    }
                    name.set(v);
                }/>
                {field_error(refusal, "name")}
            </label>
            <label>{move || ctx.t("cameras.source")}
                <input id="cam-source" required disabled=editing pattern="[A-Za-z0-9_.\\-]{1,64}" prop:value=source on:input=move |ev| {
                    source_edited.set(true);
                    source.set(event_target_value(&ev));
                }/>
                <small class="muted">{move || ctx.t("cameras.source_hint")}</small>
                {field_error(refusal, "source")}
            </label>
            <label>{move || ctx.t("cameras.address")}
                <input id="cam-uri" required placeholder="rtsp://user:password@192.168.1.20:554/stream1" prop:value=uri
                    on:input=move |ev| { uri.set(event_target_value(&ev)); tested.set(None); }/>
                <small class="muted">{move || ctx.t("cameras.address_hint")}</small>
                {field_error(refusal, "uri")}
            </label>
            {move || (!devices.get().is_empty()).then(|| view! {
                <label>{ctx.t("cameras.usb")}
                    <select id="cam-device" on:change=move |ev| { uri.set(event_target_value(&ev)); tested.set(None); }>
                        <option value="">"—"</option>
                        {devices.get().into_iter().map(|d| view! {
                            <option value=d.path.clone()>{format!("{} ({})", d.name, d.path)}</option>
                        }).collect_view()}
                    </select>
                </label>
            })}
            <label>{move || ctx.t("cameras.video_file")}
                <input id="cam-video" type="file" accept="video/*,.mkv,.mp4,.avi,.mov,.ts" on:change=pick_video/>
                {move || sending.get().map(|p| view! { <progress max="1" value=p></progress> })}
            </label>
            <label>{move || ctx.t("settings.herd")}
                <input id="cam-herd" type="number" min="1" max="10000" prop:value=herd on:input=move |ev| herd.set(event_target_value(&ev))/>
                {field_error(refusal, "herd_size")}
            </label>
            <p class="actions">
                <button type="button" id="cam-test" on:click=test disabled=move || testing.get() || uri.get().trim().is_empty()>
                    {move || if testing.get() { ctx.t("cameras.testing") } else { ctx.t("cameras.test") }}
                </button>
                " "
                <button type="submit" id="cam-save">{move || ctx.t("cameras.save")}</button>
                " "
                <a href="#/cameras">{move || ctx.t("common.cancel")}</a>
            </p>
            {move || error.get().filter(|(f, _)| f.is_none()).map(|(_, m)| view! { <ErrorBox message=m/> })}
        </form>
        <section id="cam-test-result">
            {move || match tested.get() {
                None => ().into_any(),
                Some(Tested::Picture(p)) => view! {
                    <p class="ok" id="cam-test-ok">
                        {format!("{} {} · {} {} · {} ms", p.standing, ctx.t("common.standing"), p.lying, ctx.t("common.lying"), p.elapsed_ms)}
                    </p>
                    <PictureView pic=*p/>
                }.into_any(),
                Some(Tested::Problem { code, detail }) => {
                    let plain = code.parse::<CameraProblem>().ok().map(|p| ctx.label(p.label()));
                    view! {
                        <div class="error" role="alert" id="cam-test-error" data-code=code.clone()>
                            <p>{plain.unwrap_or_default()}</p>
                            <p class="muted">{detail}</p>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}
