//! Clips across recording segments, **without re-encoding**: the video
//! packets of each segment read in order, the clip starting at the keyframe
//! at or before the time asked (a clip can only start on a keyframe, so it
//! may begin up to a keyframe interval early) and ending before the end
//! asked, their times laid end to end on the segments' capture times, and
//! written as one MP4 with its index first.

use std::path::{Path, PathBuf};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::error::{PipelineError, init, until_end_of_stream};

/// One stored segment of the clip.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipPart {
    /// The segment's file.
    pub path: PathBuf,
    /// Capture time of its first frame, UTC ms.
    pub start_ms: i64,
}

/// What a clip holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipReport {
    /// Capture time of its first frame (a keyframe), UTC ms.
    pub first_ms: i64,
    /// Capture time of its last frame, UTC ms.
    pub last_ms: i64,
    /// Frames in it.
    pub frames: u64,
}

const CAPS: &str = "video/x-h264,stream-format=byte-stream,alignment=au;\
                    video/x-h265,stream-format=byte-stream,alignment=au";

/// The clip of `[from_ms, to_ms)` from `parts` (oldest first) into `dst`;
/// `progress` hears the share of segments read.
#[tracing::instrument(skip_all, fields(from_ms, to_ms, parts = parts.len()))]
pub fn export_clip(
    parts: &[ClipPart],
    from_ms: i64,
    to_ms: i64,
    dst: &Path,
    progress: &dyn Fn(f64),
) -> Result<ClipReport, PipelineError> {
    init()?;
    let tmp = dst.with_extension("mp4.part");
    let mut w: Option<Writer> = None;
    let mut gop: Vec<(i64, gst::Buffer)> = Vec::new();
    let mut started = false;
    let mut report = ClipReport {
        first_ms: 0,
        last_ms: 0,
        frames: 0,
    };
    let result = (|| {
        'parts: for (i, part) in parts.iter().enumerate() {
            let reader = Reader::open(&part.path)?;
            let mut first_pts = None;
            while let Some(sample) = reader.next()? {
                let Some(buf) = sample.buffer_owned() else {
                    continue;
                };
                let pts = buf.pts().or(buf.dts()).map_or(0, |t| t.nseconds() as i64);
                let first = *first_pts.get_or_insert(pts);
                let t_ns = part.start_ms * 1_000_000 + (pts - first);
                let t_ms = t_ns / 1_000_000;
                let key = !buf.flags().contains(gst::BufferFlags::DELTA_UNIT);
                if t_ms >= to_ms {
                    break 'parts;
                }
                if w.is_none() {
                    let caps = sample.caps().map(|c| c.to_owned()).ok_or_else(|| {
                        PipelineError::Stream("the segment's video has no format".into())
                    })?;
                    w = Some(Writer::open(&caps, &tmp)?);
                }
                let out = w.as_mut().expect("opened");
                if !started {
                    if key {
                        gop.clear();
                    }
                    if key || !gop.is_empty() {
                        gop.push((t_ns, buf));
                    }
                    if t_ms >= from_ms && !gop.is_empty() {
                        started = true;
                        report.first_ms = gop[0].0 / 1_000_000;
                        for (t, b) in gop.drain(..) {
                            out.push(t, b)?;
                            report.frames += 1;
                        }
                        report.last_ms = t_ms;
                    }
                } else {
                    out.push(t_ns, buf)?;
                    report.frames += 1;
                    report.last_ms = t_ms;
                }
            }
            progress((i + 1) as f64 / parts.len().max(1) as f64);
        }
        match w.take() {
            Some(out) if report.frames > 0 => out.finish(),
            Some(out) => {
                out.abort();
                Err(PipelineError::Stream(
                    "no recorded picture in that time span".into(),
                ))
            }
            None => Err(PipelineError::Stream(
                "no recorded picture in that time span".into(),
            )),
        }
    })();
    match result {
        Ok(()) => {
            std::fs::rename(&tmp, dst).map_err(|e| {
                PipelineError::Recording(format!("cannot write {}: {e}", dst.display()))
            })?;
            progress(1.0);
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// A segment's encoded video packets, in order.
struct Reader {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
}

impl Reader {
    fn open(path: &Path) -> Result<Reader, PipelineError> {
        let pipeline = gst::Pipeline::new();
        let make = crate::error::make;
        let (src, demux) = (make("filesrc")?, make("matroskademux")?);
        src.set_property("location", path.display().to_string());
        let sink = gst_app::AppSink::builder()
            .sync(false)
            .caps(
                &CAPS
                    .parse::<gst::Caps>()
                    .map_err(|e| PipelineError::Assemble(e.to_string()))?,
            )
            .build();
        pipeline.add_many([&src, &demux, sink.upcast_ref()])?;
        src.link(&demux)?;
        // The video stream through its parser (H.264 or H.265), as byte-stream access units.
        let (pipe_weak, sink_weak) = (pipeline.downgrade(), sink.downgrade());
        demux.connect_pad_added(move |_, pad| {
            let parser = match pad
                .current_caps()
                .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
                .as_deref()
            {
                Some("video/x-h264") => "h264parse",
                Some("video/x-h265") => "h265parse",
                _ => return,
            };
            let (Some(pipe), Some(sink)) = (pipe_weak.upgrade(), sink_weak.upgrade()) else {
                return;
            };
            let Ok(parse) = crate::error::make(parser) else {
                return;
            };
            if pipe.add(&parse).is_err() || parse.link(&sink).is_err() {
                return;
            }
            let _ = parse.sync_state_with_parent();
            if let Some(sinkpad) = parse.static_pad("sink") {
                let _ = pad.link(&sinkpad);
            }
        });
        pipeline.set_state(gst::State::Playing)?;
        Ok(Reader { pipeline, sink })
    }

    /// The next packet; `None` at the end.
    fn next(&self) -> Result<Option<gst::Sample>, PipelineError> {
        if let Some(s) = self.sink.try_pull_sample(gst::ClockTime::from_seconds(30)) {
            return Ok(Some(s));
        }
        if self.sink.is_eos() {
            return Ok(None);
        }
        let why =
            crate::error::bus_error(&self.pipeline).unwrap_or_else(|| "no picture for 30 s".into());
        Err(PipelineError::Stream(format!(
            "a segment cannot be read as video: {why}"
        )))
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// The MP4 being written.
struct Writer {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    base_ns: Option<i64>,
    last_ns: i64,
}

impl Writer {
    fn open(caps: &gst::Caps, path: &Path) -> Result<Writer, PipelineError> {
        let pipeline = gst::Pipeline::new();
        let make = crate::error::make;
        let parser = match caps.structure(0).map(|s| s.name().as_str()) {
            Some("video/x-h265") => "h265parse",
            _ => "h264parse",
        };
        let src = gst_app::AppSrc::builder()
            .caps(caps)
            .format(gst::Format::Time)
            .block(true)
            .build();
        let (parse, mux, sink) = (make(parser)?, make("mp4mux")?, make("filesink")?);
        mux.set_property("faststart", true);
        sink.set_property("location", path.display().to_string());
        pipeline.add_many([src.upcast_ref(), &parse, &mux, &sink])?;
        gst::Element::link_many([src.upcast_ref(), &parse, &mux, &sink])?;
        pipeline.set_state(gst::State::Playing).map_err(|_| {
            PipelineError::Recording(format!(
                "cannot write {} (is its folder there, writable, with free space?)",
                path.display()
            ))
        })?;
        Ok(Writer {
            pipeline,
            src,
            base_ns: None,
            last_ns: -1,
        })
    }

    /// Adds a packet at capture time `t_ns` (times start at 0, always rising).
    fn push(&mut self, t_ns: i64, mut buf: gst::Buffer) -> Result<(), PipelineError> {
        let base = *self.base_ns.get_or_insert(t_ns);
        let t = (t_ns - base).max(self.last_ns + 1);
        self.last_ns = t;
        {
            let b = buf.make_mut();
            b.set_pts(gst::ClockTime::from_nseconds(t as u64));
            b.set_dts(gst::ClockTime::from_nseconds(t as u64));
        }
        self.src
            .push_buffer(buf)
            .map(|_| ())
            .map_err(|e| PipelineError::Refused(format!("{e:?}")))
    }

    fn finish(self) -> Result<(), PipelineError> {
        let _ = self.src.end_of_stream();
        let r = until_end_of_stream(
            &self.pipeline,
            gst::ClockTime::from_seconds(60),
            "the clip cannot be written",
        );
        let _ = self.pipeline.set_state(gst::State::Null);
        r
    }

    fn abort(self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three 2-second H.264 segments at 10 fps, a keyframe every second,
    /// captured back to back from `t0`.
    fn segments(dir: &Path, t0: i64) -> Vec<ClipPart> {
        init().unwrap();
        let p = gst::parse::launch(&format!(
            "videotestsrc num-buffers=60 pattern=ball ! video/x-raw,width=160,height=120,framerate=10/1 \
             ! x264enc key-int-max=10 tune=zerolatency ! h264parse \
             ! splitmuxsink muxer-factory=matroskamux max-size-time=2000000000 location={}/s%02d.mkv",
            dir.display()
        ))
        .unwrap();
        p.set_state(gst::State::Playing).unwrap();
        p.bus()
            .unwrap()
            .timed_pop_filtered(gst::ClockTime::from_seconds(30), &[gst::MessageType::Eos]);
        p.set_state(gst::State::Null).unwrap();
        (0..3)
            .map(|k| ClipPart {
                path: dir.join(format!("s{k:02}.mkv")),
                start_ms: t0 + k * 2000,
            })
            .collect()
    }

    /// Frames and duration of an MP4, decoded as a player would.
    fn decode(path: &Path) -> (u64, f64) {
        let p = gst::parse::launch(&format!(
            "filesrc location={} ! qtdemux ! h264parse ! avdec_h264 ! appsink name=s sync=false",
            path.display()
        ))
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
        let sink = p
            .by_name("s")
            .unwrap()
            .downcast::<gst_app::AppSink>()
            .unwrap();
        p.set_state(gst::State::Playing).unwrap();
        let (mut n, mut last) = (0, 0.0);
        while let Ok(s) = sink.pull_sample() {
            n += 1;
            last = s.buffer().unwrap().pts().unwrap().nseconds() as f64 / 1e9;
        }
        p.set_state(gst::State::Null).unwrap();
        (n, last)
    }

    #[test]
    fn a_clip_across_segments_starts_on_a_keyframe_and_plays() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = 1_700_000_000_000;
        let parts = segments(dir.path(), t0);
        let dst = dir.path().join("clip.mp4");
        let seen = std::sync::Mutex::new(Vec::new());
        // From 1.5 s (the keyframe at 1.0 s comes first) to 4.5 s.
        let r = export_clip(&parts, t0 + 1500, t0 + 4500, &dst, &|p| {
            seen.lock().unwrap().push(p)
        })
        .unwrap();
        assert_eq!((r.first_ms, r.frames), (t0 + 1000, 35), "{r:?}");
        assert_eq!(r.last_ms, t0 + 4400);
        let (frames, last) = decode(&dst);
        assert_eq!(frames, 35);
        assert!((last - 3.4).abs() < 0.01, "{last}");
        let b = std::fs::read(&dst).unwrap();
        assert_eq!(&b[4..8], b"ftyp");
        assert_eq!(*seen.lock().unwrap().last().unwrap(), 1.0);
        // Nothing recorded then: said, and no file left.
        let e = export_clip(&parts, t0 + 60_000, t0 + 70_000, &dst, &|_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("no recorded picture"), "{e}");
        assert!(!dir.path().join("clip.mp4.part").exists());
    }
}
