//! Alerts in the engine, on SQLite and MariaDB: the job opens alerts from
//! real data (a camera gone quiet, goats missing from the count), pushes them
//! as events, queues email; people acknowledge, annotate and resolve them by
//! API with role checks; an alert resolves itself when its condition clears.

use crate::common::{Cred, MIN, envs, now};
use animov_api::Event;
use animov_engine::alerting::{self, Cache};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// 80 minutes of frames seeing 12 goats, ending 5 minutes ago.
fn short_herd() -> Value {
    let from = now() - 85 * MIN;
    Value::Array(
        (0..480)
            .map(|i| json!({"ts_ms": from + i * 10_000, "lying": 8, "standing": 4}))
            .collect(),
    )
}

#[tokio::test]
async fn alerts_open_from_data_and_follow_their_lifecycle() {
    for env in envs().await {
        let b = env.backend;
        let admin = env.login("admin").await;
        let olga = env.login("olga").await;
        let victor = env.login("victor").await;
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&admin),
                Some(json!({"source": "cam-1", "frames": short_herd()})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {v}");
        env.close_all().await;
        let (s, v) = env
            .call(
                "PUT",
                "/api/v1/cameras/cam-1",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 1", "herd_size": 20})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {v}");
        let (s, _) = env
            .call(
                "PUT",
                "/api/v1/alerts/delivery",
                Cred::Bearer(&admin),
                Some(json!({"email_to": ["farm@example.org"], "cooldown_minutes": 60})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);

        let mut events = env.state.events.subscribe();
        let changed = alerting::evaluate_all(&env.state, now(), &mut Cache::default()).await;
        assert_eq!(changed, 2, "{b}: offline and herd count");
        let mut pushed = Vec::new();
        while let Ok(Event::Alert(c)) = events.try_recv() {
            pushed.push((c.alert.rule.as_str(), c.change.as_str(), c.notify));
        }
        pushed.sort();
        assert_eq!(
            pushed,
            [
                ("camera_offline", "opened", true),
                ("herd_count_drop", "opened", true)
            ],
            "{b}"
        );
        // Evaluating again changes nothing: one alert per rule and camera.
        assert_eq!(
            alerting::evaluate_all(&env.state, now(), &mut Cache::default()).await,
            0
        );

        let (s, list) = env
            .call(
                "GET",
                "/api/v1/alerts?state=active",
                Cred::Bearer(&victor),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len(), 2, "{b} {list:?}");
        let herd = list
            .iter()
            .find(|a| a["rule"] == "herd_count_drop")
            .unwrap();
        assert_eq!(herd["source"], "cam-1");
        assert_eq!(herd["value"], 12.0);
        assert_eq!(herd["threshold"], 18.0);
        let offline = list.iter().find(|a| a["rule"] == "camera_offline").unwrap();
        assert_eq!(offline["severity"], "critical");
        let id = herd["id"].as_i64().unwrap();

        let (_, summary) = env
            .call("GET", "/api/v1/alerts/summary", Cred::Bearer(&olga), None)
            .await;
        assert_eq!(
            summary[0],
            json!({"source": "cam-1", "open": 2, "acknowledged": 0, "critical": 1}),
            "{b}"
        );
        // Both alerts queued an email (recipients set, no cooldown yet).
        assert_eq!(
            env.state.store.notifications(10).await.unwrap().len(),
            2,
            "{b}"
        );

        // Filters and their mistakes.
        let (_, v) = env
            .call(
                "GET",
                "/api/v1/alerts?rule=camera_offline&source=cam-1",
                Cred::Bearer(&olga),
                None,
            )
            .await;
        assert_eq!(v.as_array().unwrap().len(), 1);
        let (s, v) = env
            .call(
                "GET",
                "/api/v1/alerts?state=sleeping",
                Cred::Bearer(&olga),
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("state"))
        );
        let (s, _) = env
            .call(
                "GET",
                "/api/v1/alerts?source=nope",
                Cred::Bearer(&olga),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = env.call("GET", "/api/v1/alerts", Cred::None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // Acknowledge (operator), note (vet), resolve: vets may not, operators may.
        let (s, d) = env
            .call(
                "POST",
                &format!("/api/v1/alerts/{id}/ack"),
                Cred::Bearer(&olga),
                Some(json!({"comment": "two goats in the shed"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {d}");
        assert_eq!(d["alert"]["state"], "acknowledged");
        assert_eq!(d["alert"]["ack_by"], "olga");
        let (s, v) = env
            .call(
                "POST",
                &format!("/api/v1/alerts/{id}/ack"),
                Cred::Bearer(&olga),
                Some(json!({})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("conflict"))
        );
        let (s, _) = env
            .call(
                "POST",
                &format!("/api/v1/alerts/{id}/notes"),
                Cred::Bearer(&victor),
                Some(json!({"comment": "checked: one goat limping"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = env
            .call(
                "POST",
                &format!("/api/v1/alerts/{id}/notes"),
                Cred::Bearer(&victor),
                Some(json!({"comment": " "})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("comment"))
        );
        let (s, _) = env
            .call(
                "POST",
                &format!("/api/v1/alerts/{id}/resolve"),
                Cred::Bearer(&victor),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = env
            .call(
                "POST",
                &format!("/api/v1/alerts/{id}/resolve"),
                Cred::Bearer(&olga),
                Some(json!({"comment": "all back"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let kinds: Vec<&str> = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["opened", "acknowledged", "note", "resolved"], "{b}");
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/alerts/999999/ack",
                Cred::Bearer(&olga),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = env
            .call(
                "POST",
                &format!("/api/v1/alerts/{id}/ack"),
                Cred::Bearer(&olga),
                Some(json!({"comment": 3})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // Frames again: the offline alert resolves itself.
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&admin),
                Some(json!({"source": "cam-1", "frames": [{"ts_ms": now() - 1000, "lying": 10, "standing": 10}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        alerting::evaluate_all(&env.state, now(), &mut Cache::default()).await;
        let (_, d) = env
            .call(
                "GET",
                &format!("/api/v1/alerts/{}", offline["id"]),
                Cred::Bearer(&olga),
                None,
            )
            .await;
        assert_eq!(d["alert"]["state"], "resolved", "{b} {d}");
        assert_eq!(d["alert"]["resolved_by"], Value::Null);
    }
}

#[tokio::test]
async fn rules_and_delivery_settings_are_checked_and_admin_only() {
    for env in envs().await {
        let b = env.backend;
        let admin = env.login("admin").await;
        let olga = env.login("olga").await;
        env.state
            .store
            .ensure_source("cam-1", animov_api::SourceKind::Ingest)
            .await
            .unwrap();
        let (s, rules) = env
            .call(
                "GET",
                "/api/v1/alerts/rules?source=cam-1",
                Cred::Bearer(&olga),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{rules}");
        assert_eq!(rules["forecast_deviation"]["warning_buckets"], 2);
        assert_eq!(rules["camera_offline"]["after_seconds"], 120);
        let (s, _) = env
            .call(
                "PUT",
                "/api/v1/alerts/rules?source=cam-1",
                Cred::Bearer(&olga),
                Some(json!({"camera_offline": {"after_seconds": 300}})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, v) = env
            .call(
                "PUT",
                "/api/v1/alerts/rules?source=cam-1",
                Cred::Bearer(&admin),
                Some(json!({"camera_offline": {"after_seconds": 300}, "herd_count_drop": {"tolerance": 3}})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {v}");
        let (_, v) = env
            .call(
                "GET",
                "/api/v1/alerts/rules?source=cam-1",
                Cred::Bearer(&olga),
                None,
            )
            .await;
        assert_eq!(v["camera_offline"]["after_seconds"], 300);
        assert_eq!(v["herd_count_drop"]["tolerance"], 3);
        assert_eq!(
            v["herd_count_drop"]["minutes"], 30,
            "absent fields keep their defaults"
        );
        // Nonsense is refused and changes nothing.
        let (s, v) = env
            .call(
                "PUT",
                "/api/v1/alerts/rules?source=cam-1",
                Cred::Bearer(&admin),
                Some(json!({"forecast_deviation": {"warning_buckets": 0}})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("forecast_deviation"))
        );
        let (s, _) = env
            .call(
                "PUT",
                "/api/v1/alerts/rules?source=cam-1",
                Cred::Bearer(&admin),
                Some(json!({"typo": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, v) = env
            .call(
                "GET",
                "/api/v1/alerts/rules?source=cam-1",
                Cred::Bearer(&olga),
                None,
            )
            .await;
        assert_eq!(v["camera_offline"]["after_seconds"], 300);

        let (s, _) = env
            .call("GET", "/api/v1/alerts/delivery", Cred::Bearer(&olga), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = env
            .call(
                "PUT",
                "/api/v1/alerts/delivery",
                Cred::Bearer(&admin),
                Some(json!({"email_to": ["not an address"]})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("email_to"))
        );
        let (s, v) = env
            .call(
                "PUT",
                "/api/v1/alerts/delivery",
                Cred::Bearer(&admin),
                Some(json!({"email_to": ["a@b.org"], "quiet_start_hour": 21})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("quiet_end_hour"))
        );
        // No SMTP server configured: the test email says so.
        let (s, _) = env
            .call(
                "PUT",
                "/api/v1/alerts/delivery",
                Cred::Bearer(&admin),
                Some(json!({"email_to": ["a@b.org"]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/alerts/delivery/test",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("email.smtp_host"),
            "{v}"
        );
    }
}

#[tokio::test]
async fn a_source_silent_for_days_is_not_reported_offline() {
    for env in envs().await {
        let admin = env.login("admin").await;
        let old = now() - 3 * 24 * 60 * MIN;
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&admin),
                Some(json!({"source": "import-2024", "frames": [{"ts_ms": old, "lying": 1, "standing": 1}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            alerting::evaluate_all(&env.state, now(), &mut Cache::default()).await,
            0,
            "{}",
            env.backend
        );
        // Nor is a camera whose address was removed (its data stays).
        env.state
            .store
            .upsert_camera(
                "pen-9",
                "Pen 9",
                None,
                Some(10),
                animov_api::SourceKind::Camera,
            )
            .await
            .unwrap();
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&admin),
                Some(json!({"source": "pen-9", "frames": [{"ts_ms": now() - 10 * MIN, "lying": 1, "standing": 1}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            alerting::evaluate_all(&env.state, now(), &mut Cache::default()).await,
            0,
            "{}",
            env.backend
        );
    }
}

#[tokio::test]
async fn the_bucket_cache_brought_up_to_date_matches_a_full_read() {
    for env in envs().await {
        let b = env.backend;
        let admin = env.login("admin").await;
        let q = 15 * MIN;
        // The quarter hour before the last one (so "the next quarter" is past).
        let quarter = (now() - 30_000) / q * q - q;
        // Three hours of frames up to it.
        let from = quarter - 12 * q;
        // Bucket 10 (half an hour before `quarter`) is missing: its frames come late.
        let late = |i: &i64| (900..990).contains(i);
        let frames: Vec<Value> = (0..(12 * 90))
            .filter(|i| !late(i))
            .map(|i| json!({"ts_ms": from + i * 10_000, "lying": 5 + i % 3, "standing": 2 + i % 5}))
            .collect();
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&admin),
                Some(json!({"source": "cam-1", "frames": frames})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        env.close_all().await;
        let cam = env.state.store.camera_id("cam-1").await.unwrap().unwrap();
        let mut cache = Cache::default();
        let first = cache
            .buckets(&env.state, cam, quarter + 60_000)
            .await
            .unwrap();
        assert_eq!(first.len(), 11, "{b}");
        // The next quarter's frames, and the late bucket's.
        let more: Vec<Value> = (0..90)
            .map(|i| json!({"ts_ms": quarter + i * 10_000, "lying": 9, "standing": 1}))
            .chain(
                (900..990).map(|i| json!({"ts_ms": from + i * 10_000, "lying": 30, "standing": 3})),
            )
            .collect();
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&admin),
                Some(json!({"source": "cam-1", "frames": more})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        env.close_all().await;
        let next = cache
            .buckets(&env.state, cam, quarter + q + 60_000)
            .await
            .unwrap();
        let full = alerting::cache::buckets_between(
            &env.state,
            cam,
            quarter + q - 8 * 24 * 60 * MIN,
            quarter + q,
        )
        .await
        .unwrap();
        assert_eq!(next.len(), 13, "{b}");
        assert_eq!(next, full, "{b}");
    }
}

/// The test email goes through the engine's mailer; delivery settings that
/// cannot be read are reported, not taken for "no email".
#[tokio::test]
async fn test_email_through_the_mailer_and_unreadable_settings_reported() {
    let mailer = animov_engine::mail::RecordingMailer::new();
    let env = crate::common::env_with_seams(animov_engine::Seams {
        clock: std::sync::Arc::new(animov_engine::clock::SystemClock),
        mailer: std::sync::Arc::new(mailer.clone()),
    })
    .await;
    let admin = env.login("admin").await;
    let (s, _) = env
        .call(
            "PUT",
            "/api/v1/alerts/delivery",
            Cred::Bearer(&admin),
            Some(json!({"email_to": ["farm@example.org"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = env
        .call(
            "POST",
            "/api/v1/alerts/delivery/test",
            Cred::Bearer(&admin),
            None,
        )
        .await;
    assert_eq!(
        (s, &v["sent_to"]),
        (StatusCode::OK, &json!(["farm@example.org"]))
    );
    assert_eq!(mailer.sent()[0].subject, "[AniMOV] Test");
    env.state
        .store
        .set_app_setting(
            animov_engine::alerting::DELIVERY_SETTING,
            b"{\"email_to\": [",
        )
        .await
        .unwrap();
    let (s, v) = env
        .call("GET", "/api/v1/alerts/delivery", Cred::Bearer(&admin), None)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("unreadable_settings")
        )
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("saved again"),
        "{v}"
    );
}
