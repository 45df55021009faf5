//! One module per command. The analyst tools (`detect`, `forecast eval`,
//! `alerts replay`) need no data folder and run on a blocking thread.

mod alerts;
mod demo;
mod detect;
mod forecast;
mod health;
mod import;
mod manual;
mod migrate;
mod secret;
mod serve;
mod sync;
mod user;

use crate::args::{
    AlertsCommand, Cli, Command, ForecastCommand, ImportCommand, SecretCommand, SyncCommand,
    UserCommand,
};

/// Runs the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let g = &cli.global;
    match cli.command {
        Command::Serve(a) => serve::run(g, a).await,
        Command::Demo(a) => demo::run(g, a).await,
        Command::Import {
            what:
                ImportCommand::Csv {
                    paths,
                    source,
                    utc_offset_minutes,
                },
        } => import::run(g, &paths, source, utc_offset_minutes).await,
        Command::User {
            what: UserCommand::Add { username, role, .. },
        } => user::add(g, &username, &role).await,
        Command::Secret {
            what: SecretCommand::Set { name },
        } => secret::set(g, &name),
        Command::Migrate => migrate::run(g).await,
        Command::Health {
            url,
            timeout_seconds,
        } => {
            health::run(
                g,
                url,
                std::time::Duration::from_secs(timeout_seconds.into()),
            )
            .await
        }
        Command::Manual { dir } => manual::write(&dir),
        Command::Alerts {
            what:
                AlertsCommand::Replay {
                    input,
                    herd_size,
                    replay,
                },
        } => blocking(move || alerts::replay(&input, herd_size, &replay)).await,
        Command::Alerts {
            what:
                AlertsCommand::Eval {
                    dir,
                    simulate_feedback,
                    replay,
                },
        } => blocking(move || alerts::eval(&dir, simulate_feedback, &replay)).await,
        Command::Forecast {
            what:
                ForecastCommand::Eval {
                    input,
                    spec,
                    holdout_days,
                    json,
                },
        } => blocking(move || forecast::eval(&input, &spec, holdout_days, json)).await,
        Command::Forecast {
            what: ForecastCommand::Retrain { source, json },
        } => forecast::retrain(g, source.as_deref(), json).await,
        Command::Detect(a) => blocking(move || detect::run(&a)).await,
        Command::Sync {
            what:
                SyncCommand::Join {
                    url,
                    code,
                    name,
                    farm,
                },
        } => sync::join(g, &url, &code, name, farm).await,
        Command::Sync {
            what: SyncCommand::Status { json },
        } => sync::status(g, json).await,
        Command::Sync {
            what: SyncCommand::Now,
        } => sync::now(g).await,
    }
}

async fn blocking(f: impl FnOnce() -> anyhow::Result<()> + Send + 'static) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(f).await?
}
