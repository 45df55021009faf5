//! Connections through their TLS handshake before axum sees them.
//!
//! A background task accepts TCP connections and gives each handshake a
//! task of its own (at most [`MAX_HANDSHAKES`] at once, each cut after
//! [`HANDSHAKE`]), so a slow or silent client never holds the others up.
//! Someone who types `http://` gets a redirect to `https://`, not a
//! connection reset.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::{Semaphore, mpsc},
    task::JoinHandle,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};

use super::ServerTls;

/// Longest a client may take to finish its TLS handshake.
pub const HANDSHAKE: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; beyond, new connections are closed.
pub const MAX_HANDSHAKES: usize = 256;
/// The first byte of a TLS ClientHello (a handshake record).
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// A [`axum::serve::Listener`] of TLS connections.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    task: JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `tcp` with the certificate of `tls`.
    pub fn new(tcp: TcpListener, tls: &ServerTls) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(Arc::clone(&tls.config));
        let (tx, ready) = mpsc::channel(64);
        let task = tokio::spawn(accept_loop(tcp, acceptor, tx));
        Ok(TlsListener { ready, local, task })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accepting task ended (only when dropped): nothing more comes.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let busy = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let (stream, peer) = match tcp.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait, then go on.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&busy).try_acquire_owned() else {
            tracing::debug!(%peer, "too many TLS handshakes at once: connection closed");
            continue;
        };
        let (acceptor, ready) = (acceptor.clone(), ready.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE, handshake(stream, &acceptor)).await {
                Ok(Ok(Some(tls))) => {
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Ok(None)) => tracing::debug!(%peer, "plain HTTP on the HTTPS port: redirected"),
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

/// The handshake, or (for a plain HTTP request) a redirect and `None`.
async fn handshake(
    stream: TcpStream,
    acceptor: &TlsAcceptor,
) -> std::io::Result<Option<TlsStream<TcpStream>>> {
    let mut first = [0u8; 1];
    if stream.peek(&mut first).await? == 1 && first[0] != TLS_HANDSHAKE_RECORD {
        redirect(stream).await?;
        return Ok(None);
    }
    acceptor.accept(stream).await.map(Some)
}

/// Answers a plain HTTP request with a redirect to the same place over HTTPS.
async fn redirect(mut stream: TcpStream) -> std::io::Result<()> {
    let local = stream.local_addr()?;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let answer = redirect_answer(&String::from_utf8_lossy(&head), local);
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}

/// The answer to a plain HTTP request head: `301` to `https://` + its Host
/// (this server's address when absent or odd) + its path.
pub(crate) fn redirect_answer(head: &str, local: SocketAddr) -> String {
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .filter(|p| p.starts_with('/') && p.bytes().all(|c| c.is_ascii_graphic()))
        .unwrap_or("/");
    let host = lines
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case("host").then(|| v.trim())
        })
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b".-:[]".contains(&c))
        })
        .map_or_else(|| local.to_string(), str::to_string);
    let location = format!("https://{host}{path}");
    let body = format!("This AniMOV is served over HTTPS: {location}\n");
    format!(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_sent_to_the_same_place_over_https() {
        let local: SocketAddr = "0.0.0.0:8642".parse().unwrap();
        let a = redirect_answer(
            "GET /#/alerts HTTP/1.1\r\nHost: barn.local:8642\r\n\r\n",
            local,
        );
        assert!(a.starts_with("HTTP/1.1 301"), "{a}");
        assert!(
            a.contains("\r\nLocation: https://barn.local:8642/#/alerts\r\n"),
            "{a}"
        );
        // No Host, or one that would write headers of its own: this server's address.
        let odd = redirect_answer("GET /x HTTP/1.1\r\nHost: a\rSet-Cookie: x\r\n\r\n", local);
        assert!(
            odd.contains("Location: https://0.0.0.0:8642/x\r\n"),
            "{odd}"
        );
        let none = redirect_answer("garbage", local);
        assert!(
            none.contains("Location: https://0.0.0.0:8642/\r\n"),
            "{none}"
        );
    }
}
