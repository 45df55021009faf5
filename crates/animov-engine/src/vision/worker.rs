//! One camera's threads: its source (GStreamer capture, or the demo barn
//! rendered in Rust) and its analysis (detect → posture → tracks → counts),
//! which hands frames, bouts, segments and snapshots to the writer.

use std::{
    collections::VecDeque,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use animov_api::{CameraHealth, CameraSettings, Detection, LiveFrameInfo};
use animov_core::{
    analysis::{CameraAnalyser, CameraFilter, FrameAnalysis, RawDetection},
    demo::DemoSettings,
    posture::Posture,
    tracker::TrackerConfig,
};
use animov_store::{BoutRow, NewFrame};
use animov_vision::{
    Detect, DetectError, Detector,
    capture::{Capture, CaptureConfig, CaptureState, CapturedFrame, RecordConfig, Segment, Source},
    handoff::Handoff,
    record::Recorder,
    scene::{DemoScene, SceneDetector},
};
use tokio::sync::mpsc;

use super::{
    live::{LiveFrame, LiveSlot},
    settings,
};
use crate::config::{DemoConfig, VisionConfig};

/// What the camera threads hand to the async writer.
#[derive(Debug)]
pub enum Output {
    /// One analysed frame.
    Frame {
        /// Camera.
        camera_id: i64,
        /// Its name.
        source: String,
        /// Counts and boxes.
        frame: NewFrame,
    },
    /// Lying bouts that started, moved on or ended.
    Bouts(Vec<BoutRow>),
    /// A closed recording segment.
    Segment {
        /// Camera.
        camera_id: i64,
        /// The file.
        segment: Segment,
    },
    /// A snapshot written to disk.
    Snapshot {
        /// Camera.
        camera_id: i64,
        /// Capture time.
        ts_ms: i64,
        /// JPEG file.
        path: PathBuf,
        /// Picture width.
        width: u32,
        /// Picture height.
        height: u32,
        /// Boxes as JSON.
        detections: Vec<u8>,
    },
}

/// A few detectors shared by every camera using the same model.
#[derive(Debug)]
pub struct DetectorPool {
    path: PathBuf,
    threads: usize,
    slots: Vec<Mutex<Option<Detector>>>,
}

impl DetectorPool {
    /// A pool of `size` lazily loaded detectors of `path`.
    pub fn new(path: PathBuf, size: usize, threads: usize) -> DetectorPool {
        DetectorPool {
            path,
            threads,
            slots: (0..size.max(1)).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// The model file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Runs `f` on a free detector (waiting for slot `hint` when all are busy).
    pub fn with<R>(
        &self,
        hint: usize,
        f: impl FnOnce(&mut Detector) -> R,
    ) -> Result<R, DetectError> {
        let n = self.slots.len();
        let mut guard = (0..n)
            .find_map(|k| self.slots[(hint + k) % n].try_lock().ok())
            .unwrap_or_else(|| {
                self.slots[hint % n]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
            });
        if guard.is_none() {
            *guard = Some(Detector::load(&self.path, self.threads)?);
        }
        Ok(f(guard.as_mut().expect("loaded above")))
    }
}

/// Frames per second over the last minute.
#[derive(Debug, Default)]
struct RateMeter(VecDeque<Instant>);

impl RateMeter {
    fn tick(&mut self) {
        let now = Instant::now();
        self.0.push_back(now);
        while self
            .0
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
        {
            self.0.pop_front();
        }
    }

    fn rate(&self) -> f64 {
        match (self.0.front(), self.0.back()) {
            (Some(a), Some(b)) if self.0.len() > 1 => {
                (self.0.len() - 1) as f64 / b.duration_since(*a).as_secs_f64().max(1e-3)
            }
            _ => 0.0,
        }
    }
}

/// Counters of one camera, shared by its threads and the health endpoint.
#[derive(Debug, Default)]
pub struct WorkerStats {
    frames_in: AtomicU64,
    frames_out: AtomicU64,
    last_frame_ms: std::sync::atomic::AtomicI64,
    meter_in: Mutex<RateMeter>,
    meter_out: Mutex<RateMeter>,
    inference_ms: Mutex<Option<f64>>,
    detector: Mutex<String>,
    error: Mutex<Option<String>>,
    recording: Mutex<String>,
    segments: AtomicU64,
    demo_state: Mutex<Option<CaptureState>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Everything a camera worker needs to start.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    /// Camera id.
    pub camera_id: i64,
    /// Camera name.
    pub source: String,
    /// Its address.
    pub uri: String,
    /// Its settings.
    pub settings: CameraSettings,
    /// Engine vision settings.
    pub vision: VisionConfig,
    /// Demo herd settings (for `demo:` cameras).
    pub demo: DemoConfig,
    /// Where recordings and snapshots go.
    pub data_dir: PathBuf,
    /// First free track id.
    pub first_track_id: u64,
    /// Newest stored snapshot.
    pub last_snapshot_ms: Option<i64>,
    /// Index of the camera (spreads cameras over the detector pool).
    pub index: usize,
}

/// A running camera.
pub struct Worker {
    /// Camera id.
    pub camera_id: i64,
    /// Camera name.
    pub source: String,
    /// What it was started with (a change restarts it).
    pub uri: String,
    /// Settings it was started with.
    pub settings: CameraSettings,
    /// Live view.
    pub live: Arc<LiveSlot>,
    stats: Arc<WorkerStats>,
    handoff: Arc<Handoff<CapturedFrame>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    capture: Option<Capture>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("source", &self.source)
            .finish()
    }
}

impl Worker {
    /// Starts the camera's threads. `pool` is its detector (`None`: the demo scene's boxes).
    pub fn start(
        spec: WorkerSpec,
        pool: Option<Arc<DetectorPool>>,
        out: mpsc::Sender<Output>,
    ) -> Worker {
        let stats = Arc::new(WorkerStats::default());
        let live = Arc::new(LiveSlot::default());
        let handoff = Handoff::new(2);
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let mut capture = None;
        *lock(&stats.detector) = match &pool {
            Some(p) => p.path().display().to_string(),
            None => "demo scene".into(),
        };
        let record = spec.settings.record.then(|| RecordConfig {
            dir: spec.data_dir.join("recordings").join(&spec.source),
            segment: Duration::from_secs(u64::from(spec.vision.segment_minutes) * 60),
            bitrate_kbps: spec.vision.record_bitrate_kbps,
        });
        *lock(&stats.recording) = if record.is_some() { "starting" } else { "off" }.into();
        match Source::parse(&spec.uri) {
            Ok(Source::Demo(index)) => {
                let (s, h, st, o) = (spec.clone(), handoff.clone(), stop.clone(), out.clone());
                let stats2 = stats.clone();
                threads.push(spawn(&format!("demo-{}", spec.source), move || {
                    run_demo(&s, index, record, &h, &st, &stats2, &o)
                }));
            }
            Ok(source) => {
                let camera_id = spec.camera_id;
                let o = out.clone();
                let cfg = CaptureConfig {
                    fps: spec.vision.fps,
                    realtime: true,
                    loop_file: true,
                    record,
                    ..CaptureConfig::default()
                };
                match Capture::start(
                    &spec.source,
                    source,
                    cfg,
                    handoff.clone(),
                    Box::new(move |segment| {
                        let _ = o.blocking_send(Output::Segment { camera_id, segment });
                    }),
                ) {
                    Ok(c) => capture = Some(c),
                    Err(e) => *lock(&stats.error) = Some(e.to_string()),
                }
            }
            Err(e) => *lock(&stats.error) = Some(e.to_string()),
        }
        {
            let (s, h, st, o, l, stats2) = (
                spec.clone(),
                handoff.clone(),
                stop.clone(),
                out,
                live.clone(),
                stats.clone(),
            );
            threads.push(spawn(&format!("analyse-{}", spec.source), move || {
                run_analysis(&s, pool, &h, &st, &stats2, &l, &o)
            }));
        }
        tracing::info!(source = %spec.source, uri = %spec.uri, "camera started");
        Worker {
            camera_id: spec.camera_id,
            source: spec.source,
            uri: spec.uri,
            settings: spec.settings,
            live,
            stats,
            handoff,
            stop,
            threads,
            capture,
        }
    }

    /// Stops the threads (closing the current recording segment) and waits.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.handoff.close();
        if let Some(mut c) = self.capture.take() {
            c.stop();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        tracing::info!(source = %self.source, "camera stopped");
    }

    /// Health for the API.
    pub fn health(&self) -> CameraHealth {
        let s = &self.stats;
        let cap = self.capture.as_ref().map(Capture::health);
        let error = lock(&s.error).clone();
        let state = match (&error, &cap, *lock(&s.demo_state)) {
            (Some(_), None, None) => "failed".to_string(),
            (_, Some(h), _) => state_name(h.state).into(),
            (_, None, Some(st)) => state_name(st).into(),
            _ => "connecting".into(),
        };
        let recording = match cap.as_ref().map(|h| h.remux) {
            Some(Some(true)) if self.settings.record => "remux".to_string(),
            Some(Some(false)) if self.settings.record => "encode".to_string(),
            _ => lock(&s.recording).clone(),
        };
        CameraHealth {
            source: self.source.clone(),
            state,
            fps_in: lock(&s.meter_in).rate(),
            fps_out: lock(&s.meter_out).rate(),
            frames_in: cap
                .as_ref()
                .map_or(s.frames_in.load(Ordering::Relaxed), |h| h.frames_in),
            frames_out: s.frames_out.load(Ordering::Relaxed),
            dropped: self.handoff.dropped(),
            last_frame_ms: match &cap {
                Some(h) => h.last_frame_ms,
                None => Some(s.last_frame_ms.load(Ordering::Relaxed)).filter(|t| *t > 0),
            },
            reconnects: cap.as_ref().map_or(0, |h| h.reconnects),
            last_error: error.or_else(|| cap.as_ref().and_then(|h| h.last_error.clone())),
            detector: lock(&s.detector).clone(),
            inference_ms: *lock(&s.inference_ms),
            recording,
            segments: cap
                .as_ref()
                .map_or(s.segments.load(Ordering::Relaxed), |h| h.segments),
            watched: self.live.watched(),
        }
    }
}

fn state_name(s: CaptureState) -> &'static str {
    match s {
        CaptureState::Connecting => "connecting",
        CaptureState::Running => "running",
        CaptureState::Reconnecting => "reconnecting",
        CaptureState::Ended => "ended",
        CaptureState::Stopped => "stopped",
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.chars().take(15).collect())
        .spawn(f)
        .expect("the OS can start a thread")
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
    }
}

