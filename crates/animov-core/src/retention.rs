//! Which recording segments to delete: by age, then by disk quota, oldest
//! first, never a segment flagged `keep` nor one still being written.

/// What retention needs to know of a closed segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Store id.
    pub id: i64,
    /// Start of the segment, UTC ms.
    pub start_ms: i64,
    /// End of the segment, UTC ms.
    pub end_ms: i64,
    /// Size on disk.
    pub bytes: u64,
    /// Flagged to keep (a vet's evidence): never deleted automatically.
    pub keep: bool,
}

/// Retention settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Segments that ended longer ago than this are deleted (ms); `None`: no age limit.
    pub max_age_ms: Option<i64>,
    /// Recordings may use at most this many bytes in all; `None`: no quota.
    pub max_bytes: Option<u64>,
}

impl SegmentInfo {
    /// Whether the age rule alone discards this segment at `now_ms`.
    pub fn too_old(&self, policy: &RetentionPolicy, now_ms: i64) -> bool {
        !self.keep
            && policy
                .max_age_ms
                .is_some_and(|age| now_ms - self.end_ms > age)
    }
}

/// Ids of the segments to delete, oldest first. `open_bytes` is the size of
/// segments still being written (they count toward the quota but are never
/// deleted). If kept segments alone exceed the quota, the rest is deleted and
/// the quota stays exceeded: the caller should warn.
pub fn segments_to_delete(
    segments: &[SegmentInfo],
    policy: &RetentionPolicy,
    now_ms: i64,
    open_bytes: u64,
) -> Vec<i64> {
    let mut order: Vec<&SegmentInfo> = segments.iter().collect();
    order.sort_by_key(|s| (s.start_ms, s.id));
    let mut delete = Vec::new();
    let mut used: u64 = open_bytes + segments.iter().map(|s| s.bytes).sum::<u64>();
    for s in &order {
        if s.too_old(policy, now_ms) {
            delete.push(s.id);
            used -= s.bytes;
        }
    }
    if let Some(quota) = policy.max_bytes {
        for s in &order {
            if used <= quota {
                break;
            }
            if s.keep || delete.contains(&s.id) {
                continue;
            }
            delete.push(s.id);
            used -= s.bytes;
        }
    }
    delete
}

/// The segment the age rule deletes next, among those not `due` already, and
/// when: `(id, at_ms)`. Kept segments never go; without an age limit, `None`.
pub fn next_by_age(
    segments: &[SegmentInfo],
    policy: &RetentionPolicy,
    due: &[i64],
) -> Option<(i64, i64)> {
    let age = policy.max_age_ms?;
    segments
        .iter()
        .filter(|s| !s.keep && !due.contains(&s.id))
        .min_by_key(|s| (s.end_ms, s.id))
        .map(|s| (s.id, s.end_ms + age))
}

/// The free space recording leaves for the database and the rest: below
/// `reserve` bytes recording stops (once retention has freed what it may);
/// it starts again at `resume` bytes, a margin above, so a disk at the
/// limit does not stop and start it every few seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskReserve {
    /// Recording stops below this many free bytes.
    pub reserve: u64,
    /// Recording starts again from this many free bytes.
    pub resume: u64,
}

impl DiskReserve {
    /// A reserve of `reserve` bytes; recording resumes a quarter above (at least 1 MiB).
    pub fn new(reserve: u64) -> Self {
        DiskReserve {
            reserve,
            resume: reserve + (reserve / 4).max(1 << 20),
        }
    }

    /// Whether recording should be stopped with `free` bytes free, given
    /// whether it is stopped now.
    pub fn stop_recording(&self, free: u64, stopped: bool) -> bool {
        if stopped {
            free < self.resume
        } else {
            free < self.reserve
        }
    }

    /// Bytes retention should free when `free` bytes are free (0: none),
    /// so that recording has its resume margin again.
    pub fn shortfall(&self, free: u64) -> u64 {
        if free < self.reserve {
            self.resume - free
        } else {
            0
        }
    }
}

