//! GStreamer capture: one pipeline per camera, decoded frames at the
//! inference rate through a [`Handoff`], optional recording in the same
//! pipeline (remux without re-encoding for H.264/H.265, encode otherwise),
//! reconnection with backoff, health counters.
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

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use crate::{
    handoff::Handoff,
    preprocess::RgbFrame,
    rate::RateLimiter,
    record::{SegmentTracker, make, now_ms},
};

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
    /// Wall-clock start, UTC ms.
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

/// GStreamer could not start at all.
#[derive(Debug, Clone, thiserror::Error)]
#[error("GStreamer is not usable: {0} (install the GStreamer packages: bash scripts/setup.sh run)")]
pub struct GstInitError(pub String);

/// Initialises GStreamer once.
pub fn init() -> Result<(), GstInitError> {
    gst::init().map_err(|e| GstInitError(e.to_string()))
}

impl Capture {
    /// Starts capturing `source` (not `demo:`) on its own thread.
    pub fn start(
        name: &str,
        source: Source,
        config: CaptureConfig,
        out: Arc<Handoff<CapturedFrame>>,
        segments: SegmentSink,
    ) -> Result<Capture, GstInitError> {
        init()?;
        let stop = Arc::new(AtomicBool::new(false));
        let health = Arc::new(Mutex::new(CaptureHealth::default()));
        let (s, h) = (stop.clone(), health.clone());
        let name = name.to_string();
        let thread = std::thread::Builder::new()
            .name(format!("capture-{name}"))
            .spawn(move || run(&name, &source, &config, &out, &segments, &s, &h))
            .map_err(|e| GstInitError(e.to_string()))?;
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

enum Ending {
    Stopped,
    Eos,
    Failed(String),
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
    let mut backoff = config.backoff;
    let is_file = matches!(source, Source::Uri(u) if u.starts_with("file://"));
    while !stop.load(Ordering::SeqCst) {
        set_health(health, |h| h.state = CaptureState::Connecting);
        let started = Instant::now();
        let ending = match build(source, config, health) {
            Ok(p) => p.run(config.stall_timeout, out, segments, stop, health),
            Err(e) => Ending::Failed(e),
        };
        let ending = match ending {
            // A camera that ends its stream has gone away: reopen it like a failure.
            Ending::Eos if !is_file => Ending::Failed("the camera closed its stream".into()),
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
            Ending::Failed(msg) => {
                if started.elapsed() > Duration::from_secs(10) {
                    backoff = config.backoff;
                }
                tracing::warn!(error = %msg, retry_in_ms = backoff.as_millis() as u64, "camera failed; reconnecting");
                set_health(health, |h| {
                    h.state = CaptureState::Reconnecting;
                    h.last_error = Some(msg);
                    h.reconnects += 1;
                });
                let until = Instant::now() + backoff;
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                backoff = (backoff * 2).min(config.max_backoff);
            }
        }
    }
    set_health(health, |h| h.state = CaptureState::Stopped);
}

struct Built {
    realtime: bool,
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    segments: SegmentTracker,
}

fn build(
    source: &Source,
    config: &CaptureConfig,
    health: &Arc<Mutex<CaptureHealth>>,
) -> Result<Built, String> {
    let pipeline = gst::Pipeline::new();
    let caps = gst::Caps::builder("video/x-raw")
        .field("format", "RGB")
        .build();
    let sink = gst_app::AppSink::builder()
        .caps(&caps)
        // Cameras: keep only the newest frame. Files read as fast as possible: never drop.
        .max_buffers(if config.realtime { 1 } else { 4 })
        .drop(config.realtime)
        .sync(config.realtime)
        .build();
    // Frames are thinned to the inference rate before conversion (videorate
    // cannot: MJPEG over HTTP has no durations and makes it abort).
    let convert = make("videoconvert")?;
    pipeline
        .add_many([&convert, sink.upcast_ref()])
        .map_err(|e| e.to_string())?;
    convert.link(&sink).map_err(|e| e.to_string())?;
    let limiter = Mutex::new(RateLimiter::new(config.fps));
    let started = Instant::now();
    if let Some(pad) = convert.static_pad("sink") {
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let t = info
                .buffer()
                .and_then(|b| b.pts())
                .map(|p| p.nseconds())
                .unwrap_or_else(|| started.elapsed().as_nanos() as u64);
            if limiter.lock().unwrap_or_else(|p| p.into_inner()).keep(t) {
                gst::PadProbeReturn::Ok
            } else {
                // Consume it (returning Drop makes GStreamer 1.22 unref a null buffer).
                drop(info.take_buffer());
                gst::PadProbeReturn::Handled
            }
        });
    }
    let segments = SegmentTracker::default();
    let ctx = Arc::new(BranchCtx {
        pipeline: pipeline.downgrade(),
        tail: convert.clone(),
        record: config.record.clone(),
        segments: segments.clone(),
        linked: AtomicBool::new(false),
        health: health.clone(),
        realtime: config.realtime,
    });
    match source {
        Source::Demo(_) => return Err("demo cameras are rendered, not captured".into()),
        Source::TestPattern => {
            let src = make("videotestsrc")?;
            src.set_property("is-live", true);
            src.set_property_from_str("pattern", "ball");
            let caps = make("capsfilter")?;
            caps.set_property(
                "caps",
                gst::Caps::builder("video/x-raw")
                    .field("width", 320)
                    .field("height", 240)
                    .field("framerate", gst::Fraction::new(10, 1))
                    .build(),
            );
            pipeline
                .add_many([&src, &caps])
                .map_err(|e| e.to_string())?;
            src.link(&caps).map_err(|e| e.to_string())?;
            let pad = caps.static_pad("src").ok_or("capsfilter has no src pad")?;
            ctx.attach(&pad, "video/x-raw")?;
        }
        Source::Uri(uri) => {
            let src = make("urisourcebin")?;
            src.set_property("uri", uri);
            // HTTP streams (MJPEG) carry no timestamps: stamp them on arrival.
            src.connect("source-setup", false, |args| {
                if let Ok(el) = args[1].get::<gst::Element>()
                    && el.find_property("do-timestamp").is_some()
                    && el.find_property("is-live").is_some()
                    && el.type_().name() == "GstSoupHTTPSrc"
                {
                    el.set_property("is-live", true);
                    el.set_property("do-timestamp", true);
                }
                None
            });
            let parse = make("parsebin")?;
            pipeline
                .add_many([&src, &parse])
                .map_err(|e| e.to_string())?;
            let parse_weak = parse.downgrade();
            src.connect_pad_added(move |_, pad| {
                if let Some(parse) = parse_weak.upgrade()
                    && let Some(sinkpad) = parse.static_pad("sink")
                    && !sinkpad.is_linked()
                {
                    let _ = pad.link(&sinkpad);
                }
            });
            let ctx2 = ctx.clone();
            parse.connect_pad_added(move |el, pad| {
                let name = pad
                    .current_caps()
                    .or_else(|| Some(pad.query_caps(None)))
                    .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
                    .unwrap_or_default();
                if let Err(e) = ctx2.attach(pad, &name) {
                    gst::element_error!(el, gst::CoreError::Negotiation, ("{}", e));
                }
            });
        }
    }
    Ok(Built {
        realtime: config.realtime,
        pipeline,
        sink,
        segments,
    })
}

