//! What the cameras' vision pipeline keeps: per-camera settings, recording
//! segments, snapshots and lying bouts.

use sqlx::Row;

use crate::{Backend, Store, StoreError, now_ms};

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
#[derive(Debug, Clone, PartialEq, Eq)]
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

fn recording(r: &sqlx::any::AnyRow) -> Result<RecordingRow, StoreError> {
    Ok(RecordingRow {
        id: r.try_get("id")?,
        camera_id: r.try_get("camera_id")?,
        path: r.try_get("path")?,
        start_ms: r.try_get("start_ms")?,
        end_ms: r.try_get("end_ms")?,
        bytes: r.try_get("bytes")?,
        keep: r.try_get::<i64, _>("keep_flag")? != 0,
    })
}

fn snapshot(r: &sqlx::any::AnyRow) -> Result<SnapshotRow, StoreError> {
    Ok(SnapshotRow {
        id: r.try_get("id")?,
        camera_id: r.try_get("camera_id")?,
        ts_ms: r.try_get("ts_ms")?,
        path: r.try_get("path")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        detections: r.try_get("detections")?,
    })
}

const RECORDING_COLS: &str = "id, camera_id, path, start_ms, end_ms, bytes, keep_flag";
const SNAPSHOT_COLS: &str = "id, camera_id, ts_ms, path, width, height, detections";

/// A value to bind.
pub(crate) enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    OptFloat(Option<f64>),
    Text(String),
    Blob(Option<Vec<u8>>),
}

impl Store {
    /// Inserts one row of a synced table (stamping `site_id` and a new change
    /// sequence); returns its id.
    pub(crate) async fn insert_synced(
        &self,
        table: &str,
        cols: &[&str],
        args: Vec<Arg>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let q = format!(
            "INSERT INTO {table} ({}, site_id, change_seq) VALUES ({}?, ?)",
            cols.join(", "),
            "?, ".repeat(cols.len())
        );
        let mut query = sqlx::query(&q);
        for a in args {
            query = match a {
                Arg::Int(v) => query.bind(v),
                Arg::OptInt(v) => query.bind(v),
                Arg::OptFloat(v) => query.bind(v),
                Arg::Text(v) => query.bind(v),
                Arg::Blob(v) => query.bind(v),
            };
        }
        query
            .bind(&self.site_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        let id: i64 =
            sqlx::query_scalar(&format!("SELECT MAX(id) FROM {table} WHERE change_seq = ?"))
                .bind(seq)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The row of `sql` (which selects by one id), mapped.
    pub(crate) async fn one_by_id<T>(
        &self,
        sql: &str,
        id: i64,
        map: fn(&sqlx::any::AnyRow) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        sqlx::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(map)
            .transpose()
    }

    /// Rows of `sql`, which filters on an optional camera then a time window.
    async fn list_rows(
        &self,
        sql: &str,
        camera_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
        Ok(sqlx::query(sql)
            .bind(camera_id)
            .bind(camera_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&self.pool)
            .await?)
    }

    /// A camera's vision settings (JSON), if any were saved.
    pub async fn camera_settings(&self, camera_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT settings FROM camera_settings WHERE camera_id = ?")
                .bind(camera_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Saves a camera's vision settings (JSON).
    pub async fn set_camera_settings(&self, camera_id: i64, json: &[u8]) -> Result<(), StoreError> {
        let q = match self.backend {
            Backend::Sqlite => {
                "INSERT INTO camera_settings (camera_id, settings, updated_ms) VALUES (?, ?, ?) \
                 ON CONFLICT (camera_id) DO UPDATE SET settings = excluded.settings, updated_ms = excluded.updated_ms"
            }
            Backend::MySql => {
                "INSERT INTO camera_settings (camera_id, settings, updated_ms) VALUES (?, ?, ?) \
                 ON DUPLICATE KEY UPDATE settings = VALUES(settings), updated_ms = VALUES(updated_ms)"
            }
        };
        sqlx::query(q)
            .bind(camera_id)
            .bind(json.to_vec())
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

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
        self.list_rows(&q, camera_id, from_ms, to_ms)
            .await?
            .iter()
            .map(recording)
            .collect()
    }

    /// One segment.
    pub async fn recording(&self, id: i64) -> Result<Option<RecordingRow>, StoreError> {
        let q = format!("SELECT {RECORDING_COLS} FROM recordings WHERE id = ?");
        self.one_by_id(&q, id, recording).await
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
        sqlx::query("DELETE FROM recordings WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
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
        self.list_rows(&q, camera_id, from_ms, to_ms)
            .await?
            .iter()
            .map(snapshot)
            .collect()
    }

    /// One snapshot.
    pub async fn snapshot(&self, id: i64) -> Result<Option<SnapshotRow>, StoreError> {
        let q = format!("SELECT {SNAPSHOT_COLS} FROM snapshots WHERE id = ?");
        self.one_by_id(&q, id, snapshot).await
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
        let q = match self.backend {
            Backend::Sqlite => {
                "INSERT INTO lying_bouts (camera_id, track_id, start_ms, end_ms, running, site_id, change_seq) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (camera_id, track_id, start_ms) DO UPDATE SET \
                 end_ms = excluded.end_ms, running = excluded.running, change_seq = excluded.change_seq"
            }
            Backend::MySql => {
                "INSERT INTO lying_bouts (camera_id, track_id, start_ms, end_ms, running, site_id, change_seq) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
                 end_ms = VALUES(end_ms), running = VALUES(running), change_seq = VALUES(change_seq)"
            }
        };
        for (i, b) in bouts.iter().enumerate() {
            sqlx::query(q)
                .bind(b.camera_id)
                .bind(b.track_id)
                .bind(b.start_ms)
                .bind(b.end_ms)
                .bind(i64::from(b.running))
                .bind(&self.site_id)
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
        sqlx::query(
            "SELECT camera_id, track_id, start_ms, end_ms, running FROM lying_bouts \
             WHERE camera_id = ? AND end_ms >= ? AND start_ms < ? ORDER BY start_ms, track_id",
        )
        .bind(camera_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(BoutRow {
                camera_id: r.try_get("camera_id")?,
                track_id: r.try_get("track_id")?,
                start_ms: r.try_get("start_ms")?,
                end_ms: r.try_get("end_ms")?,
                running: r.try_get::<i64, _>("running")? != 0,
            })
        })
        .collect()
    }

    /// Ends every running bout of a camera at its last sighting (after a
    /// restart the tracks are gone); returns the next free track id.
    pub async fn end_running_bouts(&self, camera_id: i64) -> Result<i64, StoreError> {
        sqlx::query("UPDATE lying_bouts SET running = 0 WHERE camera_id = ? AND running = 1")
            .bind(camera_id)
            .execute(&self.pool)
            .await?;
        let max: Option<i64> =
            sqlx::query_scalar("SELECT MAX(track_id) FROM lying_bouts WHERE camera_id = ?")
                .bind(camera_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(max.unwrap_or(0) + 1)
    }
}
