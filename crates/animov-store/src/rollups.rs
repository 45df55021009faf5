//! Hourly and daily rollups of the minutes' posture histograms. A rollup is
//! the merge of its minutes' histograms, so a series read from it equals
//! the one read from the minutes (medians, means, bands: all come from the
//! merged histograms). Every write of minutes marks its hours dirty in the
//! same transaction; the minute closer makes them again (and their days);
//! a read uses minutes for the dirty hours, for the edges of a window that
//! do not fill an hour, and the coarsest rollup for the rest.

use std::collections::{BTreeMap, BTreeSet};

use animov_core::{
    Histogram,
    series::PostureHists,
    time::{DAY_MS, HOUR_MS, floor_to},
};
use sqlx::Row;

use crate::{Backend, Store, StoreError};

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

fn ceil_to(t: i64, step: i64) -> i64 {
    let f = floor_to(t, step);
    if f == t { t } else { f + step }
}

fn merged(rows: &[PostureHists]) -> Option<(Histogram, Histogram)> {
    let mut it = rows.iter();
    let first = it.next()?;
    let (mut l, mut s) = (first.lying.clone(), first.standing.clone());
    for r in it {
        l.merge(&r.lying);
        s.merge(&r.standing);
    }
    Some((l, s))
}

impl Store {
    /// Marks `keys` of camera `camera_id` in `table` (`dirty_minutes` by
    /// `minute_ts`, `dirty_hours` by `hour_ts`) to be made again; a key
    /// marked again meanwhile gets a new generation.
    pub(crate) async fn mark_in(
        &self,
        tx: &mut Tx<'_>,
        table: &str,
        key: &str,
        camera_id: i64,
        keys: &[i64],
    ) -> Result<(), StoreError> {
        for chunk in keys.chunks(500) {
            let mut sql = format!("INSERT INTO {table} (camera_id, {key}, gen) VALUES ");
            for i in 0..chunk.len() {
                sql.push_str(if i == 0 { "(?,?,1)" } else { ",(?,?,1)" });
            }
            sql.push_str(&match self.backend {
                Backend::Sqlite => {
                    format!(" ON CONFLICT (camera_id, {key}) DO UPDATE SET gen = gen + 1")
                }
                Backend::MySql => " ON DUPLICATE KEY UPDATE gen = gen + 1".to_string(),
            });
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(camera_id).bind(*k);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Marks the hours of `minutes` (camera, minute) for their rollups.
    pub(crate) async fn mark_hours(
        &self,
        tx: &mut Tx<'_>,
        minutes: impl IntoIterator<Item = (i64, i64)>,
    ) -> Result<(), StoreError> {
        let mut by_cam: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for (cam, m) in minutes {
            by_cam.entry(cam).or_default().insert(floor_to(m, HOUR_MS));
        }
        for (cam, hours) in by_cam {
            let hours: Vec<i64> = hours.into_iter().collect();
            self.mark_in(tx, "dirty_hours", "hour_ts", cam, &hours)
                .await?;
        }
        Ok(())
    }

    /// Makes up to `limit` dirty hours again (and their days); returns how
    /// many were made. Called by the minute closer.
    #[tracing::instrument(skip(self))]
    pub async fn refresh_rollups(&self, limit: i64) -> Result<usize, StoreError> {
        let dirty: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT camera_id, hour_ts, gen FROM dirty_hours ORDER BY camera_id, hour_ts LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if dirty.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        Self::write_lock(&mut tx).await?;
        let mut days: BTreeSet<(i64, i64)> = BTreeSet::new();
        for &(cam, hour, gen_) in &dirty {
            let minutes = Self::hists_in(
                &mut *tx,
                "SELECT minute_ts AS ts, lying_hist, standing_hist FROM minute_stats \
                 WHERE camera_id = ? AND minute_ts >= ? AND minute_ts < ?",
                &[cam, hour, hour + HOUR_MS],
            )
            .await?;
            Self::put_rollup(&mut tx, cam, HOUR_MS, hour, merged(&minutes)).await?;
            sqlx::query("DELETE FROM dirty_hours WHERE camera_id = ? AND hour_ts = ? AND gen = ?")
                .bind(cam)
                .bind(hour)
                .bind(gen_)
                .execute(&mut *tx)
                .await?;
            days.insert((cam, floor_to(hour, DAY_MS)));
        }
        for (cam, day) in days {
            let hours = Self::hists_in(
                &mut *tx,
                "SELECT ts, lying_hist, standing_hist FROM posture_rollups \
                 WHERE camera_id = ? AND span_ms = 3600000 AND ts >= ? AND ts < ?",
                &[cam, day, day + DAY_MS],
            )
            .await?;
            Self::put_rollup(&mut tx, cam, DAY_MS, day, merged(&hours)).await?;
        }
        tx.commit().await?;
        Ok(dirty.len())
    }

    async fn put_rollup(
        tx: &mut Tx<'_>,
        cam: i64,
        span: i64,
        ts: i64,
        hists: Option<(Histogram, Histogram)>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM posture_rollups WHERE camera_id = ? AND span_ms = ? AND ts = ?")
            .bind(cam)
            .bind(span)
            .bind(ts)
            .execute(&mut **tx)
            .await?;
        if let Some((l, s)) = hists {
            sqlx::query(
                "INSERT INTO posture_rollups (camera_id, span_ms, ts, lying_hist, standing_hist) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(cam)
            .bind(span)
            .bind(ts)
            .bind(l.encode())
            .bind(s.encode())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    async fn hists_in<'e, E>(
        exec: E,
        sql: &str,
        args: &[i64],
    ) -> Result<Vec<PostureHists>, StoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(*a);
        }
        q.fetch_all(exec)
            .await?
            .iter()
            .map(|r| {
                let hist = |c: &str| -> Result<Histogram, StoreError> {
                    let text: String = r.try_get(c)?;
                    Histogram::decode(&text).map_err(|e| StoreError::Corrupt(e.to_string()))
                };
                Ok(PostureHists {
                    minute_ts: r.try_get("ts")?,
                    lying: hist("lying_hist")?,
                    standing: hist("standing_hist")?,
                })
            })
            .collect()
    }

    /// Hours not yet rolled up, pending for the minute closer.
    pub async fn dirty_hour_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM dirty_hours")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The histograms a series of `bucket_ms` buckets over `[from, to)` is
    /// made of: rollups where they answer exactly (whole hours for hourly
    /// buckets, whole days for daily ones, not dirty), minutes elsewhere.
    /// Each element's `minute_ts` is the start of what it covers; the series
    /// merges them per bucket like minutes.
    pub async fn series_hists(
        &self,
        camera_id: i64,
        from: i64,
        to: i64,
        bucket_ms: i64,
    ) -> Result<Vec<PostureHists>, StoreError> {
        const MINUTES: &str = "SELECT minute_ts AS ts, lying_hist, standing_hist FROM minute_stats \
             WHERE camera_id = ? AND minute_ts >= ? AND minute_ts < ? ORDER BY minute_ts";
        let (h0, h1) = (ceil_to(from, HOUR_MS), floor_to(to, HOUR_MS));
        if bucket_ms % HOUR_MS != 0 || h0 >= h1 {
            return Self::hists_in(&self.pool, MINUTES, &[camera_id, from, to]).await;
        }
        let mut conn = self.pool.acquire().await?;
        let dirty: BTreeSet<i64> = sqlx::query_scalar::<_, i64>(
            "SELECT hour_ts FROM dirty_hours WHERE camera_id = ? AND hour_ts >= ? AND hour_ts < ?",
        )
        .bind(camera_id)
        .bind(h0)
        .bind(h1)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        // Runs of whole clean days, read from day rollups when the buckets are days.
        let mut days: Vec<(i64, i64)> = Vec::new();
        if bucket_ms % DAY_MS == 0 {
            let mut d = ceil_to(h0, DAY_MS);
            while d + DAY_MS <= h1 {
                if dirty.range(d..d + DAY_MS).next().is_none() {
                    match days.last_mut() {
                        Some(run) if run.1 == d => run.1 = d + DAY_MS,
                        _ => days.push((d, d + DAY_MS)),
                    }
                }
                d += DAY_MS;
            }
        }
        let mut out = Self::hists_in(&mut *conn, MINUTES, &[camera_id, from, h0]).await?;
        let mut t = h0;
        let mut spans = days.iter().peekable();
        while t < h1 {
            if let Some(&&(d0, d1)) = spans.peek()
                && d0 == t
            {
                spans.next();
                out.extend(
                    Self::hists_in(
                        &mut *conn,
                        "SELECT ts, lying_hist, standing_hist FROM posture_rollups \
                     WHERE camera_id = ? AND span_ms = 86400000 AND ts >= ? AND ts < ? ORDER BY ts",
                        &[camera_id, d0, d1],
                    )
                    .await?,
                );
                t = d1;
                continue;
            }
            // Hours up to the next whole day (or the end), dirty ones from minutes.
            let stop = spans.peek().map_or(h1, |&&(d0, _)| d0);
            let mut a = t;
            for &h in dirty.range(t..stop) {
                if a < h {
                    out.extend(Self::clean_hours(&mut conn, camera_id, a, h).await?);
                }
                out.extend(
                    Self::hists_in(&mut *conn, MINUTES, &[camera_id, h, h + HOUR_MS]).await?,
                );
                a = h + HOUR_MS;
            }
            if a < stop {
                out.extend(Self::clean_hours(&mut conn, camera_id, a, stop).await?);
            }
            t = stop;
        }
        out.extend(Self::hists_in(&mut *conn, MINUTES, &[camera_id, h1, to]).await?);
        Ok(out)
    }

    async fn clean_hours(
        conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
        camera_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<PostureHists>, StoreError> {
        Self::hists_in(
            &mut **conn,
            "SELECT ts, lying_hist, standing_hist FROM posture_rollups \
             WHERE camera_id = ? AND span_ms = 3600000 AND ts >= ? AND ts < ? ORDER BY ts",
            &[camera_id, from, to],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::ceil_to;

    #[test]
    fn ceilings() {
        assert_eq!(ceil_to(0, 10), 0);
        assert_eq!(ceil_to(1, 10), 10);
        assert_eq!(ceil_to(-1, 10), 0);
        assert_eq!(ceil_to(20, 10), 20);
    }
}
