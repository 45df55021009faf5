//! What the cameras produced while the database was unreachable (a MariaDB
//! restarting, a network cut to the server): kept in memory, oldest first,
//! and written when it answers again. Bounded: past [`MAX_WAITING_FRAMES`]
//! frames the oldest frames are dropped (counted, and said in the log and
//! the metrics); segments, snapshots and lying bouts are few and never
//! dropped. Kept in memory, not spilled to disk: a database away for longer
//! than the bound is a problem to fix, not to hide, and frames are the one
//! thing a camera makes again every half second.

use std::collections::VecDeque;

use super::worker::Output;

/// Frames kept while the database is away: 20 minutes of 4 cameras at
/// 2 frames/s (about 20 MB).
pub const MAX_WAITING_FRAMES: usize = 9_600;

/// Outputs waiting for the database, oldest first.
#[derive(Debug, Default)]
pub struct Backlog {
    items: VecDeque<Output>,
    frames: usize,
    dropped: u64,
}

impl Backlog {
    /// Adds outputs at the end; drops the oldest frames past the bound.
    /// Returns how many frames were dropped by this call.
    pub fn push(&mut self, outputs: impl IntoIterator<Item = Output>) -> usize {
        self.push_with_bound(outputs, MAX_WAITING_FRAMES)
    }

    fn push_with_bound(
        &mut self,
        outputs: impl IntoIterator<Item = Output>,
        bound: usize,
    ) -> usize {
        for o in outputs {
            if matches!(o, Output::Frame { .. }) {
                self.frames += 1;
            }
            self.items.push_back(o);
        }
        let mut dropped = 0;
        while self.frames > bound {
            let Some(i) = self
                .items
                .iter()
                .position(|o| matches!(o, Output::Frame { .. }))
            else {
                break;
            };
            self.items.remove(i);
            self.frames -= 1;
            dropped += 1;
        }
        self.dropped += dropped as u64;
        dropped
    }

    /// Puts outputs that could not be written back at the front, in order.
    pub fn retry_first(&mut self, outputs: Vec<Output>) {
        for o in outputs.into_iter().rev() {
            if matches!(o, Output::Frame { .. }) {
                self.frames += 1;
            }
            self.items.push_front(o);
        }
    }

    /// Takes up to `n` outputs from the front.
    pub fn take(&mut self, n: usize) -> Vec<Output> {
        let n = n.min(self.items.len());
        let out: Vec<Output> = self.items.drain(..n).collect();
        self.frames -= out
            .iter()
            .filter(|o| matches!(o, Output::Frame { .. }))
            .count();
        out
    }

    /// Outputs waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Frames waiting.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Frames dropped since start.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use animov_store::NewFrame;

    use super::*;

    fn frame(ts_ms: i64) -> Output {
        Output::Frame {
            camera_id: 1,
            source: "pen".into(),
            frame: NewFrame {
                ts_ms,
                lying: 1,
                standing: 2,
                detections: None,
            },
        }
    }

    fn times(b: &mut Backlog) -> Vec<Option<i64>> {
        b.take(usize::MAX)
            .into_iter()
            .map(|o| match o {
                Output::Frame { frame, .. } => Some(frame.ts_ms),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_oldest_frames_go_first_and_the_rest_never() {
        let mut b = Backlog::default();
        assert_eq!(
            b.push_with_bound([frame(1), Output::Bouts(vec![]), frame(2)], 3),
            0
        );
        assert_eq!(b.push_with_bound([frame(3), frame(4)], 3), 1);
        assert_eq!((b.frames(), b.len(), b.dropped()), (3, 4, 1));
        assert_eq!(b.push_with_bound([frame(5), frame(6), frame(7)], 3), 3);
        assert_eq!(b.dropped(), 4);
        assert_eq!(times(&mut b), vec![None, Some(5), Some(6), Some(7)]);
        assert!(b.is_empty() && b.frames() == 0);
    }

    #[test]
    fn what_failed_is_retried_before_what_came_since() {
        let mut b = Backlog::default();
        b.push([frame(1), frame(2), frame(3)]);
        let first = b.take(2);
        assert_eq!(b.frames(), 1);
        b.push([frame(4)]);
        b.retry_first(first);
        assert_eq!(b.frames(), 4);
        assert_eq!(times(&mut b), vec![Some(1), Some(2), Some(3), Some(4)]);
    }
}
