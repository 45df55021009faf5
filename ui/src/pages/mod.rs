//! The pages of the app.

mod about;
mod alerts;
pub mod live;
mod models;
mod settings;
mod timeline;
mod today;

pub use about::About;
pub use alerts::Alerts;
pub use live::Live;
pub use models::Models;
pub use settings::Settings;
pub use timeline::Timeline;
pub use today::Today;

use leptos::prelude::*;

/// A readable error box (never a blank page).
#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <p class="error" role="alert">{message}</p> }
}

/// Runs `f` now and every `ms` while the page is shown.
pub fn every(ms: u64, f: impl Fn() + Clone + 'static) {
    f();
    if let Ok(handle) = set_interval_with_handle(f, std::time::Duration::from_millis(ms)) {
        on_cleanup(move || handle.clear());
    }
}

/// Text of a camera state.
pub fn state_key(state: &str) -> &'static str {
    match state {
        "live" => "state.live",
        "idle" => "state.idle",
        _ => "state.no_data",
    }
}
