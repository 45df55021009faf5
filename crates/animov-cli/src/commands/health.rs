//! `animov health`: asks the running engine's `/health` (the container's
//! HEALTHCHECK, a monitoring probe). Reads the settings, not the database,
//! and writes no log: it runs every few seconds.

use std::{net::SocketAddr, time::Duration};

use animov_engine::config::{Config, default_data_dir};
use anyhow::{Context, bail};

use crate::args::Global;

/// The address of this install's engine: its `listen` address (a wildcard
/// address asked on loopback), `https` when `[tls]` is on.
pub fn local_url(config: &Config) -> String {
    let mut addr = config.listen;
    if addr.ip().is_unspecified() {
        addr = match addr {
            SocketAddr::V4(a) => SocketAddr::from(([127, 0, 0, 1], a.port())),
            SocketAddr::V6(a) => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port())),
        };
    }
    let scheme = if config.tls.enabled { "https" } else { "http" };
    format!("{scheme}://{addr}/health")
}

/// Exits 0 when the engine answers `/health` with 200 within `timeout`.
pub async fn run(global: &Global, url: Option<String>, timeout: Duration) -> anyhow::Result<()> {
    let url = match url {
        Some(u) => u,
        None => {
            let dir = global.data_dir.clone().unwrap_or_else(default_data_dir);
            local_url(&Config::load(&dir)?)
        }
    };
    let parsed = reqwest::Url::parse(&url).with_context(|| format!("{url} is not an address"))?;
    // The engine's own certificate is self-signed unless one was given: on
    // loopback it is this machine's engine, so it is not checked there.
    let loopback = match parsed.host_str() {
        Some("localhost") => true,
        Some(h) => h
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .danger_accept_invalid_certs(loopback)
        .build()?;
    let response = client
        .get(parsed)
        .send()
        .await
        .with_context(|| format!("no answer from {url}: is `animov serve` running?"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{url} answered {status}: {body}");
    }
    println!("{url}: {body}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_url_follows_listen_and_tls() {
        let mut c = Config::default();
        assert_eq!(local_url(&c), "http://127.0.0.1:8642/health");
        c.listen = "0.0.0.0:9000".parse().unwrap();
        c.tls.enabled = true;
        assert_eq!(local_url(&c), "https://127.0.0.1:9000/health");
        c.listen = "[::]:9000".parse().unwrap();
        assert_eq!(local_url(&c), "https://[::1]:9000/health");
        c.listen = "192.168.1.5:8642".parse().unwrap();
        c.tls.enabled = false;
        assert_eq!(local_url(&c), "http://192.168.1.5:8642/health");
    }
}
