//! The pages of the app.

mod about;
mod accounts;
mod alerts;
mod backtest;
mod budget;
mod cameras;
mod connection;
mod dataset;
mod delivery;
mod import;
pub mod live;
mod models;
mod notes;
mod recordings;
mod review;
mod rules;
mod settings;
mod setup;
pub mod storage;
pub mod sync;
mod timeline;
mod today;

pub use about::About;
pub use alerts::Alerts;
pub use cameras::Cameras;
pub use dataset::Dataset;
pub use import::Import;
pub use live::Live;
pub use models::Models;
pub use notes::Notes;
pub use review::Review;
pub use settings::Settings;
pub use setup::Setup;
pub use storage::Storage;
pub use sync::Sync;
pub use timeline::Timeline;
pub use today::Today;

use leptos::prelude::*;

/// A readable error box (never a blank page).
#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <p class="error" role="alert">{message}</p> }
}

/// A value fetched from `path` (`None` while it comes), and how to fetch it
/// again.
pub fn fetched<T>(
    path: &'static str,
) -> (
    RwSignal<Option<Result<T, String>>>,
    impl Fn() + Copy + 'static,
)
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    let value = RwSignal::new(None);
    let reload = move || {
        leptos::task::spawn_local(async move {
            let answer = crate::api::get(path).await;
            // The page may be gone by then.
            value.try_set(Some(answer.map_err(|e: crate::api::Failure| e.message)));
        })
    };
    reload();
    (value, reload)
}

/// Why a form was refused: the field to blame (if one is) and the message.
pub type Refusal = Option<(Option<String>, String)>;

/// The message next to `field` while `refusal` blames it.
pub fn field_error(
    refusal: impl Fn() -> Refusal + Send + Sync + 'static,
    field: &'static str,
) -> impl IntoView {
    move || {
        refusal()
            .filter(|(f, _)| f.as_deref() == Some(field))
            .map(|(_, m)| view! { <span class="field-error" role="alert">{m}</span> })
    }
}

/// `from`–`to` of a window around `[start, end]` (6 h before, 2 h after), for charts of an alert.
pub fn around(start: i64, end: i64) -> (i64, i64) {
    (start - 6 * 3_600_000, end + 2 * 3_600_000)
}

/// Runs `f` now and every `ms` while the page is shown.
pub fn every(ms: u64, f: impl Fn() + Clone + 'static) {
    f();
    if let Ok(handle) = set_interval_with_handle(f, std::time::Duration::from_millis(ms)) {
        on_cleanup(move || handle.clear());
    }
}

/// The camera and the day of a `SOURCE/YYYY-MM-DD/...` route argument
/// (today when absent or not a date); the rest of the parts stay in `parts`.
pub fn source_and_day<'a>(
    parts: &mut impl Iterator<Item = &'a str>,
) -> (RwSignal<String>, RwSignal<String>) {
    let source = RwSignal::new(parts.next().unwrap_or_default().to_string());
    let date = RwSignal::new(
        parts
            .next()
            .filter(|d| crate::time::parse_ymd(d).is_some())
            .map_or_else(|| crate::time::ymd(crate::time::now_ms()), str::to_string),
    );
    (source, date)
}

/// Fetches the cameras into `cams`; `source` becomes the first one when empty.
pub fn fetch_cameras(cams: RwSignal<Vec<animov_api::Camera>>, source: RwSignal<String>) {
    leptos::task::spawn_local(async move {
        if let Ok(cs) = crate::api::get::<Vec<animov_api::Camera>>("/api/v1/cameras").await {
            if source.get_untracked().is_empty()
                && let Some(c) = cs.first()
            {
                let _ = source.try_set(c.source.clone());
            }
            let _ = cams.try_set(cs);
        }
    });
}

/// The browser's repaint callback, kept while it reschedules itself.
type FrameCallback =
    std::rc::Rc<std::cell::RefCell<Option<wasm_bindgen::closure::Closure<dyn FnMut()>>>>;

/// Runs `f` before every repaint of the browser while the page is shown
/// (for drawing that follows a playing video). Once the page is left the
/// callback stops rescheduling itself (its few bytes stay).
pub fn every_frame(f: impl Fn() + 'static) {
    use wasm_bindgen::{JsCast, closure::Closure};
    let alive = std::rc::Rc::new(std::cell::Cell::new(true));
    let next: FrameCallback = FrameCallback::default();
    let (again, live) = (next.clone(), alive.clone());
    *next.borrow_mut() = Some(Closure::new(move || {
        if !live.get() {
            return;
        }
        f();
        if let (Some(w), Some(cb)) = (web_sys::window(), again.borrow().as_ref()) {
            let _ = w.request_animation_frame(cb.as_ref().unchecked_ref());
        }
    }));
    if let (Some(w), Some(cb)) = (web_sys::window(), next.borrow().as_ref()) {
        let _ = w.request_animation_frame(cb.as_ref().unchecked_ref());
    }
    let stop = send_wrapper::SendWrapper::new(alive);
    on_cleanup(move || stop.set(false));
}

/// Text of a camera state.
pub fn state_key(state: animov_api::SourceState) -> &'static str {
    match state {
        animov_api::SourceState::Live => "state.live",
        animov_api::SourceState::Idle => "state.idle",
        animov_api::SourceState::NoData => "state.no_data",
    }
}
