//! Dataset frames for retraining: pictures from the recordings with their
//! boxes, corrected by a person into ground truth.

use animov_api::{DatasetFrame, GroundBox};

use crate::{Store, StoreError};

/// A frame to add to the dataset (the camera resolved, the picture written).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDatasetFrame {
    /// Camera id.
    pub camera_id: i64,
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// The picture's file.
    pub path: String,
    /// The detector's boxes.
    pub boxes: Vec<GroundBox>,
    /// `range`, `notes` or `disagree`.
    pub origin: String,
}

/// A stored dataset frame, with its picture's file.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetFrameRow {
    /// The API view.
    pub frame: DatasetFrame,
    /// The picture's file.
    pub path: String,
}

#[derive(sqlx_macros::FromRow)]
struct Record {
    id: i64,
    source: String,
    ts_ms: i64,
    width: i64,
    height: i64,
    path: String,
    boxes: String,
    origin: String,
    reviewed_by: Option<String>,
    reviewed_ms: Option<i64>,
    created_ms: i64,
}

impl TryFrom<Record> for DatasetFrameRow {
    type Error = StoreError;
    fn try_from(r: Record) -> Result<DatasetFrameRow, StoreError> {
        let size = |v: i64| {
            u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("dataset frame size {v}")))
        };
        Ok(DatasetFrameRow {
            frame: DatasetFrame {
                id: r.id,
                source: r.source,
                ts_ms: r.ts_ms,
                width: size(r.width)?,
                height: size(r.height)?,
                boxes: boxes_of(&r.boxes)?,
                origin: r.origin,
                reviewed_by: r.reviewed_by,
                reviewed_ms: r.reviewed_ms,
                created_ms: r.created_ms,
            },
            path: r.path,
        })
    }
}

fn boxes_column(boxes: &[GroundBox]) -> String {
    serde_json::to_string(boxes).unwrap_or_else(|_| "[]".into())
}

fn boxes_of(column: &str) -> Result<Vec<GroundBox>, StoreError> {
    serde_json::from_str(column)
        .map_err(|e| StoreError::Corrupt(format!("dataset boxes {column:?}: {e}")))
}

const COLS: &str = "d.id, c.source, d.ts_ms, d.width, d.height, d.path, d.boxes, d.origin, \
     d.reviewed_by, d.reviewed_ms, d.created_ms FROM dataset_frames d JOIN cameras c ON c.id = d.camera_id";

impl Store {
    /// Adds a frame; `None` when the camera already has one at that time.
    pub async fn insert_dataset_frame(
        &self,
        f: &NewDatasetFrame,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let exists: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM dataset_frames WHERE camera_id = ? AND ts_ms = ?")
                .bind(f.camera_id)
                .bind(f.ts_ms)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_some() {
            return Ok(None);
        }
        let insert = sqlx::query(
            "INSERT INTO dataset_frames (camera_id, ts_ms, width, height, path, boxes, origin, created_ms, \
             site_id, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(f.camera_id)
        .bind(f.ts_ms)
        .bind(i64::from(f.width))
        .bind(i64::from(f.height))
        .bind(&f.path)
        .bind(boxes_column(&f.boxes))
        .bind(&f.origin)
        .bind(now_ms)
        .bind(self.site())
        .bind(seq);
        let id = Self::insert_one(&mut tx, insert).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Capture times of a camera's dataset frames in `[from_ms, to_ms)`, oldest first.
    pub async fn dataset_times(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT ts_ms FROM dataset_frames WHERE camera_id = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms",
        )
        .bind(camera_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    /// Dataset frames, oldest capture first: of one camera or all, ground
    /// truth only or all.
    pub async fn dataset_frames(
        &self,
        camera_id: Option<i64>,
        reviewed_only: bool,
    ) -> Result<Vec<DatasetFrameRow>, StoreError> {
        let q = format!(
            "SELECT {COLS} WHERE c.site_id = ? AND (? IS NULL OR d.camera_id = ?) \
             AND (? = 0 OR d.reviewed_by IS NOT NULL) ORDER BY d.ts_ms, d.id"
        );
        let query = sqlx::query_as::<_, Record>(&q)
            .bind(self.site())
            .bind(camera_id)
            .bind(camera_id)
            .bind(i64::from(reviewed_only));
        self.rows_of(query).await
    }

    /// One dataset frame.
    pub async fn dataset_frame(&self, id: i64) -> Result<Option<DatasetFrameRow>, StoreError> {
        let q = format!("SELECT {COLS} WHERE d.id = ?");
        self.row_of::<Record, _>(sqlx::query_as(&q).bind(id)).await
    }

    /// Saves the corrected boxes: the frame becomes ground truth checked by
    /// `by`. `None`: no such frame.
    pub async fn review_dataset_frame(
        &self,
        id: i64,
        boxes: &[GroundBox],
        by: &str,
        now_ms: i64,
    ) -> Result<Option<DatasetFrameRow>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let n = sqlx::query(
            "UPDATE dataset_frames SET boxes = ?, reviewed_by = ?, reviewed_ms = ?, change_seq = ? WHERE id = ?",
        )
        .bind(boxes_column(boxes))
        .bind(by)
        .bind(now_ms)
        .bind(seq)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if n == 0 {
            return Ok(None);
        }
        self.dataset_frame(id).await
    }

    /// Deletes a frame; returns its picture's file to remove.
    pub async fn delete_dataset_frame(&self, id: i64) -> Result<Option<String>, StoreError> {
        let Some(row) = self.dataset_frame(id).await? else {
            return Ok(None);
        };
        self.delete_synced("dataset_frames", id).await?;
        Ok(Some(row.path))
    }

    /// Every analysed frame of a camera in `[from_ms, to_ms)`: (ts_ms,
    /// goats counted), oldest first.
    pub async fn frame_totals(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT ts_ms, total FROM frame_counts WHERE camera_id = ? AND ts_ms >= ? AND ts_ms < ? \
             AND detections IS NOT NULL ORDER BY ts_ms",
        )
        .bind(camera_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?)
    }
}
