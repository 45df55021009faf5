//! Kept recordings' videos (`[sync] kept_videos`): which ones a site still
//! has to send, and pointing a central's copy of a recording at the video
//! it received.

use crate::{Store, StoreError};

/// A kept recording of this site whose video may travel.
#[derive(Debug, Clone, PartialEq, sqlx_macros::FromRow)]
pub struct KeptVideo {
    /// Its id here.
    pub id: i64,
    /// Its change sequence (the videos' cursor moves past it once sent).
    pub change_seq: i64,
    /// The video file.
    pub path: String,
    /// Its size.
    pub bytes: i64,
}

const KEPT: &str = "FROM recordings WHERE keep_flag = 1 AND change_seq > ? AND origin_site IS NULL";

impl Store {
    /// This site's kept recordings changed after `seq`, oldest change first.
    pub async fn kept_videos_after(
        &self,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<KeptVideo>, StoreError> {
        let q = format!("SELECT id, change_seq, path, bytes {KEPT} ORDER BY change_seq LIMIT ?");
        Ok(sqlx::query_as(&q)
            .bind(seq)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// How many kept recordings changed after `seq`.
    pub async fn kept_videos_pending(&self, seq: i64) -> Result<i64, StoreError> {
        let q = format!("SELECT COUNT(*) {KEPT}");
        Ok(sqlx::query_scalar::<_, i64>(&q)
            .bind(seq)
            .fetch_one(&self.pool)
            .await?)
    }

    /// At a central: points `site`'s recording `origin_id` at its video
    /// here; false when the central has no such recording (yet).
    pub async fn set_recording_video(
        &self,
        site: &str,
        origin_id: i64,
        path: &str,
    ) -> Result<bool, StoreError> {
        let n =
            sqlx::query("UPDATE recordings SET path = ? WHERE origin_site = ? AND origin_id = ?")
                .bind(path)
                .bind(site)
                .bind(origin_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(n > 0)
    }
}
