//! Frame counts in, minute statistics out.
//!
//! A batch of frames is stored in one transaction together with the list of
//! minutes it touched (`dirty_minutes`, with a generation counter). Closing a
//! minute recomputes its statistics from its frames and clears the mark only
//! if no frame arrived meanwhile, so late and out-of-order frames and restarts
//! all end with correct minutes.

use std::collections::BTreeSet;

use animov_core::{
    FrameCount,
    minute::{CountSummary, MinuteRow, minute_rows},
    time::{MINUTE_MS, minute_of},
};
use sqlx::{Row, any::AnyArguments, query::Query};

use crate::{Store, StoreError};

/// A frame to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFrame {
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// Goats lying.
    pub lying: u32,
    /// Goats standing.
    pub standing: u32,
    /// Detections as JSON, if sent.
    pub detections: Option<Vec<u8>>,
}

/// A minute whose frames changed since its statistics were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx_macros::FromRow)]
pub struct DirtyMinute {
    /// Camera.
    pub camera_id: i64,
    /// Start of the minute.
    pub minute_ts: i64,
    /// Generation seen; the mark is cleared only if it is still this one.
    #[sqlx(rename = "gen")]
    pub gen_: i64,
}

/// Rows per multi-row INSERT (8 parameters each stays far under both backends' limits).
const CHUNK: usize = 400;
/// Minute rows per multi-row INSERT (35 parameters each).
const MINUTE_CHUNK: usize = 100;

type AnyQuery<'q> = Query<'q, sqlx::Any, AnyArguments<'q>>;

fn bind_summary<'q>(q: AnyQuery<'q>, s: &CountSummary) -> AnyQuery<'q> {
    q.bind(s.stat.sum)
        .bind(s.stat.mean)
        .bind(s.stat.std)
        .bind(s.stat.min)
        .bind(s.stat.max)
        .bind(s.stat.q1)
        .bind(s.stat.q2)
        .bind(s.stat.q3)
        .bind(s.stat.mode)
        .bind(s.hist.encode())
}

const MINUTE_COLS: &str = "camera_id, minute_ts, nb_frames, \
    total_sum, total_mean, total_std, total_min, total_max, total_q1, total_q2, total_q3, total_mode, total_hist, \
    lying_sum, lying_mean, lying_std, lying_min, lying_max, lying_q1, lying_q2, lying_q3, lying_mode, lying_hist, \
    standing_sum, standing_mean, standing_std, standing_min, standing_max, standing_q1, standing_q2, standing_q3, standing_mode, standing_hist";

pub(crate) fn minute_select() -> String {
    format!("SELECT {MINUTE_COLS} FROM minute_stats")
}

impl Store {
    /// Stores a batch of frames of one camera in one transaction; frames whose
    /// (camera, ts_ms) is already stored are left as they were.
    /// Returns (accepted, duplicates).
    pub async fn insert_frames(
        &self,
        camera_id: i64,
        frames: &[NewFrame],
    ) -> Result<(u64, u64), StoreError> {
        self.insert_batches(&[(camera_id, frames)]).await
    }

    /// Stores frames of several cameras in one transaction (all or nothing).
    /// Returns (accepted, duplicates) over all of them.
    #[tracing::instrument(skip_all, fields(cameras = batches.len()))]
    pub async fn insert_batches(
        &self,
        batches: &[(i64, &[NewFrame])],
    ) -> Result<(u64, u64), StoreError> {
        let n: usize = batches.iter().map(|(_, f)| f.len()).sum();
        if n == 0 {
            return Ok((0, 0));
        }
        let mut tx = self.pool.begin().await?;
        let mut seq = Self::next_seqs(&mut tx, n as i64).await?;
        let mut accepted = 0;
        for (camera_id, frames) in batches {
            let mut cam_accepted = 0;
            for chunk in frames.chunks(CHUNK) {
                let mut sql = format!(
                    "{} INTO frame_counts (camera_id, ts_ms, total, lying, standing, detections, site_id, change_seq) VALUES ",
                    self.backend.insert_ignore()
                );
                for i in 0..chunk.len() {
                    sql.push_str(if i == 0 {
                        "(?,?,?,?,?,?,?,?)"
                    } else {
                        ",(?,?,?,?,?,?,?,?)"
                    });
                }
                let mut q = sqlx::query(&sql);
                for f in chunk {
                    q = q
                        .bind(*camera_id)
                        .bind(f.ts_ms)
                        .bind(i64::from(f.lying) + i64::from(f.standing))
                        .bind(i64::from(f.lying))
                        .bind(i64::from(f.standing))
                        .bind(f.detections.clone())
                        .bind(self.site())
                        .bind(seq);
                    seq += 1;
                }
                cam_accepted += q.execute(&mut *tx).await?.rows_affected();
            }
            if cam_accepted > 0 {
                self.mark_dirty(&mut tx, *camera_id, frames).await?;
            }
            accepted += cam_accepted;
        }
        tx.commit().await?;
        Ok((accepted, n as u64 - accepted))
    }

    async fn mark_dirty(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        camera_id: i64,
        frames: &[NewFrame],
    ) -> Result<(), StoreError> {
        let minutes: BTreeSet<i64> = frames.iter().map(|f| minute_of(f.ts_ms)).collect();
        let minutes: Vec<i64> = minutes.into_iter().collect();
        self.mark_in(tx, "dirty_minutes", "minute_ts", camera_id, &minutes)
            .await
    }

