//! Reading minute statistics back.

use animov_api::{DateInfo, Stat};
use animov_core::{
    Histogram,
    minute::{CountSummary, MinuteRow},
    series::PostureHists,
    time::{DAY_MS, utc_date},
};
use sqlx::{Row, any::AnyRow};

use crate::{Store, StoreError, frames::minute_select};

fn hist(r: &AnyRow, col: &str) -> Result<Histogram, StoreError> {
    let text: String = r.try_get(col)?;
    Histogram::decode(&text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn summary(r: &AnyRow, p: &str) -> Result<CountSummary, StoreError> {
    let c = |name: &str| format!("{p}_{name}");
    Ok(CountSummary {
        stat: Stat {
            sum: r.try_get(c("sum").as_str())?,
            mean: r.try_get(c("mean").as_str())?,
            std: r.try_get(c("std").as_str())?,
            min: r.try_get(c("min").as_str())?,
            max: r.try_get(c("max").as_str())?,
            q1: r.try_get(c("q1").as_str())?,
            q2: r.try_get(c("q2").as_str())?,
            q3: r.try_get(c("q3").as_str())?,
            mode: r.try_get(c("mode").as_str())?,
        },
        hist: hist(r, &c("hist"))?,
    })
}

impl Store {
    /// Minute rows of a camera in `[from_ms, to_ms)`, oldest first.
    pub async fn minute_rows(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<MinuteRow>, StoreError> {
        let sql = format!(
            "{} WHERE camera_id = ? AND minute_ts >= ? AND minute_ts < ? ORDER BY minute_ts",
            minute_select()
        );
        let rows = sqlx::query(&sql)
            .bind(camera_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(MinuteRow {
                    minute_ts: r.try_get("minute_ts")?,
                    nb_frames: r.try_get("nb_frames")?,
                    total: summary(r, "total")?,
                    lying: summary(r, "lying")?,
                    standing: summary(r, "standing")?,
                })
            })
            .collect()
    }

    /// Lying and standing histograms per minute in `[from_ms, to_ms)`: the input of series.
    pub async fn posture_hists(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<PostureHists>, StoreError> {
        let rows = sqlx::query(
            "SELECT minute_ts, lying_hist, standing_hist FROM minute_stats \
             WHERE camera_id = ? AND minute_ts >= ? AND minute_ts < ? ORDER BY minute_ts",
        )
        .bind(camera_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PostureHists {
                    minute_ts: r.try_get("minute_ts")?,
                    lying: hist(r, "lying_hist")?,
                    standing: hist(r, "standing_hist")?,
                })
            })
            .collect()
    }

    /// UTC days with minute statistics for a camera, oldest first.
    pub async fn dates(&self, camera_id: i64) -> Result<Vec<DateInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT minute_ts - (minute_ts % 86400000) AS day_ts, COUNT(*) AS n FROM minute_stats \
             WHERE camera_id = ? GROUP BY minute_ts - (minute_ts % 86400000) ORDER BY day_ts",
        )
        .bind(camera_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let day_ts: i64 = r.try_get("day_ts")?;
                let day_ts = day_ts.div_euclid(DAY_MS) * DAY_MS;
                Ok(DateInfo {
                    date: utc_date(day_ts),
                    day_ts,
                    nb_minutes: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// Start of the newest minute with statistics for a camera.
    pub async fn last_minute_ts(&self, camera_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT MAX(minute_ts) FROM minute_stats WHERE camera_id = ?")
                .bind(camera_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Minutes waiting for their statistics.
    pub async fn pending_minute_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM dirty_minutes")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Counts of rows per table: frames, minutes, pending minutes (full scans: not for hot paths).
    pub async fn row_counts(&self) -> Result<(i64, i64, i64), StoreError> {
        let one = |t: &'static str| async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(&self.pool)
                .await
        };
        Ok((
            one("frame_counts").await?,
            one("minute_stats").await?,
            one("dirty_minutes").await?,
        ))
    }
}
