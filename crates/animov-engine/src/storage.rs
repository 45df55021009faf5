//! Where the data lives and how much room it takes; recording retention's
//! settings, saved from the Storage page (they override `vision.retention_days`
//! and `vision.quota_gib` of the configuration, apply at the next retention
//! pass and survive a restart).

use std::path::Path;

use animov_api::{NextDeletion, StorageInfo, StorageSettings, StorageUse};
use animov_core::retention::{RetentionPolicy, SegmentInfo, next_by_age, segments_to_delete};
use animov_store::{RecordingRow, StoreError};

use crate::Engine;

/// Name of the retention settings in `app_settings`.
pub const STORAGE_SETTING: &str = "storage";

/// Retention in force: saved settings, else the configuration's.
pub async fn settings(engine: &Engine) -> Result<StorageSettings, StoreError> {
    let v = &engine.config.vision;
    let configured = StorageSettings {
        retention_days: v.retention_days,
        quota_gib: v.quota_gib,
    };
    Ok(match engine.store.app_setting(STORAGE_SETTING).await? {
        Some(json) => serde_json::from_slice(&json).unwrap_or_else(|e| {
            tracing::error!(error = %e, "saved storage settings unreadable; using the configuration's until saved again");
            configured
        }),
        None => configured,
    })
}

/// Saves retention settings (checked by the caller).
pub async fn save(engine: &Engine, s: &StorageSettings) -> Result<(), StoreError> {
    let json = serde_json::to_vec(s).expect("settings serialise");
    engine.store.set_app_setting(STORAGE_SETTING, &json).await
}

/// The retention policy of `s`.
pub fn policy(s: &StorageSettings) -> RetentionPolicy {
    RetentionPolicy {
        max_age_ms: Some(i64::from(s.retention_days) * 86_400_000),
        max_bytes: Some((s.quota_gib * 1024.0 * 1024.0 * 1024.0) as u64),
    }
}

/// What retention knows of stored segments.
pub fn segment_infos(rows: &[RecordingRow], noted: &[(i64, i64, i64)]) -> Vec<SegmentInfo> {
    rows.iter()
        .map(|r| SegmentInfo {
            id: r.id,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            bytes: r.bytes.max(0) as u64,
            // A note on its time keeps it too (the vet's evidence).
            keep: r.keep
                || noted
                    .iter()
                    .any(|&(c, s, e)| c == r.camera_id && s < r.end_ms && e >= r.start_ms),
        })
        .collect()
}

/// Every stored segment, and what retention knows of each.
pub async fn stored_segments(
    engine: &Engine,
) -> Result<(Vec<RecordingRow>, Vec<SegmentInfo>), StoreError> {
    let rows = engine.store.recordings(None, i64::MIN, i64::MAX).await?;
    let infos = segment_infos(&rows, &engine.store.note_spans().await?);
    Ok((rows, infos))
}

/// Deletes all but the `keep` most recently modified files ending in `.{ext}`
/// in `dir` (the playback copies, the clips, the dataset exports).
pub fn keep_newest(dir: &Path, ext: &str, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, p) in files.into_iter().skip(keep) {
        let _ = std::fs::remove_file(p);
    }
}

/// Bytes of every file under `dir` (0 when it does not exist).
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// Free and total bytes of the disk holding `dir`, for this user.
pub fn disk_space(dir: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let s = rustix::fs::statvfs(dir).ok()?;
        Some((s.f_bavail * s.f_frsize, s.f_blocks * s.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// The Storage page's figures.
#[tracing::instrument(skip_all)]
pub async fn report(engine: &Engine) -> Result<StorageInfo, StoreError> {
    let s = settings(engine).await?;
    let (rows, infos) = stored_segments(engine).await?;
    let policy = policy(&s);
    let due = segments_to_delete(&infos, &policy, engine.now_ms(), 0);
    let due_bytes = infos
        .iter()
        .filter(|i| due.contains(&i.id))
        .map(|i| i.bytes)
        .sum();
    let cams = engine.store.cameras().await?;
    let next = next_by_age(&infos, &policy, &due).and_then(|(id, at_ms)| {
        let r = rows.iter().find(|r| r.id == id)?;
        let source = cams.iter().find(|c| c.id == r.camera_id)?.source.clone();
        Some(NextDeletion {
            source,
            start_ms: r.start_ms,
            at_ms,
        })
    });
    let (recordings, kept) = infos.iter().fold((0, 0), |(all, kept), i| {
        (all + i.bytes, kept + if i.keep { i.bytes } else { 0 })
    });
    let data_dir = engine.config.data_dir.clone();
    let sqlite = engine.config.sqlite_file();
    let database = engine.config.database_label();
    let dir = data_dir.clone();
    let (snapshots, logs, db_bytes, space) = tokio::task::spawn_blocking(move || {
        let db = sqlite.map(|p| {
            ["", "-wal", "-shm"]
                .iter()
                .map(|ext| {
                    let mut f = p.clone().into_os_string();
                    f.push(ext);
                    std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)
                })
                .sum()
        });
        (
            dir_bytes(&dir.join("snapshots")),
            dir_bytes(&dir.join("logs")),
            db,
            disk_space(&dir),
        )
    })
    .await
    .unwrap_or((0, 0, None, None));
    Ok(StorageInfo {
        data_dir: data_dir.display().to_string(),
        database,
        free_bytes: space.map(|s| s.0),
        total_bytes: space.map(|s| s.1),
        used: StorageUse {
            recordings,
            kept,
            snapshots,
            database: db_bytes,
            logs,
        },
        settings: s,
        due_segments: due.len() as u32,
        due_bytes,
        reserve_bytes: crate::cameras::disk::reserve(engine).reserve,
        recording_paused: engine.cameras.recording_stopped().is_some(),
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_measured_and_the_disk_known() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/x"), [0u8; 100]).unwrap();
        std::fs::write(dir.path().join("a/b/y"), [0u8; 23]).unwrap();
        assert_eq!(dir_bytes(dir.path()), 123);
        assert_eq!(dir_bytes(&dir.path().join("missing")), 0);
        let (free, total) = disk_space(dir.path()).unwrap();
        assert!(total >= free && total > 0);
    }

    #[test]
    fn only_the_newest_mp4s_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for k in 0..5 {
            let p = dir.path().join(format!("{k}.mp4"));
            std::fs::write(&p, b"x").unwrap();
            let f = std::fs::File::options().append(true).open(&p).unwrap();
            f.set_modified(
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + k),
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("keep.txt"), b"x").unwrap();
        keep_newest(dir.path(), "mp4", 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["3.mp4", "4.mp4", "keep.txt"]);
    }
}
