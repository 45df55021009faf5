//! `animov-desktop`: the AniMOV window (see the library for what it does).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    animov_desktop::run()
}
