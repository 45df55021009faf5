//! Statistics, series, live events, health/metrics/OpenAPI and the served UI, on SQLite and MariaDB.

use crate::common::{Cred, MIN, envs, frames, t0};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::{Value, json};

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
async fn health_version_metrics_and_openapi() {
    for e in envs().await {
        let (s, v) = e.call("GET", "/health", Cred::None, None).await;
        assert_eq!((s, v), (StatusCode::OK, json!({"status": "ok"})));
        let (s, v) = e.call("GET", "/api/v1/version", Cred::None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        // Built in this checkout: its commit (a release build's too).
        let head = std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        if let Some(head) = head {
            assert_eq!(v["commit"], json!(head));
        }
        assert!(v["dirty"].is_boolean(), "{v}");
        assert_eq!(v["build_date"].as_str().map(str::len), Some(20), "{v}");
        assert_eq!(v["schema_version"], json!(animov_store::SCHEMA_VERSION));
        assert_eq!(v["models"][0]["role"], "detector", "{v}");
        assert_eq!(v["models"][1]["role"], "forecast", "{v}");
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
            assert_eq!(body.as_str(), Some(crate::common::UI_MARKER), "{path}");
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
    let state = animov_http::AppState::new(
        animov_engine::Engine::new(t.store.clone(), cfg),
        b"test signing key, 32 bytes long!",
    );
    let resp = animov_http::app(state)
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
