//! The HTTP API end to end (router driven without a socket), on SQLite and MariaDB.

mod common;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::{Cred, envs};
use serde_json::{Value, json};

const MIN: i64 = 60_000;

fn now() -> i64 {
    animov_store::now_ms()
}

/// About 3 hours ago, on a 15-minute boundary.
fn t0() -> i64 {
    (now() / (15 * MIN) - 12) * 15 * MIN
}

fn frames(from: i64, n: i64, step: i64) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"ts_ms": from + i * step, "lying": (i % 7), "standing": (i % 5)}))
            .collect(),
    )
}

#[tokio::test]
async fn sign_in_sessions_and_sign_out() {
    for e in envs().await {
        let b = e.backend;
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/auth/login",
                Cred::None,
                Some(json!({"username": "admin", "password": "nope-nope"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        assert_eq!(v["error"]["code"], "bad_credentials");
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/auth/login",
                Cred::None,
                Some(json!({"username": "ghost", "password": "password-123"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        let (s, v) = e
            .call(
                "POST",
                "/api/v1/auth/login",
                Cred::None,
                Some(json!({"username": "victor", "password": "password-123"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["user"], json!({"username": "victor", "role": "vet"}));
        assert!(v["expires_at"].as_i64().unwrap() > now());
        let token = v["token"].as_str().unwrap().to_string();

        let (s, v) = e
            .call("GET", "/api/v1/auth/me", Cred::Bearer(&token), None)
            .await;
        assert_eq!(
            (s, v["username"].as_str()),
            (StatusCode::OK, Some("victor"))
        );

        let (s, v) = e.call("GET", "/api/v1/cameras", Cred::None, None).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("missing_token"))
        );
        let (s, v) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer("abc.def.ghi"), None)
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token"))
        );
        // A token that expired an hour ago, correctly signed.
        let (expired, _) =
            e.state
                .tokens
                .issue("victor", animov_api::Role::Vet, now() - 13 * 3_600_000);
        let (s, v) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&expired), None)
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("token_expired"))
        );
        // Same claims signed with another key: forged.
        let other = animov_engine::auth::Tokens::new(b"someone else's key, 32 bytes....", 12);
        let (forged, _) = other.issue("admin", animov_api::Role::Admin, now());
        let (s, _) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&forged), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        let (s, _) = e
            .call("POST", "/api/v1/auth/logout", Cred::Bearer(&token), None)
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, v) = e
            .call("GET", "/api/v1/auth/me", Cred::Bearer(&token), None)
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("token_revoked")),
            "{b}"
        );
    }
}

#[tokio::test]
async fn login_is_rate_limited() {
    for e in envs().await {
        for _ in 0..5 {
            let (s, _) = e
                .call(
                    "POST",
                    "/api/v1/auth/login",
                    Cred::None,
                    Some(json!({"username": "olga", "password": "wrong-wrong"})),
                )
                .await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let req = Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"username": "olga", "password": "password-123"}).to_string(),
            ))
            .unwrap();
        let (s, v, h) = e.raw(req).await;
        assert_eq!(
            s,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits"
        );
        assert_eq!(v["error"]["code"], "too_many_attempts");
        assert!(h.get("retry-after").is_some());
        // Other users are not locked out.
        e.login("victor").await;
    }
}

