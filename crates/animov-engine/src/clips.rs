//! Clips exported from a camera's recordings, without re-encoding
//! ([`animov_vision::clip`]): a job copies the segments' video between two
//! times into `<data-dir>/clips/<job>.mp4` with its progress; the
//! [`KEPT_CLIPS`] newest clips stay.

use std::path::{Path, PathBuf};

use animov_store::StoreError;
use animov_vision::clip::{ClipPart, export_clip};

use crate::Engine;

/// The longest clip, ms (2 hours).
pub const MAX_CLIP_MS: i64 = 2 * 3_600_000;
/// Clips kept on disk.
pub const KEPT_CLIPS: usize = 10;

/// Why a clip cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ClipError {
    /// The span is empty, reversed or too long.
    #[error("a clip runs from `from_ms` to a later `to_ms`, at most 2 hours")]
    Span,
    /// Nothing was recorded then.
    #[error("the camera has no recording between those times (GET /api/v1/recordings lists them)")]
    NoRecording,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the clips live.
pub fn clips_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("clips")
}

/// The file of the clip made by job `job`.
pub fn clip_path(data_dir: &Path, job: u64) -> PathBuf {
    clips_dir(data_dir).join(format!("{job}.mp4"))
}

/// Starts copying a camera's recordings of `[from_ms, to_ms)` into a clip;
/// returns the job that does it (`GET /api/v1/jobs/{id}`).
pub async fn start(
    engine: &Engine,
    camera_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<u64, ClipError> {
    if to_ms <= from_ms
        || to_ms
            .checked_sub(from_ms)
            .is_none_or(|span| span > MAX_CLIP_MS)
    {
        return Err(ClipError::Span);
    }
    let recs = engine
        .store
        .recordings(Some(camera_id), from_ms, to_ms)
        .await?;
    if recs.is_empty() {
        return Err(ClipError::NoRecording);
    }
    let parts: Vec<ClipPart> = recs
        .iter()
        .map(|r| ClipPart {
            path: PathBuf::from(&r.path),
            start_ms: r.start_ms,
        })
        .collect();
    let id = engine.jobs.start("clip");
    let e = engine.clone();
    let dir = clips_dir(&e.config.data_dir);
    let dst = clip_path(&e.config.data_dir, id);
    tokio::task::spawn_blocking(move || {
        let _span = tracing::info_span!("clip", job = id, camera_id).entered();
        let started = std::time::Instant::now();
        let made = std::fs::create_dir_all(&dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))
            .and_then(|()| {
                export_clip(&parts, from_ms, to_ms, &dst, &|p| {
                    e.jobs.progress(id, p, "copying the recorded video")
                })
                .map_err(|err| err.to_string())
            });
        let message = match &made {
            Ok(r) => {
                let bytes = std::fs::metadata(&dst).map_or(0, |m| m.len());
                let secs = started.elapsed().as_secs_f64();
                tracing::info!(frames = r.frames, bytes, secs, "clip made");
                format!(
                    "{} frames; starts at the keyframe {} ms before the time asked",
                    r.frames,
                    from_ms - r.first_ms
                )
            }
            Err(err) => {
                tracing::warn!(error = %err, "clip failed");
                String::new()
            }
        };
        e.jobs
            .finish_file(id, made.map(|_| format!("/api/v1/clips/{id}")), &message);
        crate::storage::keep_newest(&dir, "mp4", KEPT_CLIPS);
    });
    Ok(id)
}
