//! Client-supplied numbers and names that used to slip through: window
//! arithmetic that wrapped, source names that are paths.

use crate::common::{Cred, envs, frames, now, t0};
use animov_engine::alerting::{self, Cache};
use axum::http::StatusCode;
use serde_json::{Value, json};

const READ_ROUTES: [&str; 11] = [
    "/api/v1/stats/minutes",
    "/api/v1/stats/consolidated",
    "/api/v1/stats/hourly",
    "/api/v1/series",
    "/api/v1/forecasts",
    "/api/v1/forecasts/compare",
    "/api/v1/snapshots",
    "/api/v1/recordings",
    "/api/v1/alerts",
    "/api/v1/notes",
    "/api/v1/time-budget",
];

#[tokio::test]
async fn windows_outside_1970_to_9999_are_refused_not_wrapped() {
    for e in envs().await {
        let b = e.backend;
        let op = e.login("olga").await;
        let body = json!({"source": "cam-1", "frames": frames(t0(), 5, 1_000)});
        let (s, _) = e
            .call("POST", "/api/v1/ingest", Cred::Bearer(&op), Some(body))
            .await;
        assert_eq!(s, StatusCode::OK);
        for route in READ_ROUTES {
            for q in [
                "from=-9223372036854775808&to=9223372036854775807",
                "from=0&to=9223372036854775807",
                "from=-1&to=1000",
                "to=-9223372036854775808",
            ] {
                let (s, v) = e
                    .call(
                        "GET",
                        &format!("{route}?source=cam-1&{q}"),
                        Cred::Bearer(&op),
                        None,
                    )
                    .await;
                assert_eq!(s, StatusCode::BAD_REQUEST, "{route}?{q} ({b}): {v}");
                let msg = v["error"]["message"].as_str().unwrap_or_default();
                assert!(msg.contains("between 1970 and 9999"), "{route}?{q}: {v}");
            }
        }
        // A clip's span is checked without wrapping too.
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/clips",
                Cred::Bearer(&op),
                Some(json!({"source": "cam-1", "from_ms": i64::MIN, "to_ms": i64::MAX})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {v}");
        assert_eq!(v["error"]["field"], "to_ms", "{v}");
    }
}

#[tokio::test]
async fn source_names_that_are_paths_are_refused() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        for name in [".", "..", ".hidden", "../up"] {
            let body = json!({"source": name, "frames": frames(t0(), 2, 1_000)});
            let (s, v) = e
                .call("POST", "/api/v1/ingest", Cred::Bearer(&admin), Some(body))
                .await;
            assert!(s.is_client_error(), "ingest {name:?} ({b}): {s} {v}");
            assert_eq!(v["error"]["field"], "source", "{v}");
            let (s, v) = e
                .call(
                    "POST",
                    "/api/v1/cameras",
                    Cred::Bearer(&admin),
                    Some(json!({"source": name, "name": "Pen", "uri": "demo:"})),
                )
                .await;
            assert!(s.is_client_error(), "camera {name:?} ({b}): {s} {v}");
            assert_eq!(v["error"]["field"], "source", "{v}");
        }
        let (_, cams) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(cams, json!([]), "nothing registered ({b})");
        assert!(
            !e.state.config.data_dir.join("recordings").exists()
                || std::fs::read_dir(e.state.config.data_dir.join("recordings"))
                    .unwrap()
                    .next()
                    .is_none(),
            "nothing written ({b})"
        );
    }
}

#[tokio::test]
async fn empty_signing_keys_are_remade_and_short_ones_refused() {
    use animov_engine::{
        Engine,
        config::{Config, SecretsBackend},
    };
    let t = animov_store::testing::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        data_dir: dir.path().to_path_buf(),
        secrets: SecretsBackend::File,
        ..Config::default()
    };
    let key_file = dir.path().join("secrets/jwt-signing-key");
    std::fs::create_dir_all(key_file.parent().unwrap()).unwrap();
    // What a write cut short by a crash used to leave.
    std::fs::write(&key_file, "").unwrap();
    animov_http::AppState::open(Engine::new(t.store.clone(), cfg.clone()), None).unwrap();
    let made = std::fs::read_to_string(&key_file).unwrap();
    assert!(made.len() >= 32, "a new key: {made:?}");
    // Set by hand, too short: refused with what to do.
    std::fs::write(&key_file, "hunter2").unwrap();
    let Err(err) = animov_http::AppState::open(Engine::new(t.store.clone(), cfg), None) else {
        panic!("a 7-byte key is refused");
    };
    let msg = err.to_string();
    assert!(
        msg.contains("fewer than 32") && msg.contains("animov secret set jwt-signing-key"),
        "{msg}"
    );
}

/// A legacy INRA batch of one frame for each of `ids` (sources `cam-<id>`).
fn legacy_items(ids: std::ops::Range<i64>) -> Value {
    let d = chrono::DateTime::from_timestamp_millis(t0())
        .unwrap()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string();
    let items: Vec<Value> = ids
        .map(|i| json!({"source_id": i, "date": [d], "frame_id": i, "detect": []}))
        .collect();
    json!({"data": items})
}