/// The oldest segments (never a kept one, nor one already in `due`) whose
/// deletion frees at least `shortfall` bytes; all that may go when they are
/// not enough.
pub fn segments_to_free(segments: &[SegmentInfo], due: &[i64], shortfall: u64) -> Vec<i64> {
    let mut order: Vec<&SegmentInfo> = segments
        .iter()
        .filter(|s| !s.keep && !due.contains(&s.id))
        .collect();
    order.sort_by_key(|s| (s.start_ms, s.id));
    let mut freed = 0u64;
    let mut out = Vec::new();
    for s in order {
        if freed >= shortfall {
            break;
        }
        freed = freed.saturating_add(s.bytes);
        out.push(s.id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn seg(id: i64, hour: i64, bytes: u64, keep: bool) -> SegmentInfo {
        SegmentInfo {
            id,
            start_ms: hour * HOUR,
            end_ms: hour * HOUR + HOUR / 6,
            bytes,
            keep,
        }
    }

    #[test]
    fn age_deletes_old_segments_but_not_kept_ones() {
        let s = [
            seg(1, 0, 10, false),
            seg(2, 1, 10, true),
            seg(3, 30, 10, false),
        ];
        let p = RetentionPolicy {
            max_age_ms: Some(24 * HOUR),
            max_bytes: None,
        };
        assert_eq!(segments_to_delete(&s, &p, 31 * HOUR, 0), vec![1]);
    }

    #[test]
    fn quota_deletes_oldest_first_counting_the_open_segment() {
        let s = [
            seg(3, 2, 100, false),
            seg(1, 0, 100, false),
            seg(2, 1, 100, true),
        ];
        let p = RetentionPolicy {
            max_age_ms: None,
            max_bytes: Some(250),
        };
        // 300 closed + 50 open = 350 > 250: delete the oldest unkept (1) → 250.
        assert_eq!(segments_to_delete(&s, &p, 3 * HOUR, 50), vec![1]);
        // With 60 open: 360 → still 260 after 1, so 3 goes too; 2 is kept.
        assert_eq!(segments_to_delete(&s, &p, 3 * HOUR, 60), vec![1, 3]);
    }

    #[test]
    fn nothing_to_do_within_limits() {
        let s = [seg(1, 0, 10, false)];
        let p = RetentionPolicy {
            max_age_ms: Some(48 * HOUR),
            max_bytes: Some(1_000),
        };
        assert!(segments_to_delete(&s, &p, 10 * HOUR, 0).is_empty());
        assert!(segments_to_delete(&[], &p, 10 * HOUR, 0).is_empty());
    }

    #[test]
    fn kept_segments_over_quota_are_never_deleted() {
        let s = [seg(1, 0, 500, true), seg(2, 1, 10, false)];
        let p = RetentionPolicy {
            max_age_ms: None,
            max_bytes: Some(100),
        };
        assert_eq!(segments_to_delete(&s, &p, 2 * HOUR, 0), vec![2]);
    }

    #[test]
    fn the_next_deletion_is_the_oldest_segment_not_kept_nor_due() {
        let s = [
            seg(1, 0, 10, true),
            seg(2, 1, 10, false),
            seg(3, 2, 10, false),
        ];
        let p = RetentionPolicy {
            max_age_ms: Some(24 * HOUR),
            max_bytes: None,
        };
        assert_eq!(
            next_by_age(&s, &p, &[]),
            Some((2, HOUR + HOUR / 6 + 24 * HOUR))
        );
        assert_eq!(next_by_age(&s, &p, &[2]).map(|n| n.0), Some(3));
        let no_age = RetentionPolicy {
            max_age_ms: None,
            ..p
        };
        assert_eq!(next_by_age(&s, &no_age, &[]), None);
    }

    #[test]
    fn a_full_disk_frees_the_oldest_unkept_segments_first() {
        let seg = |id, start_ms, bytes, keep| SegmentInfo {
            id,
            start_ms,
            end_ms: start_ms + 60_000,
            bytes,
            keep,
        };
        let s = [
            seg(3, 300, 100, false),
            seg(1, 100, 100, true),
            seg(2, 200, 100, false),
            seg(4, 400, 100, false),
        ];
        // The oldest one not kept, then the next: just enough.
        assert_eq!(segments_to_free(&s, &[], 150), vec![2, 3]);
        // Already due ones are not counted twice.
        assert_eq!(segments_to_free(&s, &[2], 150), vec![3, 4]);
        // Not enough to free: all that may go; nothing asked, nothing.
        assert_eq!(segments_to_free(&s, &[], 10_000), vec![2, 3, 4]);
        assert!(segments_to_free(&s, &[], 0).is_empty());
    }

    #[test]
    fn recording_stops_below_the_reserve_and_resumes_above_a_margin() {
        let mib = 1u64 << 20;
        let r = DiskReserve::new(8 * mib);
        assert_eq!(r.resume, 10 * mib);
        assert!(!r.stop_recording(9 * mib, false));
        assert!(r.stop_recording(8 * mib - 1, false));
        // Stopped: stays stopped until the margin is back.
        assert!(r.stop_recording(9 * mib, true));
        assert!(!r.stop_recording(10 * mib, true));
        assert_eq!(r.shortfall(9 * mib), 0);
        assert_eq!(r.shortfall(7 * mib), 3 * mib);
        // A small reserve still has a 1 MiB margin.
        assert_eq!(DiskReserve::new(1024).resume, 1024 + mib);
    }
}
