//! Alerts inside the engine: every minute, per camera, the rules of
//! [`animov_core::alerts`] over its recent data ([`cache`]); the decisions
//! written to the store (one open alert per rule and camera, with its
//! history), pushed to the UI and the desktop shell as events, and queued as
//! email ([`evaluate`]). `animov alerts replay` runs the same rules over a
//! series file ([`replay`]), and `animov alerts eval` scores that replay over a
//! labelled set ([`eval`]).

pub mod cache;
pub mod eval;
pub mod evaluate;
pub mod explain;
pub mod replay;

use animov_api::{AlertRules, DeliverySettings};
use animov_core::alerts::{Bucket, farm::shifts as farm_shifts};
use animov_store::StoreError;
use tokio::sync::watch;

use crate::{Engine, farm};
pub use cache::Cache;
pub use evaluate::{evaluate_camera, publish, tuned_rules};

/// Name of the delivery settings in `app_settings`.
pub const DELIVERY_SETTING: &str = "alert_delivery";

/// The default rules at `utc_offset_minutes`.
pub fn default_rules(utc_offset_minutes: i32) -> AlertRules {
    AlertRules {
        utc_offset_minutes,
        ..AlertRules::default()
    }
}

/// A camera's rules: saved ones, or the defaults (saved ones that cannot be
/// read are reported, and the defaults apply); hours in the farm's time zone
/// (as set up, summer time included), else the machine's.
pub async fn rules_for(engine: &Engine, camera_id: i64) -> Result<AlertRules, StoreError> {
    let farm = farm::farm_offset_minutes(&engine.store, engine.now_ms()).await;
    let offset = farm.unwrap_or_else(farm::machine_offset_minutes);
    let mut rules = match engine.store.alert_rules(camera_id).await? {
        Some(json) => serde_json::from_slice(&json).unwrap_or_else(|e| {
            tracing::error!(camera_id, error = %e, "stored alert rules unreadable; using the defaults until they are saved again");
            default_rules(offset)
        }),
        None => default_rules(offset),
    };
    if let Some(o) = farm {
        rules.utc_offset_minutes = o;
    }
    Ok(rules)
}

/// How alerts are delivered: saved settings, or the defaults (no email), in
/// the farm's time zone. Saved settings that cannot be read are an error
/// ([`StoreError::Corrupt`]), never a quiet "no email".
pub async fn delivery_settings(engine: &Engine) -> Result<DeliverySettings, StoreError> {
    let farm = farm::farm_offset_minutes(&engine.store, engine.now_ms()).await;
    let offset = farm.unwrap_or_else(farm::machine_offset_minutes);
    let mut d = match engine.store.app_setting(DELIVERY_SETTING).await? {
        Some(json) => serde_json::from_slice(&json).map_err(|e| {
            StoreError::Corrupt(format!(
                "the saved alert delivery settings cannot be read ({e})"
            ))
        })?,
        None => DeliverySettings {
            utc_offset_minutes: offset,
            ..DeliverySettings::default()
        },
    };
    if let Some(o) = farm {
        d.utc_offset_minutes = o;
    }
    Ok(d)
}

/// One pass over every camera; one camera's failure does not stop the
/// others. Returns how many alerts changed.
pub async fn evaluate_all(engine: &Engine, now_ms: i64, cache: &mut Cache) -> usize {
    let cams = match engine.store.cameras().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "alert rules not evaluated: cannot list cameras");
            return 0;
        }
    };
    let delivery = match delivery_settings(engine).await {
        Ok(d) => d,
        Err(StoreError::Corrupt(why)) => {
            // Alerts still open and show; email waits for readable settings.
            tracing::error!(
                why,
                "alerts are raised without email until an admin saves the alert email settings again"
            );
            DeliverySettings {
                utc_offset_minutes: farm::utc_offset_minutes(&engine.store, now_ms).await,
                ..DeliverySettings::default()
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "alert rules not evaluated: cannot read the delivery settings");
            return 0;
        }
    };
    // Every camera's buckets first: each pen is judged with the farm's others.
    let mut buckets = Vec::with_capacity(cams.len());
    for c in &cams {
        match cache.buckets(engine, c.id, now_ms).await {
            Ok(b) => buckets.push(Some(b)),
            Err(e) => {
                tracing::warn!(source = c.source, error = %e, "alert rules not evaluated for this camera");
                buckets.push(None);
            }
        }
    }
    let pens: Vec<&[Bucket]> = buckets.iter().flatten().map(Vec::as_slice).collect();
    let mut shifts = farm_shifts(&pens, now_ms).into_iter();
    let mut changed = 0;
    for (c, b) in cams.iter().zip(buckets) {
        let Some(b) = b else { continue };
        let farm = shifts.next().unwrap_or_default();
        match evaluate_camera(engine, c, &delivery, now_ms, b, farm).await {
            Ok(ch) => changed += ch.len(),
            Err(e) => {
                tracing::warn!(source = c.source, error = %e, "alert rules not evaluated for this camera")
            }
        }
    }
    changed
}

/// Evaluates every `alerts.interval_seconds` until stopped.
pub async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    let every = std::time::Duration::from_secs(u64::from(engine.config.alerts.interval_seconds));
    let mut cache = Cache::default();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        evaluate_all(&engine, engine.now_ms(), &mut cache).await;
    }
}
