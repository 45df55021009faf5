//! Building a camera's pipeline for its source: the rate limit before
//! conversion, the app sink, and the source elements (test pattern or any
//! URI GStreamer reads); each stream the source reveals is linked by
//! [`super::branch`].

use std::{
    sync::{Arc, Mutex, atomic::AtomicBool},
    time::Instant,
};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::{CaptureConfig, CaptureHealth, PipelineError, Source, branch::BranchCtx};
use crate::{error::make, rate::RateLimiter, record::SegmentTracker};

/// Jitter buffer of RTSP cameras, ms.
const RTSP_LATENCY_MS: u32 = 300;

/// A pipeline ready to play.
pub(super) struct Built {
    pub(super) realtime: bool,
    pub(super) pipeline: gst::Pipeline,
    pub(super) sink: gst_app::AppSink,
    pub(super) segments: SegmentTracker,
}

/// The pipeline of `source`.
pub(super) fn build(
    source: &Source,
    config: &CaptureConfig,
    health: &Arc<Mutex<CaptureHealth>>,
) -> Result<Built, PipelineError> {
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
    pipeline.add_many([&convert, sink.upcast_ref()])?;
    convert.link(&sink)?;
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
        decoder_threads: config.decoder_threads,
        // A file is never live, even paced as a camera: dropping its data
        // would not keep up with a clock, it would just skip (see BranchCtx).
        live: config.realtime && !matches!(source, Source::Uri(u) if u.starts_with("file://")),
    });
    match source {
        Source::Demo(_) => return Err(PipelineError::Demo),
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
            pipeline.add_many([&src, &caps])?;
            src.link(&caps)?;
            let pad = caps
                .static_pad("src")
                .ok_or_else(|| PipelineError::Assemble("capsfilter has no src pad".into()))?;
            ctx.attach(&pad, "video/x-raw")?;
        }
        Source::Uri(uri) => {
            let src = make("urisourcebin")?;
            src.set_property("uri", uri);
            // HTTP streams (MJPEG) carry no timestamps: stamp them on arrival.
            // RTSP cameras sit on the barn's LAN: a short jitter buffer
            // (rtspsrc waits 2 s by default) gives the first picture sooner.
            src.connect("source-setup", false, |args| {
                if let Ok(el) = args[1].get::<gst::Element>()
                    && el.type_().name() == "GstRTSPSrc"
                {
                    el.set_property("latency", RTSP_LATENCY_MS);
                }
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
            pipeline.add_many([&src, &parse])?;
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
