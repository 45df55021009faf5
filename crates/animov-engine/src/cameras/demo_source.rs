//! The `demo:` camera's source: the barn and its goats drawn in Rust at the
//! analysis rate, recorded like a camera that must be encoded.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use animov_api::RecordingState;
use animov_core::demo::DemoSettings;
use animov_vision::{
    capture::{CaptureState, CapturedFrame, RecordConfig},
    handoff::Handoff,
    record::Recorder,
    scene::DemoScene,
};
use tokio::sync::mpsc;

use super::{
    stats::WorkerStats,
    worker::{Output, WorkerSpec, sleep_unless_stopped},
};

/// Renders the demo barn number `index` until stopped, records it, hands frames on.
pub(super) fn run(
    spec: &WorkerSpec,
    index: u32,
    record: Option<RecordConfig>,
    out: &Handoff<CapturedFrame>,
    stop: &AtomicBool,
    stats: &WorkerStats,
    writer: &mpsc::Sender<Output>,
) {
    let settings = DemoSettings::for_camera(spec.demo.seed, index, spec.demo.utc_offset_minutes);
    let mut scene = DemoScene::new(settings, animov_store::now_ms());
    let camera_id = spec.camera_id;
    // The drawn barn is simple: a low bitrate keeps its recordings small.
    let record = record.map(|r| RecordConfig {
        bitrate_kbps: r.bitrate_kbps.min(400),
        ..r
    });
    let mut recorder = record.and_then(|r| {
        let w = writer.clone();
        match Recorder::start(
            &r,
            animov_vision::scene::WIDTH,
            animov_vision::scene::HEIGHT,
            spec.vision.fps,
            Box::new(move |segment| {
                let _ = w.blocking_send(Output::Segment { camera_id, segment });
            }),
        ) {
            Ok(rec) => {
                stats.status().recording = RecordingState::Encode;
                Some(rec)
            }
            Err(e) => {
                tracing::warn!(source = %spec.source, error = %e, "demo recording unavailable");
                stats.status().recording = RecordingState::Failed(e.to_string());
                None
            }
        }
    });
    stats.status().demo_state = Some(CaptureState::Running);
    let period = Duration::from_millis(1000 / u64::from(spec.vision.fps.max(1)));
    let mut next = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let ts = animov_store::now_ms();
        let f = scene.render(ts);
        if let Some(rec) = recorder.as_mut()
            && let Err(e) = rec.push(&f.frame, ts)
        {
            tracing::warn!(source = %spec.source, error = %e, "demo recording stopped");
            stats.status().recording = RecordingState::Failed(e.to_string());
            if let Some(r) = recorder.take() {
                stats.add_segments(r.segments());
                r.finish();
            }
        }
        out.push(CapturedFrame {
            ts_ms: ts,
            pts_ms: None,
            frame: f.frame,
            truth: Some(f.truth),
        });
        stats.frame_in(ts);
        next += period;
        let now = Instant::now();
        if next > now {
            sleep_unless_stopped(next - now, stop);
        } else {
            next = now;
        }
    }
    if let Some(r) = recorder {
        r.finish();
    }
    stats.status().demo_state = Some(CaptureState::Stopped);
}
