//! Test helpers: an engine state per backend and a tiny HTTP client over `oneshot`.
#![allow(dead_code, missing_docs)]

use animov_api::Role;
use animov_engine::{Engine, Seams, config::Config, users};
use animov_http::{AppState, app};
use animov_store::testing::{self, TestStore};
use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub struct Env {
    pub backend: &'static str,
    pub state: AppState,
    pub app: Router,
    _store: TestStore,
    _ui: tempfile::TempDir,
}

/// A stand-in for the built UI: the engine serves whatever `ui_dir` holds.
pub const UI_MARKER: &str = "<!doctype html><title>AniMOV test UI</title>";

pub async fn envs() -> Vec<Env> {
    envs_with(|_| {}).await
}

/// Same, with the configuration changed by `tune` first.
pub async fn envs_with(tune: impl Fn(&mut Config)) -> Vec<Env> {
    let mut out = Vec::new();
    for t in testing::all().await {
        out.push(env_of(t, &tune, None).await);
    }
    out
}

/// One environment on SQLite whose engine runs on `seams` (a manual clock, a fake mailer).
pub async fn env_with_seams(seams: Seams) -> Env {
    env_of(testing::sqlite().await, &|_| {}, Some(seams)).await
}

/// Same, with the configuration changed by `tune` first.
pub async fn env_with_seams_tuned(seams: Seams, tune: &dyn Fn(&mut Config)) -> Env {
    env_of(testing::sqlite().await, tune, Some(seams)).await
}

/// One environment on test store `t`, its configuration changed by `tune`.
pub async fn env_on(t: TestStore, tune: &dyn Fn(&mut Config)) -> Env {
    env_of(t, tune, None).await
}

async fn env_of(t: TestStore, tune: &dyn Fn(&mut Config), seams: Option<Seams>) -> Env {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), UI_MARKER).unwrap();
    std::fs::write(ui.path().join("app.js"), "console.log(1)").unwrap();
    let mut cfg = Config {
        max_body_mib: 1,
        ui_dir: Some(ui.path().to_path_buf()),
        data_dir: ui.path().join("data"),
        ..Config::default()
    };
    tune(&mut cfg);
    let engine = match seams {
        Some(s) => Engine::with_seams(t.store.clone(), cfg, s),
        None => Engine::new(t.store.clone(), cfg),
    };
    let state = AppState::new(engine, b"test signing key, 32 bytes long!");
    for (u, r) in [
        ("admin", Role::Admin),
        ("olga", Role::Operator),
        ("victor", Role::Vet),
    ] {
        users::add_user(&state.store, u, r, "password-123")
            .await
            .unwrap();
    }
    Env {
        backend: t.backend,
        app: app(state.clone()),
        state,
        _store: t,
        _ui: ui,
    }
}

pub enum Cred<'a> {
    None,
    Bearer(&'a str),
    Key(&'a str),
}

impl Env {
    pub async fn raw(&self, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, v, headers)
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        cred: Cred<'_>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(uri);
        match cred {
            Cred::None => {}
            Cred::Bearer(t) => b = b.header("authorization", format!("Bearer {t}")),
            Cred::Key(k) => b = b.header("x-api-key", k),
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let (s, v, _) = self.raw(req).await;
        (s, v)
    }

    /// Follows a job (`GET /api/v1/jobs/{id}`) until it is no longer running
    /// (2 minutes at most); returns its last state.
    pub async fn wait_job(&self, token: &str, id: u64) -> serde_json::Value {
        for _ in 0..600 {
            let (_, v) = self
                .call(
                    "GET",
                    &format!("/api/v1/jobs/{id}"),
                    Cred::Bearer(token),
                    None,
                )
                .await;
            if v["state"] != "running" {
                return v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("job {id} did not finish in 2 minutes");
    }

    /// A call whose answer is text (CSV), not JSON.
    pub async fn call_text(&self, method: &str, uri: &str, cred: Cred<'_>) -> (StatusCode, String) {
        let (s, v) = self.call(method, uri, cred, None).await;
        (s, v.as_str().map_or_else(|| v.to_string(), str::to_string))
    }

    pub async fn login(&self, user: &str) -> String {
        self.login_with(user, "password-123").await
    }

    pub async fn login_with(&self, user: &str, password: &str) -> String {
        let (s, v) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                Cred::None,
                Some(serde_json::json!({"username": user, "password": password})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["token"].as_str().unwrap().to_string()
    }

    /// `POST /api/v1/cameras/test` with `body`.
    pub async fn test_camera(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/api/v1/cameras/test",
            Cred::Bearer(token),
            Some(body),
        )
        .await
    }

    /// The SQLite database file, on SQLite.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        match &self._store.config {
            animov_store::StoreConfig::Sqlite { path } => Some(path.clone()),
            _ => None,
        }
    }

    pub async fn frame_count(&self) -> i64 {
        self.state.store.row_counts().await.unwrap().0
    }

    pub async fn close_all(&self) {
        animov_engine::minutes::close_now(&self.state, i64::MAX / 4)
            .await
            .unwrap();
    }
}

/// `POST path` with a JSON body to `app` (a router of its own state).
pub async fn post_json(app: &Router, path: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

pub const MIN: i64 = 60_000;

pub fn now() -> i64 {
    animov_store::now_ms()
}

/// About 3 hours ago, on a 15-minute boundary.
pub fn t0() -> i64 {
    (now() / (15 * MIN) - 12) * 15 * MIN
}

/// `n` frames from `from`, `step` ms apart, with varied counts.
pub fn frames(from: i64, n: i64, step: i64) -> Value {
    Value::Array(
        (0..n)
            .map(|i| serde_json::json!({"ts_ms": from + i * step, "lying": (i % 7), "standing": (i % 5)}))
            .collect(),
    )
}
