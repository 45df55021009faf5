//! The notification outbox: messages queued with their next try, and how
//! each try went.

use animov_api::{NotificationState, RuleKind};

use crate::{Store, StoreError};

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
    /// Where it stands.
    pub state: NotificationState,
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
    /// Queued at, UTC ms.
    pub created_ms: i64,
    /// First try, UTC ms (later than now during quiet hours).
    pub next_try_ms: i64,
}

/// A `notifications` row (the text is stored as bytes).
#[derive(sqlx_macros::FromRow)]
struct NotificationRecord {
    id: i64,
    alert_id: Option<i64>,
    channel: String,
    subject: String,
    body: Vec<u8>,
    state: String,
    attempts: i64,
    next_try_ms: i64,
    last_error: Option<String>,
    created_ms: i64,
    sent_ms: Option<i64>,
}

impl TryFrom<NotificationRecord> for NotificationRow {
    type Error = StoreError;
    fn try_from(r: NotificationRecord) -> Result<NotificationRow, StoreError> {
        Ok(NotificationRow {
            id: r.id,
            alert_id: r.alert_id,
            channel: r.channel,
            subject: r.subject,
            body: String::from_utf8_lossy(&r.body).into_owned(),
            state: r.state.parse()?,
            attempts: r.attempts,
            next_try_ms: r.next_try_ms,
            last_error: r.last_error,
            created_ms: r.created_ms,
            sent_ms: r.sent_ms,
        })
    }
}

const NOTIFICATION_COLS: &str = "id, alert_id, channel, subject, body, state, attempts, next_try_ms, last_error, \
     created_ms, sent_ms FROM notifications";

impl Store {
    /// Queues a message; returns its id.
    pub async fn queue_notification(&self, n: &NewNotification) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let insert = sqlx::query(
            "INSERT INTO notifications (alert_id, camera_id, rule, channel, subject, body, state, attempts, \
             next_try_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        )
        .bind(n.alert_id)
        .bind(n.camera_id)
        .bind(n.rule.map(|r| r.as_str()))
        .bind(&n.channel)
        .bind(&n.subject)
        .bind(n.body.as_bytes().to_vec())
        .bind(NotificationState::Pending.as_str())
        .bind(n.next_try_ms)
        .bind(n.created_ms);
        Ok(Self::insert_one(&mut conn, insert).await?)
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
        self.rows_of::<NotificationRecord, _>(sqlx::query_as(&q).bind(now_ms).bind(limit))
            .await
    }

    /// The newest messages, newest first.
    pub async fn notifications(&self, limit: i64) -> Result<Vec<NotificationRow>, StoreError> {
        let q = format!("SELECT {NOTIFICATION_COLS} ORDER BY id DESC LIMIT ?");
        self.rows_of::<NotificationRecord, _>(sqlx::query_as(&q).bind(limit))
            .await
    }

    /// Records a try made at `now_ms`: sent, to retry at `next_try_ms`
    /// (pending), given up (failed) or dropped.
    pub async fn record_notification_try(
        &self,
        id: i64,
        state: NotificationState,
        now_ms: i64,
        next_try_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let sent = (state == NotificationState::Sent).then_some(now_ms);
        sqlx::query(
            "UPDATE notifications SET state = ?, attempts = attempts + 1, next_try_ms = ?, last_error = ?, \
             sent_ms = ? WHERE id = ?",
        )
        .bind(state.as_str())
        .bind(next_try_ms)
        .bind(error.map(|e| e.chars().take(900).collect::<String>()))
        .bind(sent)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
