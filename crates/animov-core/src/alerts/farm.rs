//! Farm-wide context: each pen compared with the farm's other pens before a
//! behaviour rule speaks.
//!
//! A warm afternoon, a feed that comes late, the farmer's round: every pen
//! moves the same way at once, and that is not one pen's problem. For each
//! recent quarter hour, the other pens' residuals (how far each sat outside
//! its own usual range) give the farm's *shared shift*: the distance that
//! more than half of them moved in the same direction (at least two other
//! pens are needed). (A variant that ignored shared shifts under
//! [`MOVED_PTS`] was tried on the development set: 4 false alerts instead of
//! 2, the same anomalies caught.) When this pen moved that way too, its usual range moves
//! by that shift before the rules judge it, and the alert says how many pens
//! moved with it. A pen that moves alone is judged as before.

use std::collections::BTreeMap;

use super::{Bucket, usual::History};
use crate::time::QUARTER_MS;

/// A pen counts as having moved when it sits this far (points) outside its
/// usual range.
pub const MOVED_PTS: f64 = 5.0;
/// Fewest other pens with data before the farm says anything.
pub const MIN_OTHERS: usize = 2;
/// How far back from now the shift is worked out: the rules' runs and the
/// day's running average look no further.
pub const LOOKBACK_MS: i64 = 16 * 3_600_000;

/// What the farm's other pens did at one quarter hour, seen from one pen.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FarmShift {
    /// The shift the pen's usual takes (points; 0 when the farm did not move
    /// the pen's way).
    pub shift: f64,
    /// Other pens with data then.
    pub others: u32,
    /// Of those, how many moved the same way as this pen (beyond [`MOVED_PTS`]).
    pub moved: u32,
}

/// The shift shared by more than half of `others` (their residuals, points),
/// as seen from a pen whose own residual is `own`.
pub fn shift_from(own: f64, others: &[f64]) -> FarmShift {
    let n = others.len();
    let same_way = |r: f64| r * own.signum() > MOVED_PTS;
    let moved = if own == 0.0 {
        0
    } else {
        others.iter().filter(|r| same_way(**r)).count() as u32
    };
    let mut shift = 0.0;
    if n >= MIN_OTHERS && own != 0.0 {
        // How far each other pen moved this pen's way, largest first; the
        // (n/2 + 1)-th is the distance more than half of them moved.
        let mut along: Vec<f64> = others.iter().map(|r| (r * own.signum()).max(0.0)).collect();
        along.sort_by(|a, b| b.total_cmp(a));
        let k = n / 2 + 1;
        shift = own.signum() * along[k - 1];
    }
    FarmShift {
        shift,
        others: n as u32,
        moved,
    }
}

/// For each pen, the farm's shift at each quarter hour of the last
/// [`LOOKBACK_MS`] before `now_ms` (pens given oldest bucket first, as the
/// rules get them). Empty maps when the farm has fewer than three pens.
pub fn shifts(pens: &[&[Bucket]], now_ms: i64) -> Vec<BTreeMap<i64, FarmShift>> {
    shifts_between(pens, now_ms - LOOKBACK_MS, now_ms)
}

/// The same for the buckets that start at or after `from_ms` and end by `to_ms`.
pub fn shifts_between(
    pens: &[&[Bucket]],
    from_ms: i64,
    to_ms: i64,
) -> Vec<BTreeMap<i64, FarmShift>> {
    let mut out = vec![BTreeMap::new(); pens.len()];
    if pens.len() <= MIN_OTHERS {
        return out;
    }
    let histories: Vec<History> = pens.iter().map(|b| History::new(b)).collect();
    let mut times: Vec<i64> = pens
        .iter()
        .flat_map(|b| {
            let start = b.partition_point(|x| x.ts < from_ms);
            b[start..].iter().map(|x| x.ts)
        })
        .filter(|ts| ts + QUARTER_MS <= to_ms)
        .collect();
    times.sort_unstable();
    times.dedup();
    for ts in times {
        let res: Vec<Option<f64>> = histories
            .iter()
            .map(|h| h.residual(ts).map(|(_, r, _)| r))
            .collect();
        for (i, own) in res.iter().enumerate() {
            let Some(own) = own else { continue };
            let others: Vec<f64> = res
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .filter_map(|(_, r)| *r)
                .collect();
            // Kept while the pen is outside its range: its alerts say what the others did.
            if *own != 0.0 && others.len() >= MIN_OTHERS {
                out[i].insert(ts, shift_from(*own, &others));
            }
        }
    }
    out
}

