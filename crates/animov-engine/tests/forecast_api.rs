//! Forecasts in the engine, on SQLite and MariaDB: the bundled model serves
//! every camera from the first minute (a fresh camera too, from its reference
//! week), forecasts are stored with ordered intervals and read back by API.

mod common;

use axum::http::StatusCode;
use common::{Cred, MIN, envs, frames, now};
use serde_json::json;

#[tokio::test]
async fn the_bundled_model_forecasts_every_camera_from_the_first_minute() {
    for env in envs().await {
        let b = env.backend;
        let admin = env.login("admin").await;
        // cam-1 has three hours of frames; cam-new has an address and no data yet.
        let from = now() - 180 * MIN;
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&admin),
                Some(json!({"source": "cam-1", "frames": frames(from, 1080, 10_000)})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {v}");
        env.close_all().await;
        env.state
            .store
            .upsert_camera(
                "cam-new",
                "New pen",
                Some("rtsp://192.0.2.1/stream"),
                Some(20),
                animov_api::SourceKind::Camera,
            )
            .await
            .unwrap();
        env.state
            .store
            .ensure_source("old-feed", animov_api::SourceKind::Ingest)
            .await
            .unwrap();

        let t = now();
        let n = animov_engine::forecasting::forecast_all(&env.state, t)
            .await
            .unwrap();
        assert_eq!(
            n, 2,
            "{b}: cam-1 and cam-new (not the ingest source without data)"
        );

        let (s, models) = env
            .call("GET", "/api/v1/models", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let m = &models.as_array().unwrap()[0];
        assert_eq!(
            (
                m["stage"].as_str(),
                m["spec"].as_str(),
                m["source"].is_null()
            ),
            (Some("production"), Some("(1,0,1)(0,1,1,96)"), true),
            "{m}"
        );

        for source in ["cam-1", "cam-new"] {
            let (s, v) = env
                .call(
                    "GET",
                    &format!("/api/v1/forecasts?source={source}"),
                    Cred::Bearer(&admin),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let pts = v.as_array().unwrap();
            assert_eq!(pts.len(), 96, "{b} {source}: the next 24 h");
            let first = pts[0]["ts"].as_i64().unwrap();
            assert_eq!(
                first,
                t - t.rem_euclid(15 * MIN),
                "{b}: starts with the current quarter hour"
            );
            for (k, p) in pts.iter().enumerate() {
                assert_eq!(p["ts"].as_i64().unwrap(), first + k as i64 * 15 * MIN);
                let f = |k: &str| p[k].as_f64().unwrap();
                assert!(
                    0.0 <= f("lower95")
                        && f("lower95") <= f("lower80")
                        && f("lower80") <= f("mean"),
                    "{p}"
                );
                assert!(
                    f("mean") <= f("upper80")
                        && f("upper80") <= f("upper95")
                        && f("upper95") <= 100.0,
                    "{p}"
                );
                assert_eq!(p["model_id"], m["id"]);
            }
        }
        // Issuing again replaces what the API shows (newest issue wins).
        animov_engine::forecasting::forecast_all(&env.state, t + 60_000)
            .await
            .unwrap();
        let (_, v) = env
            .call(
                "GET",
                "/api/v1/forecasts?source=cam-1",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(v[0]["issued_ms"].as_i64(), Some(t + 60_000));
        // One bundled model, registered once.
        let (_, models) = env
            .call("GET", "/api/v1/models", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(models.as_array().unwrap().len(), 1);
        let (s, _) = env
            .call(
                "GET",
                "/api/v1/forecasts?source=nope",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}
