//! Replay = engine: the live alert job and `animov alerts replay`'s code
//! open and resolve the same alerts on the same recorded series, with the
//! farm's pens judged together and the farmer's judgements tuning the rules;
//! an alert's explanation and the judgement route.

use crate::common::{Cred, Env, MIN, envs, now};
use animov_api::AlertVerdict;
use animov_core::time::{DAY_MS, QUARTER_MS, floor_to};
use animov_engine::alerting::{
    self, Cache,
    replay::{ReplayOptions, ReplaySource, replay_farm},
};
use axum::http::StatusCode;
use serde_json::{Value, json};

const PENS: [&str; 3] = ["pen-1", "pen-2", "pen-3"];

/// Goats standing (and in view) in bucket k of day d of a pen: 20 goats,
/// 40–50 % up by day. On day 5 every pen lies down 13:00–15:00 (a warm
/// afternoon on the whole farm); on day 6 pen-1 alone has its herd up at
/// night, all down by day, and three goats out of view.
fn standing(pen: &str, d: i64, k: i64) -> (i64, i64) {
    let wobble = d % 3;
    let usual = if (28..80).contains(&k) { 8 + wobble } else { 1 };
    match (pen, d, k) {
        (_, 5, 52..=59) => (1, 20),
        ("pen-1", 6, 8..=14) => (12, 20),
        ("pen-1", 6, 52..=60) => (0, 20),
        ("pen-1", 6, 70..=76) => (6, 17),
        _ => (usual, 20),
    }
}

async fn ingest_week(env: &Env, admin: &str, from: i64) {
    for pen in PENS {
        for d in 0..7 {
            let frames: Vec<Value> = (0..96)
                .map(|k| {
                    let (s, total) = standing(pen, d, k);
                    json!({"ts_ms": from + d * DAY_MS + k * QUARTER_MS + MIN,
                           "lying": total - s, "standing": s})
                })
                .collect();
            let (s, v) = env
                .call(
                    "POST",
                    "/api/v1/ingest",
                    Cred::Bearer(admin),
                    Some(json!({"source": pen, "frames": frames})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{} {v}", env.backend);
        }
    }
    env.close_all().await;
}

type Opened = (String, String, i64, Option<i64>);

/// The live engine (every quarter hour, data read from the store through its
/// cache) and `animov alerts replay`'s code (the same buckets as series)
/// open and resolve the same alerts at the same times, on three pens judged
/// together, while every alert of pen-1 is judged a false alarm as it ends.
/// The farm-wide warm afternoon raises nothing (it would, pen by pen). (The
/// frame-based offline rule and the track-based lying rule are off here: a
/// series has neither frames' times nor tracks.)
#[tokio::test]
async fn the_live_engine_and_the_replay_open_the_same_alerts() {
    for env in envs().await {
        let b = env.backend;
        let admin = env.login("admin").await;
        let from = floor_to(now(), DAY_MS) - 7 * DAY_MS;
        ingest_week(&env, &admin, from).await;
        let mut rules = None;
        let mut cams = Vec::new();
        for pen in PENS {
            let (s, v) = env
                .call(
                    "PUT",
                    &format!("/api/v1/cameras/{pen}"),
                    Cred::Bearer(&admin),
                    Some(json!({"name": pen, "herd_size": 20})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b} {v}");
            let cam = env.state.store.camera_id(pen).await.unwrap().unwrap();
            let mut r = alerting::rules_for(&env.state, cam).await.unwrap();
            r.camera_offline.enabled = false;
            r.prolonged_lying.enabled = false;
            let (s, v) = env
                .call(
                    "PUT",
                    &format!("/api/v1/alerts/rules?source={pen}"),
                    Cred::Bearer(&admin),
                    Some(serde_json::to_value(&r).unwrap()),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b} {v}");
            rules = Some(r);
            cams.push(cam);
        }
        let rules = rules.unwrap();

        // Live: the job ticks a minute after each quarter hour ends; pen-1's
        // alerts are judged false alarms as they end.
        let end = from + 7 * DAY_MS;
        let mut cache = Cache::default();
        let mut t = from + QUARTER_MS;
        let all = animov_store::AlertFilter {
            limit: 1000,
            ..Default::default()
        };
        while t <= end {
            alerting::evaluate_all(&env.state, t + MIN, &mut cache).await;
            for r in env.state.store.alerts(&all).await.unwrap() {
                let a = r.alert;
                if a.source == "pen-1" && a.resolved_ms == Some(t + MIN) {
                    env.state
                        .store
                        .judge_alert(a.id, AlertVerdict::FalseAlarm, "olga", None, t + MIN)
                        .await
                        .unwrap();
                }
            }
            t += QUARTER_MS;
        }
        let mut live: Vec<Opened> = env
            .state
            .store
            .alerts(&all)
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                let a = r.alert;
                (
                    a.source,
                    a.rule.as_str().into(),
                    a.opened_ms - MIN,
                    a.resolved_ms.map(|t| t - MIN),
                )
            })
            .collect();
        live.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));

        // Replay: the same buckets as series, the same judgements.
        let mut srcs = Vec::new();
        for (pen, cam) in PENS.iter().zip(&cams) {
            let buckets = alerting::cache::buckets_between(&env.state, *cam, from, end)
                .await
                .unwrap();
            assert_eq!(buckets.len(), 7 * 96, "{b}");
            srcs.push(ReplaySource {
                source: pen.to_string(),
                buckets,
                herd_size: Some(20),
                bouts: None,
            });
        }
        let judge = |a: &alerting::replay::ReplayedAlert| {
            (a.source == "pen-1").then_some(AlertVerdict::FalseAlarm)
        };
        let replayed = |farm: bool| -> Vec<Opened> {
            let opts = ReplayOptions {
                farm,
                judge: Some(&judge),
                ..ReplayOptions::default()
            };
            replay_farm(&srcs, &rules, &opts)
                .into_iter()
                .map(|a| (a.source, a.rule.as_str().into(), a.opened_at, a.resolved_at))
                .collect()
        };
        assert_eq!(live, replayed(true), "{b}");
        let on_day = |alerts: &[Opened], d: i64| -> Vec<String> {
            alerts
                .iter()
                .filter(|a| (a.2 - from) / DAY_MS == d)
                .map(|a| format!("{} {}", a.0, a.1))
                .collect()
        };
        assert_eq!(on_day(&live, 5), Vec::<String>::new(), "{b}: {live:?}");
        // Pen by pen, the warm afternoon raises an alert on every pen.
        let alone = on_day(&replayed(false), 5);
        for pen in PENS {
            let fd = format!("{pen} forecast_deviation");
            assert!(alone.contains(&fd), "{b}: {alone:?}");
        }
        let day6 = on_day(&live, 6);
        for r in ["night_disturbance", "forecast_deviation", "herd_count_drop"] {
            assert!(
                day6.contains(&format!("pen-1 {r}")),
                "{b}: no {r} in {live:?}"
            );
        }
        check_explanation(&env, &admin).await;
    }
}

