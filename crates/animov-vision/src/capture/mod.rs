//! GStreamer capture: one pipeline per camera, decoded frames at the
//! inference rate through a [`Handoff`], optional recording in the same
//! pipeline (remux without re-encoding for H.264/H.265, encode otherwise),
//! reconnection with backoff, health counters.
//!
//! This module holds the settings, the health and the reconnect loop;
//! `pipeline` builds a pipeline for a source, `branch` links each stream the
//! source reveals (decode, record), `stream` runs a built pipeline and hands
//! frames on.
//!
//! Sources: `rtsp://…`, `http(s)://…` (MJPEG or any stream GStreamer reads),
//! `/dev/videoN` (v4l2), a video file (path or `file://`), and `testsrc:` (a
//! moving test pattern, for tests without hardware; see [`crate::source`]). `demo:` cameras are
//! rendered in Rust (see [`crate::scene`]) and never reach this module.

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

pub use crate::source::{Source, SourceError};

use animov_core::backoff::Backoff;

pub use crate::error::{GstInitError, PipelineError, init};
use crate::{frame::RgbFrame, handoff::Handoff};

mod branch;
mod pipeline;
pub(crate) mod stream;

/// One decoded frame from a camera.
#[derive(Debug, Clone)]
pub struct CapturedFrame {
    /// Wall-clock capture time, UTC ms.
    pub ts_ms: i64,
    /// Stream position, ms from the start (files), when known.
    pub pts_ms: Option<i64>,
    /// The picture.
    pub frame: RgbFrame,
    /// Boxes known without a detector (the `demo:` scene), if any.
    pub truth: Option<Vec<animov_core::analysis::RawDetection>>,
}

/// Continuous recording settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordConfig {
    /// Folder of this camera's segments.
    pub dir: PathBuf,
    /// Segment length.
    pub segment: Duration,
    /// Encoder bitrate (kbit/s) for sources that must be encoded (raw, MJPEG).
    pub bitrate_kbps: u32,
}

/// Capture settings of one camera.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureConfig {
    /// Frames per second handed to inference.
    pub fps: u32,
    /// Pace files in real time (cameras) or read them as fast as possible (analysis of a file).
    pub realtime: bool,
    /// Start a file again at its end (a file used as a camera).
    pub loop_file: bool,
    /// Record segments.
    pub record: Option<RecordConfig>,
    /// First reconnection delay; doubles up to `max_backoff`.
    pub backoff: Duration,
    /// Longest reconnection delay.
    pub max_backoff: Duration,
    /// A source that delivers no frame for this long is reopened.
    pub stall_timeout: Duration,
    /// Threads of each FFmpeg video decoder (0: one per core). Each one
    /// more keeps one more picture in flight: a 720p camera holds about
    /// 10 MB less with 1 than with 2.
    pub decoder_threads: u32,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig {
            fps: 2,
            realtime: true,
            loop_file: false,
            record: None,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            stall_timeout: Duration::from_secs(20),
            decoder_threads: 1,
        }
    }
}

/// Where a camera stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureState {
    /// Opening the source.
    Connecting,
    /// Frames arrive.
    Running,
    /// The source failed; waiting before the next try.
    Reconnecting,
    /// A file reached its end.
    Ended,
    /// Stopped by the engine.
    Stopped,
}

/// Health of one camera's capture.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaptureHealth {
    /// State.
    pub state: CaptureState,
    /// Frames decoded and handed to inference.
    pub frames_in: u64,
    /// Wall-clock time of the last frame, UTC ms.
    pub last_frame_ms: Option<i64>,
    /// Times the source was reopened after a failure.
    pub reconnects: u64,
    /// The last failure, in words.
    pub last_error: Option<String>,
    /// Recording segments closed.
    pub segments: u64,
    /// Whether the recording remuxes (true) or encodes (false); `None` before the stream is known.
    pub remux: Option<bool>,
}

impl Default for CaptureHealth {
    fn default() -> Self {
        CaptureHealth {
            state: CaptureState::Connecting,
            frames_in: 0,
            last_frame_ms: None,
            reconnects: 0,
            last_error: None,
            segments: 0,
            remux: None,
        }
    }
}