#[tokio::test]
async fn a_flood_of_new_sources_registers_nothing_and_alerts_nobody() {
    for e in envs().await {
        let b = e.backend;
        let op = e.login("olga").await;
        // 10,000 distinct sources in one request: refused whole.
        let (s, v) = e
            .call(
                "POST",
                "/receive_data_animov",
                Cred::Bearer(&op),
                Some(legacy_items(0..10_000)),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("10000 new sources"),
            "{v}"
        );
        let (_, cams) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&op), None)
            .await;
        assert_eq!(cams, json!([]), "{b}");
        // Eight at a time pass, up to 64 an hour; then 429 with Retry-After.
        for k in 0..8 {
            let (s, v) = e
                .call(
                    "POST",
                    "/receive_data_animov",
                    Cred::Bearer(&op),
                    Some(legacy_items(k * 8..k * 8 + 8)),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b} batch {k}: {v}");
        }
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/receive_data_animov")
            .header("authorization", format!("Bearer {op}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(legacy_items(64..65).to_string()))
            .unwrap();
        let (s, v, headers) = e.raw(req).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{b}: {v}");
        let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=3600).contains(&wait), "{wait}");
        // Sources already known still take frames.
        let (s, v) = e
            .call(
                "POST",
                "/receive_data_animov",
                Cred::Bearer(&op),
                Some(legacy_items(0..8)),
            )
            .await;
        assert_eq!(
            (s, &v["duplicates"]),
            (StatusCode::OK, &json!(8)),
            "{b}: {v}"
        );
        // Nobody configured those 64 sources: their silence alerts nobody.
        e.close_all().await;
        let later = now() + 2 * 3_600_000;
        alerting::evaluate_all(&e.state, later, &mut Cache::default()).await;
        let alerts = offline_alerts(&e, &op).await;
        assert_eq!(alerts, json!([]), "{b}");
        // One a person gave a herd size is a camera: its silence is.
        let admin = e.login("admin").await;
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/cameras/cam-3",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 3", "herd_size": 12})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        alerting::evaluate_all(&e.state, later, &mut Cache::default()).await;
        let alerts = offline_alerts(&e, &op).await;
        let alerts = alerts.as_array().unwrap();
        assert_eq!(alerts.len(), 1, "{b}: {alerts:?}");
        assert_eq!(alerts[0]["source"], "cam-3");
    }
}

#[tokio::test]
async fn guesses_from_one_address_do_not_lock_the_owner_out() {
    for e in envs().await {
        let b = e.backend;
        let login = |addr: &'static str, password: &'static str| {
            e.raw(login_request(addr.parse().unwrap(), None, password))
        };
        for _ in 0..5 {
            let (s, _, _) = login("10.0.0.66", "wrong-wrong").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        }
        // The guesser waits, even with the right password...
        let (s, v, h) = login("10.0.0.66", "password-123").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{b}: {v}");
        assert!(h.contains_key("retry-after"));
        // ...the owner, from the barn PC, does not.
        let (s, v, _) = login("10.0.0.2", "password-123").await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(v["user"]["role"], "admin");
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_counts_for_itself() {
    let proxy: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    for e in crate::common::envs_with(|c| c.trusted_proxies = vec![proxy]).await {
        let b = e.backend;
        // A client may send its own header: the proxy appends the real address.
        let login = |client: &'static str, password: &'static str| {
            let forwarded = format!("10.9.9.9, {client}");
            e.raw(login_request(proxy, Some(&forwarded), password))
        };
        for _ in 0..5 {
            assert_eq!(
                login("192.168.1.66", "wrong-wrong").await.0,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            login("192.168.1.66", "password-123").await.0,
            StatusCode::TOO_MANY_REQUESTS,
            "{b}"
        );
        let (s, v, _) = login("192.168.1.2", "password-123").await;
        assert_eq!(
            s,
            StatusCode::OK,
            "{b}: the proxy's other clients sign in ({v})"
        );
    }
}

/// The camera-offline alerts `token` sees.
async fn offline_alerts(e: &crate::common::Env, token: &str) -> Value {
    e.call(
        "GET",
        "/api/v1/alerts?rule=camera_offline",
        Cred::Bearer(token),
        None,
    )
    .await
    .1
}

/// A sign-in of `admin` arriving from `peer` (with `X-Forwarded-For`).
fn login_request(
    peer: std::net::IpAddr,
    forwarded: Option<&str>,
    password: &str,
) -> axum::http::Request<axum::body::Body> {
    let mut req =
        axum::http::Request::post("/api/v1/auth/login").header("content-type", "application/json");
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let mut req = req
        .body(axum::body::Body::from(
            json!({"username": "admin", "password": password}).to_string(),
        ))
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
            peer, 40_000,
        )));
    req
}
