//! Why a GStreamer pipeline (capture or recording) could not be built or
//! stopped working. The texts end up in a camera's health as its last error.

use std::path::PathBuf;

use gstreamer as gst;
use gstreamer::prelude::ElementExt;

/// GStreamer could not start at all.
#[derive(Debug, Clone, thiserror::Error)]
#[error("GStreamer is not usable: {0} (install the GStreamer packages: bash scripts/setup.sh run)")]
pub struct GstInitError(pub String);

/// A pipeline that cannot be built or that failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PipelineError {
    /// GStreamer itself is not usable.
    #[error(transparent)]
    Init(#[from] GstInitError),
    /// A plugin is not installed.
    #[error(
        "the GStreamer element {0} is missing (install the GStreamer plugins: bash scripts/setup.sh run)"
    )]
    MissingElement(String),
    /// The recordings folder cannot be made.
    #[error("cannot create the recordings folder {}: {reason}", dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// Elements could not be added, linked or synchronised.
    #[error("{0}")]
    Assemble(String),
    /// A stream could not be linked into the pipeline.
    #[error("cannot link {caps}: {reason}")]
    Link {
        /// The stream's type, e.g. `video/x-h264`.
        caps: String,
        /// GStreamer's reason.
        reason: String,
    },
    /// The pipeline refused to play.
    #[error("{0}")]
    Start(String),
    /// The pipeline reported an error while running.
    #[error("{0}")]
    Stream(String),
    /// The source stopped sending pictures.
    #[error("no picture for {0} s (camera unreachable or stream stalled)")]
    Stalled(f32),
    /// A live camera ended its stream.
    #[error("the camera closed its stream")]
    Closed,
    /// A `demo:` address reached the capture (the demo barn is rendered, not captured).
    #[error("demo cameras are rendered, not captured")]
    Demo,
    /// A frame of another size than the recording's.
    #[error("frame is {got}, the recording is {want}")]
    FrameSize {
        /// The frame's `w×h`.
        got: String,
        /// The recording's `w×h`.
        want: String,
    },
    /// The recorder would not take a frame.
    #[error("the recorder refused a frame: {0}")]
    Refused(String),
    /// The recording stopped on an error.
    #[error("recording failed: {0}")]
    Recording(String),
}

impl From<gst::glib::BoolError> for PipelineError {
    fn from(e: gst::glib::BoolError) -> Self {
        PipelineError::Assemble(e.to_string())
    }
}

impl From<gst::StateChangeError> for PipelineError {
    fn from(e: gst::StateChangeError) -> Self {
        PipelineError::Start(e.to_string())
    }
}

/// Initialises GStreamer once.
pub fn init() -> Result<(), GstInitError> {
    gst::init().map_err(|e| GstInitError(e.to_string()))
}

/// A new element of `factory`.
pub(crate) fn make(factory: &str) -> Result<gst::Element, PipelineError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| PipelineError::MissingElement(factory.to_string()))
}

/// Whether a new pad carries video (its caps are `video/...`).
pub(crate) fn is_video(pad: &gst::Pad) -> bool {
    use gst::prelude::PadExt;
    pad.current_caps()
        .and_then(|c| c.structure(0).map(|s| s.name().starts_with("video/")))
        .unwrap_or(false)
}

/// The error a pipeline reported on its bus, if any (taken off the bus).
pub(crate) fn bus_error(pipeline: &gst::Pipeline) -> Option<String> {
    pipeline
        .bus()?
        .pop_filtered(&[gst::MessageType::Error])
        .and_then(|m| match m.view() {
            gst::MessageView::Error(e) => Some(e.error().to_string()),
            _ => None,
        })
}

/// Waits until `pipeline` ends its stream (`Ok`), reports an error or
/// takes longer than `timeout`; both failures are worded `"{failed}: why"`.
pub(crate) fn until_end_of_stream(
    pipeline: &gst::Pipeline,
    timeout: gst::ClockTime,
    failed: &str,
) -> Result<(), PipelineError> {
    let bus = pipeline
        .bus()
        .ok_or_else(|| PipelineError::Assemble("the pipeline has no bus".into()))?;
    let msg = bus.timed_pop_filtered(timeout, &[gst::MessageType::Eos, gst::MessageType::Error]);
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Eos(_)) => Ok(()),
        Some(gst::MessageView::Error(e)) => {
            Err(PipelineError::Stream(format!("{failed}: {}", e.error())))
        }
        _ => Err(PipelineError::Stream(format!(
            "{failed}: not done after {} s",
            timeout.seconds()
        ))),
    }
}
