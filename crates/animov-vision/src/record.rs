//! Recording segments: splitmuxsink set-up and bookkeeping shared by camera
//! pipelines, and a [`Recorder`] for frames made in Rust (the `demo:` barn).

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, Instant},
};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::{
    capture::{RecordConfig, Segment, SegmentSink},
    error::{PipelineError, init, make},
    frame::RgbFrame,
};

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A segment not reported yet: file, start, end once the next one has
/// started, closed by the muxer.
type OpenSegment = (PathBuf, i64, Option<i64>, bool);

/// No capture time known for the stream's time 0.
const NO_BASE: i64 = i64::MIN;

/// Segments opened by a splitmuxsink and not yet reported closed.
#[derive(Debug, Clone)]
pub(crate) struct SegmentTracker {
    open: Arc<Mutex<Vec<OpenSegment>>>,
    /// Capture time (UTC ms) of stream time 0 when the stream's timestamps
    /// are capture times (the [`Recorder`]): a segment then starts at the
    /// capture time of its first frame. Otherwise ([`NO_BASE`]) it starts
    /// when the muxer opens it (camera pipelines: within their decoding delay).
    base_ms: Arc<AtomicI64>,
    /// Timestamp (ns) of the first frame reaching the muxer: the encoder
    /// may shift every timestamp (x264enc adds 1000 hours).
    first_pts: Arc<AtomicI64>,
    /// Capture time of the newest frame (with `base_ms`): a segment's end.
    last_ms: Arc<AtomicI64>,
}

impl Default for SegmentTracker {
    fn default() -> Self {
        SegmentTracker {
            open: Arc::default(),
            base_ms: Arc::new(AtomicI64::new(NO_BASE)),
            first_pts: Arc::new(AtomicI64::new(NO_BASE)),
            last_ms: Arc::new(AtomicI64::new(NO_BASE)),
        }
    }
}

impl SegmentTracker {
    /// A splitmuxsink writing Matroska segments named `<start ms>.mkv` in `record.dir`.
    /// `encoded_here`: the stream comes from our encoder, which is asked for a
    /// keyframe at each split (remuxed streams split at their own keyframes).
    pub(crate) fn splitmux(
        &self,
        record: &RecordConfig,
        encoded_here: bool,
    ) -> Result<gst::Element, PipelineError> {
        std::fs::create_dir_all(&record.dir).map_err(|e| PipelineError::Folder {
            dir: record.dir.clone(),
            reason: e.to_string(),
        })?;
        let split = make("splitmuxsink")?;
        split.set_property("muxer-factory", "matroskamux");
        split.set_property("max-size-time", record.segment.as_nanos() as u64);
        split.set_property("async-finalize", false);
        if encoded_here {
            split.set_property("send-keyframe-requests", true);
        }
        let dir = record.dir.clone();
        let open = self.open.clone();
        let (base, first) = (self.base_ms.clone(), self.first_pts.clone());
        split.connect("format-location-full", false, move |args| {
            let pts = args
                .get(2)
                .and_then(|v| v.get::<Option<gst::Sample>>().ok().flatten())
                .and_then(|s| s.buffer().and_then(|b| b.pts()))
                .map(|p| p.nseconds() as i64);
            let start = match (base.load(Ordering::SeqCst), pts) {
                (b, Some(pts)) if b != NO_BASE => {
                    let _ =
                        first.compare_exchange(NO_BASE, pts, Ordering::SeqCst, Ordering::SeqCst);
                    b + (pts - first.load(Ordering::SeqCst)) / 1_000_000
                }
                _ => now_ms(),
            };
            let path = dir.join(format!("{start}.mkv"));
            let mut open = open.lock().unwrap_or_else(|p| p.into_inner());
            // The previous segment ends where this one starts.
            if let Some(prev) = open.last_mut().filter(|p| p.2.is_none()) {
                prev.2 = Some(start);
            }
            open.push((path.clone(), start, None, false));
            Some(path.display().to_string().to_value())
        });
        Ok(split)
    }

