//! A full disk (issue 18, item 3): `animov serve` with its data folder on a
//! small filesystem of its own (a tmpfs of `--size-mib`, 96 by default), a
//! recording camera (a looping 4 Mbit/s H.264 file, remuxed: about 0.5 MB/s
//! of recordings) and two HTTP ingest clients. Another program
//! (a ballast file) takes the disk's space in three steps:
//!
//! 1. just under the reserve (`vision.min_free_mib`, 12 here): retention
//!    deletes the oldest recordings and recording goes on;
//! 2. well under it, with nothing left to delete: recording stops, the
//!    camera's health says "disk full", a `disk_full` alert opens, counting
//!    and ingest go on (the reserve is the database's);
//! 3. every byte (`--full` seconds, 20): nothing crashes; ingest is refused
//!    with 507 and `Retry-After`, the camera's frames wait in memory.
//!
//! Then the ballast goes and the time until ingest is stored again, the
//! camera's frames are written, recording starts again and the alert is
//! resolved is measured. After a clean stop: every acknowledged frame is
//! stored, every minute equals a recomputation, `PRAGMA integrity_check` is
//! ok, every recording plays to its end and every segment file is indexed.
//!
//! Needs to mount a tmpfs: run as root, or it re-runs itself in a user and
//! mount namespace (`unshare -rm`).
//!
//! `bash bench/disk-full.sh [full seconds]`

#[path = "../campaign.rs"]
mod campaign;
#[path = "../client.rs"]
mod client;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Command,
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use animov_store::{Store, StoreConfig};
use anyhow::{Context, bail, ensure};
use campaign::{
    Barn, Engine, add_admin, call, finish, make_video_of, metric, now_ms, ok, time_until,
};
use client::Client;
use serde_json::Value;

const MIB: u64 = 1 << 20;
/// `vision.min_free_mib` of the campaign's engine.
const RESERVE_MIB: u64 = 12;
/// Marks the run inside the namespace.
const IN_NAMESPACE: &str = "ANIMOV_DISK_FULL_NS";

