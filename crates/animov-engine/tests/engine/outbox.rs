//! The email outbox through the mailer seam.

use std::time::Duration;

use animov_api::{DeliverySettings, NotificationState, RuleKind, Severity, SourceKind};
use animov_engine::{
    alerting::{DELIVERY_SETTING, delivery_settings},
    mail::{EmailError, Mailer, SmtpMailer, outbox},
    secrets::{Secrets, names::SMTP_PASSWORD},
};
use animov_store::{NewAlert, NewNotification, StoreError, testing};

use super::{T0, rig};

const MIN: i64 = 60_000;

async fn deliver_to_the_farm(engine: &animov_engine::Engine) {
    let s = DeliverySettings {
        email_to: vec!["farm@example.org".into()],
        utc_offset_minutes: 0,
        ..DeliverySettings::default()
    };
    engine
        .store
        .set_app_setting(DELIVERY_SETTING, &serde_json::to_vec(&s).unwrap())
        .await
        .unwrap();
}

fn message(alert_id: Option<i64>, subject: &str, created: i64, next: i64) -> NewNotification {
    NewNotification {
        alert_id,
        camera_id: None,
        rule: None,
        channel: "email".into(),
        subject: subject.into(),
        body: "text".into(),
        created_ms: created,
        next_try_ms: next,
    }
}

#[tokio::test]
async fn failed_emails_wait_for_their_retry_and_bad_settings_are_given_up() {
    for t in testing::all().await {
        let r = rig(&t);
        let e = &r.engine;
        deliver_to_the_farm(e).await;
        let id = e
            .store
            .queue_notification(&message(None, "first", T0, T0))
            .await
            .unwrap();
        r.mailer.fail_with([EmailError::Smtp {
            server: "smtp:587".into(),
            reason: "451 try again later".into(),
        }]);
        assert_eq!(outbox::send_due(e, T0).await.unwrap(), 1);
        let n = &e.store.notifications(10).await.unwrap()[0];
        assert_eq!(
            (n.id, n.state, n.attempts),
            (id, NotificationState::Pending, 1)
        );
        assert_eq!(
            n.next_try_ms,
            T0 + MIN,
            "{}: retried after a minute",
            t.backend
        );
        assert!(n.last_error.as_deref().unwrap().contains("451"));
        // Not before its time.
        assert_eq!(outbox::send_due(e, T0 + MIN - 1).await.unwrap(), 0);
        assert_eq!(outbox::send_due(e, T0 + MIN).await.unwrap(), 1);
        let sent = r.mailer.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(
            (sent[0].to.as_slice(), sent[0].subject.as_str()),
            (&["farm@example.org".to_string()][..], "first")
        );
        let n = &e.store.notifications(10).await.unwrap()[0];
        assert_eq!(
            (n.state, n.sent_ms),
            (NotificationState::Sent, Some(T0 + MIN))
        );

        // A failure that retrying cannot fix is given up at once.
        e.store
            .queue_notification(&message(None, "second", T0, T0))
            .await
            .unwrap();
        r.mailer.fail_with([EmailError::NotConfigured]);
        outbox::send_due(e, T0 + 2 * MIN).await.unwrap();
        let n = &e.store.notifications(10).await.unwrap()[0];
        assert_eq!(
            (n.subject.as_str(), n.state),
            ("second", NotificationState::Failed)
        );
        assert_eq!(r.mailer.sent().len(), 1);
    }
}

