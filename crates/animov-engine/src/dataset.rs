//! Datasets for retraining: a job takes pictures from a camera's recordings
//! at analysed frames (spread over a span, inside notes, or where the count
//! differed from the herd size) with the detector's boxes, into
//! `<data-dir>/dataset/<camera id>/<ts_ms>.jpg` and the database; a person
//! corrects the boxes (ground truth); another job packs them as a YOLO or
//! COCO zip into `<data-dir>/exports/` (the [`KEPT_EXPORTS`] newest stay).

use std::io::Write;
use std::path::{Path, PathBuf};

use animov_api::{DatasetFrame, Detection, ExportFormat, GroundBox, SampleKind, SampleRequest};
use animov_core::dataset;
use animov_store::{CameraRow, DatasetFrameRow, NewDatasetFrame, NoteFilter, StoreError};
use animov_vision::grab::frames_at;

use crate::Engine;

/// Exports kept on disk.
pub const KEPT_EXPORTS: usize = 10;
/// JPEG quality of dataset pictures.
const JPEG_QUALITY: u8 = 92;

/// Why a sample or an export cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// Nothing recorded then.
    #[error("the camera has no recording between those times (GET /api/v1/recordings lists them)")]
    NoRecording,
    /// No analysed frame fits.
    #[error("no analysed frame of a recording matches ({0})")]
    NoFrame(&'static str),
    /// `disagree` without a herd size.
    #[error(
        "the camera has no herd size: set it on the Cameras page to find frames that disagree with it"
    )]
    NoHerdSize,
    /// Nothing to export.
    #[error("no dataset frame to export (take some from the recordings first)")]
    Empty,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the pictures of a camera's dataset frames live.
fn pictures_dir(data_dir: &Path, camera_id: i64) -> PathBuf {
    data_dir.join("dataset").join(camera_id.to_string())
}

/// Where the exports live.
pub fn exports_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("exports")
}

/// The file made by export job `job`.
pub fn export_path(data_dir: &Path, job: u64) -> PathBuf {
    exports_dir(data_dir).join(format!("dataset-{job}.zip"))
}

/// The analysed frames a sample takes (ts_ms, oldest first), before the job starts.
async fn choose(
    engine: &Engine,
    cam: &CameraRow,
    req: &SampleRequest,
    recorded: &[(i64, i64)],
) -> Result<Vec<i64>, DatasetError> {
    let frames = engine
        .store
        .frame_totals(cam.id, req.from_ms, req.to_ms)
        .await?;
    let picked = match req.kind {
        SampleKind::Range => dataset::candidates(&frames, recorded, |_, _| true),
        SampleKind::Disagree => {
            let herd = cam.herd_size.ok_or(DatasetError::NoHerdSize)?;
            dataset::candidates(&frames, recorded, |_, total| total != herd)
        }
        SampleKind::Notes => {
            let notes = engine
                .store
                .notes(&NoteFilter {
                    camera_id: Some(cam.id),
                    from_ms: Some(req.from_ms),
                    to_ms: Some(req.to_ms),
                    tag: req.tag.clone(),
                    limit: 10_000,
                    ..NoteFilter::default()
                })
                .await?;
            let spans: Vec<(i64, i64)> = notes
                .iter()
                .map(|n| (n.note.start_ms, n.note.end_ms))
                .collect();
            dataset::candidates(&frames, recorded, |ts, _| dataset::within(&spans, ts))
        }
    };
    if picked.is_empty() {
        return Err(DatasetError::NoFrame(match req.kind {
            SampleKind::Range => "none in that span",
            SampleKind::Notes => "none inside a note of that span",
            SampleKind::Disagree => "every count equals the herd size",
        }));
    }
    Ok(dataset::spread(&picked, req.count as usize))
}

/// Starts taking `req.count` pictures from the camera's recordings; returns the job.
pub async fn sample(
    engine: &Engine,
    cam: CameraRow,
    req: SampleRequest,
) -> Result<u64, DatasetError> {
    let recs = engine
        .store
        .recordings(Some(cam.id), req.from_ms, req.to_ms)
        .await?;
    if recs.is_empty() {
        return Err(DatasetError::NoRecording);
    }
    let spans: Vec<(i64, i64)> = recs.iter().map(|r| (r.start_ms, r.end_ms)).collect();
    let chosen = choose(engine, &cam, &req, &spans).await?;
    let id = engine.jobs.start("dataset");
    let e = engine.clone();
    tokio::spawn(async move {
        let result = take(&e, id, &cam, &recs, &chosen, req.kind).await;
        let message = match &result {
            Ok((added, skipped)) => {
                tracing::info!(job = id, added, skipped, "dataset frames taken");
                format!("{added} frames added, {skipped} already there or unreadable")
            }
            Err(err) => {
                tracing::warn!(job = id, error = %err, "dataset sample failed");
                String::new()
            }
        };
        e.jobs.finish_file(
            id,
            result.map(|_| "/api/v1/dataset/frames".to_string()),
            &message,
        );
    });
    Ok(id)
}

