//! The rules' input kept between ticks: each camera's 15-minute buckets of
//! the last 29 days (with the forecast band issued for each), read whole at
//! start and every 6 hours, their last hour re-read each quarter hour.

use std::collections::HashMap;

use animov_core::{
    alerts::{
        Bucket, HISTORY_WINDOW_DAYS,
        input::{buckets_from_minutes, with_band},
    },
    time::{DAY_MS, MINUTE_MS, QUARTER_MS, floor_to},
};
use animov_store::StoreError;

use crate::Engine;

/// Days of buckets the rules are given.
const WINDOW_DAYS: i64 = HISTORY_WINDOW_DAYS;
/// A camera's buckets are re-read whole this often (late frames older than
/// the hour re-read each quarter are caught then).
const FULL_RELOAD_MS: i64 = 6 * 3_600_000;
/// Each quarter hour, the buckets of the last hour are re-read.
const REFRESH_MS: i64 = 3_600_000;

/// 15-minute buckets of a camera over `[from, to)` (bucket-aligned), each
/// with the 95 % band forecast for it as it began. Read a day at a time so
/// a week of minute rows never sits in memory at once.
pub async fn buckets_between(
    engine: &Engine,
    camera_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Bucket>, StoreError> {
    let mut buckets = Vec::new();
    let mut t = from;
    while t < to {
        let end = (t + DAY_MS).min(to);
        let rows = engine.store.minute_rows(camera_id, t, end).await?;
        buckets.extend(buckets_from_minutes(&rows));
        t = end;
    }
    let bands: HashMap<i64, (f64, f64)> = engine
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
        engine: &Engine,
        camera_id: i64,
        now_ms: i64,
    ) -> Result<Vec<Bucket>, StoreError> {
        let quarter = floor_to(now_ms - 30_000, QUARTER_MS);
        let from = quarter - WINDOW_DAYS * DAY_MS;
        match self.cameras.get_mut(&camera_id) {
            Some(c) if c.quarter == quarter => {}
            Some(c) if now_ms - c.loaded_ms < FULL_RELOAD_MS => {
                let since = quarter - REFRESH_MS;
                let fresh = buckets_between(engine, camera_id, since, quarter).await?;
                c.buckets.retain(|b| b.ts >= from && b.ts < since);
                c.buckets.extend(fresh);
                c.quarter = quarter;
            }
            _ => {
                let buckets = buckets_between(engine, camera_id, from, quarter).await?;
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
