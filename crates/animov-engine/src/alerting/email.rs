//! Email: the messages (French first, English below), the SMTP client
//! (lettre; the password is the `smtp-password` secret) and the outbox task
//! that sends queued messages, retrying with backoff, and the daily digest.
//! A failing server delays email only: alerts still open, show in the UI and
//! notify the desktop.

use std::time::Duration;

use animov_api::{Alert, AlertState, DeliverySettings, RuleKind, Severity};
use animov_core::alerts::delivery::digest_due;
use animov_store::{AlertFilter, NewNotification, NotificationRow, StoreError};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use tokio::sync::watch;

use crate::{
    config::{EmailConfig, EmailTls},
    secret_names,
    secrets::Secrets,
    state::AppState,
};

/// Tries before a message is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// Name of the last digest time in `app_settings`.
const DIGEST_SETTING: &str = "alert_digest_last";

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// No server in the settings.
    #[error("no SMTP server is configured: set email.smtp_host in animov.toml")]
    NotConfigured,
    /// A bad address.
    #[error("{0:?} is not an email address")]
    Address(String),
    /// The secret store failed.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// The server refused or could not be reached.
    #[error("the SMTP server {server} did not take the message: {reason}")]
    Smtp {
        /// host:port.
        server: String,
        /// What it said.
        reason: String,
    },
}

/// The rule in French and English, for people.
pub fn rule_words(rule: RuleKind) -> (&'static str, &'static str) {
    match rule {
        RuleKind::ForecastDeviation => ("activité inhabituelle", "unusual activity"),
        RuleKind::CameraOffline => ("caméra hors ligne", "camera offline"),
        RuleKind::HerdCountDrop => (
            "chèvres manquantes au comptage",
            "goats missing from the count",
        ),
        RuleKind::ProlongedLying => ("chèvre couchée longtemps", "goat lying for long"),
        RuleKind::NightDisturbance => ("agitation nocturne", "night disturbance"),
        RuleKind::LowActivityDay => ("journée peu active", "low activity day"),
    }
}

