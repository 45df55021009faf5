//! The site's HTTP client to its central: join, push, pull. HTTPS with the
//! system's CAs or a CA file (for a central with a self-signed certificate).

use std::{path::Path, time::Duration};

use animov_api::{ErrorBody, JoinReply, JoinRequest, PullReply, PushReply, PushRequest};
use reqwest::{StatusCode, header};

use super::{SyncError, wire};

/// A connection to one central.
#[derive(Debug, Clone)]
pub struct Central {
    http: reqwest::Client,
    base: String,
    credential: Option<String>,
}

/// What one push cost.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    /// Compressed bytes of the body.
    pub bytes: usize,
    /// Round trip, ms.
    pub rtt_ms: i64,
}

impl Central {
    /// A client for `url` (`http://` or `https://`), trusting `ca_file` when set.
    pub fn new(
        url: &str,
        ca_file: Option<&Path>,
        credential: Option<String>,
    ) -> Result<Central, SyncError> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(SyncError::Local(format!(
                "{url} is not the address of a central: it must start with https:// (or http:// on a trusted LAN)"
            )));
        }
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("animov-sync/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                SyncError::Local(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                SyncError::Local(format!("{} is not a PEM certificate: {e}", path.display()))
            })?;
            b = b.add_root_certificate(cert);
        }
        let http = b
            .build()
            .map_err(|e| SyncError::Local(format!("cannot set up HTTPS: {e}")))?;
        Ok(Central {
            http,
            base,
            credential,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1/sync/{path}", self.base)
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, SyncError> {
        let cred = self.credential.as_deref().ok_or_else(|| {
            SyncError::Unauthorized(
                "this site has not joined a central: run `animov sync join URL CODE`".into(),
            )
        })?;
        Ok(req.bearer_auth(cred))
    }

    /// Joins with a one-time code.
    pub async fn join(&self, req: &JoinRequest) -> Result<JoinReply, SyncError> {
        let resp = self
            .http
            .post(self.url("join"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(req).map_err(|e| SyncError::Local(e.to_string()))?)
            .send()
            .await
            .map_err(unreachable)?;
        read(resp).await
    }

    /// Sends one batch (gzip); the reply says it was committed.
    pub async fn push(&self, req: &PushRequest) -> Result<(PushReply, Sent), SyncError> {
        let body = wire::encode(req)?;
        let bytes = body.len();
        let started = std::time::Instant::now();
        let resp = self
            .auth(
                self.http
                    .post(self.url("push"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::CONTENT_ENCODING, "gzip")
                    .body(body),
            )?
            .send()
            .await
            .map_err(unreachable)?;
        let reply = read(resp).await?;
        Ok((
            reply,
            Sent {
                bytes,
                rtt_ms: started.elapsed().as_millis() as i64,
            },
        ))
    }

    /// Sends the video of kept recording `id` (streamed from `path`, `bytes`
    /// long).
    pub async fn put_video(&self, id: i64, path: &Path, bytes: u64) -> Result<Sent, SyncError> {
        let file = tokio::fs::File::open(path).await.map_err(|e| {
            SyncError::Local(format!("cannot read the video {}: {e}", path.display()))
        })?;
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
        let started = std::time::Instant::now();
        let resp = self
            .auth(
                self.http
                    .put(self.url(&format!("videos/{id}")))
                    .header(header::CONTENT_TYPE, "video/x-matroska")
                    .header(header::CONTENT_LENGTH, bytes)
                    .timeout(Duration::from_secs(3600))
                    .body(body),
            )?
            .send()
            .await
            .map_err(unreachable)?;
        read::<serde_json::Value>(resp).await?;
        Ok(Sent {
            bytes: bytes as usize,
            rtt_ms: started.elapsed().as_millis() as i64,
        })
    }

    /// What the central's users wrote about this site after entry `after`.
    pub async fn pull(&self, after: i64) -> Result<PullReply, SyncError> {
        let resp = self
            .auth(self.http.get(self.url(&format!("pull?after={after}"))))?
            .send()
            .await
            .map_err(unreachable)?;
        read(resp).await
    }
}

fn unreachable(e: reqwest::Error) -> SyncError {
    // The chain says why (refused, DNS, certificate...).
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    if msg.to_lowercase().contains("certificate") {
        msg.push_str(
            " (a central with a certificate of its own: set [sync] ca_file to its CA certificate, PEM)",
        );
    }
    SyncError::Unreachable(msg)
}

async fn read<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T, SyncError> {
    let status = resp.status();
    let gzip = resp
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v == "gzip");
    let body = resp.bytes().await.map_err(unreachable)?;
    if status.is_success() {
        return wire::decode(&body, gzip);
    }
    let message = serde_json::from_slice::<ErrorBody>(&body)
        .map(|b| b.error.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(&body).chars().take(300).collect());
    Err(match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => SyncError::Unauthorized(message),
        s => SyncError::Refused {
            status: s.as_u16(),
            message,
        },
    })
}
