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
    /// absorbs jitter; a jump backwards (a looped file) restarts the schedule.
    pub fn keep(&mut self, t_ns: u64) -> bool {
        let tol = self.interval_ns / 8;
        match self.next_ns {
            Some(next) if t_ns + tol < next && next.saturating_sub(t_ns) <= self.interval_ns => {
                false
            }
            _ => {
                self.next_ns = Some(t_ns + self.interval_ns);
                true
            }
        }
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
}