    /// Handles splitmuxsink's "fragment closed" message; returns segments
    /// reported (a closed segment whose end is not known yet is reported at
    /// a later message, once the next one has started).
    pub(crate) fn on_message(&self, msg: &gst::Message, sink: &SegmentSink) -> u64 {
        if let gst::MessageView::Element(e) = msg.view()
            && let Some(s) = e.structure()
            && s.name() == "splitmuxsink-fragment-closed"
            && let Ok(location) = s.get::<String>("location")
        {
            return self.close(Some(Path::new(&location)), sink);
        }
        self.report(sink, false)
    }

    /// Marks the segment at `location` closed (every open one when `None`,
    /// which reports them all); returns how many were reported (empty files
    /// are not).
    pub(crate) fn close(&self, location: Option<&Path>, sink: &SegmentSink) -> u64 {
        {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            for seg in open
                .iter_mut()
                .filter(|(p, ..)| location.is_none_or(|l| l == p))
            {
                seg.3 = true;
            }
        }
        self.report(sink, location.is_none())
    }

    /// Reports the closed segments whose end is known (all closed ones when
    /// `all`): the next segment's start for frames recorded from Rust, else
    /// the wall clock.
    fn report(&self, sink: &SegmentSink, all: bool) -> u64 {
        let timed = self.base_ms.load(Ordering::SeqCst) != NO_BASE;
        let done: Vec<OpenSegment> = {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            let (done, still): (Vec<_>, Vec<_>) = open
                .drain(..)
                .partition(|(_, _, end, closed)| *closed && (all || !timed || end.is_some()));
            *open = still;
            done
        };
        let mut n = 0;
        for (path, start_ms, next_start, _) in done {
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if bytes == 0 {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            n += 1;
            let end_ms = match (timed, next_start) {
                (false, _) => now_ms(),
                (true, Some(next)) => next,
                (true, None) => self.last_ms.load(Ordering::SeqCst).max(start_ms),
            };
            sink(Segment {
                path,
                start_ms,
                end_ms,
                bytes,
            });
        }
        n
    }
}

/// videoconvert → x264enc (low latency) → h264parse, for sources that must be encoded.
pub(crate) fn h264_encoder(record: &RecordConfig) -> Result<[gst::Element; 3], PipelineError> {
    let conv = make("videoconvert")?;
    let enc = make("x264enc")?;
    enc.set_property_from_str("tune", "zerolatency");
    enc.set_property_from_str("speed-preset", "veryfast");
    enc.set_property("bitrate", record.bitrate_kbps.max(100));
    enc.set_property("key-int-max", 60u32);
    let parse = make("h264parse")?;
    Ok([conv, enc, parse])
}

/// Records frames made in Rust into H.264 Matroska segments.
pub struct Recorder {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    tracker: SegmentTracker,
    sink: SegmentSink,
    width: u32,
    height: u32,
    /// Capture time of the first frame (stream time 0), UTC ms.
    base_ms: Option<i64>,
    last_ns: i64,
    segments: u64,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("segments", &self.segments)
            .finish()
    }
}

