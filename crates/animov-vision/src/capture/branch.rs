//! Linking a stream the source revealed: video goes to decoding (and to the
//! recording, remuxed or encoded), anything else to a fake sink.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::{CaptureHealth, PipelineError, RecordConfig, set_health};
use crate::{error::make, record::SegmentTracker};

/// What linking a new stream needs.
pub(super) struct BranchCtx {
    pub(super) pipeline: gst::glib::WeakRef<gst::Pipeline>,
    pub(super) tail: gst::Element,
    pub(super) record: Option<RecordConfig>,
    pub(super) segments: SegmentTracker,
    pub(super) linked: AtomicBool,
    pub(super) health: Arc<Mutex<CaptureHealth>>,
    /// Threads of each FFmpeg video decoder (0: one per core).
    pub(super) decoder_threads: u32,
    /// A live source (camera): queues drop the oldest data rather than hold
    /// the source back. Not a file, even one paced as a camera: a file
    /// pushes as fast as it is let, so leaky queues threw most of it away
    /// (the decoder got a few frames, then nothing until the stall timeout
    /// reopened it) — held back instead, it plays at the pace of the sink's
    /// clock.
    pub(super) live: bool,
}

impl BranchCtx {
    /// Links a new stream pad: video goes to inference (and recording), the rest to a fakesink.
    pub(super) fn attach(&self, pad: &gst::Pad, caps_name: &str) -> Result<(), PipelineError> {
        let pipeline = self
            .pipeline
            .upgrade()
            .ok_or_else(|| PipelineError::Assemble("pipeline gone".into()))?;
        let add = |els: &[&gst::Element]| -> Result<(), PipelineError> {
            pipeline.add_many(els.iter().copied())?;
            for e in els {
                e.sync_state_with_parent()?;
            }
            Ok(())
        };
        let link_pad = |el: &gst::Element| -> Result<(), PipelineError> {
            let sinkpad = el
                .static_pad("sink")
                .ok_or_else(|| PipelineError::Assemble("no sink pad".into()))?;
            pad.link(&sinkpad)
                .map(|_| ())
                .map_err(|e| PipelineError::Link {
                    caps: caps_name.to_string(),
                    reason: format!("{e:?}"),
                })
        };
        if !caps_name.starts_with("video/") && !caps_name.starts_with("image/")
            || self.linked.swap(true, Ordering::SeqCst)
        {
            let fake = make("fakesink")?;
            fake.set_property("sync", false);
            add(&[&fake])?;
            return link_pad(&fake);
        }
        let encoded = match caps_name {
            "video/x-h264" => Some("h264parse"),
            "video/x-h265" => Some("h265parse"),
            _ => None,
        };
        // Decoding branch: [queue] → decodebin → tail (rate limit → videoconvert → appsink).
        let dec_queue = make("queue")?;
        if self.live {
            // Never let a slow decoder hold back the recording of a live camera.
            dec_queue.set_property_from_str("leaky", "downstream");
        }
        dec_queue.set_property("max-size-buffers", 30u32);
        let decode = make("decodebin")?;
        limit_decoder_threads(&decode, self.decoder_threads);
        let tail = self.tail.clone();
        decode.connect_pad_added(move |_, p| {
            if let Some(s) = tail.static_pad("sink")
                && !s.is_linked()
            {
                let _ = p.link(&s);
            }
        });
        let Some(record) = &self.record else {
            add(&[&dec_queue, &decode])?;
            dec_queue.link(&decode)?;
            return link_pad(&dec_queue);
        };
        let split = self.segments.splitmux(record, encoded.is_none())?;
        let rec_queue = make("queue")?;
        rec_queue.set_property("max-size-time", 5_000_000_000u64);
        let tee = make("tee")?;
        if let Some(parser) = encoded {
            // Remux: parse → tee → (queue → splitmuxsink) + (queue → decodebin).
            set_health(&self.health, |h| h.remux = Some(true));
            let parse = make(parser)?;
            parse.set_property("config-interval", -1i32);
            add(&[&parse, &tee, &rec_queue, &split, &dec_queue, &decode])?;
            gst::Element::link_many([&parse, &tee])?;
            gst::Element::link_many([&tee, &rec_queue, &split])?;
            gst::Element::link_many([&tee, &dec_queue, &decode])?;
            link_pad(&parse)
        } else {
            // Encode: decodebin → tee → (queue → convert → x264enc → h264parse → splitmuxsink) + (queue → tail).
            set_health(&self.health, |h| h.remux = Some(false));
            let [conv, enc, parse] = crate::record::h264_encoder(record)?;
            let tail_queue = make("queue")?;
            if self.live {
                tail_queue.set_property_from_str("leaky", "downstream");
            }
            let decode2 = make("decodebin")?;
            limit_decoder_threads(&decode2, self.decoder_threads);
            let tee_for_decode = tee.clone();
            decode2.connect_pad_added(move |_, p| {
                if let Some(s) = tee_for_decode.static_pad("sink")
                    && !s.is_linked()
                {
                    let _ = p.link(&s);
                }
            });
            add(&[
                &dec_queue,
                &decode2,
                &tee,
                &rec_queue,
                &conv,
                &enc,
                &parse,
                &split,
                &tail_queue,
            ])?;
            dec_queue.link(&decode2)?;
            gst::Element::link_many([&tee, &rec_queue, &conv, &enc, &parse, &split])?;
            gst::Element::link_many([&tee, &tail_queue, &self.tail])?;
            link_pad(&dec_queue)
        }
    }
}

/// FFmpeg's decoders in `decodebin` decode on `threads` threads (0: their
/// default, one per core). Decoding frames in parallel keeps one more
/// picture in flight per thread (720p: 1.4 MB each, per camera); one thread
/// decodes 720p/1080p at 25 frames/s with room to spare (heaptrack, one
/// 720p file camera: 10 MB less at peak with 1 thread than with 2).
fn limit_decoder_threads(decodebin: &gst::Element, threads: u32) {
    if threads == 0 {
        return;
    }
    let threads = i32::try_from(threads).unwrap_or(i32::MAX);
    decodebin.connect("element-added", false, move |args| {
        if let Some(el) = args.get(1).and_then(|a| a.get::<gst::Element>().ok())
            && el.factory().is_some_and(|f| f.name().starts_with("avdec_"))
            && el.find_property("max-threads").is_some()
        {
            el.set_property("max-threads", threads);
        }
        None
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ffmpeg_decoders_in_a_decodebin_get_the_thread_count() {
        crate::error::init().expect("GStreamer");
        let threads = |n: u32| {
            let decodebin = gst::ElementFactory::make("decodebin").build().unwrap();
            limit_decoder_threads(&decodebin, n);
            let avdec = gst::ElementFactory::make("avdec_h264").build().unwrap();
            let bin = decodebin.downcast_ref::<gst::Bin>().unwrap();
            bin.add(&avdec).unwrap();
            avdec.property::<i32>("max-threads")
        };
        assert_eq!(threads(1), 1);
        assert_eq!(threads(3), 3);
        assert_eq!(threads(0), 0, "0 leaves FFmpeg's default (one per core)");
    }
}
