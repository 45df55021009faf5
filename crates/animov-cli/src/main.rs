//! `animov`: the engine's command line. This file parses the arguments and
//! hands each command to its module; [`setup`] prepares the data folder for
//! the commands that use one.

mod args;
mod commands;
mod setup;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

fn main() -> ExitCode {
    let mut command = args::Cli::command();
    // `--version` says what this binary is made of (reading the models
    // costs a moment, so only when asked).
    if std::env::args()
        .skip(1)
        .any(|a| a == "--version" || a == "-V")
    {
        let line: &'static str = Box::leak(animov_engine::about::version_line().into_boxed_str());
        command = command.version(line).long_version(line);
    }
    let cli = match args::Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
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
