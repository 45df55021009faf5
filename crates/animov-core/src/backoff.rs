//! Waiting between attempts at something that keeps failing (a camera, the
//! database): start short, double after each failure up to a ceiling, and
//! start short again once an attempt has worked for a while.

use std::time::Duration;

/// Delays between retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    healthy_after: Duration,
    next: Duration,
}

impl Backoff {
    /// First wait `initial`, doubling up to `max`.
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max,
            healthy_after: Duration::MAX,
            next: initial,
        }
    }

    /// An attempt that ran at least this long before failing counts as a
    /// fresh failure: the wait starts again from `initial`.
    pub fn healthy_after(mut self, d: Duration) -> Backoff {
        self.healthy_after = d;
        self
    }

    /// The wait before the next attempt, after one that failed having run for `ran_for`.
    pub fn after_failure(&mut self, ran_for: Duration) -> Duration {
        if ran_for >= self.healthy_after {
            self.next = self.initial;
        }
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }

    /// An attempt succeeded: the next failure waits `initial` again.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn doubles_up_to_the_ceiling_and_starts_again_after_a_success() {
        let mut b = Backoff::new(S, 30 * S);
        let waits: Vec<u64> = (0..7)
            .map(|_| b.after_failure(Duration::ZERO).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        b.reset();
        assert_eq!(b.after_failure(Duration::ZERO), S);
    }

    #[test]
    fn an_attempt_that_ran_a_while_counts_as_a_fresh_failure() {
        let mut b = Backoff::new(S, 30 * S).healthy_after(10 * S);
        assert_eq!(b.after_failure(Duration::ZERO), S);
        assert_eq!(b.after_failure(9 * S), 2 * S);
        assert_eq!(b.after_failure(10 * S), S);
        assert_eq!(b.after_failure(Duration::ZERO), 2 * S);
    }
}
