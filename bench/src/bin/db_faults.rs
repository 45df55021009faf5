//! Database faults (issue 18, item 2): `animov serve` (release) on MariaDB —
//! a throw-away server of its own, every commit flushed — with a `demo:`
//! camera (recording) and two HTTP ingest clients. MariaDB is killed
//! (SIGKILL) and started again `--outages` times (5 by default), down
//! `--down` seconds each time (15), while the minute closer, the alert job
//! and the forecasts run. Measured and checked:
//!
//! * what the clients were answered while it was away: 503 with
//!   `Retry-After`, nothing else;
//! * after MariaDB answers again, how long until an ingest request is
//!   stored and until the camera's waiting frames are written (≤ 10 s);
//! * the engine never stops; after a clean stop, every acknowledged frame
//!   is stored, every minute equals a recomputation, and the camera's
//!   frames have no hole (they waited in memory).
//!
//! `bash bench/db-faults.sh [outages] [down seconds]`

#[path = "../campaign.rs"]
mod campaign;
#[path = "../client.rs"]
mod client;

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use animov_store::{Store, StoreConfig};
use anyhow::{Context, bail, ensure};
use campaign::{Barn, Engine, add_admin, finish, free_port, metric, now_ms, time_until};

/// The longest a recovery is waited for.
const LIMIT: Duration = Duration::from_secs(120);

/// The campaign's own MariaDB (scripts/mariadb.sh with its own folder and port).
struct MariaDb {
    dir: PathBuf,
    port: u16,
}

