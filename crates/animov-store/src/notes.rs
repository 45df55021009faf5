//! Notes on a camera's time span, their earlier versions, and the spans
//! retention must keep.

use animov_api::{Note, NoteVersion};

use crate::{Store, StoreError};

/// A note to write (the camera resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct NoteFields {
    /// Camera id.
    pub camera_id: i64,
    /// Start, UTC ms.
    pub start_ms: i64,
    /// End, UTC ms.
    pub end_ms: i64,
    /// Text.
    pub text: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Box on the picture.
    pub area: Option<[f64; 4]>,
}

/// Which notes to list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoteFilter {
    /// One camera.
    pub camera_id: Option<i64>,
    /// Spans ending at or after, UTC ms.
    pub from_ms: Option<i64>,
    /// Spans starting before, UTC ms.
    pub to_ms: Option<i64>,
    /// With this tag.
    pub tag: Option<String>,
    /// By this author.
    pub author: Option<String>,
    /// Whose text contains this (any case).
    pub text: Option<String>,
    /// At most this many (newest span first).
    pub limit: i64,
}

/// A stored note with its camera id.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteRow {
    /// The API view.
    pub note: Note,
    /// Camera id.
    pub camera_id: i64,
}

#[derive(sqlx_macros::FromRow)]
struct NoteRecord {
    id: i64,
    camera_id: i64,
    source: String,
    start_ms: i64,
    end_ms: i64,
    text: String,
    tags: String,
    area: Option<String>,
    author: String,
    created_ms: i64,
    updated_ms: i64,
}

#[derive(sqlx_macros::FromRow)]
struct VersionRecord {
    start_ms: i64,
    end_ms: i64,
    text: String,
    tags: String,
    area: Option<String>,
    edited_by: String,
    edited_ms: i64,
}

/// Tags are stored `,a,b,` so that one can be found with `LIKE '%,a,%'`.
fn tags_column(tags: &[String]) -> String {
    format!(",{},", tags.join(","))
}

