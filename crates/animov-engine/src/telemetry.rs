//! Logging: human-readable lines on the console and in daily rotating files
//! under `<data-dir>/logs/` (kept for `log_files` days).

use std::path::Path;

use tracing_appender::{non_blocking::WorkerGuard, rolling};
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Keeps the log file writer alive (drop it last).
pub type LogGuard = WorkerGuard;

/// Starts logging; keep the guard alive until exit so the file is flushed.
/// The level comes from `RUST_LOG` (default `info`). The first line says
/// which AniMOV writes (version, commit, build date, schema, models).
pub fn init(data_dir: &Path, log_files: usize) -> Option<WorkerGuard> {
    let guard = start(data_dir, log_files);
    tracing::info!("AniMOV {}", crate::about::version_line());
    guard
}

fn start(data_dir: &Path, log_files: usize) -> Option<WorkerGuard> {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let console = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter_compat(filter());
    let _ = std::fs::create_dir_all(data_dir.join("logs"));
    let file = rolling::Builder::new()
        .rotation(rolling::Rotation::DAILY)
        .filename_prefix("animov")
        .filename_suffix("log")
        .max_log_files(log_files.max(1))
        .build(data_dir.join("logs"));
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer = fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter_compat(filter());
            let _ = tracing_subscriber::registry()
                .with(console)
                .with(file_layer)
                .try_init();
            Some(guard)
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(console).try_init();
            tracing::warn!(error = %e, "cannot write log files; logging to the console only");
            None
        }
    }
}

/// `Layer::with_filter` under a name that does not clash with `Iterator::filter`.
trait WithFilterCompat<S>: tracing_subscriber::Layer<S> + Sized
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn with_filter_compat(
        self,
        f: EnvFilter,
    ) -> tracing_subscriber::filter::Filtered<Self, EnvFilter, S> {
        tracing_subscriber::Layer::with_filter(self, f)
    }
}

impl<S, L> WithFilterCompat<S> for L
where
    L: tracing_subscriber::Layer<S>,
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
}
