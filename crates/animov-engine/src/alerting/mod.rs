//! Alerts inside the engine: every minute, per camera, the rules of
//! [`animov_core::alerts`] over its recent data; the decisions written to the
//! store (one open alert per rule and camera, with its history), pushed to
//! the UI and the desktop shell as events, and queued as email.
//!
//! The 15-minute buckets of the last 8 days (with the forecast band issued
//! for each) are kept between ticks: read whole at start and every 6 hours,
//! their last hour re-read each quarter hour; camera silence and running
//! lying bouts are read every tick.

pub mod email;
pub mod replay;

use std::collections::{BTreeMap, HashMap};

use animov_api::{
    AlertChange, AlertRules, DeliverySettings, Event, RuleKind, Severity, SourceKind,
};
use animov_core::{
    alerts::{
        Bout, Bucket, CameraInput, OpenAlert, Step, advance,
        delivery::message_time,
        input::{buckets_from_minutes, with_band},
        rules::{BUCKET_MS, in_hours, local_hour},
    },
    time::{DAY_MS, MINUTE_MS, floor_to},
};
use animov_store::{AlertRow, CameraRow, NewAlert, NewNotification, StoreError};
use tokio::sync::watch;

use crate::state::AppState;

/// Name of the delivery settings in `app_settings`.
pub const DELIVERY_SETTING: &str = "alert_delivery";

/// The machine's offset from UTC now, minutes (the default for day and night).
pub fn local_offset_minutes() -> i32 {
    chrono::Local::now().offset().local_minus_utc() / 60
}

/// A camera's rules: saved ones, or the defaults in the machine's time zone.
pub async fn rules_for(state: &AppState, camera_id: i64) -> Result<AlertRules, StoreError> {
    Ok(match state.store.alert_rules(camera_id).await? {
        Some(json) => serde_json::from_slice(&json).unwrap_or_else(|e| {
            tracing::warn!(camera_id, error = %e, "stored alert rules unreadable; using the defaults");
            default_rules()
        }),
        None => default_rules(),
    })
}

/// The default rules in the machine's time zone.
pub fn default_rules() -> AlertRules {
    AlertRules {
        utc_offset_minutes: local_offset_minutes(),
        ..AlertRules::default()
    }
}

/// How alerts are delivered: saved settings, or the defaults (no email) in the machine's time zone.
pub async fn delivery_settings(state: &AppState) -> Result<DeliverySettings, StoreError> {
    Ok(match state.store.app_setting(DELIVERY_SETTING).await? {
        Some(json) => serde_json::from_slice(&json).unwrap_or_default(),
        None => DeliverySettings {
            utc_offset_minutes: local_offset_minutes(),
            ..DeliverySettings::default()
        },
    })
}

/// Days of buckets the rules are given.
const WINDOW_DAYS: i64 = 8;
/// A camera's buckets are re-read whole this often (late frames older than
/// the hour re-read each quarter are caught then).
const FULL_RELOAD_MS: i64 = 6 * 3_600_000;
/// Each quarter hour, the buckets of the last hour are re-read.
const REFRESH_MS: i64 = 3_600_000;