/// The data folder's own small disk, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(dir: &Path, size_mib: u64) -> anyhow::Result<SmallDisk> {
        std::fs::create_dir_all(dir)?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size_mib}m,mode=0700"))
            .arg("tmpfs")
            .arg(dir)
            .output()
            .context("run mount")?;
        ensure!(
            out.status.success(),
            "cannot mount a {size_mib} MiB tmpfs on {}: {} (run as root, or where `unshare -rm` works)",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(SmallDisk {
            dir: dir.to_path_buf(),
        })
    }

    /// Free bytes, for this user.
    fn free(&self) -> anyhow::Result<u64> {
        let s = rustix::fs::statvfs(&self.dir)?;
        Ok(s.f_bavail * s.f_frsize)
    }

    /// Grows (or shrinks) the ballast file so that about `free` bytes stay
    /// free; `0`: fills the disk to the last byte.
    fn leave_free(&self, free: u64) -> anyhow::Result<()> {
        use std::io::Write;
        let path = self.dir.join("ballast");
        let now = self.free()?;
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        if now > free {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            let mut left = now - free;
            let block = vec![0xA5u8; MIB as usize];
            while left > 0 {
                let n = left.min(MIB) as usize;
                match f.write(&block[..n]) {
                    Ok(0) => break,
                    Ok(k) => left -= k as u64,
                    // The disk is full: that is what was asked.
                    Err(e) if e.raw_os_error() == Some(28) => break,
                    Err(e) => return Err(e.into()),
                }
            }
        } else {
            let f = std::fs::OpenOptions::new().write(true).open(&path)?;
            f.set_len(size.saturating_sub(free - now))?;
        }
        Ok(())
    }

    fn remove_ballast(&self) -> anyhow::Result<()> {
        std::fs::remove_file(self.dir.join("ballast"))?;
        Ok(())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

/// Re-runs this campaign in a user and mount namespace when it may not mount.
fn in_namespace_if_needed() -> anyhow::Result<Option<std::process::ExitStatus>> {
    if rustix::process::geteuid().is_root() || std::env::var_os(IN_NAMESPACE).is_some() {
        return Ok(None);
    }
    let status = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount"])
        .arg(std::env::current_exe()?)
        .args(std::env::args().skip(1))
        .env(IN_NAMESPACE, "1")
        .status()
        .context("run unshare (util-linux)")?;
    Ok(Some(status))
}

fn get(addr: SocketAddr, token: &str, path: &str) -> anyhow::Result<Value> {
    ok(call(addr, "GET", path, Some(token), Value::Null)?, path)
}

/// The camera's health (it is missing while the camera restarts).
fn camera(addr: SocketAddr, token: &str) -> anyhow::Result<Value> {
    for _ in 0..100 {
        if let Some(c) = get(addr, token, "/api/v1/cameras/health")?
            .as_array()
            .and_then(|a| a.iter().find(|c| c["source"] == "barn-cam").cloned())
        {
            return Ok(c);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("barn-cam has no health for 10 s")
}

/// The disk_full alerts: (open or acknowledged, resolved).
fn disk_alerts(addr: SocketAddr, token: &str) -> anyhow::Result<(usize, usize)> {
    let all = get(addr, token, "/api/v1/alerts?rule=disk_full")?;
    let all = all.as_array().context("alerts")?;
    let resolved = all.iter().filter(|a| a["state"] == "resolved").count();
    Ok((all.len() - resolved, resolved))
}

/// Indexed recordings of the camera: (count, bytes).
fn recordings(addr: SocketAddr, token: &str) -> anyhow::Result<(usize, i64)> {
    let all = get(
        addr,
        token,
        &format!(
            "/api/v1/recordings?source=barn-cam&from={}&to={}",
            now_ms() - 86_400_000,
            now_ms() + 3_600_000
        ),
    )?;
    let all = all.as_array().context("recordings")?;
    Ok((
        all.len(),
        all.iter().map(|r| r["bytes"].as_i64().unwrap_or(0)).sum(),
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let o = campaign::Options::parse(&[("size-mib", "96"), ("full", "20")])?;
    let (size_mib, full) = (
        o.get::<u64>("size-mib")?,
        Duration::from_secs(o.get("full")?),
    );
    ensure!(size_mib >= 48, "--size-mib must be at least 48");
    if let Some(status) = in_namespace_if_needed()? {
        std::process::exit(status.code().unwrap_or(1));
    }
    let work = campaign::work_dir("animov-diskfull-")?;
    let data = work.join("data");
    let disk = SmallDisk::mount(&data, size_mib)?;
    std::fs::write(
        data.join("animov.toml"),
        format!(
            "[vision]\nfps = 2\nsegment_minutes = 1\nmin_free_mib = {RESERVE_MIB}\n[alerts]\ninterval_seconds = 5\n[forecast]\nretrain = false\n"
        ),
    )?;
    add_admin(&o.bin, &data)?;
    let mut engine = Engine::new(&o.bin, &data, &work)?;
    let addr = engine.addr;
    engine.start()?;
    let began = Instant::now();
    let video = work.join("barn.mkv");
    make_video_of(&video, "snow", 4000)?;
    let uri = video.display().to_string();
    let mut barn = Barn::set_up(addr, &[("barn-cam", uri.as_str())])?;
    let mut failures = Vec::new();
    let alive = |engine: &mut Engine, step: &str| -> anyhow::Result<()> {
        if let Some(status) = engine
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
        {
            bail!("the engine stopped ({step}): {status}");
        }
        Ok(())
    };

    // Recordings to delete: two clean restarts close two segments.
    for _ in 0..2 {
        std::thread::sleep(Duration::from_secs(10));
        engine.stop()?;
        engine.start()?;
    }
    std::thread::sleep(Duration::from_secs(4));
    let token = barn.token.clone();
    let (segments_before, bytes_before) = recordings(addr, &token)?;
    ensure!(
        segments_before >= 2 && bytes_before as u64 >= 4 * MIB,
        "the restarts closed {segments_before} segments of {bytes_before} bytes, not 2 of 4 MiB in all"
    );

    // 1. Just under the reserve: the oldest recordings go, recording goes on.
    let reserve = RESERVE_MIB * MIB;
    disk.leave_free(reserve - MIB)?;
    let freed_in = time_until("retention freed space", Duration::from_secs(30), || {
        Ok(recordings(addr, &token)?.0 < segments_before)
    })?;
    // At once: the camera goes on filling the disk the ballast left it.
    let (segments_after, bytes_after) = recordings(addr, &token)?;
    let cam = camera(addr, &token)?;
    let free_after = disk.free()?;
    if cam["recording"] != "remux" {
        failures.push(format!(
            "step 1: recording is {} after retention freed space (free {} MiB)",
            cam["recording"],
            free_after / MIB
        ));
    }
    if disk_alerts(addr, &token)?.0 > 0 {
        failures.push("step 1: a disk_full alert opened though retention freed space".into());
    }
    eprintln!(
        "step 1: {} → {} recordings ({:.1} → {:.1} MiB) within {:.1} s of the disk going under the reserve; {} MiB free; recording: {}",
        segments_before,
        segments_after,
        bytes_before as f64 / MIB as f64,
        bytes_after as f64 / MIB as f64,
        freed_in.as_secs_f64(),
        free_after / MIB,
        cam["recording"]
    );
    alive(&mut engine, "step 1")?;

    // 2. Well under the reserve: what may go goes, then recording stops.
    // The ballast takes again what retention frees.
    let stopped_in = time_until("recording stopped", Duration::from_secs(30), || {
        disk.leave_free(reserve / 2)?;
        Ok(camera(addr, &token)?["problem"] == "disk_full")
    })?;
    let alert_in = time_until("disk_full alert", Duration::from_secs(60), || {
        Ok(disk_alerts(addr, &token)?.0 == 1)
    })?;
    let frames_at = barn.tally.frames.load(Ordering::Relaxed);
    let cam_frames_at = camera(addr, &token)?["frames_out"].as_u64().unwrap_or(0);
    std::thread::sleep(Duration::from_secs(10));
    let cam = camera(addr, &token)?;
    let ingested = barn.tally.frames.load(Ordering::Relaxed) - frames_at;
    let counted = cam["frames_out"].as_u64().unwrap_or(0) - cam_frames_at;
    let storage = get(addr, &token, "/api/v1/storage")?;
    if ingested == 0 || counted == 0 {
        failures.push(format!(
            "step 2: with recording stopped, {ingested} frames ingested and {counted} counted by the camera in 10 s"
        ));
    }
    if storage["recording_paused"] != true || cam["recording"] != "failed: disk full" {
        failures.push(format!(
            "step 2: storage says recording_paused = {}, the camera's recording is {}",
            storage["recording_paused"], cam["recording"]
        ));
    }
    let left = recordings(addr, &token)?.0;
    eprintln!(
        "step 2: recording stopped {:.1} s after the disk went to {} MiB free ({left} recordings left), alert open {:.1} s later; in the next 10 s {ingested} frames ingested, {counted} analysed",
        stopped_in.as_secs_f64(),
        reserve / 2 / MIB,
        alert_in.as_secs_f64()
    );
    alive(&mut engine, "step 2")?;

    // 3. Every byte taken.
    disk.leave_free(0)?;
    let refused_at = barn.tally.disk_full.load(Ordering::Relaxed);
    let acked_at = barn.tally.frames.load(Ordering::Relaxed);
    std::thread::sleep(full);
    let refused = barn.tally.disk_full.load(Ordering::Relaxed) - refused_at;
    let acked_full = barn.tally.frames.load(Ordering::Relaxed) - acked_at;
    let waiting = metric(addr, &token, "animov_camera_frames_waiting").unwrap_or(0);
    let health = Client::connect(addr)?
        .request("GET", "/health", &[], b"")?
        .0;
    if health != 200 {
        failures.push(format!("step 3: /health answered {health} on a full disk"));
    }
    eprintln!(
        "step 3: disk full for {} s ({} KiB free): {refused} ingest requests answered 507 with Retry-After, {acked_full} frames still acknowledged, {waiting} camera frames waiting in memory, /health {health}",
        full.as_secs(),
        disk.free()? / 1024
    );
    alive(&mut engine, "step 3")?;

    // Space returns.
    let back_at = Instant::now();
    disk.remove_ballast()?;
    let at_return = barn.tally.frames.load(Ordering::Relaxed);
    time_until("ingest stored again", Duration::from_secs(30), || {
        Ok(barn.tally.frames.load(Ordering::Relaxed) > at_return)
    })?;
    let ingest_back = back_at.elapsed();
    time_until("camera frames written", Duration::from_secs(30), || {
        Ok(metric(addr, &token, "animov_camera_frames_waiting") == Some(0))
    })?;
    let camera_back = back_at.elapsed();
    time_until("recording again", Duration::from_secs(30), || {
        Ok(camera(addr, &token)?["recording"] == "remux")
    })?;
    let recording_back = back_at.elapsed();
    time_until("disk_full alert resolved", Duration::from_secs(60), || {
        Ok(disk_alerts(addr, &token)? == (0, 1))
    })?;
    let alert_back = back_at.elapsed();
    eprintln!(
        "space back: ingest stored again after {:.1} s, the camera's waiting frames written after {:.1} s, recording again after {:.1} s, the alert resolved after {:.1} s",
        ingest_back.as_secs_f64(),
        camera_back.as_secs_f64(),
        recording_back.as_secs_f64(),
        alert_back.as_secs_f64()
    );
    // A segment recorded after the return, closed by the stop.
    std::thread::sleep(Duration::from_secs(8));
    barn.stop_clients();
    let dropped = metric(addr, &token, "animov_camera_frames_dropped_total").unwrap_or(0);
    let stopped_at = now_ms();
    engine.stop()?;

    let store = Store::open(&StoreConfig::sqlite(data.join("animov.sqlite"))).await?;
    let integrity = campaign::integrity(&data.join("animov.sqlite"), &mut failures).await?;
    let acked = barn.acked.lock().unwrap().clone();
    let (acked_frames, lost) = campaign::check_frames(&store, &acked, &mut failures).await?;
    let (minutes_equal, minutes_wrong, minutes_pending) =
        campaign::check_minutes(&store, stopped_at, &mut failures).await?;
    let (recs, plays, broken, unindexed) =
        campaign::check_recordings(&store, &data, &mut failures).await?;
    let cam_id = store.camera_id("barn-cam").await?.context("barn-cam")?;
    let frames = store.frames(cam_id, i64::MIN, i64::MAX).await?;
    let holes = frames
        .windows(2)
        .filter(|w| w[1].ts_ms - w[0].ts_ms > 2_000)
        .count();
    // Two restarts at the start: each leaves a hole of its start-up.
    if holes > 2 {
        failures.push(format!(
            "{holes} holes longer than 2 s in the camera's frames"
        ));
    }
    if dropped > 0 {
        failures.push(format!("{dropped} camera frames dropped"));
    }
    let t = &barn.tally;
    let (bare, other) = (
        t.unavailable_bare.load(Ordering::Relaxed),
        t.other.load(Ordering::Relaxed),
    );
    if bare + other > 0 {
        failures.push(format!(
            "{bare} refusals without Retry-After and {other} other refusals"
        ));
    }
    store.close().await;
    println!(
        "disk full, {:.0} s, data folder on a {} MiB tmpfs, reserve {RESERVE_MIB} MiB:",
        began.elapsed().as_secs_f64(),
        size_mib
    );
    println!(
        "  under the reserve: {segments_before} → {segments_after} recordings within {:.1} s, recording went on",
        freed_in.as_secs_f64()
    );
    println!(
        "  nothing left to delete: recording stopped within {:.1} s, disk_full alert within {:.1} s more; counting and ingest went on",
        stopped_in.as_secs_f64(),
        alert_in.as_secs_f64()
    );
    println!(
        "  full for {} s: {} × 507 with Retry-After, {} × 503, {bare} without Retry-After, {other} other; the engine never stopped",
        full.as_secs(),
        t.disk_full.load(Ordering::Relaxed),
        t.unavailable.load(Ordering::Relaxed)
    );
    println!(
        "  space back: ingest {:.1} s, camera frames written {:.1} s, recording {:.1} s, alert resolved {:.1} s",
        ingest_back.as_secs_f64(),
        camera_back.as_secs_f64(),
        recording_back.as_secs_f64(),
        alert_back.as_secs_f64()
    );
    println!("  acknowledged frames: {acked_frames}, lost: {lost}");
    println!(
        "  camera frames: {}, holes over 2 s: {holes}, dropped: {dropped}",
        frames.len()
    );
    println!(
        "  minutes equal to a recomputation: {minutes_equal}, differing: {minutes_wrong}, not written: {minutes_pending}"
    );
    println!(
        "  integrity_check: {integrity}; recordings: {} indexed, {plays} play to their end, {broken} do not; {unindexed} files not indexed",
        recs.len()
    );
    if !failures.is_empty() {
        // The small disk goes with the campaign: its data folder is kept beside.
        let _ = Command::new("cp")
            .arg("-a")
            .arg(&data)
            .arg(work.join("data-kept"))
            .status();
    }
    drop(disk);
    finish(&failures, &engine.log, &work)
}
