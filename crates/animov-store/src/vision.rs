//! What the cameras' vision pipeline keeps: recording segments, snapshots
//! and lying bouts (their settings are in [`crate::settings`]).

use crate::{Store, StoreError, query::Arg};

/// A recording segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingRow {
    /// Id.
    pub id: i64,
    /// Camera.
    pub camera_id: i64,
    /// File.
    pub path: String,
    /// Start, UTC ms.
    pub start_ms: i64,
    /// End, UTC ms.
    pub end_ms: i64,
    /// Size.
    pub bytes: i64,
    /// Never deleted automatically.
    pub keep: bool,
}

/// A snapshot.
#[derive(Debug, Clone, PartialEq, Eq, sqlx_macros::FromRow)]
pub struct SnapshotRow {
    /// Id.
    pub id: i64,
    /// Camera.
    pub camera_id: i64,
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// JPEG file.
    pub path: String,
    /// Picture width.
    pub width: i64,
    /// Picture height.
    pub height: i64,
    /// Detections as JSON.
    pub detections: Option<Vec<u8>>,
}

/// A lying bout of one tracked animal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoutRow {
    /// Camera.
    pub camera_id: i64,
    /// Track id.
    pub track_id: i64,
    /// Start, UTC ms.
    pub start_ms: i64,
    /// End (last sighting while running), UTC ms.
    pub end_ms: i64,
    /// Still running.
    pub running: bool,
}

impl From<BoutRow> for animov_api::LyingBout {
    fn from(b: BoutRow) -> Self {
        animov_api::LyingBout {
            track_id: b.track_id,
            start_ms: b.start_ms,
            end_ms: b.end_ms,
            running: b.running,
        }
    }
}

/// A `recordings` row (`keep_flag` is 0 or 1).
#[derive(sqlx_macros::FromRow)]
struct RecordingRecord {
    id: i64,
    camera_id: i64,
    path: String,
    start_ms: i64,
    end_ms: i64,
    bytes: i64,
    keep_flag: i64,
}

impl From<RecordingRecord> for RecordingRow {
    fn from(r: RecordingRecord) -> RecordingRow {
        RecordingRow {
            id: r.id,
            camera_id: r.camera_id,
            path: r.path,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            bytes: r.bytes,
            keep: r.keep_flag != 0,
        }
    }
}

/// A `lying_bouts` row (`running` is 0 or 1).
#[derive(sqlx_macros::FromRow)]
struct BoutRecord {
    camera_id: i64,
    track_id: i64,
    start_ms: i64,
    end_ms: i64,
    running: i64,
}

impl From<BoutRecord> for BoutRow {
    fn from(r: BoutRecord) -> BoutRow {
        BoutRow {
            camera_id: r.camera_id,
            track_id: r.track_id,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            running: r.running != 0,
        }
    }
}

const RECORDING_COLS: &str = "id, camera_id, path, start_ms, end_ms, bytes, keep_flag";
const SNAPSHOT_COLS: &str = "id, camera_id, ts_ms, path, width, height, detections";

impl Store {
    /// Indexes a closed recording segment; returns its id.
    pub async fn insert_recording(
        &self,
        camera_id: i64,
        path: &str,
        start_ms: i64,
        end_ms: i64,
        bytes: i64,
    ) -> Result<i64, StoreError> {
        self.insert_synced(
            "recordings",
            &[
                "camera_id",
                "path",
                "start_ms",
                "end_ms",
                "bytes",
                "keep_flag",
            ],
            vec![
                Arg::Int(camera_id),
                Arg::Text(path.into()),
                Arg::Int(start_ms),
                Arg::Int(end_ms),
                Arg::Int(bytes),
                Arg::Int(0),
            ],
        )
        .await
    }

    /// Bytes of recordings per camera id (cameras without any left out).
    pub async fn recording_bytes(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = format!(
            "SELECT camera_id, CAST(SUM(bytes) AS {}) FROM recordings GROUP BY camera_id",
            self.backend.integer()
        );
        Ok(sqlx::query_as(&sql).fetch_all(&self.pool).await?)
    }

