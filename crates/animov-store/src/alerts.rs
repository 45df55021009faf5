//! Alerts, their history, per-camera rule settings, small site settings and
//! the notification outbox.

use animov_api::{Alert, AlertEvent, AlertState, RuleKind, Severity};
use sqlx::Row;

use crate::{Backend, Store, StoreError, now_ms};

/// A stored alert with what the engine's lifecycle needs besides the API view.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    /// The API view.
    pub alert: Alert,
    /// Camera id.
    pub camera_id: i64,
    /// Since when its condition has been clear (resolves after the rule's clearing time).
    pub clear_since_ms: Option<i64>,
}

/// An alert to open.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// Camera id.
    pub camera_id: i64,
    /// Rule.
    pub rule: RuleKind,
    /// Severity.
    pub severity: Severity,
    /// Condition began, UTC ms.
    pub since_ms: i64,
    /// Raised at, UTC ms.
    pub opened_ms: i64,
    /// What was seen.
    pub message: String,
    /// Measured value.
    pub value: Option<f64>,
    /// Limit crossed.
    pub threshold: Option<f64>,
    /// The goat concerned.
    pub track_id: Option<i64>,
}

/// Which alerts to list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertFilter {
    /// One camera.
    pub camera_id: Option<i64>,
    /// In these states (empty: all).
    pub states: Vec<AlertState>,
    /// One rule.
    pub rule: Option<RuleKind>,
    /// One severity.
    pub severity: Option<Severity>,
    /// Raised at or after, UTC ms.
    pub from_ms: Option<i64>,
    /// Raised before, UTC ms.
    pub to_ms: Option<i64>,
    /// At most this many (newest first).
    pub limit: i64,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRow {
    /// Id.
    pub id: i64,
    /// The alert it is about (`None` for a digest or a test).
    pub alert_id: Option<i64>,
    /// `email`.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// `pending`, `sent`, `failed` (given up) or `dropped` (no longer worth sending).
    pub state: String,
    /// Tries so far.
    pub attempts: i64,
    /// Next try, UTC ms.
    pub next_try_ms: i64,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Queued at, UTC ms.
    pub created_ms: i64,
    /// Sent at, UTC ms.
    pub sent_ms: Option<i64>,
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// The alert it is about.
    pub alert_id: Option<i64>,
    /// Its camera (for cooldowns).
    pub camera_id: Option<i64>,
    /// Its rule (for cooldowns).
    pub rule: Option<RuleKind>,
    /// `email`.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// First try, UTC ms (later than now during quiet hours).
    pub next_try_ms: i64,
}

const ALERT_COLS: &str = "a.id, a.camera_id, c.source, a.rule, a.severity, a.state, a.since_ms, a.opened_ms, \
     a.clear_since_ms, a.resolved_ms, a.resolved_by, a.ack_by, a.ack_ms, a.ack_comment, a.message, a.value, \
     a.threshold, a.track_id FROM alerts a JOIN cameras c ON c.id = a.camera_id";

fn alert_row(r: &sqlx::any::AnyRow) -> Result<AlertRow, StoreError> {
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("unknown alert {what} {v:?}"));
    let rule: String = r.try_get("rule")?;
    let severity: String = r.try_get("severity")?;
    let state: String = r.try_get("state")?;
    Ok(AlertRow {
        camera_id: r.try_get("camera_id")?,
        clear_since_ms: r.try_get("clear_since_ms")?,
        alert: Alert {
            id: r.try_get("id")?,
            source: r.try_get("source")?,
            rule: RuleKind::parse(&rule).ok_or_else(|| corrupt("rule", &rule))?,
            severity: Severity::parse(&severity).ok_or_else(|| corrupt("severity", &severity))?,
            state: AlertState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
            since_ms: r.try_get("since_ms")?,
            opened_ms: r.try_get("opened_ms")?,
            resolved_ms: r.try_get("resolved_ms")?,
            resolved_by: r.try_get("resolved_by")?,
            ack_by: r.try_get("ack_by")?,
            ack_ms: r.try_get("ack_ms")?,
            ack_comment: r.try_get("ack_comment")?,
            message: r.try_get("message")?,
            value: r.try_get("value")?,
            threshold: r.try_get("threshold")?,
            track_id: r.try_get("track_id")?,
        },
    })
}

