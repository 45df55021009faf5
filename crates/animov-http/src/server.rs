//! Serving the API: binding the address with a clear message when it cannot
//! be, starting the engine's jobs and the server together, and stopping both
//! in order ([`animov_engine::runtime::Runtime::shutdown`]).

use std::{
    convert::Infallible,
    net::SocketAddr,
    task::{Context, Poll},
};

use animov_api::TlsStatus;
use animov_engine::{
    demo::DemoCamera,
    runtime::{self, Runtime},
};
use axum::{
    Router,
    extract::{ConnectInfo, Request},
    response::Response,
    routing::future::RouteFuture,
    serve::IncomingStream,
};
use tokio::net::TcpListener;

use crate::{
    AppState, app,
    tls::{ServerTls, TlsListener},
};

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
/// demo stream) and serves [`app`] over HTTP until shut down. Returns once
/// listening.
pub async fn start(
    state: AppState,
    addr: SocketAddr,
    demo_cameras: Option<Vec<DemoCamera>>,
) -> Result<Running, ServeError> {
    start_with(state, addr, demo_cameras, None).await
}

/// The same, over HTTPS with `tls` when given.
pub async fn start_with(
    state: AppState,
    addr: SocketAddr,
    demo_cameras: Option<Vec<DemoCamera>>,
    tls: Option<ServerTls>,
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
    let lan = !addr.ip().is_loopback();
    let status = match &tls {
        Some(t) => TlsStatus {
            lan,
            ..t.status.clone()
        },
        None => TlsStatus::plain(lan),
    };
    let _ = state.reached.set(status.clone());
    let mut runtime = runtime::start(&state, demo_cameras).await;
    let router = app(state.clone());
    let mut stopped = runtime.stopped();
    let stop = async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    match tls {
        None => {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            runtime.attach(tokio::spawn(async move {
                let served = axum::serve(listener, service).with_graceful_shutdown(stop);
                if let Err(e) = served.await {
                    tracing::error!(error = %e, "HTTP server failed");
                }
            }));
        }
        Some(tls) => {
            let listener = TlsListener::new(listener, &tls).map_err(|e| listen(e.to_string()))?;
            runtime.attach(tokio::spawn(async move {
                let served = axum::serve(listener, WithPeer(router)).with_graceful_shutdown(stop);
                if let Err(e) = served.await {
                    tracing::error!(error = %e, "HTTPS server failed");
                }
            }));
        }
    }
    match &status.fingerprint_sha256 {
        Some(fp) => {
            tracing::info!(%addr, fingerprint_sha256 = %fp, "AniMOV engine listening (HTTPS)")
        }
        None if lan => tracing::warn!(
            %addr,
            "AniMOV engine listening on the network over plain HTTP: passwords cross the LAN \
             readable by anyone on it; set [tls] enabled = true in animov.toml"
        ),
        None => tracing::info!(%addr, "AniMOV engine listening"),
    }
    Ok(Running {
        addr,
        runtime,
        state,
    })
}

/// Each TLS connection's router, given the client's address as
/// `ConnectInfo<SocketAddr>` (what `into_make_service_with_connect_info`
/// gives plain TCP connections; the sign-in limiter reads it).
#[derive(Clone)]
struct WithPeer(Router);

impl tower::Service<IncomingStream<'_, TlsListener>> for WithPeer {
    type Response = PeerRouter;
    type Error = Infallible;
    type Future = std::future::Ready<Result<PeerRouter, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, conn: IncomingStream<'_, TlsListener>) -> Self::Future {
        std::future::ready(Ok(PeerRouter {
            router: self.0.clone(),
            peer: *conn.remote_addr(),
        }))
    }
}

/// The router of one connection.
#[derive(Clone)]
struct PeerRouter {
    router: Router,
    peer: SocketAddr,
}

impl tower::Service<Request> for PeerRouter {
    type Response = Response;
    type Error = Infallible;
    type Future = RouteFuture<Infallible>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        tower::Service::<Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        self.router.call(req)
    }
}
