//! One evaluation of one camera: its data read, the rules' decisions applied
//! to its alerts in the store, each change published and, when it deserves
//! one, its email queued.

use std::collections::BTreeMap;

use animov_api::{AlertChange, AlertChangeKind, DeliverySettings, Event, RuleKind, SourceKind};
use animov_core::{
    alerts::{
        Bout, Bucket, CameraInput, OpenAlert, Step, advance,
        delivery::{message_time, notify_desktop},
        farm::FarmShift,
        feedback::{self, MEMORY_DAYS},
        input::expects_frames,
        message::alert_email,
    },
    time::DAY_MS,
};
use animov_store::{AlertRow, CameraRow, NewAlert, NewNotification, StoreError};

use super::rules_for;
use crate::Engine;

/// A camera's rules as the farmer's judgements have tuned them at `now_ms`.
pub async fn tuned_rules(
    engine: &Engine,
    camera_id: i64,
    now_ms: i64,
) -> Result<animov_api::AlertRules, StoreError> {
    let rules = rules_for(engine, camera_id).await?;
    let judged = engine
        .store
        .judgements(camera_id, now_ms - MEMORY_DAYS * DAY_MS)
        .await?;
    Ok(feedback::apply(&rules, &judged, now_ms))
}

/// Applies the rules' decisions to one camera given its buckets and what the
/// farm's other pens did; returns the changes.
#[tracing::instrument(skip(engine, buckets, farm, cam, delivery), fields(source = %cam.source))]
pub async fn evaluate_camera(
    engine: &Engine,
    cam: &CameraRow,
    delivery: &DeliverySettings,
    now_ms: i64,
    buckets: Vec<Bucket>,
    farm: BTreeMap<i64, FarmShift>,
) -> Result<Vec<AlertChange>, StoreError> {
    let rules = tuned_rules(engine, cam.id, now_ms).await?;
    let open_rows = engine.store.open_alerts(cam.id).await?;
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
    // A source only ingestion registered, that nobody named, sized or gave
    // a key, is nobody's camera: its silence is no alert (one request
    // naming thousands of sources must not open thousands of alerts).
    let configured = cam.kind != SourceKind::Ingest
        || cam.herd_size.is_some()
        || cam.name != cam.source
        || engine.store.has_live_api_key(cam.id).await?;
    let expected = configured
        && expects_frames(
            cam.kind,
            cam.uri.is_some(),
            cam.last_frame_ts,
            open.contains_key(&RuleKind::CameraOffline),
            now_ms,
        );
    let bouts = match cam.uri {
        Some(_) => Some(
            engine
                .store
                .lying_bouts(cam.id, now_ms - DAY_MS, now_ms + 1)
                .await?
                .into_iter()
                .map(|b| Bout {
                    track_id: b.track_id,
                    start_ms: b.start_ms,
                    end_ms: b.end_ms,
                    running: b.running,
                })
                .collect(),
        ),
        None => None,
    };
    let input = CameraInput {
        buckets,
        herd_size: cam.herd_size.and_then(|h| u32::try_from(h).ok()),
        last_frame_ms: cam.last_frame_ts.filter(|_| expected),
        bouts,
        farm,
        recording_stopped: engine.cameras.recording_stopped_for(cam.id),
    };
    let mut changes = Vec::new();
    for t in advance(&rules, &open, &input, now_ms) {
        let row = open_rows.iter().find(|r| r.alert.rule == t.rule);
        match (t.step, row) {
            (Step::Open(f), _) => {
                let a = engine
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
                changes.push((AlertChangeKind::Opened, a));
            }
            (Step::Escalate(f), Some(r)) => {
                if let Some(a) = engine
                    .store
                    .escalate_alert(r.alert.id, f.severity, &f.message, f.value, now_ms)
                    .await?
                {
                    changes.push((AlertChangeKind::Escalated, a));
                }
            }
            (Step::Hold { clear_since_ms }, Some(r)) if clear_since_ms != r.clear_since_ms => {
                engine
                    .store
                    .set_alert_clear_since(r.alert.id, clear_since_ms)
                    .await?;
            }
            (Step::Resolve, Some(r)) => {
                let a = engine
                    .store
                    .resolve_alert(r.alert.id, None, None, now_ms)
                    .await?;
                changes.push((AlertChangeKind::Resolved, a));
            }
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(changes.len());
    for (change, row) in changes {
        if change != AlertChangeKind::Resolved {
            queue_email(engine, delivery, &row, change, now_ms).await?;
        }
        tracing::info!(
            id = row.alert.id,
            rule = row.alert.rule.as_str(),
            severity = row.alert.severity.as_str(),
            change = change.as_str(),
            message = row.alert.message,
            "alert"
        );
        out.push(publish(engine, delivery, change, row, now_ms));
    }
    Ok(out)
}

/// Tells the UI and the desktop shell about an alert change.
pub fn publish(
    engine: &Engine,
    delivery: &DeliverySettings,
    change: AlertChangeKind,
    row: AlertRow,
    now_ms: i64,
) -> AlertChange {
    let c = AlertChange {
        change,
        notify: notify_desktop(delivery, change, row.alert.severity, now_ms),
        alert: row.alert,
    };
    let _ = engine.events.send(Event::Alert(Box::new(c.clone())));
    c
}

/// Queues the email an alert deserves, if any (recipients, cooldown, quiet hours).
async fn queue_email(
    engine: &Engine,
    delivery: &DeliverySettings,
    row: &AlertRow,
    change: AlertChangeKind,
    now_ms: i64,
) -> Result<(), StoreError> {
    let last = engine
        .store
        .last_notified_ms(row.camera_id, row.alert.rule)
        .await?;
    let Some(at) = message_time(delivery, row.alert.severity, now_ms, last) else {
        return Ok(());
    };
    let (subject, body) = alert_email(&row.alert, change, delivery.utc_offset_minutes);
    engine
        .store
        .queue_notification(&NewNotification {
            alert_id: Some(row.alert.id),
            camera_id: Some(row.camera_id),
            rule: Some(row.alert.rule),
            channel: "email".into(),
            subject,
            body,
            created_ms: now_ms,
            next_try_ms: at,
        })
        .await?;
    engine.mail_queued.notify_one();
    Ok(())
}
