//! Serving the API: binding the address with a clear message when it cannot
//! be, starting the engine's jobs and the server together, and stopping both
//! in order ([`animov_engine::runtime::Runtime::shutdown`]).

use std::net::SocketAddr;

use animov_engine::{
    demo::DemoCamera,
    runtime::{self, Runtime},
};
use tokio::net::TcpListener;

use crate::{AppState, app};

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why, and what to do.
        reason: String,
    },
}

/// A running engine and its server.
#[derive(Debug)]
pub struct Running {
    /// Where the API listens.
    pub addr: SocketAddr,
    runtime: Runtime,
    state: AppState,
}

impl Running {
    /// Stops the cameras, the jobs and the server (draining requests for up
    /// to 10 s), then closes the store.
    pub async fn shutdown(self) {
        self.runtime.shutdown(&self.state).await;
    }
}

/// Binds `addr`, starts the engine's jobs (and, with `demo_cameras`, the
/// demo stream) and serves [`app`] until shut down. Returns once listening.
pub async fn start(
    state: AppState,
    addr: SocketAddr,
    demo_cameras: Option<Vec<DemoCamera>>,
) -> Result<Running, ServeError> {
    let listen = |reason: String| ServeError::Listen { addr, reason };
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        listen(match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "the port is in use: is AniMOV already running? Choose another with --listen".into()
            }
            std::io::ErrorKind::PermissionDenied => {
                "permission denied: use a port above 1024".into()
            }
            _ => e.to_string(),
        })
    })?;
    let addr = listener.local_addr().map_err(|e| listen(e.to_string()))?;
    let mut runtime = runtime::start(&state, demo_cameras).await;
    let service = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let mut stopped = runtime.stopped();
    runtime.attach(tokio::spawn(async move {
        let graceful = axum::serve(listener, service).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        });
        if let Err(e) = graceful.await {
            tracing::error!(error = %e, "HTTP server failed");
        }
    }));
    tracing::info!(%addr, "AniMOV engine listening");
    Ok(Running {
        addr,
        runtime,
        state,
    })
}
