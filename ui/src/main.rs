//! AniMOV's UI: a Leptos client-side app served by the engine (and shown in
//! the desktop window). Every request and response type comes from `animov-api`.

mod alerts;
mod api;
mod app;
mod boxes;
mod chart;
mod events;
mod explain;
mod i18n;
mod jobs;
mod notes;
mod pages;
mod review;
mod time;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