#[tokio::test]
async fn ingest_then_read_statistics() {
    for e in envs().await {
        let b = e.backend;
        let op = e.login("olga").await;
        let start = t0();
        let body = json!({"source": "cam-1", "frames": frames(start, 600, 1_000)});
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&op),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (s, &v),
            (StatusCode::OK, &json!({"accepted": 600, "duplicates": 0})),
            "{b}"
        );
        let (s, v) = e
            .call("POST", "/api/v1/ingest", Cred::Bearer(&op), Some(body))
            .await;
        assert_eq!(
            (s, &v),
            (StatusCode::OK, &json!({"accepted": 0, "duplicates": 600})),
            "idempotent ({b})"
        );
        e.close_all().await;

        let (s, cams) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&op), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(cams[0]["source"], "cam-1");
        assert_eq!(cams[0]["kind"], "ingest");
        assert_eq!(cams[0]["uri"], Value::Null);

        let q = format!("source=cam-1&from={start}&to={}", start + 10 * MIN);
        let (s, rows) = e
            .call(
                "GET",
                &format!("/api/v1/stats/minutes?{q}"),
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{rows}");
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[0]["minute_ts"], start);
        assert_eq!(rows[0]["nb_frames"], 60);
        for k in ["sum", "mean", "std", "min", "max", "q1", "q2", "q3", "mode"] {
            assert!(rows[0]["lying"].get(k).is_some(), "{k}");
        }
        let (s, c) = e
            .call(
                "GET",
                &format!("/api/v1/stats/consolidated?{q}"),
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (c["nb_frames"].as_i64(), c["nb_minutes"].as_i64()),
            (Some(600), Some(10))
        );
        // Direct std over the 600 lying values i % 7.
        let vals: Vec<f64> = (0..600).map(|i| (i % 7) as f64).collect();
        let mean = vals.iter().sum::<f64>() / 600.0;
        let std = (vals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 599.0).sqrt();
        assert!((c["lying"]["std"].as_f64().unwrap() - std).abs() < 1e-9);

        let (s, series) = e
            .call(
                "GET",
                &format!("/api/v1/series?{q}&bucket=5m"),
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(series.as_array().unwrap().len(), 2);
        assert_eq!(series[0]["nb_frames"], 300);
        assert!(series[0]["ratio_standing"].as_f64().is_some());
        let (s, hourly) = e
            .call(
                "GET",
                &format!("/api/v1/stats/hourly?{q}"),
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(
            (s, hourly.as_array().map(|a| a.len())),
            (StatusCode::OK, Some(1))
        );
        let (s, last) = e
            .call(
                "GET",
                "/api/v1/series/last?source=cam-1&period=hour",
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            last.as_array()
                .unwrap()
                .iter()
                .map(|p| p["nb_frames"].as_i64().unwrap())
                .sum::<i64>(),
            600
        );
        let (s, dates) = e
            .call("GET", "/api/v1/dates?source=cam-1", Cred::Bearer(&op), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(!dates.as_array().unwrap().is_empty());

        let (s, v) = e
            .call(
                "GET",
                "/api/v1/stats/minutes?source=nope",
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("unknown_source"))
        );
        let (s, v) = e
            .call(
                "GET",
                "/api/v1/series?source=cam-1&bucket=2m",
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("bucket"))
        );
        let (s, v) = e
            .call(
                "GET",
                "/api/v1/stats/minutes?source=cam-1&from=yesterday",
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("from"))
        );
        let (s, _) = e
            .call(
                "GET",
                "/api/v1/stats/minutes?source=cam-1&from=0&to=86400000000",
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "window too long");
    }
}

