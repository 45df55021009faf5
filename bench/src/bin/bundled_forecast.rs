//! Fits the bundled forecast model and writes `models/forecast/default.json`:
//! SARIMAX(1,0,1)(0,1,1,96) on 7 days of the 15-minute standing ratio of
//! AniMOV's simulated herd (demo camera 1, seed 42, farm at UTC+1), with that
//! reference week kept beside the parameters.
//!
//! `cargo run --release -p animov-bench --bin bundled-forecast [-- OUT.json]`

use std::path::PathBuf;

use animov_core::{
    FrameCount,
    demo::{DemoHerd, DemoSettings},
    series::series_from_frames,
    time::QUARTER_MS,
};
use animov_forecast::{Sarimax, SarimaxSpec};

const DAY: i64 = 86_400_000;

fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../models/forecast/default.json"
            ))
        });
    // A fixed week (Monday 2026-11-02 00:00 UTC), frames every 5 s.
    let start = 1_793_577_600_000i64;
    let settings = DemoSettings::for_camera(42, 0, 60);
    let mut herd = DemoHerd::new(settings, start);
    let frames: Vec<FrameCount> = herd.frames(start, start + 7 * DAY, 5_000);
    let points = series_from_frames(&frames, QUARTER_MS);
    let mut y = vec![f64::NAN; 7 * 96];
    for p in &points {
        let k = ((p.ts - start) / QUARTER_MS) as usize;
        if let Some(r) = p.ratio_standing {
            y[k] = r;
        }
    }
    let spec = SarimaxSpec::parse("(1,0,1)(0,1,1,96)")?;
    let t = std::time::Instant::now();
    let fitted = Sarimax::new(spec).fit(&y, None)?;
    println!(
        "fitted {spec} in {:.1} s: llf {:.3}, params {:?}",
        t.elapsed().as_secs_f64(),
        fitted.llf(),
        fitted.params()
    );
    let model = serde_json::json!({
        "name": "AniMOV default (simulated herd)",
        "kind": "sarimax",
        "spec": spec.to_string(),
        "param_names": spec.param_names(0),
        "params": fitted.params(),
        "llf": fitted.llf(),
        "trained_on": format!("7 days of the 15-minute standing ratio of AniMOV's simulated herd: demo camera 1 ({} goats), seed 42, farm time UTC+1, frames every 5 s, week starting 2026-11-02T00:00Z", settings.herd_size),
        "profile_start_ms": start,
        "profile": y.iter().map(|v| if v.is_finite() { serde_json::json!((v * 1e4).round() / 1e4) } else { serde_json::Value::Null }).collect::<Vec<_>>(),
    });
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&model)? + "\n")?;
    println!("wrote {}", out.display());
    Ok(())
}