#[tokio::test]
async fn a_warning_held_overnight_is_dropped_when_its_alert_ended() {
    for t in testing::all().await {
        let r = rig(&t);
        let e = &r.engine;
        deliver_to_the_farm(e).await;
        let cam = e
            .store
            .ensure_source("pen-a", SourceKind::Ingest)
            .await
            .unwrap();
        let a = e
            .store
            .open_alert(&NewAlert {
                camera_id: cam,
                rule: RuleKind::NightDisturbance,
                severity: Severity::Warning,
                since_ms: T0,
                opened_ms: T0,
                message: "restless".into(),
                value: None,
                threshold: None,
                track_id: None,
            })
            .await
            .unwrap();
        // Queued at 23:00 for the end of the quiet hours; the alert ends at 02:00.
        e.store
            .queue_notification(&message(Some(a.alert.id), "held", T0, T0 + 8 * 60 * MIN))
            .await
            .unwrap();
        e.store
            .resolve_alert(a.alert.id, None, None, T0 + 3 * 60 * MIN)
            .await
            .unwrap();
        outbox::send_due(e, T0 + 8 * 60 * MIN).await.unwrap();
        let n = &e.store.notifications(10).await.unwrap()[0];
        assert_eq!(n.state, NotificationState::Dropped, "{}", t.backend);
        assert!(r.mailer.sent().is_empty());
    }
}

/// Regression: unreadable delivery settings used to mean "no email" without a word.
#[tokio::test]
async fn unreadable_delivery_settings_are_an_error_not_silence() {
    let t = testing::sqlite().await;
    let r = rig(&t);
    let e = &r.engine;
    e.store
        .set_app_setting(DELIVERY_SETTING, b"{\"email_to\": [")
        .await
        .unwrap();
    e.store
        .queue_notification(&message(None, "waiting", T0, T0))
        .await
        .unwrap();
    assert!(matches!(
        delivery_settings(e).await,
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        outbox::send_due(e, T0).await,
        Err(StoreError::Corrupt(_))
    ));
    // Nothing sent, nothing lost: the message waits for readable settings.
    assert!(r.mailer.sent().is_empty());
    let n = &e.store.notifications(10).await.unwrap()[0];
    assert_eq!((n.state, n.attempts), (NotificationState::Pending, 0));
}

/// The outbox job reads the engine's clock: a retry due a minute later goes
/// out as soon as the clock says so, with no minute to wait.
#[tokio::test]
async fn the_outbox_job_runs_on_the_engine_clock() {
    let t = testing::sqlite().await;
    let r = rig(&t);
    let e = r.engine.clone();
    deliver_to_the_farm(&e).await;
    e.store
        .queue_notification(&message(None, "retried", T0, T0))
        .await
        .unwrap();
    r.mailer.fail_with([EmailError::Smtp {
        server: "smtp:587".into(),
        reason: "connection refused".into(),
    }]);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let job = tokio::spawn(outbox::run(e.clone(), stopped));
    let store = &e.store;
    eventually(|| async move { store.notifications(1).await.unwrap()[0].attempts == 1 }).await;
    assert!(r.mailer.sent().is_empty(), "the first try failed");
    r.clock.advance(MIN);
    e.mail_queued.notify_one();
    let mailer = &r.mailer;
    eventually(|| async move { mailer.sent().len() == 1 }).await;
    let _ = stop.send(true);
    job.await.unwrap();
}

/// Waits (10 s at most, in real time) until `check` holds.
async fn eventually<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "the job did not act");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Regression: a keyring that could not be read used to send with an empty
/// password, and say nothing.
#[tokio::test]
async fn an_unreadable_smtp_password_is_reported() {
    let r = rig(&testing::sqlite().await);
    let mut config = r.engine.config.email.clone();
    config.smtp_host = Some("127.0.0.1".into());
    config.smtp_port = 9;
    config.username = Some("farm".into());
    config.tls = animov_engine::config::EmailTls::None;
    // A folder where the secret file should be: it cannot be read.
    std::fs::create_dir_all(r.dir.path().join("secrets").join(SMTP_PASSWORD)).unwrap();
    let secrets = Secrets::new(animov_engine::config::SecretsBackend::File, r.dir.path());
    let err = SmtpMailer::new(config, secrets)
        .send(&["farm@example.org".into()], "test", "text")
        .await
        .unwrap_err();
    assert!(matches!(err, EmailError::Secret(_)), "{err:?}");
    assert!(err.to_string().contains(SMTP_PASSWORD), "{err}");
}