#[tokio::test]
async fn api_keys_only_ingest_for_their_source_and_roles_are_enforced() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let vet = e.login("victor").await;
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/api-keys",
                Cred::Bearer(&vet),
                Some(json!({"source": "jetson-1"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, k) = e
            .call(
                "POST",
                "/api/v1/api-keys",
                Cred::Bearer(&admin),
                Some(json!({"source": "jetson-1", "label": "pen 1"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{k}");
        let key = k["key"].as_str().unwrap().to_string();

        let start = t0();
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Key(&key),
                Some(json!({"source": "jetson-1", "frames": frames(start, 3, 1000)})),
            )
            .await;
        assert_eq!((s, v["accepted"].as_i64()), (StatusCode::OK, Some(3)));
        let before = e.frame_count().await;
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Key(&key),
                Some(json!({"source": "cam-9", "frames": frames(start, 3, 1000)})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("jetson-1"));
        assert_eq!(e.frame_count().await, before, "nothing written");
        assert!(
            e.state.store.camera("cam-9").await.unwrap().is_none(),
            "no source registered"
        );

        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Key("amk_wrong"),
                Some(json!({"source": "jetson-1", "frames": frames(start, 1, 1)})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_api_key"))
        );
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&vet),
                Some(json!({"source": "jetson-1", "frames": frames(start, 1, 1)})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a vet does not ingest");
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/cameras/jetson-1",
                Cred::Bearer(&vet),
                Some(json!({"name": "Pen 1", "herd_size": 20})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a vet changes no configuration");
        let (s, cam) = e
            .call(
                "PUT",
                "/api/v1/cameras/jetson-1",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 1", "herd_size": 20})),
            )
            .await;
        assert_eq!((s, cam["herd_size"].as_i64()), (StatusCode::OK, Some(20)));
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/cameras/jetson-1",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 1", "herd_size": -3})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        let id = k["id"].as_i64().unwrap();
        let (s, _) = e
            .call(
                "DELETE",
                &format!("/api/v1/api-keys/{id}"),
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Key(&key),
                Some(json!({"source": "jetson-1", "frames": frames(start + 9_000, 1, 1)})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("revoked_api_key"))
        );
    }
}

#[tokio::test]
async fn bad_ingest_input_is_refused_and_writes_nothing() {
    for e in envs().await {
        let b = e.backend;
        let op = e.login("olga").await;
        let start = t0();
        let send = |body: String, ctype: Option<&'static str>| {
            let mut r =
                Request::post("/api/v1/ingest").header("authorization", format!("Bearer {op}"));
            if let Some(c) = ctype {
                r = r.header("content-type", c);
            }
            r.body(Body::from(body)).unwrap()
        };
        // (body, content type, status, error code, field)
        type Case<'a> = (
            String,
            Option<&'a str>,
            StatusCode,
            &'a str,
            Option<&'a str>,
        );
        let cases: Vec<Case> = vec![
            ("{\"source\": \"cam-1\", \"frames\": [".into(), Some("application/json"), StatusCode::BAD_REQUEST, "malformed_json", None),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": "seven", "standing": 1}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("frames[0].lying")),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1}, {"ts_ms": start + 1, "lying": -1, "standing": 1}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("frames[1].lying")),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1}, {"ts_ms": now() + 86_400_000, "lying": 1, "standing": 1}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("frames[1].ts_ms")),
            (json!({"source": "cam 1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("source")),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1, "colour": "red"}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", None),
            (json!({"source": "cam-1", "frames": []}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("frames")),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1}]}).to_string(), None, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None),
            (format!("{{\"source\": \"cam-1\", \"frames\": [{}]}}", vec![format!("{{\"ts_ms\": {start}, \"lying\": 1, \"standing\": 1}}"); 40_000].join(",")), Some("application/json"), StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", None),
        ];
        for (body, ctype, status, code, field) in cases {
            let (s, v, _) = e.raw(send(body, ctype)).await;
            assert_eq!(s, status, "{b}: {v}");
            assert_eq!(v["error"]["code"], code, "{v}");
            assert!(!v["error"]["message"].as_str().unwrap().is_empty());
            if let Some(f) = field {
                assert_eq!(v["error"]["field"], f, "{v}");
            }
        }
        assert_eq!(e.frame_count().await, 0, "{b}: nothing written");
        assert!(
            e.state.store.camera("cam-1").await.unwrap().is_none(),
            "no source registered"
        );
    }
}

#[tokio::test]
async fn legacy_stream_and_read_aliases() {
    for e in envs().await {
        let b = e.backend;
        let op = e.login("olga").await;
        let base = chrono::DateTime::from_timestamp_millis(t0())
            .unwrap()
            .naive_utc();
        let items: Vec<Value> = (0..90)
            .map(|i| {
                let d = (base + chrono::Duration::seconds(i)).format("%Y-%m-%d %H:%M:%S%.3f").to_string();
                json!({"source_id": 1 + i % 2, "date": [d], "frame_id": i,
                       "detect": [[0, 10, 10, 50, 50, 0.9, 1, 0, 0, 0], [1, 60, 10, 90, 50, 0.8, 0, 0, 0, 0], [2, 5, 5, 9, 9, 0.7, (i % 2), 0, 0, 0]]})
            })
            .collect();
        let (s, v) = e
            .call(
                "POST",
                "/receive_data_animov",
                Cred::Bearer(&op),
                Some(json!({"_send_date": "x", "data": items})),
            )
            .await;
        assert_eq!(
            (s, &v),
            (StatusCode::OK, &json!({"accepted": 90, "duplicates": 0})),
            "{b}"
        );
        let (s, v) = e
            .call(
                "POST",
                "/receive_data_animov",
                Cred::Bearer(&op),
                Some(json!({"data": [{"source_id": 1, "date": "2024-01-01", "detect": []}]})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("data[0].date"))
        );
        let (s, _) = e
            .call("POST", "/receive_data_animov", Cred::None, Some(json!([])))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        e.close_all().await;

        let (s, v) = e.call("GET", "/sources", Cred::Bearer(&op), None).await;
        assert_eq!((s, v), (StatusCode::OK, json!(["cam-1", "cam-2"])));
        let (s, v) = e
            .call("GET", "/stats_minute?source=cam-1", Cred::Bearer(&op), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v[0]["source"], "cam-1");
        assert_eq!(v[0]["lying"]["min"], 1, "class-1 boxes are lying");
        for route in [
            "/dates",
            "/stats_heure",
            "/chevres_minutes",
            "/chevres_heures",
            "/get_serie_heure",
            "/get_serie_jour",
            "/get_serie_last_heure",
            "/get_serie_last_jour",
        ] {
            let (s, v) = e.call("GET", route, Cred::Bearer(&op), None).await;
            assert_eq!(s, StatusCode::OK, "{route}: {v}");
            let rows = v.as_array().unwrap();
            assert!(!rows.is_empty(), "{route}");
            assert!(
                rows.iter()
                    .all(|r| r["source"] == "cam-1" || r["source"] == "cam-2"),
                "{route}"
            );
            let (s, _) = e.call("GET", route, Cred::None, None).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{route}");
        }
        let (s, v) = e
            .call(
                "GET",
                "/get_serie_last_jour?source=cam-2",
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| p["nb_frames"].as_i64().unwrap())
                .sum::<i64>(),
            45
        );
    }
}

