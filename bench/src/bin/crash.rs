//! Crash campaign (issue 18, item 1): `animov serve` (release) with a
//! `demo:` camera and a video-file camera, both recording, and two HTTP
//! ingest clients, killed with SIGKILL at random moments and restarted,
//! `--kills` times (100 by default). Then, after a clean stop, it checks:
//!
//! * every frame whose ingest request got a 2xx is stored (lost must be 0);
//! * every closed minute of every camera equals a recomputation from the
//!   stored frames, and no minute that ended before the stop is left pending;
//! * `PRAGMA integrity_check` is `ok`;
//! * every indexed recording plays (decodes to its end) and every segment
//!   file on disk is indexed: the ones the kills cut were kept whole or
//!   deleted at the next start;
//! * the alert job ran on across restarts: a configured source that went
//!   silent has exactly one open `camera_offline` alert.
//!
//! `bash bench/crash.sh [kills] [seed]`; CI runs a short one (`--kills 5`).

#[path = "../campaign.rs"]
mod campaign;
#[path = "../client.rs"]
mod client;

use std::{
    collections::HashMap,
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use animov_store::{Store, StoreConfig};
use anyhow::Context;
use campaign::{Barn, Engine, Rng, add_admin, call, finish, make_video, now_ms, ok};
use gstreamer as gst;
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let o = campaign::Options::parse(&[("kills", "100"), ("seed", "18")])?;
    let (kills, seed, bin) = (
        o.get::<usize>("kills")?,
        o.get::<u64>("seed")?,
        o.bin.clone(),
    );
    gst::init()?;
    let work = campaign::work_dir("animov-crash-")?;
    let data = work.join("data");
    std::fs::create_dir_all(&data)?;
    std::fs::write(
        data.join("animov.toml"),
        "[vision]\nfps = 2\nsegment_minutes = 1\n[alerts]\ninterval_seconds = 5\n",
    )?;
    let video = work.join("pen.mkv");
    make_video(&video)?;
    add_admin(&bin, &data)?;

    let mut engine = Engine::new(&bin, &data, &work)?;
    let addr = engine.addr;
    engine.start()?;
    let video_uri = video.display().to_string();
    let mut barn = Barn::set_up(addr, &[("demo-cam", "demo:1"), ("file-cam", &video_uri)])?;
    let token = barn.token.clone();
    let t = Some(token.as_str());
    let mut rng = Rng(seed.max(1));
    let mut restarts = Vec::with_capacity(kills);
    let began = Instant::now();
    for k in 1..=kills {
        std::thread::sleep(rng.ms(500, 6_000));
        engine.kill()?;
        restarts.push(engine.start()?);
        if k % 10 == 0 || k == kills {
            eprintln!(
                "kill {k}/{}: {} frames acknowledged, {:.0} s",
                kills,
                barn.tally.frames.load(Ordering::Relaxed),
                began.elapsed().as_secs_f64()
            );
        }
    }
    // Let the last run work, then stop the clients and the engine cleanly.
    std::thread::sleep(Duration::from_secs(10));
    barn.stop_clients();
    let alerts: Vec<Value> = ok(
        call(addr, "GET", "/api/v1/alerts", t, Value::Null)?,
        "alerts",
    )?
    .as_array()
    .context("alerts")?
    .iter()
    .filter(|x| x["state"] != "resolved")
    .cloned()
    .collect();
    let stopped_at = now_ms();
    engine.stop()?;

    // The checks, on the database the engine left.
    let store = Store::open(&StoreConfig::sqlite(data.join("animov.sqlite"))).await?;
    let mut failures = Vec::new();
    let integrity = campaign::integrity(&data.join("animov.sqlite"), &mut failures).await?;
    let acked = barn.acked.lock().unwrap().clone();
    let (acked_frames, lost) = campaign::check_frames(&store, &acked, &mut failures).await?;
    let (minutes_equal, minutes_wrong, minutes_pending) =
        campaign::check_minutes(&store, stopped_at, &mut failures).await?;
    let (recordings, plays, broken, unindexed) =
        campaign::check_recordings(&store, &data, &mut failures).await?;
    // The salvage's summary at each start: kept=N discarded=M failed=F.
    let (mut salvaged, mut discarded, mut salvage_failed) = (0usize, 0usize, 0usize);
    for line in std::fs::read_to_string(&engine.log)?
        .lines()
        .filter(|l| l.contains("recordings cut by the last stop"))
    {
        // Colour codes off: ESC [ … m.
        let mut parts = line.split('\u{1b}');
        let mut plain = parts.next().unwrap_or_default().to_string();
        for p in parts {
            plain.push_str(p.split_once('m').map_or(p, |(_, r)| r));
        }
        let field = |k: &str| -> usize {
            plain
                .split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        salvaged += field("kept=");
        discarded += field("discarded=");
        salvage_failed += field("failed=");
    }
    if salvage_failed > 0 {
        failures.push(format!(
            "{salvage_failed} cut segments could not be salvaged"
        ));
    }
    let offline: Vec<&Value> = alerts
        .iter()
        .filter(|x| x["rule"] == "camera_offline" && x["source"] == "ing-silent")
        .collect();
    // The alert needs two minutes of silence: a short campaign may end first.
    let expected_offline = if began.elapsed() > Duration::from_secs(150) {
        1..=1
    } else {
        0..=1
    };
    if !expected_offline.contains(&offline.len()) {
        failures.push(format!(
            "{} open camera_offline alerts for the silent source (1 expected)",
            offline.len()
        ));
    }
    let mut by_kind: HashMap<(String, String), usize> = HashMap::new();
    for x in &alerts {
        *by_kind
            .entry((x["source"].to_string(), x["rule"].to_string()))
            .or_default() += 1;
    }
    let duplicates: usize = by_kind.values().filter(|n| **n > 1).map(|n| n - 1).sum();
    if duplicates > 0 {
        failures.push(format!("{duplicates} duplicate open alerts"));
    }
    restarts.sort();
    println!(
        "crash campaign (seed {}), {:.0} s:",
        seed,
        began.elapsed().as_secs_f64()
    );
    println!("  kills (SIGKILL): {}", kills);
    println!(
        "  restart to /health: median {:.2} s, max {:.2} s",
        restarts[restarts.len() / 2].as_secs_f64(),
        restarts.last().map_or(0.0, |d| d.as_secs_f64())
    );
    println!("  acknowledged frames: {acked_frames}, lost: {lost}");
    println!(
        "  minutes equal to a recomputation: {minutes_equal}, differing: {minutes_wrong}, not written: {minutes_pending}"
    );
    println!("  integrity_check: {integrity}");
    println!(
        "  recordings: {} indexed, {plays} play to their end, {broken} do not; {unindexed} files not indexed; cut by the kills: {salvaged} kept whole and indexed at the next start, {discarded} without a frame deleted",
        recordings.len()
    );
    println!(
        "  open alerts: {} ({} camera_offline for the silent source), duplicates: {duplicates}",
        alerts.len(),
        offline.len()
    );
    finish(&failures, &engine.log, &work)
}
