//! Alerts, rules and the notification outbox, on SQLite and on MariaDB.

use animov_api::{AlertState, NotificationState, RuleKind, Severity, SourceKind};
use animov_store::{AlertFilter, NewAlert, NewNotification, StoreError, testing};

const T0: i64 = 1_732_867_200_000;

fn new_alert(camera_id: i64, rule: RuleKind) -> NewAlert {
    NewAlert {
        camera_id,
        rule,
        severity: Severity::Warning,
        since_ms: T0,
        opened_ms: T0 + 60_000,
        message: "something is off".into(),
        value: Some(12.0),
        threshold: Some(18.0),
        track_id: None,
    }
}

#[tokio::test]
async fn one_open_alert_per_rule_and_camera_with_its_whole_history() {
    for t in testing::all().await {
        let (s, b) = (&t.store, t.backend);
        let cam = s.ensure_source("cam-1", SourceKind::Camera).await.unwrap();
        let other = s.ensure_source("cam-2", SourceKind::Camera).await.unwrap();
        let a = s
            .open_alert(&new_alert(cam, RuleKind::HerdCountDrop))
            .await
            .unwrap();
        assert_eq!(a.alert.state, AlertState::Open, "{b}");
        assert_eq!(a.alert.source, "cam-1");
        // A second open alert of the same rule and camera is refused; other rules and cameras are fine.
        let e = s
            .open_alert(&new_alert(cam, RuleKind::HerdCountDrop))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{b}: {e}");
        s.open_alert(&new_alert(cam, RuleKind::CameraOffline))
            .await
            .unwrap();
        s.open_alert(&new_alert(other, RuleKind::HerdCountDrop))
            .await
            .unwrap();
        assert_eq!(s.open_alerts(cam).await.unwrap().len(), 2, "{b}");

        let id = a.alert.id;
        let esc = s
            .escalate_alert(id, Severity::Critical, "worse", Some(10.0), T0 + 120_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(esc.alert.severity, Severity::Critical);
        s.set_alert_clear_since(id, Some(T0 + 180_000))
            .await
            .unwrap();
        assert_eq!(
            s.alert(id).await.unwrap().unwrap().clear_since_ms,
            Some(T0 + 180_000)
        );
        let acked = s
            .ack_alert(id, "farmer", Some("gate was open"), T0 + 200_000)
            .await
            .unwrap();
        assert_eq!(acked.alert.state, AlertState::Acknowledged);
        assert_eq!(acked.alert.ack_by.as_deref(), Some("farmer"));
        assert_eq!(acked.alert.ack_comment.as_deref(), Some("gate was open"));
        assert!(matches!(
            s.ack_alert(id, "farmer", None, T0).await.unwrap_err(),
            StoreError::Conflict(_)
        ));
        s.add_alert_note(id, "vet", "checked the herd", T0 + 250_000)
            .await
            .unwrap();
        let done = s.resolve_alert(id, None, None, T0 + 300_000).await.unwrap();
        assert_eq!(
            (done.alert.state, done.alert.resolved_ms),
            (AlertState::Resolved, Some(T0 + 300_000))
        );
        assert!(matches!(
            s.resolve_alert(id, Some("x"), None, T0).await.unwrap_err(),
            StoreError::Conflict(_)
        ));
        assert!(matches!(
            s.ack_alert(9_999, "x", None, T0).await.unwrap_err(),
            StoreError::NotFound(_)
        ));
        // Once resolved, the rule may open again.
        s.open_alert(&new_alert(cam, RuleKind::HerdCountDrop))
            .await
            .unwrap();
        let kinds: Vec<&str> = s
            .alert_events(id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind.as_str())
            .collect();
        assert_eq!(
            kinds,
            ["opened", "escalated", "acknowledged", "note", "resolved"],
            "{b}"
        );

        let all = s
            .alerts(&AlertFilter {
                limit: 100,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 4, "{b}");
        let resolved = s
            .alerts(&AlertFilter {
                states: vec![AlertState::Resolved],
                limit: 100,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(resolved.len(), 1);
        let herd_on_cam = s
            .alerts(&AlertFilter {
                camera_id: Some(cam),
                rule: Some(RuleKind::HerdCountDrop),
                severity: Some(Severity::Warning),
                limit: 100,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(herd_on_cam.len(), 1, "{b}");
    }
}

#[tokio::test]
async fn rules_settings_and_the_outbox() {
    for t in testing::all().await {
        let (s, b) = (&t.store, t.backend);
        let cam = s.ensure_source("cam-1", SourceKind::Camera).await.unwrap();
        assert_eq!(s.alert_rules(cam).await.unwrap(), None);
        s.set_alert_rules(cam, br#"{"a":1}"#).await.unwrap();
        s.set_alert_rules(cam, br#"{"a":2}"#).await.unwrap();
        assert_eq!(s.alert_rules(cam).await.unwrap().unwrap(), br#"{"a":2}"#);
        s.set_app_setting("alert_delivery", b"{}").await.unwrap();
        assert_eq!(
            s.app_setting("alert_delivery").await.unwrap().unwrap(),
            b"{}"
        );

        let a = s
            .open_alert(&new_alert(cam, RuleKind::CameraOffline))
            .await
            .unwrap();
        let n = |next: i64| NewNotification {
            alert_id: Some(a.alert.id),
            camera_id: Some(cam),
            rule: Some(RuleKind::CameraOffline),
            channel: "email".into(),
            subject: "Caméra hors ligne".into(),
            body: "Pas d'image depuis 3 min — é ü".into(),
            created_ms: T0,
            next_try_ms: next,
        };
        let first = s.queue_notification(&n(T0)).await.unwrap();
        let later = s.queue_notification(&n(T0 + 3_600_000)).await.unwrap();
        let due = s.due_notifications(T0 + 1, 10).await.unwrap();
        assert_eq!(due.len(), 1, "{b}");
        assert_eq!(due[0].id, first);
        assert_eq!(due[0].body, "Pas d'image depuis 3 min — é ü");
        s.record_notification_try(
            first,
            NotificationState::Pending,
            T0,
            T0 + 60_000,
            Some("connection refused"),
        )
        .await
        .unwrap();
        assert!(s.due_notifications(T0 + 1, 10).await.unwrap().is_empty());
        let retry = s.due_notifications(T0 + 60_000, 10).await.unwrap();
        assert_eq!(
            (retry[0].attempts, retry[0].last_error.as_deref()),
            (1, Some("connection refused"))
        );
        s.record_notification_try(first, NotificationState::Sent, T0 + 60_000, 0, None)
            .await
            .unwrap();
        let all = s.notifications(10).await.unwrap();
        assert_eq!(all[0].id, later);
        assert_eq!(all[1].state, NotificationState::Sent);
        assert_eq!(all[1].sent_ms, Some(T0 + 60_000));
        assert!(
            s.last_notified_ms(cam, RuleKind::CameraOffline)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            s.last_notified_ms(cam, RuleKind::HerdCountDrop)
                .await
                .unwrap(),
            None
        );
    }
}

/// Regression: the outbox used to read `SELECT MAX(id)` after its insert,
/// which on MariaDB can be another writer's row.
#[tokio::test]
async fn each_queued_message_gets_its_own_id_under_concurrent_writers() {
    for t in testing::all().await {
        let s = t.store.clone();
        let mut tasks = Vec::new();
        for k in 0..64 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let n = NewNotification {
                    alert_id: None,
                    camera_id: None,
                    rule: None,
                    channel: "email".into(),
                    subject: format!("message {k}"),
                    body: String::new(),
                    created_ms: T0,
                    next_try_ms: T0,
                };
                (k, s.queue_notification(&n).await.unwrap())
            }));
        }
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.unwrap());
        }
        let all = s.notifications(100).await.unwrap();
        for (k, id) in ids {
            let row = all.iter().find(|n| n.id == id).unwrap();
            assert_eq!(row.subject, format!("message {k}"), "{}", t.backend);
        }
    }
}