fn local_time(ts_ms: i64, off_min: i32) -> String {
    let off = chrono::FixedOffset::east_opt(off_min * 60)
        .unwrap_or(chrono::FixedOffset::east_opt(0).expect("UTC"));
    chrono::DateTime::from_timestamp_millis(ts_ms)
        .map(|t| t.with_timezone(&off).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// Subject and text of the message about an alert that opened or escalated.
pub fn alert_message(a: &Alert, change: &str, off_min: i32) -> (String, String) {
    let (fr, en) = rule_words(a.rule);
    let (sev_fr, sev_en) = match a.severity {
        Severity::Critical => ("CRITIQUE", "critical"),
        Severity::Warning => ("à surveiller", "warning"),
    };
    let again = if change == "escalated" {
        " (aggravée / escalated)"
    } else {
        ""
    };
    let subject = format!("[AniMOV] {} — {} : {fr}{again}", sev_fr, a.source);
    let body = format!(
        "Alerte {sev_fr} sur {src} : {fr}.\nDepuis le {since} (levée le {opened}).\n\n\
         {en} ({sev_en}) on {src}: {msg}.\nSince {since}, raised {opened}.\n\n\
         Ouvrez AniMOV (Alertes) pour l'acquitter. / Open AniMOV (Alerts) to acknowledge it.\n#{id}\n",
        src = a.source,
        since = local_time(a.since_ms, off_min),
        opened = local_time(a.opened_ms, off_min),
        msg = a.message,
        id = a.id,
    );
    (subject, body)
}

/// The daily digest of the alerts raised in the 24 h before `now_ms`.
pub fn digest_message(alerts: &[Alert], now_ms: i64, off_min: i32) -> (String, String) {
    let subject = format!(
        "[AniMOV] Résumé du jour — {} alerte(s) / daily digest",
        alerts.len()
    );
    let mut body = format!(
        "Alertes des dernières 24 h (au {}) / alerts of the last 24 h:\n\n",
        local_time(now_ms, off_min)
    );
    if alerts.is_empty() {
        body.push_str("Aucune alerte. / No alert.\n");
    }
    for a in alerts {
        let (fr, _) = rule_words(a.rule);
        body.push_str(&format!(
            "- {} {} {} : {fr} — {} [{}]\n",
            local_time(a.opened_ms, off_min),
            a.source,
            a.severity.as_str(),
            a.message,
            a.state.as_str()
        ));
    }
    (subject, body)
}

/// Sends one message to `to` through the configured server.
#[tracing::instrument(skip_all, fields(to = to.len()))]
pub async fn send(
    cfg: &EmailConfig,
    password: Option<String>,
    to: &[String],
    subject: &str,
    body: &str,
) -> Result<(), EmailError> {
    let host = cfg.smtp_host.as_deref().ok_or(EmailError::NotConfigured)?;
    let server = format!("{host}:{}", cfg.smtp_port);
    let smtp = |reason: String| EmailError::Smtp {
        server: server.clone(),
        reason,
    };
    let from: Mailbox = cfg
        .from
        .parse()
        .map_err(|_| EmailError::Address(cfg.from.clone()))?;
    let mut msg = Message::builder().from(from).subject(subject);
    for t in to {
        msg = msg.to(t.parse().map_err(|_| EmailError::Address(t.clone()))?);
    }
    let msg = msg
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| smtp(e.to_string()))?;
    let builder = match cfg.tls {
        EmailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        EmailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        EmailTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|e| smtp(e.to_string()))?;
    let mut builder = builder
        .port(cfg.smtp_port)
        .timeout(Some(Duration::from_secs(u64::from(cfg.timeout_seconds))));
    if let Some(user) = &cfg.username {
        builder = builder.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
    }
    builder
        .build()
        .send(msg)
        .await
        .map(|_| ())
        .map_err(|e| smtp(e.to_string()))
}

/// Minutes before try number `attempts + 2`: 1, 2, 4, … up to 64.
pub fn backoff_minutes(attempts: i64) -> i64 {
    1i64 << attempts.clamp(0, 6).min(6)
}

async fn try_one(
    state: &AppState,
    delivery: &DeliverySettings,
    n: &NotificationRow,
    now_ms: i64,
) -> Result<(), StoreError> {
    // A warning held back by quiet hours whose alert has ended is no longer news.
    if let Some(id) = n.alert_id
        && n.attempts == 0
        && n.next_try_ms > n.created_ms + 60_000
        && let Some(a) = state.store.alert(id).await?
        && a.alert.state == AlertState::Resolved
    {
        return state
            .store
            .record_notification_try(
                n.id,
                "dropped",
                now_ms,
                Some("the alert ended during the quiet hours"),
            )
            .await;
    }
    let password = Secrets::new(state.config.secrets, &state.config.data_dir)
        .get(secret_names::SMTP_PASSWORD)
        .ok()
        .flatten();
    match send(
        &state.config.email,
        password,
        &delivery.email_to,
        &n.subject,
        &n.body,
    )
    .await
    {
        Ok(()) => {
            tracing::info!(id = n.id, subject = n.subject, "email sent");
            state
                .store
                .record_notification_try(n.id, "sent", now_ms, None)
                .await
        }
        Err(e) => {
            let attempts = n.attempts + 1;
            let give_up = attempts >= MAX_ATTEMPTS
                || matches!(e, EmailError::NotConfigured | EmailError::Address(_));
            let next = now_ms + backoff_minutes(n.attempts) * 60_000;
            tracing::warn!(id = n.id, attempts, give_up, error = %e, "email not sent");
            state
                .store
                .record_notification_try(
                    n.id,
                    if give_up { "failed" } else { "pending" },
                    next,
                    Some(&e.to_string()),
                )
                .await
        }
    }
}

/// Queues the daily digest if it is due.
async fn digest(
    state: &AppState,
    delivery: &DeliverySettings,
    now_ms: i64,
) -> Result<(), StoreError> {
    let last = state
        .store
        .app_setting(DIGEST_SETTING)
        .await?
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse::<i64>().ok());
    if !digest_due(delivery, now_ms, last) {
        return Ok(());
    }
    let alerts: Vec<Alert> = state
        .store
        .alerts(&AlertFilter {
            from_ms: Some(now_ms - 86_400_000),
            limit: 500,
            ..AlertFilter::default()
        })
        .await?
        .into_iter()
        .map(|r| r.alert)
        .collect();
    let (subject, body) = digest_message(&alerts, now_ms, delivery.utc_offset_minutes);
    state
        .store
        .queue_notification(&NewNotification {
            alert_id: None,
            camera_id: None,
            rule: None,
            channel: "email".into(),
            subject,
            body,
            next_try_ms: now_ms,
        })
        .await?;
    state
        .store
        .set_app_setting(DIGEST_SETTING, now_ms.to_string().as_bytes())
        .await
}

/// Sends what is due, once.
pub async fn send_due(state: &AppState, now_ms: i64) -> Result<usize, StoreError> {
    let delivery = super::delivery_settings(state).await?;
    digest(state, &delivery, now_ms).await?;
    let due = state.store.due_notifications(now_ms, 20).await?;
    for n in &due {
        try_one(state, &delivery, n, now_ms).await?;
    }
    Ok(due.len())
}

/// Sends queued messages as they come due, until stopped.
pub async fn outbox(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = send_due(&state, animov_store::now_ms()).await {
            tracing::warn!(error = %e, "email outbox: cannot read the queue; retrying");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(15)) => {}
            _ = state.mail_queued.notified() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let v: Vec<i64> = (0..9).map(backoff_minutes).collect();
        assert_eq!(v, [1, 2, 4, 8, 16, 32, 64, 64, 64]);
    }

    #[test]
    fn messages_say_what_where_and_since_when_in_french_and_english() {
        let a = Alert {
            id: 3,
            source: "chevrerie-1".into(),
            rule: RuleKind::CameraOffline,
            severity: Severity::Critical,
            state: AlertState::Open,
            since_ms: 1_732_867_200_000,
            opened_ms: 1_732_867_320_000,
            resolved_ms: None,
            resolved_by: None,
            ack_by: None,
            ack_ms: None,
            ack_comment: None,
            message: "no picture from the camera for 2 min".into(),
            value: None,
            threshold: None,
            track_id: None,
        };
        let (s, b) = alert_message(&a, "opened", 60);
        assert_eq!(s, "[AniMOV] CRITIQUE — chevrerie-1 : caméra hors ligne");
        assert!(
            b.contains("29/11/2024 09:00") && b.contains("camera offline"),
            "{b}"
        );
        let (s, b) = digest_message(&[a], 1_732_900_000_000, 60);
        assert!(s.contains("1 alerte"), "{s}");
        assert!(b.contains("chevrerie-1"), "{b}");
    }
}