/// Takes the pictures at `chosen`, segment by segment; (added, skipped).
#[tracing::instrument(skip_all, fields(job = id, camera = cam.id, n = chosen.len()))]
async fn take(
    e: &Engine,
    id: u64,
    cam: &CameraRow,
    recs: &[animov_store::RecordingRow],
    chosen: &[i64],
    kind: SampleKind,
) -> Result<(usize, usize), String> {
    let dir = pictures_dir(&e.config.data_dir, cam.id);
    std::fs::create_dir_all(&dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    // The frames already in the dataset, read once.
    let (first, last) = (
        chosen.first().copied().unwrap_or(0),
        chosen.last().copied().unwrap_or(0),
    );
    let taken = e
        .store
        .dataset_times(cam.id, first, last + 1)
        .await
        .map_err(|x| x.to_string())?;
    let (mut added, mut skipped, mut done) = (0usize, 0usize, 0usize);
    for rec in recs {
        let mut wanted = Vec::new();
        for &ts in chosen
            .iter()
            .filter(|t| rec.start_ms <= **t && **t < rec.end_ms)
        {
            if taken.binary_search(&ts).is_ok() {
                skipped += 1;
            } else {
                wanted.push(ts);
            }
        }
        done += wanted.len();
        if wanted.is_empty() {
            continue;
        }
        let offsets: Vec<i64> = wanted.iter().map(|t| t - rec.start_ms).collect();
        let path = PathBuf::from(&rec.path);
        let grabbed = match tokio::task::spawn_blocking(move || frames_at(&path, &offsets)).await {
            Ok(Ok(g)) => g,
            Ok(Err(err)) => {
                tracing::warn!(recording = rec.id, error = %err, "segment skipped");
                skipped += wanted.len();
                continue;
            }
            Err(err) => return Err(err.to_string()),
        };
        skipped += wanted.len() - grabbed.len();
        for g in grabbed {
            let ts = wanted[g.index];
            let boxes = detector_boxes(e, cam.id, ts, g.frame.width(), g.frame.height())
                .await
                .map_err(|x| x.to_string())?;
            let file = dir.join(format!("{ts}.jpg"));
            let jpeg = animov_vision::jpeg::encode(&g.frame, JPEG_QUALITY);
            std::fs::write(&file, jpeg)
                .map_err(|err| format!("cannot write {}: {err}", file.display()))?;
            let row = NewDatasetFrame {
                camera_id: cam.id,
                ts_ms: ts,
                width: g.frame.width(),
                height: g.frame.height(),
                path: file.display().to_string(),
                boxes,
                origin: kind.name().into(),
            };
            match e.store.insert_dataset_frame(&row, e.now_ms()).await {
                Ok(Some(_)) => added += 1,
                Ok(None) => skipped += 1,
                Err(err) => {
                    let _ = std::fs::remove_file(&file);
                    return Err(err.to_string());
                }
            }
        }
        e.jobs.progress(
            id,
            done as f64 / chosen.len().max(1) as f64,
            &format!("{added} pictures taken"),
        );
    }
    Ok((added, skipped))
}

/// The detector's boxes of the analysed frame at `ts`, inside the picture.
async fn detector_boxes(
    e: &Engine,
    camera_id: i64,
    ts: i64,
    width: u32,
    height: u32,
) -> Result<Vec<GroundBox>, StoreError> {
    let rows = e.store.frame_detections(camera_id, ts, ts + 1).await?;
    let dets: Vec<Detection> = rows
        .first()
        .and_then(|(_, json)| serde_json::from_slice(json).ok())
        .unwrap_or_default();
    let (w, h) = (f64::from(width), f64::from(height));
    Ok(dets
        .iter()
        .filter_map(|d| {
            let x0 = f64::from(d.x).clamp(0.0, w);
            let y0 = f64::from(d.y).clamp(0.0, h);
            let x1 = f64::from(d.x + d.w).clamp(0.0, w);
            let y1 = f64::from(d.y + d.h).clamp(0.0, h);
            (x1 - x0 >= 1.0 && y1 - y0 >= 1.0).then(|| GroundBox {
                x: x0,
                y: y0,
                w: x1 - x0,
                h: y1 - y0,
                class: dataset::class_of(&d.class),
            })
        })
        .collect())
}

/// Starts packing the dataset frames (of one camera or all; ground truth
/// only or all) as a zip; returns the job.
pub async fn export(
    engine: &Engine,
    camera_id: Option<i64>,
    reviewed_only: bool,
    format: ExportFormat,
) -> Result<u64, DatasetError> {
    let rows = engine
        .store
        .dataset_frames(camera_id, reviewed_only)
        .await?;
    if rows.is_empty() {
        return Err(DatasetError::Empty);
    }
    let id = engine.jobs.start("dataset export");
    let e = engine.clone();
    let dir = exports_dir(&e.config.data_dir);
    let dst = export_path(&e.config.data_dir, id);
    let created = animov_core::time::iso_utc(e.now_ms());
    tokio::task::spawn_blocking(move || {
        let _span = tracing::info_span!("dataset export", job = id, frames = rows.len()).entered();
        let made = std::fs::create_dir_all(&dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))
            .and_then(|()| {
                write_zip(&rows, format, &created, &dst, &|p| {
                    e.jobs.progress(id, p, "packing the pictures")
                })
            });
        if let Err(err) = &made {
            tracing::warn!(error = %err, "dataset export failed");
        }
        let n = rows.len();
        e.jobs.finish_file(
            id,
            made.map(|()| format!("/api/v1/dataset/exports/{id}")),
            &format!("{n} frames"),
        );
        crate::storage::keep_newest(&dir, "zip", KEPT_EXPORTS);
    });
    Ok(id)
}