fn tags_of(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn area_column(area: Option<[f64; 4]>) -> Option<String> {
    area.map(|a| serde_json::to_string(&a).unwrap_or_default())
}

fn area_of(column: Option<&str>) -> Result<Option<[f64; 4]>, StoreError> {
    column
        .map(|c| {
            serde_json::from_str(c).map_err(|e| StoreError::Corrupt(format!("note box {c:?}: {e}")))
        })
        .transpose()
}

impl TryFrom<NoteRecord> for NoteRow {
    type Error = StoreError;
    fn try_from(r: NoteRecord) -> Result<NoteRow, StoreError> {
        Ok(NoteRow {
            camera_id: r.camera_id,
            note: Note {
                id: r.id,
                source: r.source,
                start_ms: r.start_ms,
                end_ms: r.end_ms,
                text: r.text,
                tags: tags_of(&r.tags),
                area: area_of(r.area.as_deref())?,
                author: r.author,
                created_ms: r.created_ms,
                updated_ms: r.updated_ms,
            },
        })
    }
}

const NOTE_COLS: &str = "n.id, n.camera_id, c.source, n.start_ms, n.end_ms, n.text, n.tags, n.box AS area, \
     n.author, n.created_ms, n.updated_ms FROM notes n JOIN cameras c ON c.id = n.camera_id";

impl Store {
    /// Writes a new note; returns it.
    pub async fn insert_note(
        &self,
        f: &NoteFields,
        author: &str,
        now_ms: i64,
    ) -> Result<NoteRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let insert = sqlx::query(
            "INSERT INTO notes (camera_id, start_ms, end_ms, text, tags, box, author, created_ms, updated_ms, \
             site_id, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(f.camera_id)
        .bind(f.start_ms)
        .bind(f.end_ms)
        .bind(f.text.trim())
        .bind(tags_column(&f.tags))
        .bind(area_column(f.area))
        .bind(author)
        .bind(now_ms)
        .bind(now_ms)
        .bind(self.site())
        .bind(seq);
        let id = Self::insert_one(&mut tx, insert).await?;
        self.queue_down(&mut tx, "notes", id).await?;
        tx.commit().await?;
        self.note(id).await?.ok_or(StoreError::NotFound("note"))
    }

    /// Changes a note, keeping what it was as a version; `None`: no such note.
    pub async fn update_note(
        &self,
        id: i64,
        f: &NoteFields,
        by: &str,
        now_ms: i64,
    ) -> Result<Option<NoteRow>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 2).await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM notes WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        let copy = sqlx::query(
            "INSERT INTO note_versions (note_id, start_ms, end_ms, text, tags, box, edited_by, edited_ms, site_id, change_seq) \
             SELECT id, start_ms, end_ms, text, tags, box, ?, ?, ?, ? FROM notes WHERE id = ?",
        )
        .bind(by)
        .bind(now_ms)
        .bind(self.site())
        .bind(seq)
        .bind(id);
        let version = Self::insert_one(&mut tx, copy).await?;
        sqlx::query(
            "UPDATE notes SET camera_id = ?, start_ms = ?, end_ms = ?, text = ?, tags = ?, box = ?, updated_ms = ?, \
             change_seq = ? WHERE id = ?",
        )
        .bind(f.camera_id)
        .bind(f.start_ms)
        .bind(f.end_ms)
        .bind(f.text.trim())
        .bind(tags_column(&f.tags))
        .bind(area_column(f.area))
        .bind(now_ms)
        .bind(seq + 1)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        self.queue_down(&mut tx, "note_versions", version).await?;
        self.queue_down(&mut tx, "notes", id).await?;
        tx.commit().await?;
        self.note(id).await
    }

    /// Deletes a note and its versions; false if there was none.
    pub async fn delete_note(&self, id: i64) -> Result<bool, StoreError> {
        self.delete_synced("notes", id).await
    }

    /// One note.
    pub async fn note(&self, id: i64) -> Result<Option<NoteRow>, StoreError> {
        let q = format!("SELECT {NOTE_COLS} WHERE n.id = ?");
        self.row_of::<NoteRecord, _>(sqlx::query_as(&q).bind(id))
            .await
    }

    /// Notes matching the filter, newest span first.
    pub async fn notes(&self, f: &NoteFilter) -> Result<Vec<NoteRow>, StoreError> {
        let q = format!(
            "SELECT {NOTE_COLS} WHERE c.site_id = ? AND (? IS NULL OR n.camera_id = ?) \
             AND (? IS NULL OR n.end_ms >= ?) AND (? IS NULL OR n.start_ms < ?) \
             AND (? IS NULL OR n.tags LIKE ?) AND (? IS NULL OR n.author = ?) \
             AND (? IS NULL OR LOWER(n.text) LIKE ?) ORDER BY n.start_ms DESC, n.id DESC LIMIT ?"
        );
        let tag = f.tag.as_ref().map(|t| format!("%,{t},%"));
        let text = f
            .text
            .as_ref()
            .map(|t| format!("%{}%", t.to_lowercase().replace(['%', '_'], "")));
        let query = sqlx::query_as::<_, NoteRecord>(&q)
            .bind(self.site())
            .bind(f.camera_id)
            .bind(f.camera_id)
            .bind(f.from_ms)
            .bind(f.from_ms)
            .bind(f.to_ms)
            .bind(f.to_ms)
            .bind(tag.clone())
            .bind(tag)
            .bind(f.author.clone())
            .bind(f.author.clone())
            .bind(text.clone())
            .bind(text)
            .bind(f.limit.clamp(1, 10_000));
        self.rows_of(query).await
    }

    /// A note's earlier versions, oldest first.
    pub async fn note_versions(&self, id: i64) -> Result<Vec<NoteVersion>, StoreError> {
        sqlx::query_as::<_, VersionRecord>(
            "SELECT start_ms, end_ms, text, tags, box AS area, edited_by, edited_ms FROM note_versions \
             WHERE note_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|v| {
            Ok(NoteVersion {
                start_ms: v.start_ms,
                end_ms: v.end_ms,
                text: v.text,
                tags: tags_of(&v.tags),
                area: area_of(v.area.as_deref())?,
                edited_by: v.edited_by,
                edited_ms: v.edited_ms,
            })
        })
        .collect()
    }

    /// Every note's camera and span: the recordings retention must keep.
    pub async fn note_spans(&self) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT camera_id, start_ms, end_ms FROM notes")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}