/// A closed recording segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// File.
    pub path: PathBuf,
    /// Start, UTC ms: the capture time of its first frame for frames
    /// recorded from Rust (the [`crate::record::Recorder`]: `demo:`), the
    /// wall clock when the muxer opened it for camera pipelines.
    pub start_ms: i64,
    /// Wall-clock end, UTC ms.
    pub end_ms: i64,
    /// Size.
    pub bytes: u64,
}

/// Receives closed segments (called on the capture thread; keep it short).
pub type SegmentSink = Box<dyn Fn(Segment) + Send + Sync>;

/// A running capture; stops on [`Capture::stop`] or drop.
pub struct Capture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    health: Arc<Mutex<CaptureHealth>>,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("health", &self.health())
            .finish()
    }
}

impl Capture {
    /// Starts capturing `source` (not `demo:`) on its own thread.
    pub fn start(
        name: &str,
        source: Source,
        config: CaptureConfig,
        out: Arc<Handoff<CapturedFrame>>,
        segments: SegmentSink,
    ) -> Result<Capture, PipelineError> {
        init()?;
        let stop = Arc::new(AtomicBool::new(false));
        let health = Arc::new(Mutex::new(CaptureHealth::default()));
        let (s, h) = (stop.clone(), health.clone());
        let name = name.to_string();
        let thread = std::thread::Builder::new()
            .name(format!("capture-{name}"))
            .spawn(move || run(&name, &source, &config, &out, &segments, &s, &h))
            .map_err(|e| PipelineError::Start(format!("cannot start the capture thread: {e}")))?;
        Ok(Capture {
            stop,
            thread: Some(thread),
            health,
        })
    }

    /// A copy of the current health.
    pub fn health(&self) -> CaptureHealth {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops the pipeline (closing the current segment properly) and waits.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How one run of a pipeline ended.
enum Ending {
    Stopped,
    Eos,
    Failed(PipelineError),
}

fn set_health(h: &Mutex<CaptureHealth>, f: impl FnOnce(&mut CaptureHealth)) {
    f(&mut h.lock().unwrap_or_else(|p| p.into_inner()));
}

fn run(
    name: &str,
    source: &Source,
    config: &CaptureConfig,
    out: &Handoff<CapturedFrame>,
    segments: &SegmentSink,
    stop: &AtomicBool,
    health: &Arc<Mutex<CaptureHealth>>,
) {
    let span = tracing::info_span!("capture", camera = %name);
    let _g = span.enter();
    // A camera that worked for 10 s before failing starts its waits short again.
    let mut backoff =
        Backoff::new(config.backoff, config.max_backoff).healthy_after(Duration::from_secs(10));
    let is_file = matches!(source, Source::Uri(u) if u.starts_with("file://"));
    // Errors may quote the address: never its password.
    let password = match source {
        Source::Uri(u) => animov_core::camera_uri::split_password(u).1,
        _ => None,
    };
    while !stop.load(Ordering::SeqCst) {
        set_health(health, |h| h.state = CaptureState::Connecting);
        let started = Instant::now();
        let ending = match pipeline::build(source, config, health) {
            Ok(p) => p.run(config.stall_timeout, out, segments, stop, health),
            Err(e) => Ending::Failed(e),
        };
        let ending = match ending {
            // A camera that ends its stream has gone away: reopen it like a failure.
            Ending::Eos if !is_file => Ending::Failed(PipelineError::Closed),
            other => other,
        };
        match ending {
            Ending::Stopped => break,
            Ending::Eos if config.loop_file => {
                tracing::debug!("end of file, starting again");
                continue;
            }
            Ending::Eos => {
                set_health(health, |h| h.state = CaptureState::Ended);
                tracing::info!("end of stream");
                return;
            }
            Ending::Failed(e) => {
                let e = animov_core::camera_uri::redact(&e.to_string(), password.as_deref());
                let wait = backoff.after_failure(started.elapsed());
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "camera failed; reconnecting");
                set_health(health, |h| {
                    h.state = CaptureState::Reconnecting;
                    h.last_error = Some(e);
                    h.reconnects += 1;
                });
                let until = Instant::now() + wait;
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
    set_health(health, |h| h.state = CaptureState::Stopped);
}