fn notification_row(r: &sqlx::any::AnyRow) -> Result<NotificationRow, StoreError> {
    let body: Vec<u8> = r.try_get("body")?;
    Ok(NotificationRow {
        id: r.try_get("id")?,
        alert_id: r.try_get("alert_id")?,
        channel: r.try_get("channel")?,
        subject: r.try_get("subject")?,
        body: String::from_utf8_lossy(&body).into_owned(),
        state: r.try_get("state")?,
        attempts: r.try_get("attempts")?,
        next_try_ms: r.try_get("next_try_ms")?,
        last_error: r.try_get("last_error")?,
        created_ms: r.try_get("created_ms")?,
        sent_ms: r.try_get("sent_ms")?,
    })
}

const NOTIFICATION_COLS: &str = "id, alert_id, channel, subject, body, state, attempts, next_try_ms, last_error, \
     created_ms, sent_ms FROM notifications";

impl Store {
    async fn alert_event(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        alert_id: i64,
        kind: &str,
        by: Option<&str>,
        comment: Option<&str>,
        ts_ms: i64,
    ) -> Result<(), StoreError> {
        let seq = Self::next_seqs(tx, 1).await?;
        sqlx::query(
            "INSERT INTO alert_events (alert_id, ts_ms, kind, by_user, comment, site_id, change_seq) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(alert_id)
        .bind(ts_ms)
        .bind(kind)
        .bind(by)
        .bind(comment)
        .bind(&self.site_id)
        .bind(seq)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Ends a lifecycle change: its event in the history, commit, the alert as it is now.
    async fn record_and_read(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        id: i64,
        kind: &str,
        by: Option<&str>,
        comment: Option<&str>,
        ts_ms: i64,
    ) -> Result<AlertRow, StoreError> {
        self.alert_event(&mut tx, id, kind, by, comment, ts_ms)
            .await?;
        tx.commit().await?;
        self.alert(id).await?.ok_or(StoreError::NotFound("alert"))
    }

    /// Why a lifecycle change touched no row: no such alert, or its state (`why`).
    async fn refused(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: i64,
        why: impl FnOnce(&str) -> String,
    ) -> StoreError {
        let state: Result<Option<String>, sqlx::Error> =
            sqlx::query_scalar("SELECT state FROM alerts WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await;
        match state {
            Ok(None) => StoreError::NotFound("alert"),
            Ok(Some(s)) => StoreError::Conflict(why(&s)),
            Err(e) => e.into(),
        }
    }

    /// Opens an alert (and its `opened` event). Fails with
    /// [`StoreError::Conflict`] when the camera already has one open for the rule.
    pub async fn open_alert(&self, a: &NewAlert) -> Result<AlertRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let r = sqlx::query(
            "INSERT INTO alerts (camera_id, rule, open_rule, severity, state, since_ms, opened_ms, message, value, \
             threshold, track_id, site_id, change_seq) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(a.camera_id)
        .bind(a.rule.as_str())
        .bind(a.rule.as_str())
        .bind(a.severity.as_str())
        .bind(a.since_ms)
        .bind(a.opened_ms)
        .bind(&a.message)
        .bind(a.value)
        .bind(a.threshold)
        .bind(a.track_id)
        .bind(&self.site_id)
        .bind(seq)
        .execute(&mut *tx)
        .await;
        if let Err(e) = r {
            return Err(if StoreError::is_unique_violation(&e, "alerts_one_open") {
                StoreError::Conflict(format!(
                    "camera {} already has an open {} alert",
                    a.camera_id,
                    a.rule.as_str()
                ))
            } else {
                e.into()
            });
        }
        let id: i64 = sqlx::query_scalar("SELECT id FROM alerts WHERE change_seq = ?")
            .bind(seq)
            .fetch_one(&mut *tx)
            .await?;
        self.record_and_read(tx, id, "opened", None, Some(&a.message), a.opened_ms)
            .await
    }

    /// Raises an open alert's severity (with an `escalated` event).
    pub async fn escalate_alert(
        &self,
        id: i64,
        severity: Severity,
        message: &str,
        value: Option<f64>,
        ts_ms: i64,
    ) -> Result<Option<AlertRow>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let n = sqlx::query(
            "UPDATE alerts SET severity = ?, message = ?, value = ?, clear_since_ms = NULL, change_seq = ? \
             WHERE id = ? AND state <> 'resolved'",
        )
        .bind(severity.as_str())
        .bind(message)
        .bind(value)
        .bind(seq)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            self.alert_event(&mut tx, id, "escalated", None, Some(message), ts_ms)
                .await?;
        }
        tx.commit().await?;
        self.alert(id).await
    }

    /// Remembers since when an open alert's condition is clear (`None`: it holds again).
    pub async fn set_alert_clear_since(
        &self,
        id: i64,
        clear_since_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE alerts SET clear_since_ms = ? WHERE id = ? AND state <> 'resolved'")
            .bind(clear_since_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Acknowledges an open alert. `Conflict` if it is resolved or already acknowledged.
    pub async fn ack_alert(
        &self,
        id: i64,
        by: &str,
        comment: Option<&str>,
        ts_ms: i64,
    ) -> Result<AlertRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let n = sqlx::query(
            "UPDATE alerts SET state = 'acknowledged', ack_by = ?, ack_ms = ?, ack_comment = ?, change_seq = ? \
             WHERE id = ? AND state = 'open'",
        )
        .bind(by)
        .bind(ts_ms)
        .bind(comment)
        .bind(seq)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(Self::refused(&mut tx, id, |s| {
                format!("the alert is {s}: only an open alert can be acknowledged")
            })
            .await);
        }
        self.record_and_read(tx, id, "acknowledged", Some(by), comment, ts_ms)
            .await
    }

    /// Resolves an alert: by hand (`by`), or by itself (`None`). `Conflict` if already resolved.
    pub async fn resolve_alert(
        &self,
        id: i64,
        by: Option<&str>,
        comment: Option<&str>,
        ts_ms: i64,
    ) -> Result<AlertRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let n = sqlx::query(
            "UPDATE alerts SET state = 'resolved', open_rule = NULL, resolved_ms = ?, resolved_by = ?, \
             change_seq = ? WHERE id = ? AND state <> 'resolved'",
        )
        .bind(ts_ms)
        .bind(by)
        .bind(seq)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(
                Self::refused(&mut tx, id, |_| "the alert is already resolved".into()).await,
            );
        }
        let comment = comment.or(by.is_none().then_some("the condition cleared"));
        self.record_and_read(tx, id, "resolved", by, comment, ts_ms)
            .await
    }

    /// Adds a note to an alert's history (any state).
    pub async fn add_alert_note(
        &self,
        id: i64,
        by: &str,
        comment: &str,
        ts_ms: i64,
    ) -> Result<(), StoreError> {
        if self.alert(id).await?.is_none() {
            return Err(StoreError::NotFound("alert"));
        }
        let mut tx = self.pool.begin().await?;
        self.alert_event(&mut tx, id, "note", Some(by), Some(comment), ts_ms)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One alert.
    pub async fn alert(&self, id: i64) -> Result<Option<AlertRow>, StoreError> {
        let q = format!("SELECT {ALERT_COLS} WHERE a.id = ?");
        self.one_by_id(&q, id, alert_row).await
    }

    /// A camera's alerts that are not resolved.
    pub async fn open_alerts(&self, camera_id: i64) -> Result<Vec<AlertRow>, StoreError> {
        self.alerts(&AlertFilter {
            camera_id: Some(camera_id),
            states: vec![AlertState::Open, AlertState::Acknowledged],
            limit: 100,
            ..AlertFilter::default()
        })
        .await
    }

    /// Alerts matching the filter, newest first.
    pub async fn alerts(&self, f: &AlertFilter) -> Result<Vec<AlertRow>, StoreError> {
        let states: Vec<&str> = f.states.iter().map(|s| s.as_str()).collect();
        let state_list = if states.is_empty() {
            String::new()
        } else {
            format!(" AND a.state IN ({})", vec!["?"; states.len()].join(", "))
        };
        let q = format!(
            "SELECT {ALERT_COLS} WHERE c.site_id = ? AND (? IS NULL OR a.camera_id = ?) AND (? IS NULL OR a.rule = ?) \
             AND (? IS NULL OR a.severity = ?) AND (? IS NULL OR a.opened_ms >= ?) AND (? IS NULL OR a.opened_ms < ?)\
             {state_list} ORDER BY a.opened_ms DESC, a.id DESC LIMIT ?"
        );
        let rule = f.rule.map(|r| r.as_str());
        let sev = f.severity.map(|s| s.as_str());
        let mut query = sqlx::query(&q)
            .bind(&self.site_id)
            .bind(f.camera_id)
            .bind(f.camera_id)
            .bind(rule)
            .bind(rule)
            .bind(sev)
            .bind(sev)
            .bind(f.from_ms)
            .bind(f.from_ms)
            .bind(f.to_ms)
            .bind(f.to_ms);
        for s in states {
            query = query.bind(s);
        }
        query
            .bind(f.limit.clamp(1, 10_000))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(alert_row)
            .collect()
    }

    /// An alert's history, oldest first.
    pub async fn alert_events(&self, id: i64) -> Result<Vec<AlertEvent>, StoreError> {
        sqlx::query(
            "SELECT ts_ms, kind, by_user, comment FROM alert_events WHERE alert_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AlertEvent {
                ts_ms: r.try_get("ts_ms")?,
                kind: r.try_get("kind")?,
                by: r.try_get("by_user")?,
                comment: r.try_get("comment")?,
            })
        })
        .collect()
    }

    /// A camera's rule settings (JSON), if saved.
    pub async fn alert_rules(&self, camera_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT settings FROM alert_rules WHERE camera_id = ?")
                .bind(camera_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Saves a camera's rule settings (JSON).
    pub async fn set_alert_rules(&self, camera_id: i64, json: &[u8]) -> Result<(), StoreError> {
        let q = match self.backend {
            Backend::Sqlite => {
                "INSERT INTO alert_rules (camera_id, settings, updated_ms, site_id, change_seq) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (camera_id) DO UPDATE SET settings = excluded.settings, updated_ms = excluded.updated_ms, \
                 change_seq = excluded.change_seq"
            }
            Backend::MySql => {
                "INSERT INTO alert_rules (camera_id, settings, updated_ms, site_id, change_seq) VALUES (?, ?, ?, ?, ?) \
                 ON DUPLICATE KEY UPDATE settings = VALUES(settings), updated_ms = VALUES(updated_ms), \
                 change_seq = VALUES(change_seq)"
            }
        };
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        sqlx::query(q)
            .bind(camera_id)
            .bind(json.to_vec())
            .bind(now_ms())
            .bind(&self.site_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A named site setting (JSON), if saved.
    pub async fn app_setting(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM app_settings WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Saves a named site setting (JSON).
    pub async fn set_app_setting(&self, name: &str, json: &[u8]) -> Result<(), StoreError> {
        let q = match self.backend {
            Backend::Sqlite => {
                "INSERT INTO app_settings (name, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (name) \
                 DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms"
            }
            Backend::MySql => {
                "INSERT INTO app_settings (name, value, updated_ms) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE \
                 value = VALUES(value), updated_ms = VALUES(updated_ms)"
            }
        };
        sqlx::query(q)
            .bind(name)
            .bind(json.to_vec())
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Queues a message; returns its id.
    pub async fn queue_notification(&self, n: &NewNotification) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let created = now_ms();
        sqlx::query(
            "INSERT INTO notifications (alert_id, camera_id, rule, channel, subject, body, state, attempts, \
             next_try_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
        )
        .bind(n.alert_id)
        .bind(n.camera_id)
        .bind(n.rule.map(|r| r.as_str()))
        .bind(&n.channel)
        .bind(&n.subject)
        .bind(n.body.as_bytes().to_vec())
        .bind(n.next_try_ms)
        .bind(created)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM notifications")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// When a camera's rule last queued a message (for the cooldown).
    pub async fn last_notified_ms(
        &self,
        camera_id: i64,
        rule: RuleKind,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(created_ms) FROM notifications WHERE camera_id = ? AND rule = ? AND state <> 'dropped'",
        )
        .bind(camera_id)
        .bind(rule.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Pending messages due by `now_ms`, oldest first.
    pub async fn due_notifications(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        let q = format!(
            "SELECT {NOTIFICATION_COLS} WHERE state = 'pending' AND next_try_ms <= ? ORDER BY next_try_ms, id LIMIT ?"
        );
        sqlx::query(&q)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(notification_row)
            .collect()
    }

    /// The newest messages, newest first.
    pub async fn notifications(&self, limit: i64) -> Result<Vec<NotificationRow>, StoreError> {
        let q = format!("SELECT {NOTIFICATION_COLS} ORDER BY id DESC LIMIT ?");
        sqlx::query(&q)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(notification_row)
            .collect()
    }

    /// Records a try: sent, retried at `next_try_ms`, or given up (`failed`) or `dropped`.
    pub async fn record_notification_try(
        &self,
        id: i64,
        state: &str,
        next_try_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let sent = (state == "sent").then(now_ms);
        sqlx::query(
            "UPDATE notifications SET state = ?, attempts = attempts + 1, next_try_ms = ?, last_error = ?, \
             sent_ms = ? WHERE id = ?",
        )
        .bind(state)
        .bind(next_try_ms)
        .bind(error.map(|e| e.chars().take(900).collect::<String>()))
        .bind(sent)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
