//! A seedable synthetic herd: realistic enough to demo, test and benchmark with.
//!
//! Each goat lies or stands and switches posture at random, more often towards
//! the hour's typical activity: mostly lying at night, a short active spell at
//! dawn, peaks around the two feeding times, a rest after midday. The detector
//! that "sees" them misses a few goats, confuses a few postures and now and
//! then reports a ghost. Same seed, same feed.

use crate::{FrameCount, time::DAY_MS};

/// SplitMix64: a tiny, good-enough, reproducible generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in \[0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Share of the herd typically standing at `hour` (local, 0.0 ≤ hour < 24).
pub fn standing_share(hour: f64) -> f64 {
    let bump = |centre: f64, width: f64, height: f64| {
        let d = (hour - centre).abs().min(24.0 - (hour - centre).abs());
        height * (-(d * d) / (2.0 * width * width)).exp()
    };
    let daylight = if (6.0..21.0).contains(&hour) {
        0.22
    } else {
        0.0
    };
    let p = 0.05 + daylight + bump(7.5, 0.7, 0.55) + bump(17.5, 0.8, 0.55) - bump(13.5, 1.0, 0.12)
        + bump(5.5, 0.4, 0.12);
    p.clamp(0.02, 0.95)
}

/// Settings of one demo camera.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoSettings {
    /// Goats in the pen.
    pub herd_size: u32,
    /// Seed of everything random.
    pub seed: u64,
    /// Offset of the farm's local time from UTC, minutes (activity follows local hours).
    pub utc_offset_min: i32,
}

impl DemoSettings {
    /// Settings for demo camera `index` (0-based): herd of 12 to 30 goats drawn from the seed.
    pub fn for_camera(seed: u64, index: u32, utc_offset_min: i32) -> Self {
        let seed = seed.wrapping_add(u64::from(index).wrapping_mul(0xA24B_AED4_963E_E407));
        let herd_size = 12 + (Rng::new(seed).next_u64() % 19) as u32;
        DemoSettings {
            herd_size,
            seed,
            utc_offset_min,
        }
    }
}

/// A simulated pen seen by a slightly imperfect detector.
#[derive(Debug, Clone)]
pub struct DemoHerd {
    settings: DemoSettings,
    standing: Vec<bool>,
    rng: Rng,
    last_ts: i64,
}

/// Mean time a goat keeps its posture when the hour gives no push either way.
const MEAN_BOUT_S: f64 = 480.0;

impl DemoHerd {
    /// The herd as it is at `start_ts_ms`.
    pub fn new(settings: DemoSettings, start_ts_ms: i64) -> Self {
        let mut rng = Rng::new(settings.seed);
        let p = standing_share(Self::hour(&settings, start_ts_ms));
        let standing = (0..settings.herd_size).map(|_| rng.chance(p)).collect();
        DemoHerd {
            settings,
            standing,
            rng,
            last_ts: start_ts_ms,
        }
    }

    fn hour(settings: &DemoSettings, ts_ms: i64) -> f64 {
        let local = ts_ms + i64::from(settings.utc_offset_min) * 60_000;
        local.rem_euclid(DAY_MS) as f64 / 3_600_000.0
    }

    /// The settings the herd runs with.
    pub fn settings(&self) -> DemoSettings {
        self.settings
    }

    /// Whether each goat truly stands now (before the simulated detector's errors).
    pub fn standing(&self) -> &[bool] {
        &self.standing
    }

    /// Moves the herd on to `ts_ms` and returns what the detector reports then.
    /// Times must not go backwards (an earlier time just observes the present state).
    pub fn frame_at(&mut self, ts_ms: i64) -> FrameCount {
        let dt = ((ts_ms - self.last_ts).max(0) as f64 / 1000.0).min(3600.0);
        self.last_ts = self.last_ts.max(ts_ms);
        let p = standing_share(Self::hour(&self.settings, ts_ms));
        let k = 1.0 / MEAN_BOUT_S;
        let up = 1.0 - (-(p * k) * dt).exp();
        let down = 1.0 - (-((1.0 - p) * k) * dt).exp();
        let (mut lying, mut standing) = (0, 0);
        for i in 0..self.standing.len() {
            let s = self.standing[i];
            let switch = if s {
                self.rng.chance(down)
            } else {
                self.rng.chance(up)
            };
            self.standing[i] = s ^ switch;
            if self.rng.chance(0.04) {
                continue; // missed detection (occluded, at the trough...)
            }
            let seen_standing = self.standing[i] ^ self.rng.chance(0.03);
            if seen_standing {
                standing += 1
            } else {
                lying += 1
            }
        }
        if self.rng.chance(0.01) {
            if self.rng.chance(0.5) {
                standing += 1
            } else {
                lying += 1
            } // ghost box
        }
        FrameCount {
            ts_ms,
            lying,
            standing,
        }
    }

    /// Frames every `interval_ms` over `[from_ms, to_ms)`.
    pub fn frames(&mut self, from_ms: i64, to_ms: i64, interval_ms: i64) -> Vec<FrameCount> {
        let mut out = Vec::with_capacity(((to_ms - from_ms).max(0) / interval_ms.max(1)) as usize);
        let mut ts = from_ms;
        while ts < to_ms {
            out.push(self.frame_at(ts));
            ts += interval_ms.max(1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR_MS;

    const DAY0: i64 = 1_732_838_400_000; // 2024-11-29T00:00Z

    #[test]
    fn same_seed_same_feed() {
        let s = DemoSettings::for_camera(42, 0, 0);
        let a = DemoHerd::new(s, DAY0).frames(DAY0, DAY0 + HOUR_MS, 5_000);
        let b = DemoHerd::new(s, DAY0).frames(DAY0, DAY0 + HOUR_MS, 5_000);
        assert_eq!(a, b);
        let c = DemoHerd::new(DemoSettings::for_camera(43, 0, 0), DAY0).frames(
            DAY0,
            DAY0 + HOUR_MS,
            5_000,
        );
        assert_ne!(a, c);
    }

    #[test]
    fn herds_are_12_to_30_goats() {
        for i in 0..50 {
            let n = DemoSettings::for_camera(7, i, 0).herd_size;
            assert!((12..=30).contains(&n), "{n}");
        }
    }

    #[test]
    fn lying_at_night_active_at_feeding() {
        let s = DemoSettings {
            herd_size: 25,
            seed: 1,
            utc_offset_min: 0,
        };
        let mut herd = DemoHerd::new(s, DAY0);
        let frames = herd.frames(DAY0, DAY0 + 7 * DAY_MS, 10_000);
        let share = |from_h: i64, to_h: i64| {
            let (mut st, mut all) = (0u64, 0u64);
            for f in &frames {
                let h = f.ts_ms.rem_euclid(DAY_MS) / HOUR_MS;
                if (from_h..to_h).contains(&h) {
                    st += f.standing as u64;
                    all += f.total() as u64;
                }
            }
            st as f64 / all as f64
        };
        let night = share(0, 4);
        let feeding = share(7, 9);
        assert!(night < 0.15, "night {night}");
        assert!(feeding > 0.5, "feeding {feeding}");
        // The detector misses some goats but never invents a crowd.
        assert!(frames.iter().any(|f| f.total() < 25));
        assert!(frames.iter().all(|f| f.total() <= 27));
    }
}
