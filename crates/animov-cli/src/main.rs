//! `animov`: the engine's command line. This file parses the arguments and
//! hands each command to its module; [`setup`] prepares the data folder for
//! the commands that use one.

mod args;
mod commands;
mod setup;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    if matches!(cli.command, args::Command::Serve(_)) {
        // Months of running: an allocator that gives memory back.
        animov_engine::memory::restart_with_tuned_allocator();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
