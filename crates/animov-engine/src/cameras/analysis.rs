//! A camera's analysis thread: detect → posture → tracks → counts on each
//! frame, then the frame (and its boxes) to the writer, lying bouts as they
//! change, a snapshot each slot, and the picture to the live view.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use animov_api::{Detection, LiveFrameInfo};
use animov_core::{
    analysis::{CameraAnalyser, FrameAnalysis, RawDetection},
    tracker::{LyingBout, TrackerConfig},
};
use animov_store::{BoutRow, NewFrame};
use animov_vision::{
    Detect, DetectError, capture::CapturedFrame, handoff::Handoff, scene::SceneDetector,
};
use tokio::sync::mpsc;

use super::{
    live::{LiveFrame, LiveSlot},
    pool::DetectorPool,
    settings,
    stats::WorkerStats,
    worker::{Output, WorkerSpec, sleep_unless_stopped},
};

/// Analyses frames until stopped (or the writer is gone).
pub(super) fn run(
    spec: &WorkerSpec,
    pool: Option<Arc<DetectorPool>>,
    input: &Handoff<CapturedFrame>,
    stop: &AtomicBool,
    stats: &WorkerStats,
    live: &LiveSlot,
    writer: &mpsc::Sender<Output>,
) {
    let span = tracing::info_span!("analyse", camera = %spec.source);
    let _g = span.enter();
    let mut analyser = CameraAnalyser::new(
        settings::filter(&spec.settings),
        settings::posture_model(&spec.settings),
        TrackerConfig::default(),
        spec.first_track_id,
    );
    let tiling = settings::tiling(&spec.settings);
    let mut scene = SceneDetector::default();
    let slot_ms = 3_600_000 / i64::from(spec.vision.snapshots_per_hour.max(1));
    let mut last_slot = spec.last_snapshot_ms.map(|t| t.div_euclid(slot_ms));
    let mut last_running_flush = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let Some(cap) = input.take(Duration::from_millis(250)) else {
            continue;
        };
        if cap.truth.is_none() {
            stats.received();
        }
        let started = Instant::now();
        let dets: Result<Vec<RawDetection>, DetectError> = match &pool {
            None => {
                scene.set_truth(cap.truth.clone().unwrap_or_default());
                scene.detect(&cap.frame)
            }
            Some(p) => p
                .with(spec.index, |d| match tiling {
                    Some(t) => d.detect_tiled(&cap.frame, t),
                    None => d.detect(&cap.frame),
                })
                .and_then(|r| r),
        };
        let dets = match dets {
            Ok(d) => {
                if stats.recover() {
                    tracing::info!("detector working again");
                }
                d
            }
            Err(e) => {
                if stats.fail(e.to_string()) {
                    tracing::error!(error = %e, "detection failed; retrying in 10 s");
                }
                sleep_unless_stopped(Duration::from_secs(10), stop);
                continue;
            }
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let raw = dets.clone();
        let (width, height) = (cap.frame.width(), cap.frame.height());
        let analysis = analyser.analyse(cap.ts_ms, height as f32, dets);
        let detections = to_api(&analysis);
        let json = serde_json::to_vec(&detections).unwrap_or_default();
        let frame = NewFrame {
            ts_ms: cap.ts_ms,
            lying: analysis.counts.lying,
            standing: analysis.counts.standing,
            detections: Some(json.clone()),
        };
        if writer
            .blocking_send(Output::Frame {
                camera_id: spec.camera_id,
                source: spec.source.clone(),
                frame,
            })
            .is_err()
        {
            return; // the engine is stopping
        }
        stats.frame_out(ms);
        let mut bouts: Vec<BoutRow> = analysis
            .finished_bouts
            .iter()
            .map(|b| bout_row(spec.camera_id, b, false))
            .collect();
        if last_running_flush.elapsed() > Duration::from_secs(30) || !bouts.is_empty() {
            bouts.extend(
                analyser
                    .tracker()
                    .running_bouts()
                    .iter()
                    .map(|b| bout_row(spec.camera_id, b, true)),
            );
            last_running_flush = Instant::now();
        }
        if !bouts.is_empty() {
            let _ = writer.blocking_send(Output::Bouts(bouts));
        }
        let slot = cap.ts_ms.div_euclid(slot_ms);
        if spec.vision.snapshots_per_hour > 0 && !spec.disk_full && last_slot != Some(slot) {
            last_slot = Some(slot);
            snapshot(spec, &cap, json, writer);
        }
        // The frame moves into the live view (no copy of the picture per frame).
        let info = LiveFrameInfo {
            source: spec.source.clone(),
            ts_ms: cap.ts_ms,
            width,
            height,
            detections,
            standing: analysis.counts.standing,
            lying: analysis.counts.lying,
        };
        live.publish(LiveFrame::new(cap.frame, info, raw));
    }
    // Running bouts end where the tracks were last seen.
    let bouts: Vec<BoutRow> = analyser
        .tracker()
        .running_bouts()
        .iter()
        .map(|b| bout_row(spec.camera_id, b, false))
        .collect();
    if !bouts.is_empty() {
        let _ = writer.blocking_send(Output::Bouts(bouts));
    }
}

fn bout_row(camera_id: i64, b: &LyingBout, running: bool) -> BoutRow {
    BoutRow {
        camera_id,
        track_id: b.track_id as i64,
        start_ms: b.start_ms,
        end_ms: b.end_ms,
        running,
    }
}

/// Counted boxes as API detections (`class` is the posture).
pub fn to_api(a: &FrameAnalysis) -> Vec<Detection> {
    a.boxes
        .iter()
        .map(|b| Detection {
            class: b.posture.as_str().into(),
            score: b.det.score,
            x: b.det.bbox.x,
            y: b.det.bbox.y,
            w: b.det.bbox.w,
            h: b.det.bbox.h,
            track_id: b.track_id,
        })
        .collect()
}

fn snapshot(
    spec: &WorkerSpec,
    cap: &CapturedFrame,
    detections: Vec<u8>,
    writer: &mpsc::Sender<Output>,
) {
    let Some(dir) = animov_core::ingest::source_dir(&spec.data_dir.join("snapshots"), &spec.source)
    else {
        tracing::warn!(source = %spec.source, "no snapshot: this source's name is not a safe folder name (rename the camera)");
        return;
    };
    let path = dir.join(format!("{}.jpg", cap.ts_ms));
    let jpeg = animov_vision::jpeg::encode(&cap.frame, 85);
    match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, jpeg)) {
        Ok(()) => {
            let _ = writer.blocking_send(Output::Snapshot {
                camera_id: spec.camera_id,
                ts_ms: cap.ts_ms,
                path,
                width: cap.frame.width(),
                height: cap.frame.height(),
                detections,
            });
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "snapshot not written (disk full?)")
        }
    }
}