/// Renders the demo barn at the analysis rate, records it, hands frames on.
fn run_demo(
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
                *lock(&stats.recording) = "encode".into();
                Some(rec)
            }
            Err(e) => {
                tracing::warn!(source = %spec.source, error = %e, "demo recording unavailable");
                *lock(&stats.recording) = format!("failed: {e}");
                None
            }
        }
    });
    *lock(&stats.demo_state) = Some(CaptureState::Running);
    let period = Duration::from_millis(1000 / u64::from(spec.vision.fps.max(1)));
    let mut next = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let ts = animov_store::now_ms();
        let f = scene.render(ts);
        if let Some(rec) = recorder.as_mut()
            && let Err(e) = rec.push(&f.frame)
        {
            tracing::warn!(source = %spec.source, error = %e, "demo recording stopped");
            *lock(&stats.recording) = format!("failed: {e}");
            if let Some(r) = recorder.take() {
                stats.segments.fetch_add(r.segments(), Ordering::Relaxed);
                r.finish();
            }
        }
        out.push(CapturedFrame {
            ts_ms: ts,
            pts_ms: None,
            frame: f.frame,
            truth: Some(f.truth),
        });
        stats.frames_in.fetch_add(1, Ordering::Relaxed);
        stats.last_frame_ms.store(ts, Ordering::Relaxed);
        lock(&stats.meter_in).tick();
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
    *lock(&stats.demo_state) = Some(CaptureState::Stopped);
}

