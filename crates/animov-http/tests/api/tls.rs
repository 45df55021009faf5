//! HTTPS for `animov serve`: a real server on a loopback port, reached with
//! a real TLS client (reqwest over OpenSSL, as a barn PC syncing to its
//! central does).

use std::time::Duration;

use animov_api::TlsStatus;
use animov_engine::{config::SecretsBackend, secrets::Secrets};
use animov_http::{server, tls};
use animov_store::testing;
use serde_json::json;

use crate::common;

fn client_trusting(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .tls_info(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn served_over_https_with_a_self_signed_certificate() {
    let env = common::env_on(testing::sqlite().await, &|c| {
        c.tls.enabled = true;
        c.secrets = SecretsBackend::File;
    })
    .await;
    let cfg = &env.state.config;
    let made = tls::load(cfg, &Secrets::new(SecretsBackend::File, &cfg.data_dir)).unwrap();
    let fp = made.status.fingerprint_sha256.clone().unwrap();
    let pem = made.status.certificate_pem.clone().unwrap();
    let running = server::start_with(
        env.state.clone(),
        "127.0.0.1:0".parse().unwrap(),
        None,
        Some(made),
    )
    .await
    .unwrap();
    let port = running.addr.port();
    let client = client_trusting(&pem);

    // Trusted through its own certificate (what `sync.ca_file` takes), by
    // address and by name; the certificate served is the one fingerprinted.
    for host in ["127.0.0.1", "localhost"] {
        let r = client
            .get(format!("https://{host}:{port}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
        let info = r.extensions().get::<reqwest::tls::TlsInfo>().unwrap();
        assert_eq!(tls::fingerprint(info.peer_certificate().unwrap()), fp);
    }
    // Signing in over HTTPS (the client's address reaches the sign-in limiter:
    // the sixth wrong password from it waits) and what Settings reads.
    let base = format!("https://127.0.0.1:{port}/api/v1");
    let login = |password: &'static str| {
        client
            .post(format!("{base}/auth/login"))
            .header("content-type", "application/json")
            .body(json!({"username": "olga", "password": password}).to_string())
            .send()
    };
    let ok: serde_json::Value =
        serde_json::from_str(&login("password-123").await.unwrap().text().await.unwrap()).unwrap();
    let token = ok["token"].as_str().expect("a token").to_string();
    let mut last = 0;
    for _ in 0..6 {
        last = login("wrong").await.unwrap().status().as_u16();
    }
    assert_eq!(last, 429, "the limiter sees the client's address");
    let status: TlsStatus = serde_json::from_str(
        &client
            .get(format!("{base}/server/tls"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(status.https && status.self_signed && !status.lan);
    assert_eq!(status.fingerprint_sha256.as_deref(), Some(fp.as_str()));
    assert!(
        status.names.iter().any(|n| n == "127.0.0.1"),
        "{:?}",
        status.names
    );
    assert!(
        status
            .certificate_pem
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );

    // A client that does not trust it stops before sending anything.
    let strict = reqwest::Client::new();
    let refused = strict
        .get(format!("https://127.0.0.1:{port}/health"))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "an unknown self-signed certificate was trusted"
    );
    // Plain HTTP on the HTTPS port: sent to the same page over HTTPS.
    let plain = client
        .get(format!("http://127.0.0.1:{port}/api/v1/version?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 301);
    assert_eq!(
        plain.headers()["location"],
        format!("https://127.0.0.1:{port}/api/v1/version?x=1").as_str()
    );
    // A client that connects and says nothing does not hold the others up
    // (handshakes run apart; a silent one is cut after 10 s).
    let _silent = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        client
            .get(format!("https://127.0.0.1:{port}/health"))
            .send(),
    )
    .await
    .expect("a silent connection held the server up")
    .unwrap();
    assert_eq!(r.status(), 200);
    running.shutdown().await;
}

#[tokio::test]
async fn a_certificate_of_ones_own_and_files_that_cannot_be_used() {
    let dir = tempfile::tempdir().unwrap();
    let own = rcgen::generate_simple_self_signed(vec!["barn.example.org".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, own.cert.pem()).unwrap();
    std::fs::write(&key, own.signing_key.serialize_pem()).unwrap();
    let mut cfg = animov_engine::config::Config {
        data_dir: dir.path().join("data"),
        secrets: SecretsBackend::File,
        ..Default::default()
    };
    cfg.tls.enabled = true;
    cfg.tls.cert_file = Some(cert.clone());
    cfg.tls.key_file = Some(key.clone());
    let secrets = Secrets::new(SecretsBackend::File, &cfg.data_dir);
    let loaded = tls::load(&cfg, &secrets).unwrap();
    assert!(!loaded.status.self_signed);
    assert_eq!(
        loaded.status.fingerprint_sha256.as_deref(),
        Some(tls::fingerprint(own.cert.der()).as_str())
    );
    assert!(!cfg.data_dir.join("tls").exists(), "nothing made");

    // Another certificate's key.
    let other = rcgen::KeyPair::generate().unwrap();
    let other_key = dir.path().join("other-key.pem");
    std::fs::write(&other_key, other.serialize_pem()).unwrap();
    cfg.tls.key_file = Some(other_key);
    let e = tls::load(&cfg, &secrets).unwrap_err().to_string();
    assert!(e.contains("cannot be used together"), "{e}");
    // A file that is not there, or not PEM.
    cfg.tls.key_file = Some(key);
    cfg.tls.cert_file = Some(dir.path().join("missing.pem"));
    let e = tls::load(&cfg, &secrets).unwrap_err().to_string();
    assert!(
        e.contains("tls.cert_file") && e.contains("missing.pem"),
        "{e}"
    );
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    cfg.tls.cert_file = Some(garbage);
    let e = tls::load(&cfg, &secrets).unwrap_err().to_string();
    assert!(e.contains("PEM"), "{e}");
}
