//! Evaluation of the alert rules: a generated month of demo data for 4
//! cameras with anomalies of each kind injected at known times, replayed
//! through the rules exactly as `animov alerts replay` does (forecasts from
//! the bundled model, one step ahead), and scored:
//!
//! * caught: an alert of the anomaly's rule on its camera opens between the
//!   anomaly's start and 2 h after its end; the delay is from its start;
//! * false alerts: alerts opened on the camera's days without an anomaly,
//!   after the first week (the baselines' warm-up), per camera-day.
//!
//! `cargo run --release -p animov-bench --bin alerts-eval [-- --days 30 --cameras 4 --seed 42]`
//!
//! Tracks are the simulated goats' true postures (a perfect tracker); counts
//! go through the demo detector's errors (4 % missed, 3 % posture confused,
//! 1 % ghosts), sampled every 10 s.

use animov_api::{AlertRules, RuleKind};
use animov_core::{
    FrameCount,
    alerts::{Bout, input::buckets_from_frames},
    demo::{DemoHerd, DemoSettings, Rng},
    time::{DAY_MS, HOUR_MS},
};
use animov_engine::alerting::replay::{
    DEFAULT_HISTORY_DAYS, ReplaySource, ReplayedAlert, forecast_bands, replay,
};

/// Farm time: UTC+1.
const OFFSET_MIN: i32 = 60;
/// A local midnight (2024-11-28T23:00Z).
const DAY0: i64 = 1_732_834_800_000;
const FRAME_MS: i64 = 10_000;

#[derive(Debug, Clone, Copy)]
struct Anomaly {
    rule: RuleKind,
    camera: usize,
    start: i64,
    end: i64,
}

/// The anomaly of kind `k` for camera `c`: which day and hours (local).
fn schedule(cameras: usize, days: i64) -> Vec<Anomaly> {
    let kinds = [
        (RuleKind::ForecastDeviation, 12, 14),
        (RuleKind::CameraOffline, 14, 15),
        (RuleKind::HerdCountDrop, 10, 14),
        (RuleKind::ProlongedLying, 9, 15),
        (RuleKind::NightDisturbance, 2, 3),
        (RuleKind::LowActivityDay, 6, 24),
    ];
    let mut out = Vec::new();
    for c in 0..cameras {
        for (k, (rule, h0, h1)) in kinds.iter().enumerate() {
            let day = 8 + 3 * k as i64 + (c % 3) as i64;
            if day >= days {
                continue;
            }
            let shift = (c as i64 % 2) * HOUR_MS; // not all at the same hour
            let d = DAY0 + day * DAY_MS;
            let (start, end) = match rule {
                RuleKind::LowActivityDay | RuleKind::NightDisturbance => {
                    (d + h0 * HOUR_MS, d + h1 * HOUR_MS)
                }
                _ => (d + h0 * HOUR_MS + shift, d + h1 * HOUR_MS + shift),
            };
            out.push(Anomaly {
                rule: *rule,
                camera: c,
                start,
                end,
            });
        }
    }
    out
}

struct Generated {
    frames: Vec<FrameCount>,
    bouts: Vec<Bout>,
    herd: u32,
}

