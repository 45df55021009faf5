//! Recordings a stop cut short. A segment is indexed when its muxer closes
//! it; after a power cut or a `kill -9` the segment being written is on disk
//! but not indexed, without duration or index. At start, before the cameras
//! write again, each such file is rewritten whole with the frames it holds
//! and indexed, or deleted when it holds none — never left half-known.

use std::path::{Path, PathBuf};

use animov_store::StoreError;

use crate::Engine;

/// What a salvage pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SalvageReport {
    /// Cut segments rewritten and indexed.
    pub kept: usize,
    /// Cut segments without a readable frame, deleted.
    pub discarded: usize,
    /// Files that could not be read now (left as they are, tried at the next start).
    pub failed: usize,
}

/// The start time a segment's file name gives (`<start ms>.mkv`).
fn start_of(path: &Path) -> Option<i64> {
    if path.extension()? != "mkv" {
        return None;
    }
    path.file_stem()?.to_str()?.parse().ok()
}

/// Segment files of `dir` that started before `before_ms`; leftovers of an
/// earlier salvage are deleted.
fn cut_candidates(dir: &Path, before_ms: i64) -> Vec<(PathBuf, i64)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        if path.extension().is_some_and(|x| x == "salvage") {
            let _ = std::fs::remove_file(&path);
        } else if let Some(start) = start_of(&path).filter(|s| *s < before_ms) {
            out.push((path, start));
        }
    }
    out.sort_by_key(|(_, s)| *s);
    out
}

/// One pass over every camera's recordings folder: segment files that
/// started before `before_ms` and are not indexed are salvaged.
#[tracing::instrument(skip_all)]
pub async fn pass(engine: &Engine, before_ms: i64) -> Result<SalvageReport, StoreError> {
    let root = engine.config.data_dir.join("recordings");
    let indexed: std::collections::HashSet<String> = engine
        .store
        .recordings(None, i64::MIN, i64::MAX)
        .await?
        .into_iter()
        .map(|r| r.path)
        .collect();
    let mut report = SalvageReport::default();
    for camera in engine.store.cameras().await? {
        let Some(dir) = animov_core::ingest::source_dir(&root, &camera.source) else {
            continue;
        };
        for (path, start) in cut_candidates(&dir, before_ms) {
            if indexed.contains(&path.display().to_string()) {
                continue;
            }
            let p = path.clone();
            let outcome =
                tokio::task::spawn_blocking(move || animov_vision::salvage::salvage_segment(&p))
                    .await;
            match outcome {
                Ok(Ok(Some(s))) => {
                    engine
                        .store
                        .insert_recording(
                            camera.id,
                            &path.display().to_string(),
                            start,
                            start + s.duration_ms,
                            s.bytes as i64,
                        )
                        .await?;
                    tracing::info!(path = %path.display(), frames = s.frames, seconds = s.duration_ms / 1000, "a segment cut by a stop was kept");
                    report.kept += 1;
                }
                Ok(Ok(None)) => {
                    if let Err(e) = std::fs::remove_file(&path) {
                        tracing::warn!(path = %path.display(), error = %e, "cannot delete an empty cut segment");
                        report.failed += 1;
                    } else {
                        report.discarded += 1;
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(path = %path.display(), error = %e, "a segment cut by a stop cannot be read now; tried again at the next start");
                    report.failed += 1;
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "salvaging a segment failed");
                    report.failed += 1;
                }
            }
        }
    }
    if report != SalvageReport::default() {
        tracing::info!(
            kept = report.kept,
            discarded = report.discarded,
            failed = report.failed,
            "recordings cut by the last stop"
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_files_are_named_by_their_start() {
        assert_eq!(
            start_of(Path::new("/r/cam/1700000000000.mkv")),
            Some(1_700_000_000_000)
        );
        assert_eq!(start_of(Path::new("/r/cam/1700000000000.mp4")), None);
        assert_eq!(start_of(Path::new("/r/cam/notes.mkv")), None);
        let dir = tempfile::tempdir().unwrap();
        for n in ["100.mkv", "300.mkv", "200.mkv", "50.mkv.salvage", "x.txt"] {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        let c = cut_candidates(dir.path(), 300);
        let names: Vec<i64> = c.iter().map(|(_, s)| *s).collect();
        assert_eq!(
            names,
            vec![100, 200],
            "sorted, the newer (being written) left out"
        );
        assert!(
            !dir.path().join("50.mkv.salvage").exists(),
            "leftovers deleted"
        );
    }
}