#[tokio::test]
async fn health_version_metrics_and_openapi() {
    for e in envs().await {
        let (s, v) = e.call("GET", "/health", Cred::None, None).await;
        assert_eq!((s, v), (StatusCode::OK, json!({"status": "ok"})));
        let (s, v) = e.call("GET", "/api/v1/version", Cred::None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        // The test command builds with ANIMOV_COMMIT set to HEAD.
        assert_eq!(v["commit"], json!(option_env!("ANIMOV_BUILD_COMMIT")));
        let (s, _) = e.call("GET", "/metrics", Cred::None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let admin = e.login("admin").await;
        let (s, m) = e.call("GET", "/metrics", Cred::Bearer(&admin), None).await;
        assert_eq!(s, StatusCode::OK);
        let m = m.as_str().unwrap();
        assert!(
            m.contains("# TYPE animov_ingest_frames_total counter"),
            "{m}"
        );
        assert!(m.contains("animov_pending_minutes 0"));
        let (s, _) = e
            .call("GET", "/api/v1/openapi.json", Cred::None, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, spec) = e
            .call("GET", "/api/v1/openapi.json", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        for p in [
            "/api/v1/ingest",
            "/receive_data_animov",
            "/api/v1/stats/minutes",
            "/api/v1/stats/consolidated",
            "/api/v1/series",
            "/api/v1/auth/login",
            "/health",
            "/metrics",
        ] {
            assert!(spec["paths"].get(p).is_some(), "{p} documented");
        }
        assert!(spec["components"]["schemas"].get("LegacyItem").is_some());
        let (s, page) = e.call("GET", "/api/v1/docs", Cred::None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.as_str().unwrap().contains("openapi.json"));
        assert!(
            !page.as_str().unwrap().contains("http"),
            "offline: no external URL"
        );
        let (s, v) = e.call("GET", "/api/v1/nope", Cred::None, None).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
    }
}

#[tokio::test]
async fn serves_the_ui_and_its_deep_links() {
    for e in envs().await {
        for path in ["/", "/index.html", "/timeline/demo-1"] {
            let (s, body) = e.call("GET", path, Cred::None, None).await;
            assert_eq!(s, StatusCode::OK, "{path}");
            assert_eq!(body.as_str(), Some(common::UI_MARKER), "{path}");
        }
        let (s, body) = e.call("GET", "/app.js", Cred::None, None).await;
        assert_eq!((s, body.as_str()), (StatusCode::OK, Some("console.log(1)")));
    }
}

#[tokio::test]
async fn without_a_built_ui_the_root_says_how_to_build_it() {
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let t = animov_store::testing::sqlite().await;
    let cfg = animov_engine::config::Config {
        ui_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let state = animov_engine::state::AppState::new(
        t.store.clone(),
        cfg,
        b"test signing key, 32 bytes long!",
    );
    let resp = animov_engine::api::app(state)
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("animov-xtask -- ui"));
}

#[tokio::test]
async fn events_stream_pushes_new_frames() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    for e in envs().await {
        let op = e.login("olga").await;
        let start = t0();
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&op),
                Some(json!({"source": "cam-e", "frames": frames(start, 2, 1000)})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = e.call("GET", "/api/v1/events", Cred::None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = e
            .call(
                "GET",
                "/api/v1/events?access_token=forged",
                Cred::None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let req = Request::get(format!("/api/v1/events?access_token={op}"))
            .body(Body::empty())
            .unwrap();
        let resp = e.app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        let mut body = resp.into_body();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        let text = String::from_utf8_lossy(&first).to_string();
        assert!(
            text.contains("\"type\":\"frame\"")
                && text.contains("cam-e")
                && text.contains(&(start + 1000).to_string()),
            "{text}"
        );
        // A new frame is pushed as it is ingested.
        let (s, _) = e
            .call("POST", "/api/v1/ingest", Cred::Bearer(&op), Some(json!({"source": "cam-e", "frames": [{"ts_ms": start + 5000, "lying": 4, "standing": 9}]})))
            .await;
        assert_eq!(s, StatusCode::OK);
        let next = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&next.into_data().unwrap()).to_string();
        assert!(
            text.contains(&(start + 5000).to_string()) && text.contains("\"standing\":9"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_desktop_window_signs_in_with_its_per_launch_secret() {
    use tower::ServiceExt;
    let t = animov_store::testing::sqlite().await;
    let post = |app: axum::Router, secret: &str| {
        let req = Request::post("/api/v1/auth/local")
            .header("content-type", "application/json")
            .body(Body::from(json!({ "secret": secret }).to_string()))
            .unwrap();
        async move {
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let body = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, serde_json::from_slice::<Value>(&body).unwrap())
        }
    };
    let cfg = animov_engine::config::Config::default;
    let with = animov_engine::state::AppState::with_local_secret(
        t.store.clone(),
        cfg(),
        b"test signing key, 32 bytes long!",
        Some("s3cr3t-of-this-launch".into()),
    );
    let app = animov_engine::api::app(with);
    let (s, v) = post(app.clone(), "s3cr3t-of-this-launch").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"], json!({"username": "local", "role": "operator"}));
    let (s, _) = post(app.clone(), "s3cr3t-of-this-launch").await;
    assert_eq!(s, StatusCode::OK, "the local user is reused");
    let (s, v) = post(app, "guess").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
    );
    // An engine started without a desktop shell accepts no local sign-in at all.
    let without = animov_engine::state::AppState::new(
        t.store.clone(),
        cfg(),
        b"test signing key, 32 bytes long!",
    );
    let (s, _) = post(animov_engine::api::app(without), "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_manage_users_and_see_where_data_lives() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let vet = e.login("victor").await;
        let (s, _) = e
            .call("GET", "/api/v1/users", Cred::Bearer(&vet), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/users",
                Cred::Bearer(&admin),
                Some(json!({"username": "vera", "role": "vet", "password": "long-enough-1"})),
            )
            .await;
        assert_eq!(
            (s, &v),
            (
                StatusCode::CREATED,
                &json!({"username": "vera", "role": "vet"})
            )
        );
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/users",
                Cred::Bearer(&admin),
                Some(json!({"username": "vera", "role": "vet", "password": "long-enough-1"})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("username_taken"))
        );
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/users",
                Cred::Bearer(&admin),
                Some(json!({"username": "x", "role": "vet", "password": "short"})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("password"))
        );
        let (s, v) = e
            .call("GET", "/api/v1/users", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let names: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["admin", "olga", "vera", "victor"]);
        let (s, _) = e
            .call("DELETE", "/api/v1/users/admin", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "not yourself");
        let (s, _) = e
            .call("DELETE", "/api/v1/users/victor", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = e
            .call("GET", "/api/v1/cameras", Cred::Bearer(&vet), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "a deleted user's session ends");
        let (s, _) = e
            .call("DELETE", "/api/v1/users/victor", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v) = e
            .call("GET", "/api/v1/system", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(v["site_id"].as_str().is_some_and(|x| !x.is_empty()), "{v}");
        let op = e.login("olga").await;
        let (s, _) = e
            .call("GET", "/api/v1/system", Cred::Bearer(&op), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
