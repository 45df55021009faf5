//! The outbox task: sends queued messages as they come due, retrying a
//! failed one on the schedule [`retry_after_failure`] gives, drops a held
//! warning whose alert ended, and queues the daily digest.

use std::time::Duration;

use animov_api::{Alert, AlertState, DeliverySettings, NotificationState};
use animov_core::{
    alerts::{
        delivery::{Retry, digest_due, retry_after_failure, was_held_back},
        message::digest_email,
    },
    time::DAY_MS,
};
use animov_store::{AlertFilter, NewNotification, NotificationRow, StoreError};
use tokio::sync::watch;

use crate::{Engine, alerting::delivery_settings};

/// Name of the last digest time in `app_settings`.
const DIGEST_SETTING: &str = "alert_digest_last";

async fn try_one(
    engine: &Engine,
    delivery: &DeliverySettings,
    n: &NotificationRow,
    now_ms: i64,
) -> Result<(), StoreError> {
    // A held warning whose alert ended meanwhile is no longer news (the
    // alert is read only for held messages).
    let stale = match n.alert_id {
        Some(id) if was_held_back(n.attempts, n.created_ms, n.next_try_ms) => engine
            .store
            .alert(id)
            .await?
            .is_some_and(|a| a.alert.state == AlertState::Resolved),
        _ => false,
    };
    if stale {
        return engine
            .store
            .record_notification_try(
                n.id,
                NotificationState::Dropped,
                now_ms,
                now_ms,
                Some("the alert ended during the quiet hours"),
            )
            .await;
    }
    match engine
        .mailer
        .send(&delivery.email_to, &n.subject, &n.body)
        .await
    {
        Ok(()) => {
            tracing::info!(id = n.id, subject = n.subject, "email sent");
            engine
                .store
                .record_notification_try(n.id, NotificationState::Sent, now_ms, now_ms, None)
                .await
        }
        Err(e) => {
            let attempts = n.attempts + 1;
            let (state, next) = match retry_after_failure(attempts, e.is_permanent(), now_ms) {
                Retry::At(t) => (NotificationState::Pending, t),
                Retry::GiveUp => (NotificationState::Failed, now_ms),
            };
            tracing::warn!(id = n.id, attempts, state = %state, error = %e, "email not sent");
            engine
                .store
                .record_notification_try(n.id, state, now_ms, next, Some(&e.to_string()))
                .await
        }
    }
}

/// Queues the daily digest if it is due.
async fn digest(
    engine: &Engine,
    delivery: &DeliverySettings,
    now_ms: i64,
) -> Result<(), StoreError> {
    let last = engine
        .store
        .app_setting(DIGEST_SETTING)
        .await?
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse::<i64>().ok());
    if !digest_due(delivery, now_ms, last) {
        return Ok(());
    }
    let alerts: Vec<Alert> = engine
        .store
        .alerts(&AlertFilter {
            from_ms: Some(now_ms - DAY_MS),
            limit: 500,
            ..AlertFilter::default()
        })
        .await?
        .into_iter()
        .map(|r| r.alert)
        .collect();
    let (subject, body) = digest_email(&alerts, now_ms, delivery.utc_offset_minutes);
    engine
        .store
        .queue_notification(&NewNotification {
            alert_id: None,
            camera_id: None,
            rule: None,
            channel: "email".into(),
            subject,
            body,
            created_ms: now_ms,
            next_try_ms: now_ms,
        })
        .await?;
    engine
        .store
        .set_app_setting(DIGEST_SETTING, now_ms.to_string().as_bytes())
        .await
}

/// Sends what is due at `now_ms`, once; returns how many messages were tried.
pub async fn send_due(engine: &Engine, now_ms: i64) -> Result<usize, StoreError> {
    let delivery = delivery_settings(engine).await?;
    digest(engine, &delivery, now_ms).await?;
    let due = engine.store.due_notifications(now_ms, 20).await?;
    for n in &due {
        try_one(engine, &delivery, n, now_ms).await?;
    }
    Ok(due.len())
}

/// Sends queued messages as they come due, until stopped.
pub async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    loop {
        match send_due(&engine, engine.now_ms()).await {
            Ok(_) => {}
            Err(StoreError::Corrupt(why)) => tracing::error!(
                why,
                "email outbox: the saved alert delivery settings cannot be read; no email goes out until an admin saves them again (Settings › Alert email)"
            ),
            Err(e) => tracing::warn!(error = %e, "email outbox: cannot read the queue; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(15)) => {}
            _ = engine.mail_queued.notified() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}
