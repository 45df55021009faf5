//! Recording segments as MP4 for browsers: the stored Matroska segment's
//! video stream copied, **not re-encoded**, into an MP4 whose index comes
//! first (`faststart`), which Chromium and WebKitGTK play and seek with byte
//! ranges. A few hundred milliseconds for a 10-minute segment.

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::error::{PipelineError, init, is_video, until_end_of_stream};

/// Longest a remux may take before it is given up.
const TIMEOUT: gst::ClockTime = gst::ClockTime::from_seconds(120);

/// Copies the video of the segment at `src` into an MP4 at `dst` (written
/// next to it under a temporary name, then renamed: a reader never sees
/// half a file).
#[tracing::instrument(skip_all, fields(src = %src.display()))]
pub fn remux_to_mp4(src: &Path, dst: &Path) -> Result<(), PipelineError> {
    init()?;
    let tmp = dst.with_extension(format!("{}.part", std::process::id()));
    let pipeline = gst::Pipeline::new();
    let make = |f: &str| crate::error::make(f);
    let (filesrc, parse, mux, sink) = (
        make("filesrc")?,
        make("parsebin")?,
        make("mp4mux")?,
        make("filesink")?,
    );
    filesrc.set_property("location", src.display().to_string());
    mux.set_property("faststart", true);
    sink.set_property("location", tmp.display().to_string());
    pipeline.add_many([&filesrc, &parse, &mux, &sink])?;
    filesrc.link(&parse)?;
    mux.link(&sink)?;
    let mux_weak = mux.downgrade();
    parse.connect_pad_added(move |_, pad| {
        let Some(mux) = mux_weak.upgrade() else {
            return;
        };
        if !is_video(pad) {
            return;
        }
        if let Some(sinkpad) = mux.request_pad_simple("video_%u") {
            let _ = pad.link(&sinkpad);
        }
    });
    let result = run(&pipeline);
    let _ = pipeline.set_state(gst::State::Null);
    match result {
        Ok(()) => std::fs::rename(&tmp, dst).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            PipelineError::Recording(format!("cannot write {}: {e}", dst.display()))
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn run(pipeline: &gst::Pipeline) -> Result<(), PipelineError> {
    pipeline.set_state(gst::State::Playing)?;
    until_end_of_stream(pipeline, TIMEOUT, "the segment cannot be read as video")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3 s H.264 Matroska segment.
    fn segment(dir: &Path) -> std::path::PathBuf {
        init().unwrap();
        let path = dir.join("seg.mkv");
        let p = gst::parse::launch(&format!(
            "videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120,framerate=10/1 \
             ! x264enc key-int-max=10 ! h264parse ! matroskamux ! filesink location={}",
            path.display()
        ))
        .unwrap();
        p.set_state(gst::State::Playing).unwrap();
        let bus = p.bus().unwrap();
        bus.timed_pop_filtered(gst::ClockTime::from_seconds(30), &[gst::MessageType::Eos]);
        p.set_state(gst::State::Null).unwrap();
        path
    }

    /// The top-level boxes of an MP4 file, in order.
    fn boxes(b: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i + 8 <= b.len() {
            let n = u32::from_be_bytes(b[i..i + 4].try_into().unwrap()) as usize;
            out.push(String::from_utf8_lossy(&b[i + 4..i + 8]).into_owned());
            if n < 8 {
                break;
            }
            i += n;
        }
        out
    }

    #[test]
    fn a_segment_becomes_an_mp4_with_its_index_first_and_the_same_video() {
        let dir = tempfile::tempdir().unwrap();
        let src = segment(dir.path());
        let dst = dir.path().join("seg.mp4");
        remux_to_mp4(&src, &dst).unwrap();
        let b = std::fs::read(&dst).unwrap();
        let order = boxes(&b);
        let pos = |n: &str| order.iter().position(|x| x == n).unwrap();
        assert_eq!(order[0], "ftyp", "{order:?}");
        assert!(pos("moov") < pos("mdat"), "{order:?}");
        // Copied, not re-encoded: the same bytes of video, give or take the boxes.
        let (a, m) = (
            std::fs::metadata(&src).unwrap().len() as f64,
            b.len() as f64,
        );
        assert!((m - a).abs() / a < 0.05, "{a} bytes became {m}");
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2);
    }

    #[test]
    fn a_broken_segment_is_said_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("broken.mkv");
        std::fs::write(&src, b"not a video at all").unwrap();
        let dst = dir.path().join("broken.mp4");
        let e = remux_to_mp4(&src, &dst).unwrap_err().to_string();
        assert!(e.contains("cannot be read as video"), "{e}");
        assert!(!dst.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
