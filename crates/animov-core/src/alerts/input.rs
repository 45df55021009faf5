//! The rules' 15-minute buckets, from minute rows (the engine) or frames
//! (evaluations), with the forecast band of each bucket laid on.

use std::collections::BTreeMap;

use animov_api::SourceKind;

use super::Bucket;
use crate::{
    FrameCount, Histogram,
    minute::MinuteRow,
    series::ratio_standing,
    time::{DAY_MS, QUARTER_MS, floor_to},
};

#[derive(Default)]
struct Acc {
    lying: Histogram,
    standing: Histogram,
    total: Histogram,
}

fn finish(acc: BTreeMap<i64, Acc>) -> Vec<Bucket> {
    acc.into_iter()
        .filter_map(|(ts, a)| {
            let (l, s, t) = (
                a.lying.quantile(0.5)?,
                a.standing.quantile(0.5)?,
                a.total.quantile(0.5)?,
            );
            Some(Bucket {
                ts,
                ratio: ratio_standing(l, s),
                total: Some(t),
                lower95: None,
                upper95: None,
            })
        })
        .collect()
}

/// Buckets from minute rows (any order): medians of lying, standing and total
/// over the frames of each bucket (exact, from the histograms).
pub fn buckets_from_minutes(rows: &[MinuteRow]) -> Vec<Bucket> {
    let mut acc: BTreeMap<i64, Acc> = BTreeMap::new();
    for r in rows {
        let a = acc.entry(floor_to(r.minute_ts, QUARTER_MS)).or_default();
        a.lying.merge(&r.lying.hist);
        a.standing.merge(&r.standing.hist);
        a.total.merge(&r.total.hist);
    }
    finish(acc)
}

/// The same buckets straight from frames.
pub fn buckets_from_frames(frames: &[FrameCount]) -> Vec<Bucket> {
    let mut acc: BTreeMap<i64, Acc> = BTreeMap::new();
    for f in frames {
        let a = acc.entry(floor_to(f.ts_ms, QUARTER_MS)).or_default();
        a.lying.add(i64::from(f.lying), 1);
        a.standing.add(i64::from(f.standing), 1);
        a.total.add(i64::from(f.total()), 1);
    }
    finish(acc)
}

/// Lays a forecast band on the buckets: `band(ts)` gives the 95 % interval
/// issued for the bucket starting at `ts`, if any.
pub fn with_band(buckets: &mut [Bucket], band: impl Fn(i64) -> Option<(f64, f64)>) {
    for b in buckets {
        if let Some((lo, hi)) = band(b.ts) {
            b.lower95 = Some(lo);
            b.upper95 = Some(hi);
        }
    }
}

/// Whether a source is expected to send frames now (the offline rule speaks
/// only then): a camera with an address (a removed one has none), the demo,
/// and an ingest-only source that sent some in the last day — not an old
/// import or a retired detector. A source already reported offline stays
/// expected until its frames are back, so that alert can resolve.
pub fn expects_frames(
    kind: SourceKind,
    has_address: bool,
    last_frame_ms: Option<i64>,
    offline_alert_open: bool,
    now_ms: i64,
) -> bool {
    match kind {
        SourceKind::Camera => has_address,
        SourceKind::Demo => true,
        SourceKind::Ingest => {
            last_frame_ms.is_some_and(|t| now_ms - t <= DAY_MS) || offline_alert_open
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minute::minute_rows;

    #[test]
    fn who_is_expected_to_send_frames() {
        let now = 10 * DAY_MS;
        assert!(expects_frames(SourceKind::Camera, true, None, false, now));
        assert!(!expects_frames(
            SourceKind::Camera,
            false,
            Some(now),
            false,
            now
        ));
        assert!(expects_frames(SourceKind::Demo, false, None, false, now));
        let hour_ago = Some(now - DAY_MS / 24);
        let last_month = Some(now - 9 * DAY_MS);
        assert!(expects_frames(
            SourceKind::Ingest,
            false,
            hour_ago,
            false,
            now
        ));
        assert!(!expects_frames(
            SourceKind::Ingest,
            false,
            last_month,
            false,
            now
        ));
        assert!(!expects_frames(SourceKind::Ingest, false, None, false, now));
        assert!(expects_frames(
            SourceKind::Ingest,
            false,
            last_month,
            true,
            now
        ));
    }

    #[test]
    fn minutes_and_frames_give_the_same_buckets() {
        let frames: Vec<FrameCount> = (0..200)
            .map(|k| FrameCount {
                ts_ms: k * 10_000,
                lying: (k % 7) as u32,
                standing: (k % 5) as u32,
            })
            .collect();
        let a = buckets_from_frames(&frames);
        let b = buckets_from_minutes(&minute_rows(&frames));
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].total, Some(5.0));
        let mut a = a;
        with_band(&mut a, |ts| (ts == 0).then_some((1.0, 2.0)));
        assert_eq!((a[0].lower95, a[1].lower95), (Some(1.0), None));
    }
}