/// Per-frame analysis until stopped.
fn run_analysis(
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
    // The camera's filter at any score: the candidates for threshold calibration.
    let all_scores = CameraFilter {
        min_score: 0.0,
        ..settings::filter(&spec.settings)
    };
    let mut scene = SceneDetector::default();
    let slot_ms = 3_600_000 / i64::from(spec.vision.snapshots_per_hour.max(1));
    let mut last_slot = spec.last_snapshot_ms.map(|t| t.div_euclid(slot_ms));
    let mut last_running_flush = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let Some(cap) = input.take(Duration::from_millis(250)) else {
            continue;
        };
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
                if lock(&stats.error).take().is_some() {
                    tracing::info!("detector working again");
                }
                d
            }
            Err(e) => {
                let msg = e.to_string();
                if lock(&stats.error).as_deref() != Some(msg.as_str()) {
                    tracing::error!(error = %msg, "detection failed; retrying in 10 s");
                }
                *lock(&stats.error) = Some(msg);
                sleep_unless_stopped(Duration::from_secs(10), stop);
                continue;
            }
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        {
            let mut avg = lock(&stats.inference_ms);
            *avg = Some(avg.map_or(ms, |a| 0.9 * a + 0.1 * ms));
        }
        let candidates: Vec<f32> = dets
            .iter()
            .filter(|d| all_scores.keeps(d))
            .map(|d| d.score)
            .collect();
        let analysis = analyser.analyse(cap.ts_ms, cap.frame.height as f32, dets);
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
        stats.frames_out.fetch_add(1, Ordering::Relaxed);
        lock(&stats.meter_out).tick();
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
        if spec.vision.snapshots_per_hour > 0 && last_slot != Some(slot) {
            last_slot = Some(slot);
            snapshot(spec, &cap, json, writer);
        }
        // The frame moves into the live view (no copy of the picture per frame).
        let info = LiveFrameInfo {
            source: spec.source.clone(),
            ts_ms: cap.ts_ms,
            width: cap.frame.width,
            height: cap.frame.height,
            detections,
            standing: analysis.counts.standing,
            lying: analysis.counts.lying,
        };
        live.publish(LiveFrame::new(cap.frame, info, candidates));
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

fn bout_row(camera_id: i64, b: &animov_core::tracker::LyingBout, running: bool) -> BoutRow {
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
            class: match b.posture {
                Posture::Standing => "standing",
                Posture::Lying => "lying",
                Posture::Unknown => "unknown",
            }
            .into(),
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
    let dir = spec.data_dir.join("snapshots").join(&spec.source);
    let path = dir.join(format!("{}.jpg", cap.ts_ms));
    let jpeg = animov_vision::jpeg::encode(&cap.frame, 85);
    match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, jpeg)) {
        Ok(()) => {
            let _ = writer.blocking_send(Output::Snapshot {
                camera_id: spec.camera_id,
                ts_ms: cap.ts_ms,
                path,
                width: cap.frame.width,
                height: cap.frame.height,
                detections,
            });
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "snapshot not written (disk full?)")
        }
    }
}
