//! Alert email through a real SMTP server started here (Python's aiosmtpd on
//! loopback): the message arrives; a server that refuses is retried with
//! backoff and never stops the alert from opening or being pushed; the test
//! email endpoint reports what happened.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use crate::common::{Cred, Env, MIN, envs_with, now};
use animov_api::Event;
use animov_engine::{
    alerting::{self, Cache},
    config::{EmailTls, SecretsBackend},
    mail::outbox,
};
use axum::http::StatusCode;
use serde_json::json;

/// The SMTP sink: killed when dropped.
struct Sink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    fn start(fail_first: u32) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
            .join("tests/api/support/smtp_sink.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(dir.path())
            .arg(fail_first.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (the test setup installs python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("SMTP sink did not start: {line:?}"))
            .parse()
            .unwrap();
        Sink { child, port, dir }
    }

    fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

/// A port where nothing listens.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn env_for(port: u16) -> Vec<Env> {
    envs_with(move |c| {
        c.email.smtp_host = Some("127.0.0.1".into());
        c.email.smtp_port = port;
        c.email.tls = EmailTls::None;
        c.email.timeout_seconds = 5;
        c.email.from = "AniMOV <animov@farm.test>".into();
        c.secrets = SecretsBackend::File;
    })
    .await
}

/// Makes cam-1 (named by a person) go quiet 5 minutes ago, sets a
/// recipient, and evaluates: one offline alert.
async fn raise_offline(env: &Env) {
    let admin = env.login("admin").await;
    let (s, _) = env
        .call(
            "PUT",
            "/api/v1/alerts/delivery",
            Cred::Bearer(&admin),
            Some(json!({"email_to": ["farmer@farm.test"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = env
        .call(
            "POST",
            "/api/v1/ingest",
            Cred::Bearer(&admin),
            Some(json!({"source": "cam-1", "frames": [{"ts_ms": now() - 5 * MIN, "lying": 3, "standing": 4}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Named by a person: a camera whose silence matters.
    let (s, _) = env
        .call(
            "PUT",
            "/api/v1/cameras/cam-1",
            Cred::Bearer(&admin),
            Some(json!({"name": "Pen 1"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        alerting::evaluate_all(&env.state, now(), &mut Cache::default()).await,
        1
    );
}

#[tokio::test]
async fn an_alert_email_reaches_the_smtp_server() {
    let sink = Sink::start(0);
    for env in env_for(sink.port).await {
        let before = sink.messages().len();
        raise_offline(&env).await;
        assert_eq!(outbox::send_due(&env.state, now()).await.unwrap(), 1);
        let msgs = sink.messages();
        assert_eq!(msgs.len(), before + 1, "{}", env.backend);
        let m = &msgs[msgs.len() - 1];
        assert!(m.contains("X-Rcpt: farmer@farm.test"), "{m}");
        assert!(m.contains("From: AniMOV <animov@farm.test>"), "{m}");
        assert!(
            m.contains("Subject: [AniMOV] CRITIQUE — cam-1 : caméra hors ligne"),
            "{m}"
        );
        assert!(m.contains("camera offline (critical) on cam-1"), "{m}");
        let n = &env.state.store.notifications(5).await.unwrap()[0];
        assert_eq!((n.state.as_str(), n.attempts), ("sent", 1));
        // Nothing left to send.
        assert_eq!(outbox::send_due(&env.state, now()).await.unwrap(), 0);

        let admin = env.login("admin").await;
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/alerts/delivery/test",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["sent_to"], json!(["farmer@farm.test"]));
        assert!(
            sink.messages()
                .last()
                .unwrap()
                .contains("This is a test message from AniMOV")
        );

        // The daily digest, at its hour, once.
        let hour = (now() / 3_600_000) % 24;
        let (s, _) = env
            .call(
                "PUT",
                "/api/v1/alerts/delivery",
                Cred::Bearer(&admin),
                Some(json!({"email_to": ["farmer@farm.test"], "digest_hour": hour, "utc_offset_minutes": 0})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let before = sink.messages().len();
        assert_eq!(outbox::send_due(&env.state, now()).await.unwrap(), 1);
        let msgs = sink.messages();
        assert_eq!(msgs.len(), before + 1);
        let digest = msgs.last().unwrap();
        assert!(digest.contains("Résumé du jour — 1 alerte(s)"), "{digest}");
        assert!(
            digest.contains("cam-1 critical : caméra hors ligne"),
            "{digest}"
        );
        assert_eq!(
            outbox::send_due(&env.state, now()).await.unwrap(),
            0,
            "one digest a day"
        );
    }
}

#[tokio::test]
async fn a_refusing_server_is_retried_and_blocks_nothing() {
    let sink = Sink::start(1);
    for env in env_for(sink.port).await {
        let mut events = env.state.events.subscribe();
        raise_offline(&env).await;
        let mut heard = false;
        while let Ok(e) = events.try_recv() {
            heard |= matches!(e, Event::Alert(c) if c.notify);
        }
        assert!(
            heard,
            "the UI and the desktop hear of the alert whatever the email does"
        );
        let t = now();
        outbox::send_due(&env.state, t).await.unwrap();
        let n = env.state.store.notifications(5).await.unwrap()[0].clone();
        // Only the first message of the sink's life is refused (SQLite runs first).
        if env.backend == "sqlite" {
            assert_eq!((n.state.as_str(), n.attempts), ("pending", 1), "{n:?}");
            assert!(n.last_error.as_deref().unwrap().contains("451"), "{n:?}");
            assert!(n.next_try_ms >= t + 60_000, "retried after a minute");
            // Not yet due: nothing is sent; a minute later it goes through.
            assert_eq!(outbox::send_due(&env.state, t + 1_000).await.unwrap(), 0);
            assert_eq!(outbox::send_due(&env.state, t + 61_000).await.unwrap(), 1);
            let n = env.state.store.notifications(5).await.unwrap()[0].clone();
            assert_eq!((n.state.as_str(), n.attempts), ("sent", 2));
        }
        // The alert is there regardless.
        let cam = env.state.store.camera_id("cam-1").await.unwrap().unwrap();
        assert_eq!(env.state.store.open_alerts(cam).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_dead_server_is_retried_with_a_clear_error() {
    for env in env_for(dead_port()).await {
        raise_offline(&env).await;
        let t = now();
        outbox::send_due(&env.state, t).await.unwrap();
        let n = env.state.store.notifications(5).await.unwrap()[0].clone();
        assert_eq!((n.state.as_str(), n.attempts), ("pending", 1), "{n:?}");
        let err = n.last_error.unwrap();
        assert!(
            err.contains("127.0.0.1:") && err.contains("did not take the message"),
            "{err}"
        );
        let admin = env.login("admin").await;
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/alerts/delivery/test",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::BAD_GATEWAY, Some("smtp_failed")),
            "{v}"
        );
        let (s, v) = env
            .call(
                "GET",
                "/api/v1/alerts/notifications",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v[0]["state"], "pending");
    }
}