/// The clause an alert's message gets when other pens moved with this one.
pub fn clause(f: &FarmShift) -> Option<String> {
    (f.moved > 0).then(|| {
        let taken = if f.shift != 0.0 {
            format!(
                "; the usual was moved by the {:.0} points they shared",
                f.shift.abs()
            )
        } else {
            String::new()
        };
        format!(
            " ({} of the farm's {} other pens moved the same way{taken})",
            f.moved, f.others
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::DAY_MS;

    #[test]
    fn the_shift_is_what_more_than_half_of_the_other_pens_shared() {
        // Three others, two of them 10 and 20 points down: 10 is shared.
        let f = shift_from(-30.0, &[-10.0, -20.0, 0.0]);
        assert_eq!((f.shift, f.others, f.moved), (-10.0, 3, 2));
        // One of three is no majority.
        let f = shift_from(-30.0, &[-25.0, 0.0, 0.0]);
        assert_eq!((f.shift, f.moved), (0.0, 1));
        // Two others: both must have moved; the smaller move is shared.
        assert_eq!(shift_from(-30.0, &[-8.0, -12.0]).shift, -8.0);
        // A shared wobble of a few points is shared too, but no pen "moved".
        let f = shift_from(-30.0, &[-3.0, -4.0, -2.0]);
        assert_eq!((f.shift, f.moved), (-3.0, 0));
        assert_eq!(shift_from(-30.0, &[-8.0, 3.0]).shift, 0.0);
        // The farm moving the other way never moves this pen's usual away.
        assert_eq!(shift_from(-30.0, &[15.0, 15.0, 15.0]).shift, 0.0);
        // One other pen is no farm; a pen inside its range takes no shift.
        assert_eq!(shift_from(-30.0, &[-20.0]).shift, 0.0);
        assert_eq!(shift_from(0.0, &[-20.0, -20.0]).shift, 0.0);
    }

    #[test]
    fn a_warm_afternoon_on_every_pen_moves_each_pens_usual() {
        const DAY0: i64 = 1_732_838_400_000;
        // Four pens, a week at 40 %, then today from 12:00 all at 20 %,
        // except pen 3 that stays at 40 %.
        let pen = |today: f64| -> Vec<Bucket> {
            (0..8 * 96)
                .map(|i| Bucket {
                    ts: DAY0 + i * QUARTER_MS,
                    ratio: Some(if i >= 7 * 96 + 48 { today } else { 40.0 }),
                    total: Some(20.0),
                    lower95: None,
                    upper95: None,
                })
                .collect()
        };
        let pens = [pen(20.0), pen(20.0), pen(20.0), pen(40.0)];
        let refs: Vec<&[Bucket]> = pens.iter().map(|p| p.as_slice()).collect();
        let now = DAY0 + 8 * DAY_MS;
        let s = shifts(&refs, now);
        let noon = DAY0 + 7 * DAY_MS + 14 * 3_600_000;
        assert_eq!(s[0][&noon].shift, -20.0);
        assert_eq!(s[0][&noon].moved, 2);
        assert!(
            !s[3].contains_key(&noon),
            "a pen within its range takes nothing"
        );
        assert!(clause(&s[0][&noon]).unwrap().contains("2 of the farm's 3"));
        // The usual of pen 0 moves with the farm: 20 % is inside it.
        let h = History::new(&pens[0]).with_farm(&s[0]);
        assert_eq!(h.residual(noon).unwrap().1, 0.0);
        // Two pens are no farm.
        assert!(shifts(&refs[..2], now).iter().all(|m| m.is_empty()));
    }
}
