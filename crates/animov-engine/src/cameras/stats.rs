//! What a camera's threads count and report, and the camera's health as the
//! API shows it (a pure function of those, so it is tested without threads).

use std::{
    collections::VecDeque,
    sync::{
        Mutex,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use animov_api::{CameraHealth, CameraState, RecordingState};
use animov_vision::capture::{CaptureHealth, CaptureState};

/// Frames per second over the last minute.
#[derive(Debug, Default)]
pub struct RateMeter(VecDeque<Instant>);

impl RateMeter {
    /// Counts one frame now.
    pub fn tick(&mut self) {
        self.tick_at(Instant::now());
    }

    fn tick_at(&mut self, now: Instant) {
        self.0.push_back(now);
        while self
            .0
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
        {
            self.0.pop_front();
        }
    }

    /// Frames per second over the frames of the last minute.
    pub fn rate(&self) -> f64 {
        match (self.0.front(), self.0.back()) {
            (Some(a), Some(b)) if self.0.len() > 1 => {
                (self.0.len() - 1) as f64 / b.duration_since(*a).as_secs_f64().max(1e-3)
            }
            _ => 0.0,
        }
    }
}

/// What one camera's threads report, as it changes.
#[derive(Debug)]
pub struct Status {
    /// The detector in use.
    pub detector: String,
    /// The current problem, if any.
    pub error: Option<String>,
    /// What the recording does.
    pub recording: RecordingState,
    /// Where the demo barn's rendering stands (`None` for real cameras).
    pub demo_state: Option<CaptureState>,
    /// Mean detection time, ms (moving average).
    pub inference_ms: Option<f64>,
    /// Frames decoded per second.
    pub rate_in: RateMeter,
    /// Frames analysed per second.
    pub rate_out: RateMeter,
}

/// Counters of one camera, shared by its threads and the health endpoint.
#[derive(Debug)]
pub struct WorkerStats {
    frames_in: AtomicU64,
    frames_out: AtomicU64,
    segments: AtomicU64,
    last_frame_ms: AtomicI64,
    status: Mutex<Status>,
}

impl WorkerStats {
    /// Stats of a camera starting with `detector`, recording or not.
    pub fn new(detector: String, recording: bool) -> WorkerStats {
        WorkerStats {
            frames_in: AtomicU64::new(0),
            frames_out: AtomicU64::new(0),
            segments: AtomicU64::new(0),
            last_frame_ms: AtomicI64::new(0),
            status: Mutex::new(Status {
                detector,
                error: None,
                recording: if recording {
                    RecordingState::Starting
                } else {
                    RecordingState::Off
                },
                demo_state: None,
                inference_ms: None,
                rate_in: RateMeter::default(),
                rate_out: RateMeter::default(),
            }),
        }
    }

    /// The changing part, locked.
    pub fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A frame decoded at `ts_ms` (the demo barn counts its own).
    pub fn frame_in(&self, ts_ms: i64) {
        self.frames_in.fetch_add(1, Ordering::Relaxed);
        self.last_frame_ms.store(ts_ms, Ordering::Relaxed);
        self.status().rate_in.tick();
    }

    /// A frame of a GStreamer camera reached the analysis (the capture
    /// counts its frames itself; this keeps the rate).
    pub fn received(&self) {
        self.status().rate_in.tick();
    }

    /// A frame analysed in `ms` of detection.
    pub fn frame_out(&self, ms: f64) {
        self.frames_out.fetch_add(1, Ordering::Relaxed);
        let mut s = self.status();
        s.rate_out.tick();
        s.inference_ms = Some(s.inference_ms.map_or(ms, |a| 0.9 * a + 0.1 * ms));
    }

    /// Recording segments closed by a recorder that stopped.
    pub fn add_segments(&self, n: u64) {
        self.segments.fetch_add(n, Ordering::Relaxed);
    }

    /// Records a problem; returns whether it is a new one (worth a log line).
    pub fn fail(&self, message: String) -> bool {
        let mut s = self.status();
        let new = s.error.as_deref() != Some(message.as_str());
        s.error = Some(message);
        new
    }

    /// Clears the problem; returns whether there was one.
    pub fn recover(&self) -> bool {
        self.status().error.take().is_some()
    }

    /// Health for the API: these counters, the capture's when the camera is
    /// captured by GStreamer, the frames dropped before analysis, the
    /// recording setting and whether someone watches the live view.
    pub fn health(
        &self,
        source: &str,
        capture: Option<&CaptureHealth>,
        dropped: u64,
        record: bool,
        watched: bool,
    ) -> CameraHealth {
        let s = self.status();
        let state = match (&s.error, capture, s.demo_state) {
            (Some(_), None, None) => CameraState::Failed,
            (_, Some(h), _) => camera_state(h.state),
            (_, None, Some(st)) => camera_state(st),
            _ => CameraState::Connecting,
        };
        let recording = match capture.and_then(|h| h.remux) {
            Some(true) if record => RecordingState::Remux,
            Some(false) if record => RecordingState::Encode,
            _ => s.recording.clone(),
        };
        let last_error = s
            .error
            .clone()
            .or_else(|| capture.and_then(|h| h.last_error.clone()));
        CameraHealth {
            source: source.to_string(),
            state,
            fps_in: s.rate_in.rate(),
            fps_out: s.rate_out.rate(),
            frames_in: capture.map_or(self.frames_in.load(Ordering::Relaxed), |h| h.frames_in),
            frames_out: self.frames_out.load(Ordering::Relaxed),
            dropped,
            last_frame_ms: match capture {
                Some(h) => h.last_frame_ms,
                None => Some(self.last_frame_ms.load(Ordering::Relaxed)).filter(|t| *t > 0),
            },
            reconnects: capture.map_or(0, |h| h.reconnects),
            detector: s.detector.clone(),
            inference_ms: s.inference_ms,
            recording,
            segments: capture.map_or(self.segments.load(Ordering::Relaxed), |h| h.segments),
            problem: last_error.as_deref().map(super::probe::classify),
            last_error,
            disk_bytes: 0,
            watched,
        }
    }
}

/// The API's name for a capture state.
pub fn camera_state(s: CaptureState) -> CameraState {
    match s {
        CaptureState::Connecting => CameraState::Connecting,
        CaptureState::Running => CameraState::Running,
        CaptureState::Reconnecting => CameraState::Reconnecting,
        CaptureState::Ended => CameraState::Ended,
        CaptureState::Stopped => CameraState::Stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_count_the_last_minute() {
        let mut m = RateMeter::default();
        assert_eq!(m.rate(), 0.0);
        let t0 = Instant::now();
        for k in 0..5 {
            m.tick_at(t0 + Duration::from_millis(500 * k));
        }
        assert!((m.rate() - 2.0).abs() < 1e-9, "{}", m.rate());
        m.tick_at(t0 + Duration::from_secs(120));
        assert_eq!(m.rate(), 0.0, "older frames are forgotten");
    }

    #[test]
    fn health_prefers_the_capture_and_reports_failures() {
        let stats = WorkerStats::new("nanodet.onnx".into(), true);
        assert_eq!(
            stats.health("cam", None, 0, true, false).state,
            CameraState::Connecting
        );
        assert!(stats.fail("bad address".into()));
        assert!(
            !stats.fail("bad address".into()),
            "the same problem is not new"
        );
        let h = stats.health("cam", None, 0, true, false);
        assert_eq!(h.state, CameraState::Failed);
        assert_eq!(h.recording, RecordingState::Starting);
        assert!(stats.recover());
        let capture = CaptureHealth {
            state: CaptureState::Reconnecting,
            frames_in: 12,
            last_error: Some("no picture for 20 s".into()),
            remux: Some(true),
            ..CaptureHealth::default()
        };
        let h = stats.health("cam", Some(&capture), 3, true, true);
        assert_eq!(h.state, CameraState::Reconnecting);
        assert_eq!(h.recording, RecordingState::Remux);
        assert_eq!((h.frames_in, h.dropped), (12, 3));
        assert_eq!(h.last_error.as_deref(), Some("no picture for 20 s"));
        let off = WorkerStats::new("nanodet.onnx".into(), false);
        let h = off.health("cam", Some(&capture), 0, false, true);
        assert_eq!(
            h.recording,
            RecordingState::Off,
            "a camera not recorded says so"
        );
    }
}
