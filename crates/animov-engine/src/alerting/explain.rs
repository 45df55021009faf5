//! One alert explained from the stored data: the camera's buckets around it
//! with the usual ranges and limits its rule used (tuned by the judgements
//! given before it opened), the farm's other pens, and the camera's
//! sensitivity now ([`animov_core::alerts::explain`]).

use animov_api::AlertExplanation;
use animov_core::{
    alerts::{
        Bucket, CameraInput, HISTORY_WINDOW_DAYS, explain,
        farm::shifts_between,
        feedback::{self, MEMORY_DAYS},
        usual::HISTORY_DAYS,
    },
    time::{DAY_MS, HOUR_MS, QUARTER_MS, floor_to},
};
use animov_store::StoreError;

use super::{cache::buckets_between, rules_for};
use crate::Engine;

/// The longest stretch of buckets laid out around an alert.
const MAX_SPAN_MS: i64 = 3 * DAY_MS;

/// The explanation of alert `id` (`None`: no such alert).
#[tracing::instrument(skip(engine))]
pub async fn explain_alert(
    engine: &Engine,
    id: i64,
) -> Result<Option<AlertExplanation>, StoreError> {
    let Some(row) = engine.store.alert(id).await? else {
        return Ok(None);
    };
    let a = &row.alert;
    let now = engine.now_ms();
    // The bucket the rule fired on: the newest one complete when it opened.
    let fired = floor_to(a.opened_ms - 30_000, QUARTER_MS) - QUARTER_MS;
    let end = a.resolved_ms.unwrap_or(now).max(a.opened_ms);
    let to = (floor_to(end, QUARTER_MS) + HOUR_MS).min(floor_to(now, QUARTER_MS));
    let from = floor_to(a.since_ms, QUARTER_MS) - 3 * HOUR_MS;
    let from = from.max(to - MAX_SPAN_MS).min(fired);
    let to = to.max(fired + QUARTER_MS);
    let mine = buckets_between(
        engine,
        row.camera_id,
        from - HISTORY_WINDOW_DAYS * DAY_MS,
        to,
    )
    .await?;
    // The other pens, with the days their usual is learned from.
    let cams = engine.store.cameras().await?;
    let herd_size = cams
        .iter()
        .find(|c| c.id == row.camera_id)
        .and_then(|c| c.herd_size)
        .and_then(|h| u32::try_from(h).ok());
    let mut pens: Vec<Vec<Bucket>> = vec![mine];
    for c in cams.iter().filter(|c| c.id != row.camera_id) {
        let b = buckets_between(engine, c.id, from - (HISTORY_DAYS + 1) * DAY_MS, to).await?;
        if b.last().is_some_and(|x| x.ts >= from) {
            pens.push(b);
        }
    }
    let refs: Vec<&[Bucket]> = pens.iter().map(Vec::as_slice).collect();
    let farm = shifts_between(&refs, from, to).swap_remove(0);
    let judged = engine
        .store
        .judgements(row.camera_id, a.opened_ms.min(now) - MEMORY_DAYS * DAY_MS)
        .await?;
    let base = rules_for(engine, row.camera_id).await?;
    let rules = feedback::apply(&base, &judged, a.opened_ms);
    let input = CameraInput {
        buckets: pens.swap_remove(0),
        herd_size,
        farm,
        ..CameraInput::default()
    };
    let mut e = explain::explain(a.rule, &rules, &input, from, to, Some(fired));
    e.alert_id = a.id;
    e.sensitivity = feedback::factor(&judged, a.rule, now);
    let counted = judged.iter().filter(|j| {
        j.rule == a.rule && a.rule.tuned_by_feedback() && now - j.at_ms <= MEMORY_DAYS * DAY_MS
    });
    for j in counted {
        match j.verdict {
            animov_api::AlertVerdict::FalseAlarm => e.false_alarms += 1,
            animov_api::AlertVerdict::Useful => e.useful += 1,
        }
    }
    Ok(Some(e))
}
