//! The pages of the app.

mod about;
mod accounts;
mod alerts;
mod cameras;
mod delivery;
mod import;
pub mod live;
mod models;
mod rules;
mod settings;
mod setup;
pub mod storage;
mod timeline;
mod today;

pub use about::About;
pub use alerts::Alerts;
pub use cameras::Cameras;
pub use import::Import;
pub use live::Live;
pub use models::Models;
pub use settings::Settings;
pub use setup::Setup;
pub use storage::Storage;
pub use timeline::Timeline;
pub use today::Today;

use leptos::prelude::*;

/// A readable error box (never a blank page).
#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <p class="error" role="alert">{message}</p> }
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

/// Text of a camera state.
pub fn state_key(state: animov_api::SourceState) -> &'static str {
    match state {
        animov_api::SourceState::Live => "state.live",
        animov_api::SourceState::Idle => "state.idle",
        animov_api::SourceState::NoData => "state.no_data",
    }
}