/// 15-minute buckets of a camera over `[from, to)` (bucket-aligned), each
/// with the 95 % band forecast for it as it began. Read a day at a time so
/// a week of minute rows never sits in memory at once.
pub async fn buckets_between(
    state: &AppState,
    camera_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Bucket>, StoreError> {
    let mut buckets = Vec::new();
    let mut t = from;
    while t < to {
        let end = (t + DAY_MS).min(to);
        let rows = state.store.minute_rows(camera_id, t, end).await?;
        buckets.extend(buckets_from_minutes(&rows));
        t = end;
    }
    let bands: HashMap<i64, (f64, f64)> = state
        .store
        .forecasts_as_issued(camera_id, from, to, MINUTE_MS)
        .await?
        .into_iter()
        .map(|f| (f.point.ts_ms, (f.point.lower95, f.point.upper95)))
        .collect();
    with_band(&mut buckets, |ts| bands.get(&ts).copied());
    Ok(buckets)
}

/// A camera's buckets as of a quarter hour.
#[derive(Debug)]
struct CachedBuckets {
    quarter: i64,
    loaded_ms: i64,
    buckets: Vec<Bucket>,
}

/// What the job keeps between ticks: each camera's recent buckets, brought
/// up to date each quarter hour by re-reading only its last hour.
#[derive(Debug, Default)]
pub struct Cache {
    cameras: HashMap<i64, CachedBuckets>,
}

impl Cache {
    /// The buckets the rules see at `now_ms`: complete buckets up to the
    /// quarter hour that ended half a minute ago (its minutes are closed by then).
    pub async fn buckets(
        &mut self,
        state: &AppState,
        camera_id: i64,
        now_ms: i64,
    ) -> Result<Vec<Bucket>, StoreError> {
        let quarter = floor_to(now_ms - 30_000, BUCKET_MS);
        let from = quarter - WINDOW_DAYS * DAY_MS;
        match self.cameras.get_mut(&camera_id) {
            Some(c) if c.quarter == quarter => {}
            Some(c) if now_ms - c.loaded_ms < FULL_RELOAD_MS => {
                let since = quarter - REFRESH_MS;
                let fresh = buckets_between(state, camera_id, since, quarter).await?;
                c.buckets.retain(|b| b.ts >= from && b.ts < since);
                c.buckets.extend(fresh);
                c.quarter = quarter;
            }
            _ => {
                let buckets = buckets_between(state, camera_id, from, quarter).await?;
                self.cameras.insert(
                    camera_id,
                    CachedBuckets {
                        quarter,
                        loaded_ms: now_ms,
                        buckets,
                    },
                );
            }
        }
        Ok(self.cameras[&camera_id].buckets.clone())
    }
}

/// One evaluation of one camera: reads its data, applies the decisions; returns the changes.
#[tracing::instrument(skip(state, cache, cam, delivery), fields(source = %cam.source))]
pub async fn evaluate_camera(
    state: &AppState,
    cam: &CameraRow,
    delivery: &DeliverySettings,
    now_ms: i64,
    cache: &mut Cache,
) -> Result<Vec<AlertChange>, StoreError> {
    let rules = rules_for(state, cam.id).await?;
    let buckets = cache.buckets(state, cam.id, now_ms).await?;
    let open_rows = state.store.open_alerts(cam.id).await?;
    let open: BTreeMap<RuleKind, OpenAlert> = open_rows
        .iter()
        .map(|r| {
            (
                r.alert.rule,
                OpenAlert {
                    severity: r.alert.severity,
                    clear_since_ms: r.clear_since_ms,
                },
            )
        })
        .collect();
    // Who should be sending frames: a camera with an address (a removed one
    // has none), the demo, and an ingest-only source that sent some in the
    // last day — not an old import or a retired detector.
    let expects_frames = match cam.kind {
        SourceKind::Camera => cam.uri.is_some(),
        SourceKind::Demo => true,
        SourceKind::Ingest => {
            cam.last_frame_ts.is_some_and(|t| now_ms - t <= DAY_MS)
                || open.contains_key(&RuleKind::CameraOffline)
        }
    };
    let bouts = if cam.uri.is_some() {
        let rows = state
            .store
            .lying_bouts(cam.id, now_ms - DAY_MS, now_ms + 1)
            .await?;
        Some(
            rows.into_iter()
                .map(|b| Bout {
                    track_id: b.track_id,
                    start_ms: b.start_ms,
                    end_ms: b.end_ms,
                    running: b.running,
                })
                .collect(),
        )
    } else {
        None
    };
    let input = CameraInput {
        buckets,
        herd_size: cam.herd_size.and_then(|h| u32::try_from(h).ok()),
        last_frame_ms: cam.last_frame_ts.filter(|_| expects_frames),
        bouts,
    };
    let mut changes = Vec::new();
    for t in advance(&rules, &open, &input, now_ms) {
        let row = open_rows.iter().find(|r| r.alert.rule == t.rule);
        match (t.step, row) {
            (Step::Open(f), _) => {
                let a = state
                    .store
                    .open_alert(&NewAlert {
                        camera_id: cam.id,
                        rule: t.rule,
                        severity: f.severity,
                        since_ms: f.since_ms,
                        opened_ms: now_ms,
                        message: f.message,
                        value: f.value,
                        threshold: f.threshold,
                        track_id: f.track_id,
                    })
                    .await?;
                changes.push(("opened", a));
            }
            (Step::Escalate(f), Some(r)) => {
                if let Some(a) = state
                    .store
                    .escalate_alert(r.alert.id, f.severity, &f.message, f.value, now_ms)
                    .await?
                {
                    changes.push(("escalated", a));
                }
            }
            (Step::Hold { clear_since_ms }, Some(r)) if clear_since_ms != r.clear_since_ms => {
                state
                    .store
                    .set_alert_clear_since(r.alert.id, clear_since_ms)
                    .await?;
            }
            (Step::Resolve, Some(r)) => {
                let a = state
                    .store
                    .resolve_alert(r.alert.id, None, None, now_ms)
                    .await?;
                changes.push(("resolved", a));
            }
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(changes.len());
    for (change, row) in changes {
        if change != "resolved" {
            queue_email(state, delivery, &row, change, now_ms).await?;
        }
        tracing::info!(
            id = row.alert.id,
            rule = row.alert.rule.as_str(),
            severity = row.alert.severity.as_str(),
            change,
            message = row.alert.message,
            "alert"
        );
        out.push(publish(state, delivery, change, row, now_ms));
    }
    Ok(out)
}

/// Tells the UI and the desktop shell about an alert change.
pub fn publish(
    state: &AppState,
    delivery: &DeliverySettings,
    change: &str,
    row: AlertRow,
    now_ms: i64,
) -> AlertChange {
    let quiet = match (delivery.quiet_start_hour, delivery.quiet_end_hour) {
        (Some(a), Some(b)) => in_hours(local_hour(now_ms, delivery.utc_offset_minutes), a, b),
        _ => false,
    };
    let notify = matches!(change, "opened" | "escalated")
        && (!quiet || row.alert.severity == Severity::Critical);
    let c = AlertChange {
        change: change.into(),
        alert: row.alert,
        notify,
    };
    let _ = state.events.send(Event::Alert(Box::new(c.clone())));
    c
}

/// Queues the email an alert deserves, if any (recipients, cooldown, quiet hours).
async fn queue_email(
    state: &AppState,
    delivery: &DeliverySettings,
    row: &AlertRow,
    change: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let last = state
        .store
        .last_notified_ms(row.camera_id, row.alert.rule)
        .await?;
    let Some(at) = message_time(delivery, row.alert.severity, now_ms, last) else {
        return Ok(());
    };
    let (subject, body) = email::alert_message(&row.alert, change, delivery.utc_offset_minutes);
    state
        .store
        .queue_notification(&NewNotification {
            alert_id: Some(row.alert.id),
            camera_id: Some(row.camera_id),
            rule: Some(row.alert.rule),
            channel: "email".into(),
            subject,
            body,
            next_try_ms: at,
        })
        .await?;
    state.mail_queued.notify_one();
    Ok(())
}

/// One pass over every camera; one camera's failure does not stop the others.
pub async fn evaluate_all(state: &AppState, now_ms: i64, cache: &mut Cache) -> usize {
    let cams = match state.store.cameras().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "alert rules not evaluated: cannot list cameras");
            return 0;
        }
    };
    let delivery = match delivery_settings(state).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "alert rules not evaluated: cannot read the delivery settings");
            return 0;
        }
    };
    let mut changed = 0;
    for c in &cams {
        match evaluate_camera(state, c, &delivery, now_ms, cache).await {
            Ok(ch) => changed += ch.len(),
            Err(e) => {
                tracing::warn!(source = c.source, error = %e, "alert rules not evaluated for this camera")
            }
        }
    }
    changed
}

/// Evaluates every `alerts.interval_seconds` until stopped.
pub async fn job(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = std::time::Duration::from_secs(u64::from(state.config.alerts.interval_seconds));
    let mut cache = Cache::default();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        evaluate_all(&state, animov_store::now_ms(), &mut cache).await;
    }
}
