//! Recordings played in a browser: each segment remuxed once to MP4 (video
//! copied, not re-encoded; [`animov_vision::remux`]) into
//! `<data-dir>/cache/mp4/<id>.mp4`, served from there with byte ranges.
//! One remux at a time; the [`CACHE_FILES`] most recently played stay, the
//! others are deleted (the Matroska segment stays the recording).

use std::{
    path::{Path, PathBuf},
    time::SystemTime,
};

use animov_store::RecordingRow;
use tokio::sync::Mutex;

/// MP4 copies kept (about 4 hours of 10-minute segments).
pub const CACHE_FILES: usize = 24;

static REMUX: Mutex<()> = Mutex::const_new(());

/// Why a recording cannot be played.
#[derive(Debug, thiserror::Error)]
pub enum PlaybackError {
    /// The segment's file is not there.
    #[error("the file of recording {id} is gone ({why}); it may have been deleted by hand")]
    Gone {
        /// The recording.
        id: i64,
        /// The system's word.
        why: String,
    },
    /// The segment cannot be read or the copy cannot be written.
    #[error("recording {id} cannot be played: {why}")]
    Remux {
        /// The recording.
        id: i64,
        /// Why.
        why: String,
    },
}

/// Where the MP4 copies live.
pub fn cache_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("cache").join("mp4")
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The MP4 copy of a recording, made now if it is missing or older than the segment.
#[tracing::instrument(skip_all, fields(id = rec.id))]
pub async fn mp4_of(data_dir: &Path, rec: &RecordingRow) -> Result<PathBuf, PlaybackError> {
    let src = PathBuf::from(&rec.path);
    let src_time = modified(&src).ok_or_else(|| PlaybackError::Gone {
        id: rec.id,
        why: std::fs::metadata(&src)
            .err()
            .map_or_else(|| "unreadable".into(), |e| e.to_string()),
    })?;
    let dir = cache_dir(data_dir);
    let dst = dir.join(format!("{}.mp4", rec.id));
    let _one_at_a_time = REMUX.lock().await;
    if modified(&dst).is_some_and(|t| t >= src_time) {
        touch(&dst);
        return Ok(dst);
    }
    let id = rec.id;
    let (d, s) = (dst.clone(), src.clone());
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        animov_vision::remux::remux_to_mp4(&s, &d).map_err(|e| e.to_string())?;
        crate::storage::keep_newest(&dir, "mp4", CACHE_FILES);
        Ok::<_, String>(())
    })
    .await
    .map_err(|e| PlaybackError::Remux {
        id,
        why: e.to_string(),
    })?
    .map_err(|why| PlaybackError::Remux { id, why })?;
    tracing::info!(id, "recording remuxed to MP4 for playback");
    Ok(dst)
}

/// Marks a copy as just played (pruning keeps the most recent).
fn touch(p: &Path) {
    if let Ok(f) = std::fs::File::options().append(true).open(p) {
        let _ = f.set_modified(SystemTime::now());
    }
}