/// A month of one camera, anomalies applied.
fn generate(camera: usize, seed: u64, days: i64, anomalies: &[Anomaly]) -> Generated {
    let settings = DemoSettings::for_camera(seed, camera as u32, OFFSET_MIN);
    let herd = settings.herd_size;
    let mut sim = DemoHerd::new(settings, DAY0);
    let mut rng = Rng::new(seed ^ 0xA1E7 ^ camera as u64);
    let mine: Vec<&Anomaly> = anomalies.iter().filter(|a| a.camera == camera).collect();
    let active = |rule: RuleKind, ts: i64| {
        mine.iter()
            .any(|a| a.rule == rule && a.start <= ts && ts < a.end)
    };
    let mut frames = Vec::new();
    let mut bouts = Vec::new();
    let mut lying_since: Vec<Option<i64>> = vec![None; herd as usize];
    let mut ts = DAY0;
    while ts < DAY0 + days * DAY_MS {
        sim.frame_at(ts);
        let mut truth: Vec<bool> = sim.standing().to_vec();
        if active(RuleKind::ProlongedLying, ts) {
            truth[0] = false; // the sick goat stays down
        }
        for (i, s) in truth.iter().enumerate() {
            match (*s, lying_since[i]) {
                (false, None) => lying_since[i] = Some(ts),
                (true, Some(start)) => {
                    bouts.push(Bout {
                        track_id: i as i64,
                        start_ms: start,
                        end_ms: ts,
                        running: false,
                    });
                    lying_since[i] = None;
                }
                _ => {}
            }
        }
        if !active(RuleKind::CameraOffline, ts) {
            let restless = active(RuleKind::ForecastDeviation, ts);
            let night = active(RuleKind::NightDisturbance, ts);
            let low = active(RuleKind::LowActivityDay, ts);
            let missing = if active(RuleKind::HerdCountDrop, ts) {
                3
            } else {
                0
            };
            let (mut lying, mut standing) = (0u32, 0u32);
            for (i, s) in truth.iter().enumerate() {
                if i >= 1 && i <= missing {
                    continue; // out of the pen
                }
                let mut up = *s;
                if !up && (restless && rng.chance(0.5) || night && rng.chance(0.6)) {
                    up = true;
                }
                if up && low && rng.chance(0.5) {
                    up = false;
                }
                if rng.chance(0.04) {
                    continue;
                }
                if up ^ rng.chance(0.03) {
                    standing += 1
                } else {
                    lying += 1
                }
            }
            if rng.chance(0.01) {
                if rng.chance(0.5) {
                    standing += 1
                } else {
                    lying += 1
                }
            }
            frames.push(FrameCount {
                ts_ms: ts,
                lying,
                standing,
            });
        }
        ts += FRAME_MS;
    }
    for (i, s) in lying_since.iter().enumerate() {
        if let Some(start) = s {
            bouts.push(Bout {
                track_id: i as i64,
                start_ms: *start,
                end_ms: ts,
                running: true,
            });
        }
    }
    Generated {
        frames,
        bouts,
        herd,
    }
}