struct BranchCtx {
    pipeline: gst::glib::WeakRef<gst::Pipeline>,
    tail: gst::Element,
    record: Option<RecordConfig>,
    segments: SegmentTracker,
    linked: AtomicBool,
    health: Arc<Mutex<CaptureHealth>>,
    realtime: bool,
}

impl BranchCtx {
    /// Links a new stream pad: video goes to inference (and recording), the rest to a fakesink.
    fn attach(&self, pad: &gst::Pad, caps_name: &str) -> Result<(), String> {
        let pipeline = self.pipeline.upgrade().ok_or("pipeline gone")?;
        let add = |els: &[&gst::Element]| -> Result<(), String> {
            pipeline
                .add_many(els.iter().copied())
                .map_err(|e| e.to_string())?;
            for e in els {
                e.sync_state_with_parent().map_err(|e| e.to_string())?;
            }
            Ok(())
        };
        let link_pad = |el: &gst::Element| -> Result<(), String> {
            let sinkpad = el.static_pad("sink").ok_or("no sink pad")?;
            pad.link(&sinkpad)
                .map(|_| ())
                .map_err(|e| format!("cannot link {caps_name}: {e:?}"))
        };
        if !caps_name.starts_with("video/") && !caps_name.starts_with("image/")
            || self.linked.swap(true, Ordering::SeqCst)
        {
            let fake = make("fakesink")?;
            fake.set_property("sync", false);
            add(&[&fake])?;
            return link_pad(&fake);
        }
        let encoded = match caps_name {
            "video/x-h264" => Some("h264parse"),
            "video/x-h265" => Some("h265parse"),
            _ => None,
        };
        // Decoding branch: [queue] → decodebin → tail (rate limit → videoconvert → appsink).
        let dec_queue = make("queue")?;
        if self.realtime {
            // Never let a slow decoder hold back the recording of a live camera.
            dec_queue.set_property_from_str("leaky", "downstream");
        }
        dec_queue.set_property("max-size-buffers", 30u32);
        let decode = make("decodebin")?;
        let tail = self.tail.clone();
        decode.connect_pad_added(move |_, p| {
            if let Some(s) = tail.static_pad("sink")
                && !s.is_linked()
            {
                let _ = p.link(&s);
            }
        });
        let Some(record) = &self.record else {
            add(&[&dec_queue, &decode])?;
            dec_queue.link(&decode).map_err(|e| e.to_string())?;
            return link_pad(&dec_queue);
        };
        let split = self.segments.splitmux(record, encoded.is_none())?;
        let rec_queue = make("queue")?;
        rec_queue.set_property("max-size-time", 5_000_000_000u64);
        let tee = make("tee")?;
        if let Some(parser) = encoded {
            // Remux: parse → tee → (queue → splitmuxsink) + (queue → decodebin).
            set_health(&self.health, |h| h.remux = Some(true));
            let parse = make(parser)?;
            parse.set_property("config-interval", -1i32);
            add(&[&parse, &tee, &rec_queue, &split, &dec_queue, &decode])?;
            gst::Element::link_many([&parse, &tee]).map_err(|e| e.to_string())?;
            gst::Element::link_many([&tee, &rec_queue, &split]).map_err(|e| e.to_string())?;
            gst::Element::link_many([&tee, &dec_queue, &decode]).map_err(|e| e.to_string())?;
            link_pad(&parse)
        } else {
            // Encode: decodebin → tee → (queue → convert → x264enc → h264parse → splitmuxsink) + (queue → tail).
            set_health(&self.health, |h| h.remux = Some(false));
            let [conv, enc, parse] = crate::record::h264_encoder(record)?;
            let tail_queue = make("queue")?;
            if self.realtime {
                tail_queue.set_property_from_str("leaky", "downstream");
            }
            let decode2 = make("decodebin")?;
            let tee_for_decode = tee.clone();
            decode2.connect_pad_added(move |_, p| {
                if let Some(s) = tee_for_decode.static_pad("sink")
                    && !s.is_linked()
                {
                    let _ = p.link(&s);
                }
            });
            add(&[
                &dec_queue,
                &decode2,
                &tee,
                &rec_queue,
                &conv,
                &enc,
                &parse,
                &split,
                &tail_queue,
            ])?;
            dec_queue.link(&decode2).map_err(|e| e.to_string())?;
            gst::Element::link_many([&tee, &rec_queue, &conv, &enc, &parse, &split])
                .map_err(|e| e.to_string())?;
            gst::Element::link_many([&tee, &tail_queue, &self.tail]).map_err(|e| e.to_string())?;
            link_pad(&dec_queue)
        }
    }
}

