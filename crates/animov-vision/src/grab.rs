//! Pictures taken from a recording segment at given times (decoded, with a
//! seek per picture: a keyframe interval of decoding each, not the whole
//! segment), for datasets.

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::error::{PipelineError, init, is_video};
use crate::frame::RgbFrame;

/// How long a seek may take before the segment is given up.
const WAIT: gst::ClockTime = gst::ClockTime::from_seconds(30);

/// A picture of a segment.
#[derive(Debug, Clone)]
pub struct Grabbed {
    /// Index of the offset asked.
    pub index: usize,
    /// Its time after the segment's first picture, ms.
    pub offset_ms: i64,
    /// The picture.
    pub frame: RgbFrame,
}

/// The picture on screen at each of `offsets_ms` (ms after the segment's
/// first picture) of the segment at `path`; offsets past its end give none.
#[tracing::instrument(skip_all, fields(path = %path.display(), n = offsets_ms.len()))]
pub fn frames_at(path: &Path, offsets_ms: &[i64]) -> Result<Vec<Grabbed>, PipelineError> {
    init()?;
    let g = Grabber::open(path)?;
    let first = g
        .preroll()?
        .map(|(pts, _)| pts)
        .ok_or_else(|| PipelineError::Stream(format!("{} holds no picture", path.display())))?;
    // Seeks are in stream time, which need not be the pictures' timestamps
    // (the encoder may shift those by 1000 hours): from the first picture's.
    let start = g
        .pipeline
        .query_position::<gst::ClockTime>()
        .map_or(0, |p| p.nseconds() as i64);
    let mut out = Vec::with_capacity(offsets_ms.len());
    for (index, &off) in offsets_ms.iter().enumerate() {
        let at = start + off.max(0) * 1_000_000;
        g.pipeline.seek_simple(
            gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
            gst::ClockTime::from_nseconds(at as u64),
        )?;
        let Some((pts, frame)) = g.preroll()? else {
            continue;
        };
        out.push(Grabbed {
            index,
            offset_ms: (pts - first) / 1_000_000,
            frame,
        });
    }
    Ok(out)
}

struct Grabber {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
}

impl Grabber {
    fn open(path: &Path) -> Result<Grabber, PipelineError> {
        let pipeline = gst::Pipeline::new();
        let make = crate::error::make;
        let (src, decode, convert) = (make("filesrc")?, make("decodebin")?, make("videoconvert")?);
        src.set_property("location", path.display().to_string());
        let sink = gst_app::AppSink::builder()
            .sync(false)
            .caps(
                &gst::Caps::builder("video/x-raw")
                    .field("format", "RGB")
                    .build(),
            )
            .build();
        pipeline.add_many([&src, &decode, &convert, sink.upcast_ref()])?;
        src.link(&decode)?;
        convert.link(&sink)?;
        let convert_weak = convert.downgrade();
        decode.connect_pad_added(move |_, pad| {
            if let (true, Some(convert)) = (is_video(pad), convert_weak.upgrade())
                && let Some(sinkpad) = convert.static_pad("sink")
                && !sinkpad.is_linked()
            {
                let _ = pad.link(&sinkpad);
            }
        });
        pipeline.set_state(gst::State::Paused)?;
        Ok(Grabber { pipeline, sink })
    }

    /// The picture the paused pipeline shows: (pts ns, picture); `None` past the end.
    fn preroll(&self) -> Result<Option<(i64, RgbFrame)>, PipelineError> {
        let (res, _, _) = self.pipeline.state(WAIT);
        if res.is_err() {
            return Err(PipelineError::Stream(format!(
                "the segment cannot be read as video: {}",
                self.bus_error()
                    .unwrap_or_else(|| "it does not start".into())
            )));
        }
        let Some(sample) = self.sink.try_pull_preroll(WAIT) else {
            if self.sink.is_eos() {
                return Ok(None);
            }
            return Err(PipelineError::Stream(format!(
                "the segment cannot be read as video: {}",
                self.bus_error()
                    .unwrap_or_else(|| "no picture after a seek".into())
            )));
        };
        let pts = sample
            .buffer()
            .and_then(|b| b.pts())
            .map_or(0, |t| t.nseconds() as i64);
        let frame = crate::capture::stream::to_frame(&sample)
            .ok_or_else(|| PipelineError::Stream("a decoded picture cannot be read".into()))?;
        Ok(Some((pts, frame)))
    }

    fn bus_error(&self) -> Option<String> {
        crate::error::bus_error(&self.pipeline)
    }
}

impl Drop for Grabber {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3 s H.264 Matroska segment at 10 fps whose picture brightens with time
    /// (frame n has grey level 20 n), a keyframe every second.
    fn segment(dir: &Path) -> std::path::PathBuf {
        init().unwrap();
        let path = dir.join("seg.mkv");
        let p = gst::parse::launch(&format!(
            "appsrc name=a format=time caps=video/x-raw,format=RGB,width=64,height=48,framerate=10/1 \
             ! videoconvert ! x264enc key-int-max=10 ! h264parse ! matroskamux ! filesink location={}",
            path.display()
        ))
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
        let src = p
            .by_name("a")
            .unwrap()
            .downcast::<gst_app::AppSrc>()
            .unwrap();
        p.set_state(gst::State::Playing).unwrap();
        for n in 0..30u64 {
            let mut b = gst::Buffer::from_mut_slice(vec![(n * 8) as u8; 64 * 48 * 3]);
            b.get_mut()
                .unwrap()
                .set_pts(gst::ClockTime::from_mseconds(n * 100));
            src.push_buffer(b).unwrap();
        }
        src.end_of_stream().unwrap();
        p.bus()
            .unwrap()
            .timed_pop_filtered(gst::ClockTime::from_seconds(30), &[gst::MessageType::Eos]);
        p.set_state(gst::State::Null).unwrap();
        path
    }

    fn mean(f: &RgbFrame) -> f64 {
        f.data().iter().map(|v| f64::from(*v)).sum::<f64>() / f.data().len() as f64
    }

    #[test]
    fn the_picture_at_each_time_is_the_one_recorded_then() {
        let dir = tempfile::tempdir().unwrap();
        let seg = segment(dir.path());
        let got = frames_at(&seg, &[1500, 200, 2900, 60_000]).unwrap();
        // Past the end: nothing for it.
        assert_eq!(
            got.iter().map(|g| g.index).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        for (g, want_ms) in got.iter().zip([1500, 200, 2900]) {
            assert_eq!(g.offset_ms, want_ms);
            assert_eq!((g.frame.width(), g.frame.height()), (64, 48));
            let level = (want_ms / 100 * 8) as f64;
            assert!(
                (mean(&g.frame) - level).abs() < 6.0,
                "{} at {want_ms}",
                mean(&g.frame)
            );
        }
    }

    #[test]
    fn a_broken_segment_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("broken.mkv");
        std::fs::write(&p, b"nope").unwrap();
        let e = frames_at(&p, &[0]).unwrap_err().to_string();
        assert!(e.contains("cannot be read as video"), "{e}");
    }
}
