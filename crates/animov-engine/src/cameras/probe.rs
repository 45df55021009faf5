//! Testing a camera address before it is saved: one picture through the
//! real capture path (GStreamer, or the demo barn), analysed by the detector
//! the camera would use, or a plain reason why not.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use animov_api::CameraProblem;
use animov_core::analysis::RawDetection;
use animov_vision::{
    Detect, RgbFrame,
    capture::{Capture, CaptureConfig, CaptureState, CapturedFrame, Source},
    handoff::Handoff,
    scene::DemoScene,
};

use super::pool::DetectorPool;
use crate::config::DemoConfig;

/// One picture from a camera and the detector's boxes on it.
#[derive(Debug)]
pub struct Grabbed {
    /// The picture.
    pub frame: RgbFrame,
    /// When it was captured, UTC ms.
    pub ts_ms: i64,
    /// Every box the detector proposed.
    pub raw: Vec<RawDetection>,
    /// The detector (model file, or the demo scene).
    pub detector: String,
}

/// Why no picture could be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct ProbeError {
    /// The kind of problem (the UI says it in plain words).
    pub problem: CameraProblem,
    /// What the camera, GStreamer or the detector said (no password).
    pub detail: String,
}

/// The kind of problem a capture error text describes (GStreamer's
/// messages from rtspsrc, souphttpsrc, v4l2src, filesrc and the decoders).
pub fn classify(text: &str) -> CameraProblem {
    let t = text.to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if any(&["no space left", "disk full"]) {
        CameraProblem::DiskFull
    } else if any(&["unauthorized", "401", "authentication", "forbidden", "403"]) {
        CameraProblem::WrongCredentials
    } else if any(&[
        "not found",
        "404",
        "no such file",
        "does not exist",
        "cannot identify device",
        "no such device",
        "is not a capture device",
    ]) {
        CameraProblem::NotFound
    } else if any(&[
        "could not connect",
        "connection refused",
        "could not resolve",
        "name resolution",
        "no route to host",
        "unreachable",
        "timed out",
        "timeout",
        "could not open resource",
        "failed to connect",
    ]) {
        CameraProblem::Unreachable
    } else if any(&[
        "missing",
        "no decoder",
        "not-negotiated",
        "not negotiated",
        "cannot link",
        "unsupported",
        "could not determine type",
        "stream type",
    ]) {
        CameraProblem::UnsupportedCodec
    } else {
        CameraProblem::Other
    }
}

fn failed(problem: CameraProblem, detail: impl ToString) -> ProbeError {
    ProbeError {
        problem,
        detail: detail.to_string(),
    }
}

/// One picture of `uri` (its password already in), analysed with `pool`
/// (`None`: a `demo:` camera's own scene), within `timeout`. Blocking.
#[tracing::instrument(skip_all)]
pub fn grab(
    uri: &str,
    pool: Option<Arc<DetectorPool>>,
    demo: &DemoConfig,
    timeout: Duration,
) -> Result<Grabbed, ProbeError> {
    let source = Source::parse(uri).map_err(|e| failed(CameraProblem::NotFound, e))?;
    let (frame, ts_ms, truth) = match source {
        Source::Demo(index) => {
            let now = animov_store::now_ms();
            let settings = animov_core::demo::DemoSettings::for_camera(
                demo.seed,
                index,
                demo.utc_offset_minutes,
            );
            let f = DemoScene::new(settings, now).render(now);
            (f.frame, now, Some(f.truth))
        }
        source => {
            let f = first_frame(uri, source, timeout)?;
            (f.frame, f.ts_ms, f.truth)
        }
    };
    let (raw, detector) = match pool {
        None => (truth.unwrap_or_default(), "demo scene".to_string()),
        Some(p) => {
            let raw = p
                .with(0, |d| d.detect(&frame))
                .and_then(|r| r)
                .map_err(|e| failed(CameraProblem::Detector, e))?;
            (raw, p.path().display().to_string())
        }
    };
    Ok(Grabbed {
        frame,
        ts_ms,
        raw,
        detector,
    })
}

fn first_frame(uri: &str, source: Source, timeout: Duration) -> Result<CapturedFrame, ProbeError> {
    let frames: Arc<Handoff<CapturedFrame>> = Handoff::new(1);
    let cfg = CaptureConfig {
        fps: 5,
        realtime: true,
        loop_file: false,
        record: None,
        stall_timeout: timeout,
        // One attempt: the first failure is the answer.
        backoff: timeout,
        max_backoff: timeout,
        decoder_threads: 1,
    };
    let password = animov_core::camera_uri::split_password(uri).1;
    let mut capture = Capture::start("test", source, cfg, frames.clone(), Box::new(|_| {}))
        .map_err(|e| {
            let text = animov_core::camera_uri::redact(&e.to_string(), password.as_deref());
            failed(classify(&text), text)
        })?;
    let deadline = Instant::now() + timeout;
    let result = loop {
        if let Some(f) = frames.take(Duration::from_millis(50)) {
            break Ok(f);
        }
        let h = capture.health();
        match h.state {
            CaptureState::Reconnecting | CaptureState::Stopped => {
                let text = h.last_error.unwrap_or_else(|| "the camera stopped".into());
                break Err(failed(classify(&text), text));
            }
            CaptureState::Ended => {
                break Err(failed(
                    CameraProblem::UnsupportedCodec,
                    "the stream ended before its first picture",
                ));
            }
            _ if Instant::now() >= deadline => {
                break Err(failed(
                    CameraProblem::Timeout,
                    format!("no picture within {} s", timeout.as_secs()),
                ));
            }
            _ => {}
        }
    };
    frames.close();
    capture.stop();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gstreamer_messages_become_plain_problems() {
        for (text, want) in [
            ("Unauthorized (401)", CameraProblem::WrongCredentials),
            (
                "Could not open resource for reading and writing. Could not connect to server",
                CameraProblem::Unreachable,
            ),
            (
                "Cannot identify device '/dev/video7'.",
                CameraProblem::NotFound,
            ),
            ("Not Found (404)", CameraProblem::NotFound),
            (
                "the GStreamer element avdec_h265 is missing",
                CameraProblem::UnsupportedCodec,
            ),
            (
                "no picture for 5 s (camera unreachable or stream stalled)",
                CameraProblem::Unreachable,
            ),
            (
                "Error while writing to file \"/data/recordings/pen/1.mkv\". No space left on device (filesink0)",
                CameraProblem::DiskFull,
            ),
            (super::super::disk::DISK_FULL, CameraProblem::DiskFull),
            ("something odd", CameraProblem::Other),
        ] {
            assert_eq!(classify(text), want, "{text}");
        }
    }
}