    /// Frames of a camera in `[from_ms, to_ms)`, oldest first.
    pub async fn frames(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<FrameCount>, StoreError> {
        Self::frames_in(&self.pool, camera_id, from_ms, to_ms).await
    }

    async fn frames_in<'e, E>(
        exec: E,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<FrameCount>, StoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let rows = sqlx::query(
            "SELECT ts_ms, lying, standing FROM frame_counts \
             WHERE camera_id = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms",
        )
        .bind(camera_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(exec)
        .await?;
        rows.iter()
            .map(|r| {
                let count = |c: &str| -> Result<u32, StoreError> {
                    let v: i64 = r.try_get(c)?;
                    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{c} = {v}")))
                };
                Ok(FrameCount {
                    ts_ms: r.try_get("ts_ms")?,
                    lying: count("lying")?,
                    standing: count("standing")?,
                })
            })
            .collect()
    }

    /// The stored detections (JSON) of a camera's frames in `[from_ms, to_ms)`,
    /// oldest first; frames stored without any are left out.
    pub async fn frame_detections(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT ts_ms, detections FROM frame_counts \
             WHERE camera_id = ? AND ts_ms >= ? AND ts_ms < ? AND detections IS NOT NULL ORDER BY ts_ms",
        )
        .bind(camera_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The newest frame of a camera: (ts_ms, lying, standing).
    pub async fn latest_frame(
        &self,
        camera_id: i64,
    ) -> Result<Option<(i64, i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT ts_ms, lying, standing FROM frame_counts WHERE camera_id = ? ORDER BY ts_ms DESC LIMIT 1",
        )
        .bind(camera_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Minutes waiting for their statistics that ended before `close_before_ms`, oldest first.
    pub async fn pending_minutes(
        &self,
        close_before_ms: i64,
        limit: i64,
    ) -> Result<Vec<DirtyMinute>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT camera_id, minute_ts, gen FROM dirty_minutes WHERE minute_ts <= ? \
             ORDER BY camera_id, minute_ts LIMIT ?",
        )
        .bind(close_before_ms - MINUTE_MS)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Recomputes the statistics of `minutes` from their frames, in one
    /// transaction. Returns how many minute rows were written.
    #[tracing::instrument(skip(self, minutes), fields(n = minutes.len()))]
    pub async fn close_minutes(&self, minutes: &[DirtyMinute]) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        Self::write_lock(&mut tx).await?;
        let mut written = 0;
        let mut sorted = minutes.to_vec();
        sorted.sort_by_key(|d| (d.camera_id, d.minute_ts));
        // Runs of nearby minutes of one camera: one frame query each.
        let near = |a: &DirtyMinute, b: &DirtyMinute| {
            a.camera_id == b.camera_id && b.minute_ts - a.minute_ts <= 60 * MINUTE_MS
        };
        for group in sorted.chunk_by(near) {
            let camera_id = group[0].camera_id;
            let from = group[0].minute_ts;
            let to = group[group.len() - 1].minute_ts + MINUTE_MS;
            let frames = Self::frames_in(&mut *tx, camera_id, from, to).await?;
            let rows = minute_rows(&frames);
            let wanted: BTreeSet<i64> = group.iter().map(|d| d.minute_ts).collect();
            let rows: Vec<&MinuteRow> = rows
                .iter()
                .filter(|r| wanted.contains(&r.minute_ts))
                .collect();
            for r in &rows {
                sqlx::query("DELETE FROM minute_stats WHERE camera_id = ? AND minute_ts = ?")
                    .bind(camera_id)
                    .bind(r.minute_ts)
                    .execute(&mut *tx)
                    .await?;
            }
            written += self
                .insert_minute_rows_tx(&mut tx, camera_id, &rows)
                .await?;
            for d in group {
                sqlx::query(
                    "DELETE FROM dirty_minutes WHERE camera_id = ? AND minute_ts = ? AND gen = ?",
                )
                .bind(d.camera_id)
                .bind(d.minute_ts)
                .bind(d.gen_)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Stores minute rows computed elsewhere (bulk loads, benchmarks, sync);
    /// a row whose (camera, minute) exists makes the whole call fail.
    pub async fn insert_minute_rows(
        &self,
        camera_id: i64,
        rows: &[MinuteRow],
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let refs: Vec<&MinuteRow> = rows.iter().collect();
        let n = self
            .insert_minute_rows_tx(&mut tx, camera_id, &refs)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn insert_minute_rows_tx(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        camera_id: i64,
        rows: &[&MinuteRow],
    ) -> Result<u64, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        self.mark_hours(tx, rows.iter().map(|r| (camera_id, r.minute_ts)))
            .await?;
        const ROW: &str =
            "(?,?,?, ?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?,?, ?,?)";
        let mut seq = Self::next_seqs(tx, rows.len() as i64).await?;
        for chunk in rows.chunks(MINUTE_CHUNK) {
            let values = vec![ROW; chunk.len()].join(",");
            let sql = format!(
                "INSERT INTO minute_stats ({MINUTE_COLS}, site_id, change_seq) VALUES {values}"
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q.bind(camera_id).bind(r.minute_ts).bind(r.nb_frames);
                q = bind_summary(q, &r.total);
                q = bind_summary(q, &r.lying);
                q = bind_summary(q, &r.standing);
                q = q.bind(self.site()).bind(seq);
                seq += 1;
            }
            q.execute(&mut **tx).await?;
        }
        Ok(rows.len() as u64)
    }

    /// Closes every pending minute that ended before `close_before_ms`, in
    /// batches; returns the number of minute rows written.
    pub async fn close_pending(&self, close_before_ms: i64) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let batch = self.pending_minutes(close_before_ms, 500).await?;
            if batch.is_empty() {
                return Ok(total);
            }
            let before = total;
            total += self.close_minutes(&batch).await?;
            if total / 10_000 > before / 10_000 {
                tracing::info!(minutes = total, "writing minute statistics");
            }
        }
    }
}