/// Writes the zip (under a temporary name, then renamed).
fn write_zip(
    rows: &[DatasetFrameRow],
    format: ExportFormat,
    created: &str,
    dst: &Path,
    progress: &dyn Fn(f64),
) -> Result<(), String> {
    let tmp = dst.with_extension("zip.part");
    let result = (|| -> Result<(), String> {
        let file = std::fs::File::create(&tmp)
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let zerr = |e: zip::result::ZipError| format!("cannot write the zip: {e}");
        let ioerr = |e: std::io::Error| format!("cannot write the zip: {e}");
        for (i, r) in rows.iter().enumerate() {
            let name = dataset::export_name(&r.frame);
            let jpeg = std::fs::read(&r.path).map_err(|e| {
                format!(
                    "the picture {} cannot be read ({e}); delete that frame and take it again",
                    r.path
                )
            })?;
            zip.start_file(format!("images/{name}.jpg"), stored)
                .map_err(zerr)?;
            zip.write_all(&jpeg).map_err(ioerr)?;
            if format == ExportFormat::Yolo {
                zip.start_file(format!("labels/{name}.txt"), deflated)
                    .map_err(zerr)?;
                zip.write_all(
                    dataset::yolo_label(&r.frame.boxes, r.frame.width, r.frame.height).as_bytes(),
                )
                .map_err(ioerr)?;
            }
            progress((i + 1) as f64 / rows.len() as f64 * 0.95);
        }
        match format {
            ExportFormat::Yolo => {
                zip.start_file("data.yaml", deflated).map_err(zerr)?;
                zip.write_all(dataset::yolo_data_yaml().as_bytes())
                    .map_err(ioerr)?;
            }
            ExportFormat::Coco => {
                let frames: Vec<DatasetFrame> = rows.iter().map(|r| r.frame.clone()).collect();
                let coco = dataset::coco(&frames, created.to_string());
                zip.start_file("annotations.json", deflated).map_err(zerr)?;
                serde_json::to_writer_pretty(&mut zip, &coco).map_err(|e| e.to_string())?;
            }
        }
        zip.finish().map_err(zerr)?.flush().map_err(ioerr)?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            std::fs::rename(&tmp, dst).map_err(|e| format!("cannot write {}: {e}", dst.display()))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Deletes a dataset frame and its picture; false if there was none.
pub async fn delete(engine: &Engine, id: i64) -> Result<bool, StoreError> {
    match engine.store.delete_dataset_frame(id).await? {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            Ok(true)
        }
        None => Ok(false),
    }
}
