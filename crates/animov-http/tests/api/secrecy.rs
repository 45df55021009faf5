//! A camera's password stays secret, on SQLite and MariaDB: it goes to the
//! secrets store (an owner-only file here), the capture still gets it (the
//! camera runs against an RTSP server that asks for it), and it is absent
//! from the database, from every log line, and from the output of every
//! route of the API for every role.

use std::{
    io::Write,
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use animov_engine::config::SecretsBackend;
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{Cred, Env, envs_with};

const SECRET: &str = "S3cr3t-Pw!";
const SECRET_IN_URI: &str = "S3cr3t-Pw%21";

/// Every log line of this test binary, at debug level.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;
impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let sub = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(|| Capture)
            .finish();
        let _ = tracing::subscriber::set_global_default(sub);
    });
}

struct Rtsp(Child);
impl Drop for Rtsp {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

/// An RTSP camera that asks for `farmer` / [`SECRET`], on the first free
/// port from `port`; returns it and the port.
fn rtsp_camera(port: u16) -> (Rtsp, u16) {
    for p in port..port + 20 {
        if let Some(camera) = rtsp_camera_on(p) {
            return (camera, p);
        }
    }
    panic!("no free port for the RTSP camera from {port}");
}

fn rtsp_camera_on(port: u16) -> Option<Rtsp> {
    let script = format!(
        "{}/../animov-vision/tests/support/rtsp_server.py",
        std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test")
    );
    let mut child = Command::new("/usr/bin/python3")
        .args([script.as_str(), &port.to_string(), "-", "farmer", SECRET])
        .stdout(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 with python3-gi and gir1.2-gst-rtsp-server-1.0 (scripts/setup.sh test)");
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    if line.trim() != "ready" {
        let _ = child.wait();
        return None;
    }
    Some(Rtsp(child))
}

async fn get_bytes(env: &Env, uri: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let req = Request::get(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let resp = env.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    (
        status,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

fn leaks(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.contains(SECRET) || text.contains(SECRET_IN_URI)
}

/// Every GET route of the OpenAPI document, parameters filled in; the
/// endless streams (events, MJPEG) are left out.
fn get_routes(openapi: &Value, source: &str) -> Vec<String> {
    let now = animov_store::now_ms();
    let mut routes = Vec::new();
    for (path, ops) in openapi["paths"].as_object().unwrap() {
        if ops.get("get").is_none() || path.ends_with("/events") || path.ends_with(".mjpg") {
            continue;
        }
        let p = path
            .replace("{source}", source)
            .replace("{id}", "1")
            .replace("{username}", "admin");
        routes.push(format!(
            "{p}?source={source}&from={}&to={now}&day={}&access_token=",
            now - 86_400_000,
            now - 86_400_000
        ));
    }
    routes
}

#[tokio::test]
async fn a_camera_password_never_leaves_the_secrets_store() {
    capture_logs();
    let (_camera, port) = rtsp_camera(30_000 + (std::process::id() % 20_000) as u16);
    for e in envs_with(|c| {
        c.secrets = SecretsBackend::File;
        c.vision.snapshots_per_hour = 0;
    })
    .await
    {
        let b = e.backend;
        let admin = e.login("admin").await;
        let uri = format!("rtsp://farmer:{SECRET_IN_URI}@127.0.0.1:{port}/cam");
        let masked = format!("rtsp://farmer:•••@127.0.0.1:{port}/cam");

        // Tested before saving: the right password works, a wrong one is named.
        let (s, v) = e.test_camera(&admin, json!({"uri": uri})).await;
        assert_eq!(s, StatusCode::OK, "{b}: {}", v["error"]);
        assert_eq!(v["width"], 320, "{b}");
        let wrong = format!("rtsp://farmer:not-it@127.0.0.1:{port}/cam");
        let (s, v) = e.test_camera(&admin, json!({"uri": wrong})).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("wrong_credentials")),
            "{b}: {v}"
        );

        // Added: the answer shows the mask; the secrets store has the password.
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/cameras",
                Cred::Bearer(&admin),
                Some(json!({"source": "cam-pw", "name": "Pen with a password", "uri": uri})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {v}");
        assert_eq!(v["uri"], masked, "{b}");
        let file = e
            .state
            .config
            .data_dir
            .join("secrets/camera-password-cam-pw");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            SECRET_IN_URI,
            "{b}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // The capture opens it with the password: the camera runs.
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, h) = e
                .call("GET", "/api/v1/cameras/health", Cred::Bearer(&admin), None)
                .await;
            let cam = h
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["source"] == "cam-pw")
                .cloned();
            if cam
                .as_ref()
                .is_some_and(|c| c["frames_out"].as_u64() > Some(0))
            {
                break;
            }
            assert!(Instant::now() < until, "{b}: the camera never ran: {cam:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Edited with the mask: the stored password is kept; tested with the mask, it is used.
        let (s, v) = e
            .call(
                "PUT",
                "/api/v1/cameras/cam-pw",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 2", "herd_size": 12, "uri": masked})),
            )
            .await;
        assert_eq!(
            (s, v["uri"].as_str()),
            (StatusCode::OK, Some(masked.as_str())),
            "{b}: {v}"
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            SECRET_IN_URI,
            "{b}"
        );
        let (s, v) = e
            .test_camera(&admin, json!({"uri": masked, "source": "cam-pw"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        // An admin cannot send the stored password elsewhere (to read it there).
        let elsewhere = format!("rtsp://farmer:•••@127.0.0.2:{port}/cam");
        let (s, v) = e
            .test_camera(&admin, json!({"uri": elsewhere, "source": "cam-pw"}))
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("uri")),
            "{b}: {v}"
        );
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/cameras/cam-pw",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 2", "uri": elsewhere})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let still = e.state.store.camera("cam-pw").await.unwrap().unwrap();
        assert_eq!(
            still.uri.as_deref(),
            Some(masked.as_str()),
            "{b}: unchanged"
        );

        // Every route, every role.
        let (_, openapi) = e
            .call("GET", "/api/v1/openapi.json", Cred::Bearer(&admin), None)
            .await;
        let routes = get_routes(&openapi, "cam-pw");
        assert!(routes.len() > 30, "{b}: {} routes", routes.len());
        for user in ["admin", "olga", "victor"] {
            let token = e.login(user).await;
            for r in &routes {
                let (status, body) = get_bytes(&e, &format!("{r}{token}"), &token).await;
                assert!(
                    !leaks(&body),
                    "{b}: {user} GET {r} ({status}) shows the password"
                );
            }
        }

        // Not in the database.
        match e.sqlite_file() {
            Some(path) => {
                for f in [path.clone(), path.with_extension("sqlite-wal")] {
                    if let Ok(bytes) = std::fs::read(&f) {
                        assert!(!leaks(&bytes), "{b}: {} holds the password", f.display());
                    }
                }
            }
            None => {
                let cams = e.state.store.cameras().await.unwrap();
                let c = cams.iter().find(|c| c.source == "cam-pw").unwrap();
                assert_eq!(c.uri.as_deref(), Some(masked.as_str()), "{b}");
            }
        }
        let (s, _) = e
            .call(
                "DELETE",
                "/api/v1/cameras/cam-pw",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    }
    // Not in any log line (capture failures, camera starts, requests...).
    let logs = LOGS.lock().unwrap();
    let text = String::from_utf8_lossy(&logs);
    assert!(text.contains("cam-pw"), "the logs were captured");
    assert!(
        text.contains("•••"),
        "the masked address is what the logs show"
    );
    assert!(!leaks(&logs), "a log line shows the password");
}