impl MariaDb {
    fn script(&self, what: &str) -> anyhow::Result<String> {
        let out = Command::new("bash")
            .args(["scripts/mariadb.sh", what])
            .env("ANIMOV_MARIADB_DIR", &self.dir)
            .env("ANIMOV_MARIADB_PORT", self.port.to_string())
            .env("ANIMOV_MARIADB_DURABLE", "1")
            .output()
            .context("run scripts/mariadb.sh from the repository root")?;
        ensure!(
            out.status.success(),
            "scripts/mariadb.sh {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn sql(&self, statement: &str) -> anyhow::Result<()> {
        let ok = Command::new("mariadb")
            .arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.join("mariadb.sock").display()
            ))
            .args(["-uroot", "-e", statement])
            .status()?;
        ensure!(ok.success(), "mariadb: {statement}");
        Ok(())
    }

    fn kill(&self) -> anyhow::Result<()> {
        let pid = std::fs::read_to_string(self.dir.join("mariadb.pid"))?;
        let ok = Command::new("kill").args(["-KILL", pid.trim()]).status()?;
        ensure!(ok.success(), "kill MariaDB {pid}");
        // Until it is gone: the socket no longer answers.
        for _ in 0..100 {
            if !self.dir.join("mariadb.pid").exists()
                || Command::new("kill")
                    .args(["-0", pid.trim()])
                    .stderr(std::process::Stdio::null())
                    .status()?
                    .code()
                    != Some(0)
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.script("stop");
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("mariadb.pid")) {
            let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let o = campaign::Options::parse(&[("outages", "5"), ("down", "15")])?;
    let (n_outages, down, bin) = (
        o.get::<usize>("outages")?,
        Duration::from_secs(o.get("down")?),
        o.bin.clone(),
    );
    ensure!(
        Path::new("scripts/mariadb.sh").exists(),
        "run from the repository root (bash bench/db-faults.sh)"
    );
    let work = campaign::work_dir("animov-dbfaults-")?;
    let db = MariaDb {
        dir: work.join("mariadb"),
        port: free_port()?,
    };
    db.script("start")?;
    db.sql("CREATE DATABASE animov_faults CHARACTER SET utf8mb4")?;
    let url = format!("mysql://animov@127.0.0.1:{}/animov_faults", db.port);
    let data = work.join("data");
    std::fs::create_dir_all(&data)?;
    std::fs::write(
        data.join("animov.toml"),
        format!(
            "[database]\nkind = \"mysql\"\nurl = \"{url}\"\n[vision]\nfps = 2\nsegment_minutes = 1\n[alerts]\ninterval_seconds = 5\n"
        ),
    )?;
    let mut secret = Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["secret", "set", "mysql-password"])
        .env("ANIMOV_SECRETS", "file")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()?;
    {
        use std::io::Write;
        writeln!(secret.stdin.take().context("stdin")?, "animov-test")?;
    }
    ensure!(secret.wait()?.success(), "animov secret set failed");
    add_admin(&bin, &data)?;

    let mut engine = Engine::new(&bin, &data, &work)?;
    let addr = engine.addr;
    engine.start()?;
    let mut barn = Barn::set_up(addr, &[("demo-cam", "demo:1")])?;
    let token = barn.token.clone();
    let began = Instant::now();
    let (mut ingest_back, mut camera_back) = (Vec::new(), Vec::new());
    let mut outages = Vec::new();
    let mut failures = Vec::new();
    for n in 1..=n_outages {
        std::thread::sleep(Duration::from_secs(20));
        let killed_ms = now_ms();
        db.kill()?;
        // A request MariaDB committed just before it died may still be
        // answered: count from a second later.
        std::thread::sleep(Duration::from_secs(1));
        let before = barn.tally.frames.load(Ordering::Relaxed);
        std::thread::sleep(down.saturating_sub(Duration::from_secs(1)));
        let during = barn.tally.frames.load(Ordering::Relaxed) - before;
        if during > 0 {
            failures.push(format!(
                "outage {n}: {during} frames acknowledged while MariaDB was down"
            ));
        }
        db.script("start")?;
        outages.push((killed_ms, now_ms()));
        let at_return = barn.tally.frames.load(Ordering::Relaxed);
        let ingest = time_until("ingest stored again", LIMIT, || {
            Ok(barn.tally.frames.load(Ordering::Relaxed) > at_return)
        })?;
        let camera = time_until("camera frames written", LIMIT, || {
            Ok(metric(addr, &token, "animov_camera_frames_waiting") == Some(0))
        })?;
        eprintln!(
            "outage {n}/{}: down {} s; ingest stored again {:.2} s and the camera's frames written {:.2} s after MariaDB answered",
            n_outages,
            down.as_secs(),
            ingest.as_secs_f64(),
            camera.as_secs_f64()
        );
        ingest_back.push(ingest);
        camera_back.push(camera);
        if let Some(status) = engine
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
        {
            bail!("the engine stopped during outage {n}: {status}");
        }
    }
    std::thread::sleep(Duration::from_secs(10));
    barn.stop_clients();
    let dropped = metric(addr, &token, "animov_camera_frames_dropped_total").unwrap_or(0);
    let stopped_at = now_ms();
    engine.stop()?;

    let store = Store::open(&StoreConfig::MySql {
        url: url.clone(),
        password: Some("animov-test".into()),
        tls: animov_store::MysqlTls::default(),
    })
    .await?;
    let acked = barn.acked.lock().unwrap().clone();
    let (acked_frames, lost) = campaign::check_frames(&store, &acked, &mut failures).await?;
    let (minutes_equal, minutes_wrong, minutes_pending) =
        campaign::check_minutes(&store, stopped_at, &mut failures).await?;
    // The camera's frames: 2 a second, no hole longer than 2 s.
    let cam = store.camera_id("demo-cam").await?.context("demo-cam")?;
    let frames = store.frames(cam, i64::MIN, i64::MAX).await?;
    let holes = frames
        .windows(2)
        .filter(|w| w[1].ts_ms - w[0].ts_ms > 2_000)
        .count();
    // Captured while MariaDB was away, stored after it came back.
    let kept_through: usize = outages
        .iter()
        .map(|(from, to)| {
            frames
                .iter()
                .filter(|f| (*from..*to).contains(&f.ts_ms))
                .count()
        })
        .sum();
    if holes > 0 {
        failures.push(format!(
            "{holes} holes longer than 2 s in the camera's frames"
        ));
    }
    if dropped > 0 {
        failures.push(format!("{dropped} camera frames dropped"));
    }
    let t = &barn.tally;
    let bare = t.unavailable_bare.load(Ordering::Relaxed);
    let other = t.other.load(Ordering::Relaxed);
    if bare + other > 0 {
        failures.push(format!(
            "{bare} 503 answers without Retry-After, {other} other refusals while MariaDB was away"
        ));
    }
    let worst = |v: &[Duration]| v.iter().max().map_or(0.0, |d| d.as_secs_f64());
    let over = ingest_back
        .iter()
        .chain(&camera_back)
        .filter(|d| **d > Duration::from_secs(10))
        .count();
    if over > 0 {
        failures.push(format!("{over} recoveries took over 10 s"));
    }
    drop(db);
    println!(
        "database faults, {:.0} s: {} MariaDB kills, down {} s each",
        began.elapsed().as_secs_f64(),
        n_outages,
        down.as_secs()
    );
    println!(
        "  answers while away: {} × 503 with Retry-After, {bare} × 503 without, {other} other; {} without an answer",
        t.unavailable.load(Ordering::Relaxed),
        t.no_answer.load(Ordering::Relaxed)
    );
    println!(
        "  after MariaDB answered: ingest stored again within {:.2} s (longest), the camera's waiting frames written within {:.2} s",
        worst(&ingest_back),
        worst(&camera_back)
    );
    println!("  acknowledged frames: {acked_frames}, lost: {lost}");
    println!(
        "  camera frames: {}, of which {kept_through} captured while MariaDB was down (kept in memory, stored after); holes over 2 s: {holes}, dropped: {dropped}",
        frames.len()
    );
    println!(
        "  minutes equal to a recomputation: {minutes_equal}, differing: {minutes_wrong}, not written: {minutes_pending}"
    );
    finish(&failures, &engine.log, &work)
}
