//! Running a built pipeline: frames handed on at the inference rate, bus
//! messages (errors, end of stream, closed segments), stall detection, and a
//! clean stop that lets the recording close its segment.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_video as gst_video;

use super::{
    CaptureHealth, CaptureState, CapturedFrame, Ending, PipelineError, SegmentSink,
    pipeline::Built, set_health,
};
use crate::{frame::RgbFrame, handoff::Handoff, record::now_ms};

impl Built {
    /// Plays until stopped, the stream ends, it fails or it stalls.
    pub(super) fn run(
        self,
        stall_timeout: Duration,
        out: &Handoff<CapturedFrame>,
        segments: &SegmentSink,
        stop: &AtomicBool,
        health: &Mutex<CaptureHealth>,
    ) -> Ending {
        let Some(bus) = self.pipeline.bus() else {
            return Ending::Failed(PipelineError::Assemble("pipeline has no bus".into()));
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
            return Ending::Failed(PipelineError::Start(detail));
        }
        let mut ending = Ending::Stopped;
        let mut eos_sent = false;
        let mut eos_deadline = None;
        let mut last_frame = Instant::now();
        loop {
            if !eos_sent && last_frame.elapsed() > stall_timeout {
                ending = Ending::Failed(PipelineError::Stalled(stall_timeout.as_secs_f32()));
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
                        ending = Ending::Failed(PipelineError::Stream(format!(
                            "{} ({src})",
                            err.error()
                        )));
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
pub(crate) fn to_frame(sample: &gst::Sample) -> Option<RgbFrame> {
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
