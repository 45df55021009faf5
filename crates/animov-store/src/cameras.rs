//! Cameras and ingest-only sources.

use animov_api::SourceKind;

use crate::{Store, StoreError, now_ms};

/// A registered source.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraRow {
    /// Local id.
    pub id: i64,
    /// Stable name.
    pub source: String,
    /// Display name.
    pub name: String,
    /// Capture URI (`None` for ingest-only).
    pub uri: Option<String>,
    /// Goats in the pen.
    pub herd_size: Option<i64>,
    /// Where the data comes from.
    pub kind: SourceKind,
    /// Newest frame time, UTC ms.
    pub last_frame_ts: Option<i64>,
}

/// A `cameras` row with its newest frame time.
#[derive(sqlx_macros::FromRow)]
struct CameraRecord {
    id: i64,
    source: String,
    name: String,
    uri: Option<String>,
    herd_size: Option<i64>,
    kind: String,
    last_ts: Option<i64>,
}

impl TryFrom<CameraRecord> for CameraRow {
    type Error = StoreError;
    fn try_from(r: CameraRecord) -> Result<CameraRow, StoreError> {
        Ok(CameraRow {
            id: r.id,
            source: r.source,
            name: r.name,
            uri: r.uri,
            herd_size: r.herd_size,
            kind: r.kind.parse()?,
            last_frame_ts: r.last_ts,
        })
    }
}

const SELECT: &str = "SELECT c.id, c.source, c.name, c.uri, c.herd_size, c.kind, \
     (SELECT MAX(f.ts_ms) FROM frame_counts f WHERE f.camera_id = c.id) AS last_ts \
     FROM cameras c WHERE c.site_id = ?";

impl Store {
    /// The id of `source`, registering it (named after itself) if it is new.
    pub async fn ensure_source(&self, source: &str, kind: SourceKind) -> Result<i64, StoreError> {
        if let Some(id) = self.camera_id(source).await? {
            return Ok(id);
        }
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let q = format!(
            "{} INTO cameras (site_id, source, name, uri, herd_size, kind, created_ms, change_seq) \
             VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)",
            self.backend.insert_ignore()
        );
        sqlx::query(&q)
            .bind(self.site())
            .bind(source)
            .bind(source)
            .bind(kind.as_str())
            .bind(now_ms())
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.camera_id(source)
            .await?
            .ok_or(StoreError::NotFound("source"))
    }

    /// Registers or updates a source's settings (name, URI, herd size, kind).
    pub async fn upsert_camera(
        &self,
        source: &str,
        name: &str,
        uri: Option<&str>,
        herd_size: Option<i64>,
        kind: SourceKind,
    ) -> Result<i64, StoreError> {
        let id = self.ensure_source(source, kind).await?;
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        sqlx::query(
            "UPDATE cameras SET name = ?, uri = ?, herd_size = ?, kind = ?, change_seq = ? WHERE id = ?",
        )
        .bind(name)
        .bind(uri)
        .bind(herd_size)
        .bind(kind.as_str())
        .bind(seq)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The local id of `source`, if registered.
    pub async fn camera_id(&self, source: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM cameras WHERE site_id = ? AND source = ?")
                .bind(self.site())
                .bind(source)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// One source with its newest frame time.
    pub async fn camera(&self, source: &str) -> Result<Option<CameraRow>, StoreError> {
        let q = format!("{SELECT} AND c.source = ?");
        self.row_of::<CameraRecord, _>(sqlx::query_as(&q).bind(self.site()).bind(source))
            .await
    }

    /// Every source of this site, by name.
    pub async fn cameras(&self) -> Result<Vec<CameraRow>, StoreError> {
        let q = format!("{SELECT} ORDER BY c.source");
        self.rows_of::<CameraRecord, _>(sqlx::query_as(&q).bind(self.site()))
            .await
    }
}
