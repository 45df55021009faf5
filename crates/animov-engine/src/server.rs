//! `animov serve`: start order, the listener, graceful shutdown.

use std::{net::SocketAddr, time::Duration};

use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use crate::{EngineError, alerting, api, demo, forecasting, jobs, state::AppState, vision};

/// A running engine: its address and how to stop it.
pub struct Running {
    /// Where the API listens.
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops jobs and the server (draining requests for up to 10 s), then closes the store.
    pub async fn shutdown(self, state: &AppState) {
        // Cameras first: they close their recordings and hand their last
        // frames to the writer, which drains them before it stops.
        state.stopping.cancel();
        let st = state.clone();
        let _ = tokio::task::spawn_blocking(move || st.vision.stop_all()).await;
        let _ = self.stop.send(true);
        for t in self.tasks {
            if tokio::time::timeout(Duration::from_secs(10), t)
                .await
                .is_err()
            {
                tracing::warn!("a task did not stop within 10 s");
            }
        }
        state.store.close().await;
        tracing::info!("engine stopped");
    }
}

/// Binds `addr` and starts the API, the minute closer, the cameras (their
/// writer and recording retention) and, without the vision pipeline, the
/// count-only demo stream. Returns once listening.
pub async fn start(
    state: AppState,
    addr: SocketAddr,
    demo_cameras: Option<Vec<demo::DemoCamera>>,
) -> Result<Running, EngineError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| EngineError::Listen {
            addr,
            reason: match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "the port is in use: is AniMOV already running? Choose another with --listen"
                        .into()
                }
                std::io::ErrorKind::PermissionDenied => {
                    "permission denied: use a port above 1024".into()
                }
                _ => e.to_string(),
            },
        })?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(jobs::minute_closer(
        state.clone(),
        stopped.clone(),
    )));
    tasks.push(tokio::spawn(forecasting::job(
        state.clone(),
        stopped.clone(),
    )));
    if state.config.alerts.enabled {
        tasks.push(tokio::spawn(alerting::job(state.clone(), stopped.clone())));
        tasks.push(tokio::spawn(alerting::email::outbox(
            state.clone(),
            stopped.clone(),
        )));
    }
    if state.config.vision.enabled {
        tasks.push(tokio::spawn(vision::writer(state.clone(), stopped.clone())));
        tasks.push(tokio::spawn(vision::retention(
            state.clone(),
            stopped.clone(),
        )));
        if let Err(e) = state.vision.sync(&state).await {
            tracing::error!(error = %e, "cameras not started");
        }
    } else if let Some(cams) = demo_cameras {
        // Without the vision pipeline, the demo streams counts only.
        tasks.push(tokio::spawn(demo::stream(
            state.clone(),
            cams,
            state.config.demo.interval_ms,
            stopped.clone(),
        )));
    }
    let app = api::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let mut server_stop = stopped.clone();
    tasks.push(tokio::spawn(async move {
        let graceful = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = server_stop.wait_for(|s| *s).await;
        });
        if let Err(e) = graceful.await {
            tracing::error!(error = %e, "HTTP server failed");
        }
    }));
    tracing::info!(%addr, "AniMOV engine listening");
    Ok(Running { addr, stop, tasks })
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
