//! Recording segments: splitmuxsink set-up and bookkeeping shared by camera
//! pipelines, and a [`Recorder`] for frames made in Rust (the `demo:` barn).

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
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

/// Segments opened by a splitmuxsink and not yet reported closed.
#[derive(Debug, Clone, Default)]
pub(crate) struct SegmentTracker {
    open: Arc<Mutex<Vec<(PathBuf, i64)>>>,
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
        split.connect("format-location", false, move |_| {
            let start = now_ms();
            let path = dir.join(format!("{start}.mkv"));
            open.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((path.clone(), start));
            Some(path.display().to_string().to_value())
        });
        Ok(split)
    }

    /// Handles splitmuxsink's "fragment closed" message; returns segments reported.
    pub(crate) fn on_message(&self, msg: &gst::Message, sink: &SegmentSink) -> u64 {
        if let gst::MessageView::Element(e) = msg.view()
            && let Some(s) = e.structure()
            && s.name() == "splitmuxsink-fragment-closed"
            && let Ok(location) = s.get::<String>("location")
        {
            return self.close(Some(Path::new(&location)), sink);
        }
        0
    }

    /// Reports the segment at `location` closed (every open one when `None`);
    /// returns how many were reported (empty files are not).
    pub(crate) fn close(&self, location: Option<&Path>, sink: &SegmentSink) -> u64 {
        let closed: Vec<(PathBuf, i64)> = {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            let (closed, still): (Vec<_>, Vec<_>) = open
                .drain(..)
                .partition(|(p, _)| location.is_none_or(|l| l == p));
            *open = still;
            closed
        };
        let mut n = 0;
        for (path, start_ms) in closed {
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if bytes == 0 {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            n += 1;
            sink(Segment {
                path,
                start_ms,
                end_ms: now_ms(),
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
    started: Instant,
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
            started: Instant::now(),
            segments: 0,
        })
    }

    /// Segments closed so far.
    pub fn segments(&self) -> u64 {
        self.segments
    }

    /// Adds a frame (same size as announced); reports segments closed meanwhile.
    pub fn push(&mut self, frame: &RgbFrame) -> Result<(), PipelineError> {
        if frame.width() != self.width || frame.height() != self.height {
            return Err(PipelineError::FrameSize {
                got: format!("{}×{}", frame.width(), frame.height()),
                want: format!("{}×{}", self.width, self.height),
            });
        }
        let mut buffer = gst::Buffer::from_mut_slice(frame.data().to_vec());
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::from_nseconds(
                self.started.elapsed().as_nanos() as u64,
            ));
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
        for _ in 0..15 {
            r.push(&frame).unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(r.push(&RgbFrame::new(8, 8, vec![0; 192]).unwrap()).is_err());
        r.finish();
        let segs = got.lock().unwrap().clone();
        assert!(segs.len() >= 2, "{segs:?}");
        assert!(segs.iter().all(|s| s.bytes > 0 && s.path.exists()));
    }
}
