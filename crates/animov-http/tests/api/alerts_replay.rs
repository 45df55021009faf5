//! Replay = engine: the live alert job and `animov alerts replay`'s code
//! open and resolve the same alerts on the same recorded series.

use crate::common::{Cred, MIN, envs, now};
use animov_engine::alerting::{self, Cache};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The live engine (every quarter hour, data read from the store through its
/// cache) and `animov alerts replay`'s code (the same buckets as one series)
/// open and resolve the same alerts at the same times: a week of one pen with
/// a herd up at night, a long lie-down by day and two goats out of view on
/// its last day. (The frame-based offline rule and the track-based lying
/// rule are off here: a series has neither frames' times nor tracks.)
#[tokio::test]
async fn the_live_engine_and_the_replay_open_the_same_alerts() {
    use animov_core::time::{DAY_MS, QUARTER_MS, floor_to};
    use animov_engine::alerting::replay::{DEFAULT_HISTORY_DAYS, ReplaySource, replay};
    for env in envs().await {
        let b = env.backend;
        let admin = env.login("admin").await;
        let from = floor_to(now(), DAY_MS) - 7 * DAY_MS;
        // Goats standing in bucket k of day d (20 goats in view, usually).
        let standing = |d: i64, k: i64| -> (i64, i64) {
            let wobble = d % 3;
            let usual = if (28..80).contains(&k) { 8 + wobble } else { 1 };
            match (d, k) {
                (6, 8..=14) => (12, 20), // up at night, 02:00–03:45
                (6, 52..=60) => (0, 20), // all down by day, 13:00–15:15
                (6, 70..=76) => (6, 17), // three goats out of view
                _ => (usual, 20),
            }
        };
        for d in 0..7 {
            let frames: Vec<Value> = (0..96)
                .map(|k| {
                    let (s, total) = standing(d, k);
                    json!({"ts_ms": from + d * DAY_MS + k * QUARTER_MS + MIN,
                           "lying": total - s, "standing": s})
                })
                .collect();
            let (s, v) = env
                .call(
                    "POST",
                    "/api/v1/ingest",
                    Cred::Bearer(&admin),
                    Some(json!({"source": "pen-1", "frames": frames})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b} {v}");
        }
        env.close_all().await;
        let (s, v) = env
            .call(
                "PUT",
                "/api/v1/cameras/pen-1",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 1", "herd_size": 20})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {v}");
        let cam = env.state.store.camera_id("pen-1").await.unwrap().unwrap();
        let mut rules = alerting::rules_for(&env.state, cam).await.unwrap();
        rules.camera_offline.enabled = false;
        rules.prolonged_lying.enabled = false;
        let (s, v) = env
            .call(
                "PUT",
                "/api/v1/alerts/rules?source=pen-1",
                Cred::Bearer(&admin),
                Some(serde_json::to_value(&rules).unwrap()),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {v}");

        // Live: the job ticks a minute after each quarter hour ends.
        let end = from + 7 * DAY_MS;
        let mut cache = Cache::default();
        let mut t = from + QUARTER_MS;
        while t <= end {
            alerting::evaluate_all(&env.state, t + MIN, &mut cache).await;
            t += QUARTER_MS;
        }
        let filter = animov_store::AlertFilter {
            camera_id: Some(cam),
            limit: 1000,
            ..Default::default()
        };
        let mut live: Vec<(String, i64, Option<i64>)> = env
            .state
            .store
            .alerts(&filter)
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                let a = r.alert;
                (
                    a.rule.as_str().into(),
                    a.opened_ms - MIN,
                    a.resolved_ms.map(|t| t - MIN),
                )
            })
            .collect();
        live.sort_by_key(|a| a.1);

        // Replay: the same buckets as one series.
        let buckets = alerting::cache::buckets_between(&env.state, cam, from, end)
            .await
            .unwrap();
        assert_eq!(buckets.len(), 7 * 96, "{b}");
        let replayed: Vec<(String, i64, Option<i64>)> = replay(
            &ReplaySource {
                source: "pen-1".into(),
                buckets,
                herd_size: Some(20),
                bouts: None,
            },
            &rules,
            DEFAULT_HISTORY_DAYS,
        )
        .into_iter()
        .map(|a| (a.rule.as_str().into(), a.opened_at, a.resolved_at))
        .collect();
        assert_eq!(live, replayed, "{b}");
        let rules_seen: Vec<&str> = live.iter().map(|a| a.0.as_str()).collect();
        for r in ["night_disturbance", "forecast_deviation", "herd_count_drop"] {
            assert!(rules_seen.contains(&r), "{b}: no {r} in {live:?}");
        }
    }
}
