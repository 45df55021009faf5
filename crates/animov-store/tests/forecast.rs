//! The forecast registry and stored forecasts, on SQLite and on MariaDB.

use animov_api::ModelStage as Stage;
use animov_api::SourceKind;
use animov_store::{ForecastPoint, NewModel, testing};

const T0: i64 = 1_732_867_200_000;

fn model(camera_id: Option<i64>, stage: Stage, val: f64) -> NewModel {
    NewModel {
        camera_id,
        kind: "sarimax".into(),
        spec: "(1,1,1)(1,1,1,96)".into(),
        params: br#"[0.5,-0.3,0.1,-0.7,30.0]"#.to_vec(),
        train_from_ms: Some(T0),
        train_to_ms: Some(T0 + 7 * 86_400_000),
        train_rmse: Some(5.0),
        validation_rmse: Some(val),
        baseline_rmse: None,
        stage,
    }
}

#[tokio::test]
async fn one_production_model_per_camera_with_the_bundled_one_as_fallback() {
    for t in testing::all().await {
        let s = &t.store;
        let b = t.backend;
        let cam = s.ensure_source("cam-1", SourceKind::Camera).await.unwrap();
        let other = s.ensure_source("cam-2", SourceKind::Camera).await.unwrap();
        assert_eq!(s.production_model(cam).await.unwrap(), None);
        let bundled = s
            .insert_model(&model(None, Stage::Production, 9.0))
            .await
            .unwrap();
        assert_eq!(
            s.production_model(cam).await.unwrap().unwrap().id,
            bundled,
            "{b}: bundled serves first"
        );
        let first = s
            .insert_model(&model(Some(cam), Stage::Production, 8.0))
            .await
            .unwrap();
        let second = s
            .insert_model(&model(Some(cam), Stage::Staging, 7.0))
            .await
            .unwrap();
        assert_eq!(
            s.production_model(cam).await.unwrap().unwrap().id,
            first,
            "{b}"
        );
        assert_eq!(
            s.production_model(other).await.unwrap().unwrap().id,
            bundled,
            "{b}"
        );
        assert!(s.set_model_stage(second, Stage::Production).await.unwrap());
        assert_eq!(s.production_model(cam).await.unwrap().unwrap().id, second);
        assert_eq!(
            s.model(first).await.unwrap().unwrap().model.stage,
            Stage::Archived,
            "{b}"
        );
        assert_eq!(
            s.model(bundled).await.unwrap().unwrap().model.stage,
            Stage::Production,
            "{b}: other scopes untouched"
        );
        let listed = s.models(Some(cam)).await.unwrap();
        assert_eq!(
            listed.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![second, first]
        );
        assert_eq!(listed[0].model.validation_rmse, Some(7.0));
        assert_eq!(s.models(None).await.unwrap().len(), 1);
        assert!(!s.set_model_stage(9_999, Stage::Archived).await.unwrap());
    }
}

#[tokio::test]
async fn the_newest_issue_as_of_a_time_wins() {
    for t in testing::all().await {
        let s = &t.store;
        let cam = s.ensure_source("cam-1", SourceKind::Camera).await.unwrap();
        let m = s
            .insert_model(&model(Some(cam), Stage::Production, 1.0))
            .await
            .unwrap();
        let pt = |ts_ms: i64, mean: f64| ForecastPoint {
            ts_ms,
            mean,
            lower80: mean - 1.0,
            upper80: mean + 1.0,
            lower95: mean - 2.0,
            upper95: mean + 2.0,
        };
        let q = 900_000;
        s.insert_forecast(cam, m, T0, &[pt(T0 + q, 10.0), pt(T0 + 2 * q, 11.0)])
            .await
            .unwrap();
        s.insert_forecast(
            cam,
            m,
            T0 + q,
            &[pt(T0 + 2 * q, 12.0), pt(T0 + 3 * q, 13.0)],
        )
        .await
        .unwrap();
        let now = s.forecasts(cam, T0, T0 + 10 * q, i64::MAX).await.unwrap();
        let means: Vec<f64> = now.iter().map(|f| f.point.mean).collect();
        assert_eq!(means, vec![10.0, 12.0, 13.0], "{}", t.backend);
        let then = s.forecasts(cam, T0, T0 + 10 * q, T0).await.unwrap();
        let means: Vec<f64> = then.iter().map(|f| f.point.mean).collect();
        assert_eq!(means, vec![10.0, 11.0], "{}: as issued at T0", t.backend);
        assert_eq!(then[1].issued_ms, T0);
    }
}