/// The explanation of pen-1's day-time alert: its own usual range, the limit
/// crossed, the residual in σ, the farm's two other pens that did not move,
/// and the judgement it got; the judgement route's roles and errors.
async fn check_explanation(env: &Env, admin: &str) {
    let b = env.backend;
    let (_, list) = env
        .call(
            "GET",
            "/api/v1/alerts?source=pen-1&rule=forecast_deviation",
            Cred::Bearer(admin),
            None,
        )
        .await;
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(list[0]["feedback"], "false_alarm", "{b}");
    let victor = env.login("victor").await;
    let (s, e) = env
        .call(
            "GET",
            &format!("/api/v1/alerts/{id}/explain"),
            Cred::Bearer(&victor),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b} {e}");
    assert_eq!(
        (e["basis"].as_str(), e["unit"].as_str()),
        (Some("own_history"), Some("percent")),
        "{b} {e}"
    );
    assert_eq!(e["history_days"], 6, "{b}");
    let (v, limit, sigma) = (
        e["observed"].as_f64().unwrap(),
        e["limit"].as_f64().unwrap(),
        e["residual_sigma"].as_f64().unwrap(),
    );
    assert!(v < limit && sigma < -3.0, "{b} {e}");
    // The two others wobbled a little below their ranges too, but did not move.
    let farm = &e["farm"];
    assert_eq!(
        (farm["others"].as_u64(), farm["moved"].as_u64()),
        (Some(2), Some(0)),
        "{b} {farm}"
    );
    assert!(farm["shift"].as_f64().unwrap().abs() < 5.0, "{b} {farm}");
    assert!(e["points"].as_array().unwrap().len() >= 12, "{b}");
    assert_eq!(
        (e["false_alarms"].as_u64(), e["sensitivity"].as_f64()),
        (Some(1), Some(1.15)),
        "{b}"
    );
    // Judging: the farmer (operator) may, the vet may not; bad input is said.
    let olga = env.login("olga").await;
    let path = format!("/api/v1/alerts/{id}/feedback");
    let (s, d) = env
        .call(
            "POST",
            &path,
            Cred::Bearer(&olga),
            Some(json!({"verdict": "useful", "comment": "checked"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b} {d}");
    assert_eq!(
        (
            d["alert"]["feedback"].as_str(),
            d["alert"]["feedback_by"].as_str()
        ),
        (Some("useful"), Some("olga"))
    );
    let kinds: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.ends_with(&["false_alarm", "useful"]), "{b} {kinds:?}");
    let (s, _) = env
        .call(
            "POST",
            &path,
            Cred::Bearer(&victor),
            Some(json!({"verdict": "useful"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, v) = env
        .call(
            "POST",
            &path,
            Cred::Bearer(&olga),
            Some(json!({"verdict": "maybe"})),
        )
        .await;
    assert!(
        s.is_client_error() && v.to_string().contains("verdict"),
        "{b} {s} {v}"
    );
    let (s, _) = env
        .call(
            "POST",
            "/api/v1/alerts/999999/feedback",
            Cred::Bearer(&olga),
            Some(json!({"verdict": "useful"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (s, _) = env
        .call(
            "GET",
            "/api/v1/alerts/999999/explain",
            Cred::Bearer(&olga),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
}
