//! Alerts and their history: open (one per rule and camera), escalate,
//! acknowledge, resolve, notes. Rule settings are in [`crate::settings`], the
//! email outbox in [`crate::outbox`].

use animov_api::{Alert, AlertEvent, AlertEventKind, AlertState, AlertVerdict, RuleKind, Severity};
use animov_core::alerts::feedback::Judgement;

use crate::{Store, StoreError};

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

/// An `alerts` row joined with its camera's name.
#[derive(sqlx_macros::FromRow)]
struct AlertRecord {
    id: i64,
    camera_id: i64,
    source: String,
    rule: String,
    severity: String,
    state: String,
    since_ms: i64,
    opened_ms: i64,
    clear_since_ms: Option<i64>,
    resolved_ms: Option<i64>,
    resolved_by: Option<String>,
    ack_by: Option<String>,
    ack_ms: Option<i64>,
    ack_comment: Option<String>,
    message: String,
    value: Option<f64>,
    threshold: Option<f64>,
    track_id: Option<i64>,
    feedback: Option<String>,
    feedback_by: Option<String>,
}

impl TryFrom<AlertRecord> for AlertRow {
    type Error = StoreError;
    fn try_from(r: AlertRecord) -> Result<AlertRow, StoreError> {
        Ok(AlertRow {
            camera_id: r.camera_id,
            clear_since_ms: r.clear_since_ms,
            alert: Alert {
                id: r.id,
                source: r.source,
                rule: r.rule.parse()?,
                severity: r.severity.parse()?,
                state: r.state.parse()?,
                since_ms: r.since_ms,
                opened_ms: r.opened_ms,
                resolved_ms: r.resolved_ms,
                resolved_by: r.resolved_by,
                ack_by: r.ack_by,
                ack_ms: r.ack_ms,
                ack_comment: r.ack_comment,
                message: r.message,
                value: r.value,
                threshold: r.threshold,
                track_id: r.track_id,
                feedback: r.feedback.as_deref().map(str::parse).transpose()?,
                feedback_by: r.feedback_by,
            },
        })
    }
}

/// An `alert_events` row.
#[derive(sqlx_macros::FromRow)]
struct EventRecord {
    ts_ms: i64,
    kind: String,
    by_user: Option<String>,
    comment: Option<String>,
}

const ALERT_COLS: &str = "a.id, a.camera_id, c.source, a.rule, a.severity, a.state, a.since_ms, a.opened_ms, \
     a.clear_since_ms, a.resolved_ms, a.resolved_by, a.ack_by, a.ack_ms, a.ack_comment, a.message, a.value, \
     a.threshold, a.track_id, a.feedback, a.feedback_by FROM alerts a JOIN cameras c ON c.id = a.camera_id";

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

impl Store {
    async fn alert_event(
        &self,
        tx: &mut Tx<'_>,
        alert_id: i64,
        kind: AlertEventKind,
        by: Option<&str>,
        comment: Option<&str>,
        ts_ms: i64,
    ) -> Result<(), StoreError> {
        let seq = Self::next_seqs(tx, 1).await?;
        let insert = sqlx::query(
            "INSERT INTO alert_events (alert_id, ts_ms, kind, by_user, comment, site_id, change_seq) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(alert_id)
        .bind(ts_ms)
        .bind(kind.as_str())
        .bind(by)
        .bind(comment)
        .bind(self.site())
        .bind(seq);
        let id = Self::insert_one(tx, insert).await?;
        self.queue_down(tx, "alert_events", id).await?;
        Ok(())
    }

    /// Ends a lifecycle change: its event in the history, commit, the alert as it is now.
    async fn record_and_read(
        &self,
        mut tx: Tx<'_>,
        id: i64,
        kind: AlertEventKind,
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
    async fn refused(tx: &mut Tx<'_>, id: i64, why: impl FnOnce(&str) -> String) -> StoreError {
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
        let insert = sqlx::query(
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
        .bind(self.site())
        .bind(seq);
        let id = match Self::insert_one(&mut tx, insert).await {
            Ok(id) => id,
            Err(e) => {
                // `alerts_one_open`: (camera_id, open_rule).
                let key = sqlx::query("SELECT 1 FROM alerts WHERE camera_id = ? AND open_rule = ?")
                    .bind(a.camera_id)
                    .bind(a.rule.as_str());
                let taken = StoreError::Conflict(format!(
                    "camera {} already has an open {} alert",
                    a.camera_id,
                    a.rule.as_str()
                ));
                return Err(Self::key_taken(e, key, &mut *tx, taken).await);
            }
        };
        self.record_and_read(
            tx,
            id,
            AlertEventKind::Opened,
            None,
            Some(&a.message),
            a.opened_ms,
        )
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
            self.alert_event(
                &mut tx,
                id,
                AlertEventKind::Escalated,
                None,
                Some(message),
                ts_ms,
            )
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
        self.record_and_read(
            tx,
            id,
            AlertEventKind::Acknowledged,
            Some(by),
            comment,
            ts_ms,
        )
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
        self.record_and_read(tx, id, AlertEventKind::Resolved, by, comment, ts_ms)
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
        self.alert_event(
            &mut tx,
            id,
            AlertEventKind::Note,
            Some(by),
            Some(comment),
            ts_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a judgement on an alert (any state): the alert keeps the
    /// latest, its history every one.
    pub async fn judge_alert(
        &self,
        id: i64,
        verdict: AlertVerdict,
        by: &str,
        comment: Option<&str>,
        ts_ms: i64,
    ) -> Result<AlertRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let n = sqlx::query(
            "UPDATE alerts SET feedback = ?, feedback_by = ?, feedback_ms = ?, change_seq = ? WHERE id = ?",
        )
        .bind(verdict.as_str())
        .bind(by)
        .bind(ts_ms)
        .bind(seq)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound("alert"));
        }
        self.record_and_read(tx, id, verdict.event(), Some(by), comment, ts_ms)
            .await
    }

    /// The latest judgement on each of a camera's alerts given at or after
    /// `since_ms`, oldest first.
    pub async fn judgements(
        &self,
        camera_id: i64,
        since_ms: i64,
    ) -> Result<Vec<Judgement>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT rule, feedback, feedback_ms FROM alerts \
             WHERE camera_id = ? AND feedback IS NOT NULL AND feedback_ms >= ? ORDER BY feedback_ms, id",
        )
        .bind(camera_id)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(rule, verdict, at_ms)| {
                Ok(Judgement {
                    rule: rule.parse()?,
                    verdict: verdict.parse()?,
                    at_ms,
                })
            })
            .collect()
    }

    /// One alert.
    pub async fn alert(&self, id: i64) -> Result<Option<AlertRow>, StoreError> {
        let q = format!("SELECT {ALERT_COLS} WHERE a.id = ?");
        self.row_of::<AlertRecord, _>(sqlx::query_as(&q).bind(id))
            .await
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
        let mut query = sqlx::query_as::<_, AlertRecord>(&q)
            .bind(self.site())
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
        self.rows_of(query.bind(f.limit.clamp(1, 10_000))).await
    }

    /// An alert's history, oldest first.
    pub async fn alert_events(&self, id: i64) -> Result<Vec<AlertEvent>, StoreError> {
        sqlx::query_as::<_, EventRecord>(
            "SELECT ts_ms, kind, by_user, comment FROM alert_events WHERE alert_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(AlertEvent {
                ts_ms: r.ts_ms,
                kind: r.kind.parse()?,
                by: r.by_user,
                comment: r.comment,
            })
        })
        .collect()
    }
}