    /// Segments overlapping `[from_ms, to_ms)`, of one camera or all, oldest first.
    pub async fn recordings(
        &self,
        camera_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<RecordingRow>, StoreError> {
        let q = format!(
            "SELECT {RECORDING_COLS} FROM recordings WHERE (? IS NULL OR camera_id = ?) \
             AND end_ms > ? AND start_ms < ? ORDER BY start_ms, id"
        );
        Ok(self
            .list_rows::<RecordingRecord>(&q, camera_id, from_ms, to_ms)
            .await?
            .into_iter()
            .map(RecordingRow::from)
            .collect())
    }

    /// One segment.
    pub async fn recording(&self, id: i64) -> Result<Option<RecordingRow>, StoreError> {
        let q = format!("SELECT {RECORDING_COLS} FROM recordings WHERE id = ?");
        Ok(self
            .one_by_id::<RecordingRecord>(&q, id)
            .await?
            .map(RecordingRow::from))
    }

    /// Flags a segment to keep (or not); false if there is no such segment.
    pub async fn set_recording_keep(&self, id: i64, keep: bool) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let n = sqlx::query("UPDATE recordings SET keep_flag = ?, change_seq = ? WHERE id = ?")
            .bind(i64::from(keep))
            .bind(seq)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Forgets a segment (after its file was deleted).
    pub async fn delete_recording(&self, id: i64) -> Result<(), StoreError> {
        self.delete_synced("recordings", id).await?;
        Ok(())
    }

    /// Stores a snapshot's index row; returns its id.
    pub async fn insert_snapshot(
        &self,
        camera_id: i64,
        ts_ms: i64,
        path: &str,
        width: i64,
        height: i64,
        detections: Option<Vec<u8>>,
    ) -> Result<i64, StoreError> {
        self.insert_synced(
            "snapshots",
            &[
                "camera_id",
                "ts_ms",
                "path",
                "width",
                "height",
                "detections",
            ],
            vec![
                Arg::Int(camera_id),
                Arg::Int(ts_ms),
                Arg::Text(path.into()),
                Arg::Int(width),
                Arg::Int(height),
                Arg::Blob(detections),
            ],
        )
        .await
    }

    /// Snapshots in `[from_ms, to_ms)`, of one camera or all, oldest first.
    pub async fn snapshots(
        &self,
        camera_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<SnapshotRow>, StoreError> {
        let q = format!(
            "SELECT {SNAPSHOT_COLS} FROM snapshots WHERE (? IS NULL OR camera_id = ?) \
             AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id"
        );
        self.list_rows(&q, camera_id, from_ms, to_ms).await
    }

    /// One snapshot.
    pub async fn snapshot(&self, id: i64) -> Result<Option<SnapshotRow>, StoreError> {
        let q = format!("SELECT {SNAPSHOT_COLS} FROM snapshots WHERE id = ?");
        self.one_by_id(&q, id).await
    }

    /// The newest snapshot time of a camera.
    pub async fn last_snapshot_ms(&self, camera_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT MAX(ts_ms) FROM snapshots WHERE camera_id = ?")
                .bind(camera_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Writes bouts (new ones, or running ones that moved on or ended).
    pub async fn upsert_bouts(&self, bouts: &[BoutRow]) -> Result<(), StoreError> {
        if bouts.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let first = Self::next_seqs(&mut tx, bouts.len() as i64).await?;
        let q = self.backend.upsert(
            "lying_bouts",
            "camera_id, track_id, start_ms",
            &[
                "camera_id",
                "track_id",
                "start_ms",
                "end_ms",
                "running",
                "site_id",
                "change_seq",
            ],
            &["end_ms", "running", "change_seq"],
        );
        for (i, b) in bouts.iter().enumerate() {
            sqlx::query(&q)
                .bind(b.camera_id)
                .bind(b.track_id)
                .bind(b.start_ms)
                .bind(b.end_ms)
                .bind(i64::from(b.running))
                .bind(self.site())
                .bind(first + i as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Bouts of a camera overlapping `[from_ms, to_ms)`, by start.
    pub async fn lying_bouts(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<BoutRow>, StoreError> {
        Ok(sqlx::query_as::<_, BoutRecord>(
            "SELECT camera_id, track_id, start_ms, end_ms, running FROM lying_bouts \
             WHERE camera_id = ? AND end_ms >= ? AND start_ms < ? ORDER BY start_ms, track_id",
        )
        .bind(camera_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(BoutRow::from)
        .collect())
    }

    /// Ends every running bout of a camera at its last sighting (after a
    /// restart the tracks are gone); returns the next free track id.
    pub async fn end_running_bouts(&self, camera_id: i64) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        sqlx::query(
            "UPDATE lying_bouts SET running = 0, change_seq = ? WHERE camera_id = ? AND running = 1",
        )
        .bind(seq)
        .bind(camera_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let max: Option<i64> =
            sqlx::query_scalar("SELECT MAX(track_id) FROM lying_bouts WHERE camera_id = ?")
                .bind(camera_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(max.unwrap_or(0) + 1)
    }
}
