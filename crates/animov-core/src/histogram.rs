//! Frequency of each integer count: the exact summary behind quantiles and modes.

use animov_api::Stat;

/// How many frames showed each value, densely from the smallest value seen.
///
/// Goat counts are small integers, so a minute's histogram is a handful of
/// numbers; merging histograms gives exact quantiles and modes over any window
/// without going back to frames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Value of `counts[0]`.
    offset: i64,
    /// `counts[i]` frames showed `offset + i`. Never starts or ends with 0.
    counts: Vec<u64>,
}

/// A stored histogram that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed histogram {text:?}: {reason}")]
pub struct HistogramError {
    text: String,
    reason: &'static str,
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self::default()
    }

    /// The histogram of `values`.
    pub fn from_values<I: IntoIterator<Item = i64>>(values: I) -> Self {
        let mut h = Self::new();
        for v in values {
            h.add(v, 1);
        }
        h
    }

    /// Records `n` frames showing `value`.
    pub fn add(&mut self, value: i64, n: u64) {
        if n == 0 {
            return;
        }
        if self.counts.is_empty() {
            self.offset = value;
            self.counts.push(n);
            return;
        }
        if value < self.offset {
            let grow = (self.offset - value) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = value;
        }
        let idx = (value - self.offset) as usize;
        if idx >= self.counts.len() {
            self.counts.resize(idx + 1, 0);
        }
        self.counts[idx] += n;
    }

    /// Adds every frame of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (i, &c) in other.counts.iter().enumerate() {
            self.add(other.offset + i as i64, c);
        }
    }

    /// Number of frames.
    pub fn len(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// True when no frame was recorded.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, &c)| (self.offset + i as i64, c))
    }

    /// The `k`-th smallest value (0-based); `k < len()`.
    fn nth(&self, k: u64) -> i64 {
        let mut seen = 0;
        for (v, c) in self.iter() {
            seen += c;
            if k < seen {
                return v;
            }
        }
        self.offset + self.counts.len() as i64 - 1
    }

    /// Quantile with linear interpolation between order statistics (numpy's default).
    /// `None` when empty.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let h = (n - 1) as f64 * p;
        let lo = h.floor();
        let frac = h - lo;
        let a = self.nth(lo as u64) as f64;
        if frac == 0.0 {
            return Some(a);
        }
        let b = self.nth(lo as u64 + 1) as f64;
        Some(a + frac * (b - a))
    }

    /// Sum, mean, sample std, min, max, quartiles and mode; `None` when empty.
    pub fn stat(&self) -> Option<Stat> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let sum: i64 = self.iter().map(|(v, c)| v * c as i64).sum();
        let mean = sum as f64 / n as f64;
        let std = (n > 1).then(|| {
            let ss: f64 = self
                .iter()
                .map(|(v, c)| {
                    let d = v as f64 - mean;
                    c as f64 * d * d
                })
                .sum();
            (ss / (n - 1) as f64).sqrt()
        });
        let mut mode = (self.offset, 0);
        for (v, c) in self.iter() {
            if c > mode.1 {
                mode = (v, c);
            }
        }
        Some(Stat {
            sum,
            mean,
            std,
            min: self.offset,
            max: self.offset + self.counts.len() as i64 - 1,
            q1: self.quantile(0.25)?,
            q2: self.quantile(0.5)?,
            q3: self.quantile(0.75)?,
            mode: mode.0,
        })
    }

    /// Compact text form for storage: `offset:c0,c1,...` (empty string when empty).
    pub fn encode(&self) -> String {
        if self.counts.is_empty() {
            return String::new();
        }
        let mut s = format!("{}:", self.offset);
        for (i, c) in self.counts.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&c.to_string());
        }
        s
    }

    /// Reads [`Histogram::encode`]'s form back.
    pub fn decode(text: &str) -> Result<Histogram, HistogramError> {
        let err = |reason| HistogramError {
            text: text.chars().take(80).collect(),
            reason,
        };
        if text.is_empty() {
            return Ok(Histogram::new());
        }
        let (off, rest) = text.split_once(':').ok_or_else(|| err("missing ':'"))?;
        let offset: i64 = off.parse().map_err(|_| err("offset is not an integer"))?;
        let mut h = Histogram::new();
        for (i, c) in rest.split(',').enumerate() {
            let c: u64 = c.parse().map_err(|_| err("count is not an integer"))?;
            h.add(offset + i as i64, c);
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_match_numpy_linear() {
        // numpy.quantile([1, 2, 4, 7], [.25, .5, .75]) == [1.75, 3.0, 4.75]
        let h = Histogram::from_values([7, 1, 4, 2]);
        let s = h.stat().unwrap();
        assert_eq!((s.q1, s.q2, s.q3), (1.75, 3.0, 4.75));
        assert_eq!((s.min, s.max, s.sum), (1, 7, 14));
        // numpy.std([1,2,4,7], ddof=1)
        assert!((s.std.unwrap() - 2.6457513110645907).abs() < 1e-12);
    }

    #[test]
    fn mode_ties_go_to_the_smallest_value() {
        let s = Histogram::from_values([5, 3, 5, 3, 9]).stat().unwrap();
        assert_eq!(s.mode, 3);
    }

    #[test]
    fn one_frame_has_null_std() {
        let s = Histogram::from_values([4]).stat().unwrap();
        assert_eq!(s.std, None);
        assert_eq!((s.q1, s.q3, s.mode), (4.0, 4.0, 4));
    }

    #[test]
    fn empty_has_no_stat() {
        assert!(Histogram::new().stat().is_none());
        assert_eq!(Histogram::new().quantile(0.5), None);
    }

    #[test]
    fn merge_equals_histogram_of_all_values() {
        let mut a = Histogram::from_values([10, 12, 12]);
        a.merge(&Histogram::from_values([3, 20]));
        assert_eq!(a, Histogram::from_values([3, 10, 12, 12, 20]));
    }

    #[test]
    fn encodes_and_decodes() {
        let h = Histogram::from_values([3, 5, 5, 6]);
        assert_eq!(h.encode(), "3:1,0,2,1");
        assert_eq!(Histogram::decode(&h.encode()).unwrap(), h);
        assert_eq!(Histogram::decode("").unwrap(), Histogram::new());
        assert!(Histogram::decode("x:1").is_err());
        assert!(Histogram::decode("3:1,a").is_err());
        assert!(Histogram::decode("31").is_err());
    }
}
