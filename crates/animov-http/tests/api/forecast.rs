//! Forecasts in the engine, on SQLite and MariaDB: the bundled model serves
//! every camera from the first minute (a fresh camera too, from its reference
//! week), forecasts are stored with ordered intervals and read back by API.

use crate::common::{Cred, MIN, envs, frames, now};
use axum::http::StatusCode;
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
        // Issuing again replaces what the API shows (newest issue wins). A
        // millisecond later, not a minute: a minute could cross into the next
        // quarter hour, whose forecast does not cover the current one.
        animov_engine::forecasting::forecast_all(&env.state, t + 1)
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
        assert_eq!(v[0]["issued_ms"].as_i64(), Some(t + 1));
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

/// `days` days of a simulated herd's frames (one a minute) for `source`, minutes closed.
async fn history(env: &crate::common::Env, source: &str, days: i64) -> i64 {
    let cam = env
        .state
        .store
        .ensure_source(source, animov_api::SourceKind::Camera)
        .await
        .unwrap();
    let end = now();
    let start = end - days * 1_440 * MIN;
    let settings = animov_core::demo::DemoSettings::for_camera(7, 0, 60);
    let mut herd = animov_core::demo::DemoHerd::new(settings, start);
    let frames: Vec<animov_store::NewFrame> = herd
        .frames(start, end, MIN)
        .into_iter()
        .map(|f| animov_store::NewFrame {
            ts_ms: f.ts_ms,
            lying: f.lying,
            standing: f.standing,
            detections: None,
        })
        .collect();
    for chunk in frames.chunks(2_000) {
        env.state.store.insert_frames(cam, chunk).await.unwrap();
    }
    env.close_all().await;
    cam
}

#[tokio::test]
async fn training_validates_registers_and_promotes_only_a_better_model() {
    for env in envs().await {
        let b = env.backend;
        let admin = env.login("admin").await;
        let vet = env.login("victor").await;
        let cam = history(&env, "cam-1", 5).await;
        history(&env, "cam-short", 1).await;
        animov_engine::forecasting::bundled::ensure_bundled(&env.state)
            .await
            .unwrap();
        let bundled = env
            .state
            .store
            .production_model(cam)
            .await
            .unwrap()
            .unwrap()
            .id;

        // Checks first.
        let req = json!({"source": "cam-1", "days": 5, "spec": "(1,0,0)(0,1,1,96)"});
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/models/forecast/train",
                Cred::Bearer(&vet),
                Some(req.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/models/forecast/train",
                Cred::Bearer(&admin),
                Some(json!({"source": "cam-1", "spec": "(1,1)"})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("spec")),
            "{v}"
        );

        // Too little history: the job fails with a reason; the bundled model still serves.
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/models/forecast/train",
                Cred::Bearer(&admin),
                Some(json!({"source": "cam-short", "days": 5})),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        let job = env.wait_job(&admin, v["job_id"].as_u64().unwrap()).await;
        assert_eq!(job["state"], "failed", "{b} {job}");
        assert!(
            job["message"]
                .as_str()
                .unwrap()
                .contains("not enough history"),
            "{job}"
        );

        // Enough history: trained, validated, registered with its metrics.
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/models/forecast/train",
                Cred::Bearer(&admin),
                Some(req),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        let job = env.wait_job(&admin, v["job_id"].as_u64().unwrap()).await;
        assert_eq!(job["state"], "done", "{b} {job}");
        let id = job["model_id"].as_i64().unwrap();
        let (_, models) = env
            .call(
                "GET",
                "/api/v1/models?source=cam-1",
                Cred::Bearer(&vet),
                None,
            )
            .await;
        let m = &models.as_array().unwrap()[0];
        assert_eq!(
            (m["id"].as_i64(), m["spec"].as_str()),
            (Some(id), Some("(1,0,0)(0,1,1,96)"))
        );
        let (val, base) = (
            m["validation_rmse"].as_f64().unwrap(),
            m["baseline_rmse"].as_f64().unwrap(),
        );
        let promoted = job["promoted"].as_bool().unwrap();
        assert_eq!(promoted, m["stage"] == "production", "{m}");
        println!("{b}: validation RMSE {val:.2}, seasonal naive {base:.2}, promoted {promoted}");
        if !promoted {
            assert_eq!(
                env.state
                    .store
                    .production_model(cam)
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
                bundled
            );
        }

        // Promote and archive by hand.
        let (s, _) = env
            .call(
                "POST",
                &format!("/api/v1/models/{id}/promote"),
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = env
            .call(
                "POST",
                &format!("/api/v1/models/{id}/promote"),
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(
            env.state
                .store
                .production_model(cam)
                .await
                .unwrap()
                .unwrap()
                .id,
            id
        );
        let (s, _) = env
            .call(
                "POST",
                &format!("/api/v1/models/{id}/archive"),
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(
            env.state
                .store
                .production_model(cam)
                .await
                .unwrap()
                .unwrap()
                .id,
            bundled,
            "{b}: back to the bundled model"
        );
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/models/99999/promote",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Predicted vs observed: forecasts issued 6 h ago, compared with what happened since.
        let t = now();
        animov_engine::forecasting::predict::forecast_camera(&env.state, cam, t - 360 * MIN)
            .await
            .unwrap();
        let (s, v) = env
            .call(
                "GET",
                &format!(
                    "/api/v1/forecasts/compare?source=cam-1&from={}&to={t}",
                    t - 360 * MIN
                ),
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["n"].as_u64().unwrap() >= 20, "{b}: {v}");
        assert!(v["rmse"].as_f64().unwrap() >= v["mae"].as_f64().unwrap());
        let cov = v["coverage95"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&cov));
        // The prototype's route names.
        let (s, v) = env
            .call("GET", "/predict?source=cam-1", Cred::Bearer(&vet), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}
