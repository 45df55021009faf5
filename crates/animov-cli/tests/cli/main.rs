//! The `animov` binary run as people run it. One test binary: a module per command.

mod alerts;
mod commands;
mod common;
mod detect;
mod forecast;
mod sync_kill;
