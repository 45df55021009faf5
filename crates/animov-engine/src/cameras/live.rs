//! The live view of a camera: its newest analysed frame, encoded as JPEG only
//! when someone asks for it (once per frame, however many watch).

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicUsize, Ordering},
};

use animov_api::LiveFrameInfo;
use animov_core::analysis::RawDetection;
use animov_vision::RgbFrame;
use tokio::sync::watch;

/// One analysed frame for the live view.
#[derive(Debug)]
pub struct LiveFrame {
    /// The picture.
    pub frame: RgbFrame,
    /// Boxes and counts.
    pub info: LiveFrameInfo,
    /// Every box the detector proposed (before the camera's filters): for
    /// calibrating the threshold against the herd size and for trying
    /// settings on the picture.
    pub raw: Vec<RawDetection>,
    jpeg: OnceLock<Vec<u8>>,
}

impl LiveFrame {
    /// A frame and what was seen on it.
    pub fn new(frame: RgbFrame, info: LiveFrameInfo, raw: Vec<RawDetection>) -> LiveFrame {
        LiveFrame {
            frame,
            info,
            raw,
            jpeg: OnceLock::new(),
        }
    }

    /// The picture as JPEG (encoded on first use).
    pub fn jpeg(&self) -> &[u8] {
        self.jpeg
            .get_or_init(|| animov_vision::jpeg::encode(&self.frame, 80))
    }
}

/// The newest frame of one camera, and who watches it.
#[derive(Debug)]
pub struct LiveSlot {
    tx: watch::Sender<Option<Arc<LiveFrame>>>,
    watchers: AtomicUsize,
}

impl Default for LiveSlot {
    fn default() -> Self {
        LiveSlot {
            tx: watch::channel(None).0,
            watchers: AtomicUsize::new(0),
        }
    }
}

/// Counts a watcher while alive.
#[derive(Debug)]
pub struct WatchGuard(Arc<LiveSlot>);

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.0.watchers.fetch_sub(1, Ordering::SeqCst);
    }
}

impl LiveSlot {
    /// Replaces the newest frame.
    pub fn publish(&self, frame: LiveFrame) {
        self.tx.send_replace(Some(Arc::new(frame)));
    }

    /// The newest frame, if any.
    pub fn latest(&self) -> Option<Arc<LiveFrame>> {
        self.tx.borrow().clone()
    }

    /// Follows new frames; the guard counts the watcher until dropped.
    pub fn watch(self: &Arc<Self>) -> (watch::Receiver<Option<Arc<LiveFrame>>>, WatchGuard) {
        self.watchers.fetch_add(1, Ordering::SeqCst);
        (self.tx.subscribe(), WatchGuard(self.clone()))
    }

    /// Whether someone watches the stream now.
    pub fn watched(&self) -> bool {
        self.watchers.load(Ordering::SeqCst) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> LiveFrameInfo {
        LiveFrameInfo {
            source: "c".into(),
            ts_ms: 1,
            width: 8,
            height: 8,
            detections: vec![],
            standing: 0,
            lying: 0,
        }
    }

    #[test]
    fn jpeg_is_encoded_once_and_watchers_are_counted() {
        let slot = Arc::new(LiveSlot::default());
        assert!(slot.latest().is_none() && !slot.watched());
        let (mut rx, guard) = slot.watch();
        assert!(slot.watched());
        slot.publish(LiveFrame::new(
            RgbFrame::new(8, 8, vec![1; 192]).unwrap(),
            info(),
            vec![],
        ));
        assert!(rx.has_changed().unwrap());
        let f = rx.borrow_and_update().clone().unwrap();
        let a = f.jpeg().as_ptr();
        assert_eq!(a, f.jpeg().as_ptr());
        drop(guard);
        assert!(!slot.watched());
    }
}
