//! Thinning a stream to the inference rate, by stream time.

/// Keeps one frame per `1/fps` of stream time (the first frame always).
#[derive(Debug, Clone, Copy)]
pub struct RateLimiter {
    interval_ns: u64,
    next_ns: Option<u64>,
}

impl RateLimiter {
    /// A limiter to `fps` frames per second.
    pub fn new(fps: u32) -> RateLimiter {
        RateLimiter {
            interval_ns: 1_000_000_000 / u64::from(fps.max(1)),
            next_ns: None,
        }
    }

    /// Whether the frame at `t_ns` is kept. A tolerance of 1/8 of the interval
    /// absorbs jitter; the schedule keeps its own cadence (a frame kept early
    /// does not bring the next one forward), so a 25 fps camera thinned to 2
    /// gives 2 frames a second, not one every 440 ms. A jump backwards (a
    /// looped file) or a gap of more than an interval restarts the schedule.
    pub fn keep(&mut self, t_ns: u64) -> bool {
        let (interval, tol) = (self.interval_ns, self.interval_ns / 8);
        let next = match self.next_ns {
            // Not back in time by more than a (tolerated) interval: on schedule.
            Some(next) if t_ns.saturating_add(interval + tol) >= next => next,
            _ => return self.restart(t_ns),
        };
        if t_ns.saturating_add(tol) < next {
            false
        } else if t_ns < next.saturating_add(interval) {
            self.next_ns = Some(next.saturating_add(interval));
            true
        } else {
            self.restart(t_ns)
        }
    }

    /// Keeps the frame at `t_ns` and schedules the next from it.
    fn restart(&mut self, t_ns: u64) -> bool {
        self.next_ns = Some(t_ns.saturating_add(self.interval_ns));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_keeps_one_frame_per_interval() {
        let mut r = RateLimiter::new(2);
        let ms = 1_000_000;
        // A 10 fps source: frames every 100 ms.
        let kept: Vec<u64> = (0..20)
            .map(|i| i * 100)
            .filter(|t| r.keep(t * ms))
            .collect();
        assert_eq!(kept, vec![0, 500, 1000, 1500]);
        // A looped file jumps back to 0.
        assert!(r.keep(0));
    }

    /// Frames kept from `seconds` of a `source_fps` stream thinned to `fps`.
    fn kept(source_fps: f64, fps: u32, seconds: u64) -> usize {
        let mut r = RateLimiter::new(fps);
        let n = (seconds as f64 * source_fps) as u64;
        (0..n)
            .filter(|&i| r.keep((i as f64 * 1e9 / source_fps) as u64))
            .count()
    }

    #[test]
    fn the_rate_asked_is_the_rate_kept_whatever_the_source() {
        for source in [5.0, 10.0, 12.5, 15.0, 24.0, 25.0, 29.97, 30.0, 50.0, 60.0] {
            for fps in [1, 2, 4] {
                let k = kept(source, fps, 600);
                let want = 600 * fps as usize;
                assert!(
                    k.abs_diff(want) <= 1,
                    "{source} fps thinned to {fps}: {k} frames in 600 s, not {want}"
                );
            }
        }
        // A source slower than the rate asked: every frame.
        assert_eq!(kept(1.0, 2, 60), 60);
    }

    #[test]
    fn a_gap_in_the_stream_restarts_the_schedule() {
        let mut r = RateLimiter::new(2);
        let ms = 1_000_000;
        assert!(r.keep(0));
        assert!(r.keep(500 * ms));
        // Nothing for 3 s: the first frame after is kept, then every 500 ms from it.
        assert!(r.keep(3_520 * ms));
        assert!(!r.keep(3_900 * ms));
        assert!(r.keep(4_020 * ms));
    }
}
