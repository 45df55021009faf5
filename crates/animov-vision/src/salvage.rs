//! Segments a crash cut short. When the engine is killed (power cut,
//! `kill -9`) the Matroska segment being written has no duration and no
//! index, and its last cluster may be half written. [`salvage_segment`]
//! keeps what can be read up to the cut — the video copied, **not
//! re-encoded**, into a whole file that replaces it — or says the file holds
//! no picture, so the caller deletes it.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
};

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::error::{PipelineError, init, is_video, make, until_end_of_stream};

/// Longest a salvage may take before it is given up.
const TIMEOUT: gst::ClockTime = gst::ClockTime::from_seconds(120);

/// What was kept of a cut segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Salvaged {
    /// Video frames kept.
    pub frames: u64,
    /// From the first frame's start to the last frame's end, ms.
    pub duration_ms: i64,
    /// Size of the rewritten file.
    pub bytes: u64,
}

/// Rewrites the segment at `path` in place (a temporary file, then a
/// rename) with the frames that can be read from it; `Ok(None)` when it
/// holds no readable frame (the file is left for the caller to delete).
/// An `Err` leaves the file as it was.
#[tracing::instrument(skip_all, fields(path = %path.display()))]
pub fn salvage_segment(path: &Path) -> Result<Option<Salvaged>, PipelineError> {
    init()?;
    let tmp = path.with_extension("mkv.salvage");
    let pipeline = gst::Pipeline::new();
    let (filesrc, parse, mux, sink) = (
        make("filesrc")?,
        make("parsebin")?,
        make("matroskamux")?,
        make("filesink")?,
    );
    filesrc.set_property("location", path.display().to_string());
    sink.set_property("location", tmp.display().to_string());
    pipeline.add_many([&filesrc, &parse, &mux, &sink])?;
    filesrc.link(&parse)?;
    mux.link(&sink)?;
    let frames = Arc::new(AtomicU64::new(0));
    let first = Arc::new(AtomicI64::new(i64::MAX));
    let end = Arc::new(AtomicI64::new(i64::MIN));
    let mux_weak = mux.downgrade();
    let (f, a, z) = (frames.clone(), first.clone(), end.clone());
    parse.connect_pad_added(move |_, pad| {
        let Some(mux) = mux_weak.upgrade() else {
            return;
        };
        if !is_video(pad) {
            return;
        }
        let (f, a, z) = (f.clone(), a.clone(), z.clone());
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buf) = info.buffer() {
                f.fetch_add(1, Ordering::Relaxed);
                if let Some(pts) = buf.pts() {
                    let start = pts.mseconds() as i64;
                    let stop = start + buf.duration().map_or(0, |d| d.mseconds() as i64);
                    a.fetch_min(start, Ordering::Relaxed);
                    z.fetch_max(stop, Ordering::Relaxed);
                }
            }
            gst::PadProbeReturn::Ok
        });
        if let Some(sinkpad) = mux.request_pad_simple("video_%u") {
            let _ = pad.link(&sinkpad);
        }
    });
    let result = pipeline
        .set_state(gst::State::Playing)
        .map_err(PipelineError::from)
        .and_then(|_| until_end_of_stream(&pipeline, TIMEOUT, "the segment cannot be read"));
    let _ = pipeline.set_state(gst::State::Null);
    let outcome = match (result, frames.load(Ordering::Relaxed)) {
        // Nothing readable: a file cut before its first frame, or not video.
        (Ok(()) | Err(PipelineError::Stream(_)), 0) => Ok(None),
        (Ok(()), frames) => std::fs::rename(&tmp, path)
            .map_err(|e| {
                PipelineError::Recording(format!("cannot replace {}: {e}", path.display()))
            })
            .map(|()| {
                let (a, z) = (first.load(Ordering::Relaxed), end.load(Ordering::Relaxed));
                Some(Salvaged {
                    frames,
                    duration_ms: z.checked_sub(a).unwrap_or(0).max(0),
                    bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
                })
            }),
        (Err(e), _) => Err(e),
    };
    let _ = std::fs::remove_file(&tmp);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 10 s H.264 Matroska segment at 10 frames/s.
    fn segment(path: &Path) {
        init().unwrap();
        let p = gst::parse::launch(&format!(
            "videotestsrc num-buffers=100 ! video/x-raw,width=160,height=120,framerate=10/1 \
             ! x264enc key-int-max=10 ! h264parse ! matroskamux ! filesink location={}",
            path.display()
        ))
        .unwrap();
        p.set_state(gst::State::Playing).unwrap();
        let bus = p.bus().unwrap();
        bus.timed_pop_filtered(gst::ClockTime::from_seconds(30), &[gst::MessageType::Eos]);
        p.set_state(gst::State::Null).unwrap();
    }

    #[test]
    fn a_cut_segment_keeps_its_frames_up_to_the_cut_and_plays_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.mkv");
        segment(&whole);
        let bytes = std::fs::read(&whole).unwrap();
        // Cut in the middle, as a kill would: no index, a half-written cluster.
        let cut = dir.path().join("cut.mkv");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let s = salvage_segment(&cut)
            .unwrap()
            .expect("frames before the cut");
        assert!((20..100).contains(&s.frames), "{s:?}");
        assert!(
            (s.duration_ms - s.frames as i64 * 100).abs() <= 100,
            "{s:?}: duration matches the frames kept"
        );
        assert_eq!(s.bytes, std::fs::metadata(&cut).unwrap().len());
        // The rewritten file is whole: read again, the same frames, cleanly.
        let again = salvage_segment(&cut).unwrap().unwrap();
        assert_eq!(again.frames, s.frames);
        assert!(!dir.path().join("cut.mkv.salvage").exists());
        // A whole segment keeps every frame.
        assert_eq!(salvage_segment(&whole).unwrap().unwrap().frames, 100);
    }

    #[test]
    fn a_segment_cut_before_its_first_frame_holds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.mkv");
        segment(&whole);
        let bytes = std::fs::read(&whole).unwrap();
        for n in [0, 40, 300] {
            let cut = dir.path().join(format!("cut-{n}.mkv"));
            std::fs::write(&cut, &bytes[..n]).unwrap();
            assert_eq!(salvage_segment(&cut).unwrap(), None, "{n} bytes");
            assert!(cut.exists(), "the caller deletes it");
        }
        let garbage = dir.path().join("garbage.mkv");
        std::fs::write(&garbage, vec![0x5a; 10_000]).unwrap();
        assert_eq!(salvage_segment(&garbage).unwrap(), None);
    }
}
