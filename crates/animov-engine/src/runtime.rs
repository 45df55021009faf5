//! Start order of the engine's jobs, and their orderly stop: cameras first
//! (they close their recordings and hand their last frames to the writer),
//! then every job and whatever else was attached (the HTTP server), then the
//! store.

use std::time::Duration;

use tokio::{sync::watch, task::JoinHandle};

use crate::{Engine, alerting, cameras, demo, forecasting, mail, minutes};

/// The running jobs and how to stop them.
#[derive(Debug)]
pub struct Runtime {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Runtime {
    /// Resolves once the runtime is told to stop (for tasks of other crates
    /// that stop with it, like the HTTP server).
    pub fn stopped(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// A task to wait for when stopping (it must end on [`Runtime::stopped`]).
    pub fn attach(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// Stops the cameras, then every task (draining for up to 10 s each),
    /// then closes the store.
    pub async fn shutdown(self, engine: &Engine) {
        engine.stopping.cancel();
        let e = engine.clone();
        let _ = tokio::task::spawn_blocking(move || e.cameras.stop_all()).await;
        let _ = self.stop.send(true);
        for t in self.tasks {
            if tokio::time::timeout(Duration::from_secs(10), t)
                .await
                .is_err()
            {
                tracing::warn!("a task did not stop within 10 s");
            }
        }
        engine.store.close().await;
        tracing::info!("engine stopped");
    }
}

/// Starts the minute closer, forecasts, alerts and email (when enabled), the
/// cameras with their writer, recording retention and the salvage of
/// segments the last stop cut short, and — without the
/// vision pipeline — the count-only stream of `demo_cameras`.
pub async fn start(engine: &Engine, demo_cameras: Option<Vec<demo::DemoCamera>>) -> Runtime {
    let (stop, stopped) = watch::channel(false);
    let e = || engine.clone();
    let mut tasks = vec![
        tokio::spawn(minutes::closer(e(), stopped.clone())),
        tokio::spawn(forecasting::run(e(), stopped.clone())),
    ];
    if !crate::sync::is_central(engine) {
        tasks.push(tokio::spawn(crate::sync::site::run(e(), stopped.clone())));
        tasks.push(tokio::spawn(forecasting::nightly::task(
            e(),
            stopped.clone(),
        )));
    }
    if engine.config.alerts.enabled {
        tasks.push(tokio::spawn(alerting::run(e(), stopped.clone())));
        tasks.push(tokio::spawn(mail::outbox::run(e(), stopped.clone())));
    }
    if let Err(err) = cameras::address::move_clear_passwords(&engine.store, &engine.secrets).await {
        tracing::warn!(error = %err, "camera passwords not checked");
    }
    // A central runs no cameras: its recordings are the sites' metadata.
    if engine.config.vision.enabled && !crate::sync::is_central(engine) {
        tasks.push(tokio::spawn(cameras::writer::run(e(), stopped.clone())));
        tasks.push(tokio::spawn(cameras::retention::run(e(), stopped.clone())));
        // A disk full at start: no recording starts until there is room.
        if let Err(err) = cameras::disk::check(engine).await {
            tracing::warn!(error = %err, "free disk space not checked");
        }
        tasks.push(tokio::spawn(cameras::disk::run(e(), stopped.clone())));
        // Segments the last stop cut short (named by their start: the
        // cameras started below write newer ones).
        let (engine_now, started) = (e(), animov_store::now_ms());
        tasks.push(tokio::spawn(async move {
            if let Err(err) = cameras::salvage::pass(&engine_now, started).await {
                tracing::warn!(error = %err, "recordings cut by the last stop not checked");
            }
        }));
        if let Err(err) = engine
            .cameras
            .sync(&engine.store, &engine.config, &engine.secrets)
            .await
        {
            tracing::error!(error = %err, "cameras not started");
        }
    } else if let Some(cams) = demo_cameras {
        // Without the vision pipeline, the demo streams counts only.
        let interval = engine.config.demo.interval_ms;
        tasks.push(tokio::spawn(demo::stream(
            e(),
            cams,
            interval,
            stopped.clone(),
        )));
    }
    Runtime { stop, tasks }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}
