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
    history_until(env, source, now(), days).await
}

/// Same, ending at `end`.
async fn history_until(env: &crate::common::Env, source: &str, end: i64, days: i64) -> i64 {
    let cam = env
        .state
        .store
        .ensure_source(source, animov_api::SourceKind::Camera)
        .await
        .unwrap();
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

/// Nightly retraining by the engine's clock (SQLite): nothing before the
/// window; a run the engine did not finish is reported as interrupted at the
/// next start; at 01:00 farm time the night's run takes up its cameras
/// first, backtests the candidate models of every camera with enough
/// history on rolling holdouts next to the baselines and the production
/// model, registers the best, promotes it only when it beats them all, skips
/// the camera with too little history (saying why), and runs once a night.
#[tokio::test]
async fn nightly_retraining_runs_in_its_window_and_takes_up_an_interrupted_night() {
    use animov_api::{CameraRetrainState, RetrainRun, RetrainState};
    use animov_engine::forecasting::nightly;
    let clock = std::sync::Arc::new(animov_engine::clock::ManualClock::new(now()));
    let env = crate::common::env_with_seams_tuned(
        animov_engine::Seams {
            clock: clock.clone(),
            mailer: std::sync::Arc::new(animov_engine::mail::RecordingMailer::new()),
        },
        &|c| {
            c.forecast.spec = "(1,0,0)(0,1,1,96)".into();
            c.forecast.candidates = vec!["(1,0,0)(0,1,1,96)".into(), "(0,0,1)(0,1,1,96)".into()];
            c.forecast.backtest_folds = 2;
            c.forecast.retrain_days = 9;
            c.forecast.retrain_parallel = 2;
        },
    )
    .await;
    let engine = &env.state;
    // 00:59 farm time today, the data ending then.
    let off = i64::from(animov_engine::farm::utc_offset_minutes(&engine.store, now()).await) * MIN;
    let local_midnight = (now() + off).div_euclid(1_440 * MIN) * 1_440 * MIN;
    let t0 = local_midnight + 59 * MIN - off;
    clock.set(t0);
    for (source, days) in [("cam-a", 9), ("cam-b", 9), ("cam-short", 1)] {
        history_until(&env, source, t0, days).await;
    }
    animov_engine::forecasting::bundled::ensure_bundled(engine)
        .await
        .unwrap();

    // Last night's run was cut short after cam-a (the process was killed).
    let window = nightly::Window::parse("01:00-05:00").unwrap();
    let last_night = window.night_of(t0 + off - 1_440 * MIN + 60 * MIN);
    let mut cut: RetrainRun = serde_json::from_value(json!({
        "night": last_night, "state": "running", "started_ms": t0 - 1_440 * MIN, "ended_ms": null,
        "spec": "(1,0,0)(0,1,1,96)", "resumed_from": null, "interrupted_because": null, "current": null,
        "cameras": []
    }))
    .unwrap();
    for (source, state) in [
        ("cam-a", "trained"),
        ("cam-b", "pending"),
        ("cam-short", "pending"),
    ] {
        cut.cameras.push(serde_json::from_value(json!({
            "source": source, "state": state, "model_id": null, "promoted": false, "validation_rmse": null,
            "baseline_rmse": null, "production_rmse": null, "message": "", "seconds": 1.0
        })).unwrap());
    }
    engine
        .store
        .set_app_setting(nightly::SETTING, &serde_json::to_vec(&cut).unwrap())
        .await
        .unwrap();
    nightly::recover(engine).await;
    let vet = env.login("victor").await;
    let (s, st) = env
        .call("GET", "/api/v1/models/retrain", Cred::Bearer(&vet), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(st["last"]["state"], "interrupted", "{st}");
    assert!(
        st["last"]["interrupted_because"]
            .as_str()
            .unwrap()
            .contains("stopped"),
        "{st}"
    );
    assert_eq!(
        (st["enabled"].as_bool(), st["window"].as_str()),
        (Some(true), Some("01:00-05:00"))
    );

    // 00:59: not yet.
    assert!(nightly::tick(engine).await.unwrap().is_none());
    // 01:00: tonight's run, last night's cameras first.
    clock.set(t0 + MIN);
    let run = nightly::tick(engine)
        .await
        .unwrap()
        .expect("the night's run");
    assert_eq!(run.state, RetrainState::Done, "{run:?}");
    assert_eq!(run.resumed_from.as_deref(), Some(last_night.as_str()));
    let order: Vec<&str> = run.cameras.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(order, ["cam-b", "cam-short", "cam-a"]);
    for c in &run.cameras {
        if c.source == "cam-short" {
            assert_eq!(c.state, CameraRetrainState::Skipped, "{c:?}");
            assert!(c.message.contains("not enough history"), "{c:?}");
            continue;
        }
        assert_eq!(c.state, CameraRetrainState::Trained, "{c:?}");
        let (val, naive) = (c.validation_rmse.unwrap(), c.baseline_rmse.unwrap());
        assert!(val.is_finite() && naive.is_finite() && val > 0.0, "{c:?}");
        // The backtests: both candidates on 2 folds, the two baselines and
        // the production model (the bundled one); the lowest RMSE chosen.
        use animov_api::BacktestRole;
        let rows = &c.backtest;
        let of = |role| rows.iter().filter(|r| r.role == role).collect::<Vec<_>>();
        let (cands, bases, prod) = (
            of(BacktestRole::Candidate),
            of(BacktestRole::Baseline),
            of(BacktestRole::Production),
        );
        assert_eq!(
            (cands.len(), bases.len(), prod.len()),
            (2, 2, 1),
            "{rows:?}"
        );
        for r in &cands {
            assert_eq!(r.fold_rmse.len(), 2, "{r:?}");
            assert!((0.0..=1.0).contains(&r.coverage95.unwrap()), "{r:?}");
        }
        assert!(
            bases
                .iter()
                .all(|r| r.rmse.is_some() && r.coverage95.is_none()),
            "{rows:?}"
        );
        let chosen: Vec<_> = cands.iter().filter(|r| r.chosen).collect();
        assert_eq!(chosen.len(), 1, "{rows:?}");
        let best = cands
            .iter()
            .map(|r| r.rmse.unwrap())
            .fold(f64::INFINITY, f64::min);
        assert_eq!(chosen[0].rmse, Some(best));
        assert_eq!(c.spec.as_deref(), Some(chosen[0].method.as_str()));
        assert_eq!(val, best);
        let bars: Vec<f64> = bases.iter().chain(&prod).filter_map(|r| r.rmse).collect();
        assert_eq!(c.promoted, bars.iter().all(|b| best < *b), "{rows:?}");
        // Registered, with the stage the comparison decided.
        let (_, models) = env
            .call(
                "GET",
                &format!("/api/v1/models?source={}", c.source),
                Cred::Bearer(&vet),
                None,
            )
            .await;
        let m = models
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"].as_i64() == c.model_id)
            .unwrap_or_else(|| panic!("model {:?} of {}: {models}", c.model_id, c.source));
        assert_eq!(m["spec"].as_str(), c.spec.as_deref());
        assert_eq!(m["stage"] == "production", c.promoted, "{m}");
    }
    let (_, st) = env
        .call("GET", "/api/v1/models/retrain", Cred::Bearer(&vet), None)
        .await;
    assert_eq!(st["last"]["state"], "done", "{st}");
    // Once a night.
    clock.set(t0 + 30 * MIN);
    assert!(nightly::tick(engine).await.unwrap().is_none());
}