fn arg(args: &[String], name: &str, default: i64) -> i64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let days = arg(&args, "--days", 30);
    let cameras = arg(&args, "--cameras", 4) as usize;
    let seed = arg(&args, "--seed", 42) as u64;
    let model = animov_engine::models::BundledModel::load()?;
    let mut rules = AlertRules {
        utc_offset_minutes: OFFSET_MIN,
        ..AlertRules::default()
    };
    if let Some(m) = args.iter().position(|a| a == "--lying-minutes") {
        rules.prolonged_lying.minutes = args
            .get(m + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(rules.prolonged_lying.minutes);
        rules.prolonged_lying.critical_minutes = rules
            .prolonged_lying
            .critical_minutes
            .max(rules.prolonged_lying.minutes);
    }
    let anomalies = schedule(cameras, days);
    let started = std::time::Instant::now();
    let mut alerts: Vec<(usize, ReplayedAlert)> = Vec::new();
    for c in 0..cameras {
        let g = generate(c, seed, days, &anomalies);
        let mut buckets = buckets_from_frames(&g.frames);
        forecast_bands(&mut buckets, &model)?;
        let src = ReplaySource {
            source: format!("demo-{}", c + 1),
            buckets,
            herd_size: Some(g.herd),
            bouts: Some(g.bouts),
        };
        eprintln!(
            "camera {} (herd {}): {} frames, replaying…",
            c + 1,
            g.herd,
            g.frames.len()
        );
        alerts.extend(
            replay(&src, &rules, DEFAULT_HISTORY_DAYS)
                .into_iter()
                .map(|a| (c, a)),
        );
    }
    let grace = 2 * HOUR_MS;
    // Caught anomalies and their delays, per kind.
    println!(
        "alert rules on {days} days × {cameras} cameras (seed {seed}), {} anomalies injected\n",
        anomalies.len()
    );
    println!(
        "{:<20} {:>7} {:>7} {:>13} {:>13} {:>10} {:>17}",
        "anomaly", "caught", "of", "median delay", "max delay", "≤ 45 min", "any rule: median"
    );
    let (mut all_caught, mut all_n, mut all_45) = (0, 0, 0);
    let mut all_delays = Vec::new();
    for &rule in RuleKind::ALL {
        let mine: Vec<&Anomaly> = anomalies.iter().filter(|a| a.rule == rule).collect();
        let mut delays: Vec<f64> = Vec::new();
        let mut any: Vec<f64> = Vec::new();
        for a in &mine {
            if let Some(t) = alerts
                .iter()
                .filter(|(c, x)| {
                    *c == a.camera && x.opened_at >= a.start && x.opened_at < a.end + grace
                })
                .map(|(_, x)| x.opened_at)
                .min()
            {
                any.push((t - a.start) as f64 / 60_000.0);
            }
            let first = alerts
                .iter()
                .filter(|(c, x)| {
                    *c == a.camera
                        && x.rule == rule
                        && x.opened_at >= a.start
                        && x.opened_at < a.end + grace
                })
                .map(|(_, x)| x.opened_at)
                .min();
            if let Some(t) = first {
                delays.push((t - a.start) as f64 / 60_000.0);
            }
        }
        let within = delays.iter().filter(|d| **d <= 45.0).count();
        all_caught += delays.len();
        all_n += mine.len();
        all_45 += within;
        all_delays.extend(delays.iter().copied());
        let max = delays.iter().copied().fold(f64::NAN, f64::max);
        println!(
            "{:<20} {:>7} {:>7} {:>9.0} min {:>9.0} min {:>10} {:>13.0} min",
            rule.as_str(),
            delays.len(),
            mine.len(),
            median(&mut delays.clone()),
            max,
            within,
            median(&mut any)
        );
    }
    let max_all = all_delays.iter().copied().fold(f64::NAN, f64::max);
    println!(
        "{:<20} {:>7} {:>7} {:>9.0} min {:>9.0} min {:>10}",
        "all",
        all_caught,
        all_n,
        median(&mut all_delays),
        max_all,
        all_45
    );
    println!(
        "\ncaught: {:.1} %; caught within 45 min of the anomaly's start: {:.1} %",
        100.0 * all_caught as f64 / all_n.max(1) as f64,
        100.0 * all_45 as f64 / all_n.max(1) as f64
    );
    // False alerts on normal days (after the first week).
    let day_of = |t: i64| (t - DAY0).div_euclid(DAY_MS);
    let mut normal_days = 0;
    let mut false_alerts: Vec<&ReplayedAlert> = Vec::new();
    for c in 0..cameras {
        let bad: Vec<i64> = anomalies
            .iter()
            .filter(|a| a.camera == c)
            .flat_map(|a| day_of(a.start)..=day_of(a.end + grace - 1))
            .collect();
        for d in 7..days {
            if bad.contains(&d) {
                continue;
            }
            normal_days += 1;
            false_alerts.extend(
                alerts
                    .iter()
                    .filter(|(cc, x)| *cc == c && day_of(x.opened_at) == d)
                    .map(|(_, x)| x),
            );
        }
    }
    println!(
        "false alerts: {} on {} normal camera-days = {:.3} per camera-day",
        false_alerts.len(),
        normal_days,
        false_alerts.len() as f64 / normal_days.max(1) as f64
    );
    for &rule in RuleKind::ALL {
        let n = false_alerts.iter().filter(|a| a.rule == rule).count();
        if n > 0 {
            println!("  {:<20} {n}", rule.as_str());
        }
    }
    if args.iter().any(|a| a == "--verbose") {
        for a in &false_alerts {
            println!(
                "  false: {} {} {} {}",
                a.source,
                a.rule.as_str(),
                a.opened_at,
                a.message
            );
        }
    }
    println!("\n(replayed in {:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}