impl Recorder {
    /// Starts a recorder for `width × height` RGB frames arriving at about `fps`.
    pub fn start(
        record: &RecordConfig,
        width: u32,
        height: u32,
        fps: u32,
        sink: SegmentSink,
    ) -> Result<Recorder, PipelineError> {
        init()?;
        let pipeline = gst::Pipeline::new();
        let caps = gst::Caps::builder("video/x-raw")
            .field("format", "RGB")
            .field("width", width as i32)
            .field("height", height as i32)
            .field("framerate", gst::Fraction::new(fps.max(1) as i32, 1))
            .build();
        let src = gst_app::AppSrc::builder()
            .caps(&caps)
            .format(gst::Format::Time)
            .is_live(true)
            .do_timestamp(false)
            .build();
        let tracker = SegmentTracker::default();
        let [conv, enc, parse] = h264_encoder(record)?;
        // A frame every 1/fps: keyframes every 2 s keep segments close to their length.
        enc.set_property("key-int-max", (2 * fps.max(1)).max(2));
        let split = tracker.splitmux(record, true)?;
        pipeline.add_many([src.upcast_ref(), &conv, &enc, &parse, &split])?;
        gst::Element::link_many([src.upcast_ref(), &conv, &enc, &parse, &split])?;
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| PipelineError::Start(format!("cannot start the recorder: {e}")))?;
        Ok(Recorder {
            pipeline,
            src,
            tracker,
            sink,
            width,
            height,
            base_ms: None,
            last_ns: -1,
            segments: 0,
        })
    }

    /// Segments closed so far.
    pub fn segments(&self) -> u64 {
        self.segments
    }

    /// Adds a frame captured at `ts_ms` (UTC; same size as announced): its
    /// time in the video is its capture time, so a segment's start is the
    /// capture time of its first frame and a time in it is
    /// `start + position`. Reports segments closed meanwhile.
    pub fn push(&mut self, frame: &RgbFrame, ts_ms: i64) -> Result<(), PipelineError> {
        if frame.width() != self.width || frame.height() != self.height {
            return Err(PipelineError::FrameSize {
                got: format!("{}×{}", frame.width(), frame.height()),
                want: format!("{}×{}", self.width, self.height),
            });
        }
        let base = *self.base_ms.get_or_insert_with(|| {
            self.tracker.base_ms.store(ts_ms, Ordering::SeqCst);
            ts_ms
        });
        self.tracker.last_ms.store(ts_ms, Ordering::SeqCst);
        // Always rising, even if the clock steps back.
        let t_ns = ((ts_ms - base) * 1_000_000).max(self.last_ns + 1);
        self.last_ns = t_ns;
        let mut buffer = gst::Buffer::from_mut_slice(frame.data().to_vec());
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::from_nseconds(t_ns as u64));
        }
        self.src
            .push_buffer(buffer)
            .map_err(|e| PipelineError::Refused(format!("{e:?}")))?;
        self.poll()
    }

    fn poll(&mut self) -> Result<(), PipelineError> {
        let Some(bus) = self.pipeline.bus() else {
            return Ok(());
        };
        while let Some(msg) = bus.pop() {
            if let gst::MessageView::Error(e) = msg.view() {
                return Err(PipelineError::Recording(e.error().to_string()));
            }
            self.segments += self.tracker.on_message(&msg, &self.sink);
        }
        Ok(())
    }

    /// Closes the current segment properly and stops.
    pub fn finish(mut self) {
        let _ = self.src.end_of_stream();
        if let Some(bus) = self.pipeline.bus() {
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until {
                match bus.timed_pop(gst::ClockTime::from_mseconds(100)) {
                    Some(msg) => match msg.view() {
                        gst::MessageView::Eos(_) | gst::MessageView::Error(_) => break,
                        _ => self.segments += self.tracker.on_message(&msg, &self.sink),
                    },
                    None => continue,
                }
            }
        }
        let _ = self.pipeline.set_state(gst::State::Null);
        self.segments += self.tracker.close(None, &self.sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_frames_are_recorded_in_segments() {
        let dir = tempfile::tempdir().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        let record = RecordConfig {
            dir: dir.path().to_path_buf(),
            segment: Duration::from_millis(500),
            bitrate_kbps: 300,
        };
        let mut r = Recorder::start(
            &record,
            64,
            48,
            10,
            Box::new(move |s| g.lock().unwrap().push(s)),
        )
        .unwrap();
        let frame = RgbFrame::new(64, 48, vec![90; 64 * 48 * 3]).unwrap();
        // Captured 100 ms apart from t0 (pushed faster than that: the
        // capture times, not the pushes, set the segments' starts).
        let t0 = 1_700_000_000_000;
        for k in 0..15 {
            r.push(&frame, t0 + k * 100).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            r.push(&RgbFrame::new(8, 8, vec![0; 192]).unwrap(), t0 + 1500)
                .is_err()
        );
        r.finish();
        let segs = got.lock().unwrap().clone();
        assert!(segs.len() >= 2, "{segs:?}");
        assert!(segs.iter().all(|s| s.bytes > 0 && s.path.exists()));
        // Each segment starts on a frame's capture time: the first on t0.
        assert_eq!(segs[0].start_ms, t0, "{segs:?}");
        assert!(
            segs.iter()
                .all(|s| (s.start_ms - t0) % 100 == 0 && s.start_ms < t0 + 1500),
            "{segs:?}"
        );
        // Back to back, ending by the last capture.
        assert!(
            segs.windows(2)
                .all(|w| w[0].end_ms >= w[1].start_ms - 100 && w[0].end_ms <= w[1].start_ms + 100),
            "{segs:?}"
        );
        assert!(segs.iter().all(|s| s.end_ms <= t0 + 1400), "{segs:?}");
    }
}