impl Built {
    fn run(
        self,
        stall_timeout: Duration,
        out: &Handoff<CapturedFrame>,
        segments: &SegmentSink,
        stop: &AtomicBool,
        health: &Mutex<CaptureHealth>,
    ) -> Ending {
        let Some(bus) = self.pipeline.bus() else {
            return Ending::Failed("pipeline has no bus".into());
        };
        if let Err(e) = self.pipeline.set_state(gst::State::Playing) {
            let detail = bus
                .pop_filtered(&[gst::MessageType::Error])
                .and_then(|m| match m.view() {
                    gst::MessageView::Error(err) => Some(err.error().to_string()),
                    _ => None,
                })
                .unwrap_or_else(|| e.to_string());
            let _ = self.pipeline.set_state(gst::State::Null);
            return Ending::Failed(detail);
        }
        let mut ending = Ending::Stopped;
        let mut eos_sent = false;
        let mut eos_deadline = None;
        let mut last_frame = Instant::now();
        loop {
            if !eos_sent && last_frame.elapsed() > stall_timeout {
                ending = Ending::Failed(format!(
                    "no picture for {} s (camera unreachable or stream stalled)",
                    stall_timeout.as_secs_f32()
                ));
                break;
            }
            if stop.load(Ordering::SeqCst) && !eos_sent {
                // Let splitmuxsink close the current segment cleanly.
                self.pipeline.send_event(gst::event::Eos::new());
                eos_sent = true;
                eos_deadline = Some(Instant::now() + Duration::from_secs(5));
            }
            if let Some(sample) = self
                .sink
                .try_pull_sample(gst::ClockTime::from_mseconds(100))
                && self.hand_off(&sample, out, health)
            {
                last_frame = Instant::now();
            }
            let mut done = false;
            while let Some(msg) = bus.pop() {
                match msg.view() {
                    gst::MessageView::Error(err) => {
                        let src = msg.src().map(|s| s.name().to_string()).unwrap_or_default();
                        ending = Ending::Failed(format!("{} ({src})", err.error()));
                        done = true;
                    }
                    gst::MessageView::Eos(_) => {
                        if !eos_sent {
                            ending = Ending::Eos;
                        }
                        // Frames still queued in the sink belong to the stream.
                        while let Some(sample) = self.sink.try_pull_sample(gst::ClockTime::ZERO) {
                            self.hand_off(&sample, out, health);
                        }
                        done = true;
                    }
                    gst::MessageView::Element(_) => {
                        let n = self.segments.on_message(&msg, segments);
                        set_health(health, |h| h.segments += n);
                    }
                    _ => {}
                }
            }
            if done {
                break;
            }
            // The EOS message comes once every sink (the recording too) is done.
            if eos_deadline.is_some_and(|d| Instant::now() > d) {
                tracing::warn!("the pipeline did not finish within 5 s of stopping");
                break;
            }
        }
        let _ = self.pipeline.set_state(gst::State::Null);
        // Segments still open when the pipeline stopped (error, stop) are closed as they are.
        let n = self.segments.close(None, segments);
        set_health(health, |h| h.segments += n);
        ending
    }

    /// Passes a sample on as a frame; false if it holds no usable picture.
    fn hand_off(
        &self,
        sample: &gst::Sample,
        out: &Handoff<CapturedFrame>,
        health: &Mutex<CaptureHealth>,
    ) -> bool {
        let Some(frame) = to_frame(sample) else {
            return false;
        };
        let ts = now_ms();
        let pts_ms = sample
            .buffer()
            .and_then(|b| b.pts())
            .map(|p| p.mseconds() as i64);
        let captured = CapturedFrame {
            ts_ms: ts,
            pts_ms,
            frame,
            truth: None,
        };
        if self.realtime {
            out.push(captured);
        } else {
            // Reading a file for analysis: wait for room, drop nothing.
            out.push_blocking(captured);
        }
        set_health(health, |h| {
            h.state = CaptureState::Running;
            h.frames_in += 1;
            h.last_frame_ms = Some(ts);
        });
        true
    }
}

/// Copies a sample's RGB picture, dropping row padding.
fn to_frame(sample: &gst::Sample) -> Option<RgbFrame> {
    let caps = sample.caps()?;
    let info = gst_video::VideoInfo::from_caps(caps).ok()?;
    let buffer = sample.buffer()?;
    let map = buffer.map_readable().ok()?;
    let (w, h) = (info.width() as usize, info.height() as usize);
    let stride = info.stride()[0] as usize;
    let row = w * 3;
    let mut data = Vec::with_capacity(row * h);
    for y in 0..h {
        data.extend_from_slice(map.get(y * stride..y * stride + row)?);
    }
    RgbFrame::new(w as u32, h as u32, data)
}
