//! Sync catch-up after a week offline, side by side in one run:
//!
//! * **sync**: a site (SQLite) with 7 days × 8 cameras of minute statistics,
//!   alerts (3 per camera-day, each with its history) and snapshots (4 per
//!   hour, 40 KB pictures) runs `animov sync now` against a central
//!   (`animov serve`, `[sync] role = "central"`) on MariaDB over loopback:
//!   wall time, rows/s, bytes on the wire per camera-day, the site's peak RSS;
//! * **limit**: the same rows written straight into MariaDB through the
//!   store (multi-row inserts for minutes, one statement per alert event and
//!   snapshot, the pictures written to disk);
//! * **frames**: the same with `[sync] frames = true` and 2 frames/s, on one
//!   day × 8 cameras (reported per camera-day).
//!
//! Needs the release `animov` binary beside this one and a MariaDB account
//! that may create databases (`ANIMOV_TEST_MYSQL_URL`, as the tests use).
//! `cargo build --release -p animov-cli -p animov-bench && target/release/sync-bench`

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    str::FromStr,
    time::{Duration, Instant},
};

use animov_api::{RuleKind, Severity, SourceKind};
use animov_core::{FrameCount, minute::minute_rows};
use animov_store::{NewAlert, NewFrame, Store, StoreConfig};
use anyhow::{Context, bail};
use sqlx::{AnyConnection, Connection};

const DAY: i64 = 86_400_000;
const CAMERAS: i64 = 8;
const PICTURE: usize = 40_000;

fn animov_bin() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let bin = me.with_file_name("animov");
    if !bin.exists() {
        bail!(
            "{} is missing: cargo build --release -p animov-cli",
            bin.display()
        );
    }
    Ok(bin)
}

async fn fresh_db(admin: &str, name: &str) -> anyhow::Result<String> {
    sqlx::any::install_default_drivers();
    let opts = sqlx::any::AnyConnectOptions::from_str(admin)?;
    let mut conn = AnyConnection::connect_with(&opts).await?;
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
        .execute(&mut conn)
        .await?;
    Ok(format!("{}/{name}", admin.trim_end_matches('/')))
}

/// Pseudo-random bytes (a JPEG does not compress either).
fn picture(seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    (0..PICTURE)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// A week (or `days`) of one barn: minutes (from 12 frames a minute),
/// alerts with history, snapshots with pictures; frames at 2/s when asked.
async fn fill(store: &Store, pics: &Path, t0: i64, days: i64, frames: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(pics)?;
    for c in 0..CAMERAS {
        let id = store
            .ensure_source(&format!("cam-{c}"), SourceKind::Ingest)
            .await?;
        for d in 0..days {
            let day0 = t0 + d * DAY;
            if frames {
                let fr: Vec<NewFrame> = (0..DAY / 500)
                    .map(|i| NewFrame {
                        ts_ms: day0 + i * 500,
                        lying: ((i / 7 + c) % 13) as u32,
                        standing: ((i / 5 + d) % 17) as u32,
                        detections: None,
                    })
                    .collect();
                for chunk in fr.chunks(20_000) {
                    store.insert_frames(id, chunk).await?;
                }
            } else {
                let fr: Vec<FrameCount> = (0..DAY / 5000)
                    .map(|i| FrameCount {
                        ts_ms: day0 + i * 5000,
                        lying: ((i / 7 + c) % 13) as u32,
                        standing: ((i / 5 + d) % 17) as u32,
                    })
                    .collect();
                store.insert_minute_rows(id, &minute_rows(&fr)).await?;
            }
            for k in 0..3 {
                let a = store
                    .open_alert(&NewAlert {
                        camera_id: id,
                        rule: [
                            RuleKind::HerdCountDrop,
                            RuleKind::CameraOffline,
                            RuleKind::ForecastDeviation,
                        ][k],
                        severity: Severity::Warning,
                        since_ms: day0 + k as i64 * 3_600_000,
                        opened_ms: day0 + k as i64 * 3_600_000 + 60_000,
                        message: format!("alert {k} on cam-{c} day {d}"),
                        value: Some(3.0),
                        threshold: Some(2.0),
                        track_id: None,
                    })
                    .await?;
                store
                    .resolve_alert(
                        a.alert.id,
                        None,
                        None,
                        day0 + k as i64 * 3_600_000 + 600_000,
                    )
                    .await?;
            }
            for h in 0..96 {
                let ts = day0 + h * 900_000;
                let path = pics.join(format!("{c}-{ts}.jpg"));
                std::fs::write(&path, picture(ts as u64 + c as u64))?;
                store
                    .insert_snapshot(
                        id,
                        ts,
                        path.to_str().unwrap_or_default(),
                        640,
                        480,
                        Some(b"[]".to_vec()),
                    )
                    .await?;
            }
        }
    }
    if frames {
        store.close_pending(t0 + days * DAY).await?;
    }
    Ok(())
}

/// Peak resident memory (VmHWM) of a process, polled until it exits.
fn run_measured(mut cmd: Command) -> anyhow::Result<(bool, String, f64, u64)> {
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(v) = s.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak_kib = peak_kib.max(v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0));
        }
        if let Some(s) = child.try_wait()? {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = started.elapsed().as_secs_f64();
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        use std::io::Read;
        o.read_to_string(&mut out)?;
    }
    Ok((status.success(), out, wall, peak_kib))
}

struct Measured {
    rows: i64,
    wall_s: f64,
    bytes: i64,
    rss_mib: f64,
}

/// A site filled by `fill`, synced to a fresh central in one `sync now`.
async fn catch_up(admin: &str, name: &str, days: i64, frames: bool) -> anyhow::Result<Measured> {
    let bin = animov_bin()?;
    let root = tempfile::tempdir()?;
    let (cdir, sdir) = (root.path().join("central"), root.path().join("site"));
    std::fs::create_dir_all(&cdir)?;
    std::fs::create_dir_all(&sdir)?;
    let url = fresh_db(admin, name).await?;
    std::fs::write(
        cdir.join("animov.toml"),
        format!(
            "[database]\nkind = \"mysql\"\nurl = \"{url}\"\n[sync]\nrole = \"central\"\n[vision]\nenabled = false\n"
        ),
    )?;
    std::fs::write(
        sdir.join("animov.toml"),
        format!("[sync]\nframes = {frames}\n"),
    )?;
    let t0 = (animov_store::now_ms() / DAY - days - 1) * DAY;
    let site = Store::open(&StoreConfig::sqlite(sdir.join("animov.sqlite"))).await?;
    fill(&site, &sdir.join("pics"), t0, days, frames).await?;
    let mut rows = 0;
    for spec in animov_store::sync::TABLES
        .iter()
        .filter(|t| frames || !t.optional)
    {
        rows += site.sync_pending(spec, 0).await?;
    }
    site.close().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut central = Command::new(&bin)
        .args(["--data-dir"])
        .arg(&cdir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ANIMOV_SECRETS", "file")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let until = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > until {
            central.kill().ok();
            bail!("the central did not start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let cstore = Store::open(&StoreConfig::MySql {
        url,
        password: None,
        tls: animov_store::MysqlTls::default(),
    })
    .await?;
    let now = animov_store::now_ms();
    cstore
        .create_enrolment(
            &animov_auth::hash_api_key("BENC-HMAR-KCOD-E001"),
            "bench",
            now,
            now + DAY,
        )
        .await?;
    let site_cmd = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.arg("--data-dir")
            .arg(&sdir)
            .args(args)
            .env("ANIMOV_SECRETS", "file")
            .env("RUST_LOG", "warn");
        c
    };
    let ok = site_cmd(&[
        "sync",
        "join",
        &format!("http://127.0.0.1:{port}"),
        "BENC-HMAR-KCOD-E001",
        "--name",
        "bench",
    ])
    .stdout(Stdio::null())
    .status()?
    .success();
    if !ok {
        central.kill().ok();
        bail!("sync join failed");
    }
    let (ok, out, wall_s, peak_kib) = run_measured(site_cmd(&["sync", "now"]))?;
    central.kill().ok();
    central.wait().ok();
    if !ok {
        bail!("sync now failed: {out}");
    }
    // "sent N rows in B batches (X bytes compressed)..."
    let bytes = out
        .split('(')
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .context("bytes in the output of sync now")?;
    Ok(Measured {
        rows,
        wall_s,
        bytes,
        rss_mib: peak_kib as f64 / 1024.0,
    })
}

/// The same rows written straight into MariaDB.
async fn limit(admin: &str, days: i64) -> anyhow::Result<(i64, f64)> {
    let url = fresh_db(admin, "animov_bench_limit").await?;
    let store = Store::open(&StoreConfig::MySql {
        url,
        password: None,
        tls: animov_store::MysqlTls::default(),
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let t0 = (animov_store::now_ms() / DAY - days - 1) * DAY;
    let started = Instant::now();
    fill(&store, dir.path(), t0, days, false).await?;
    let wall = started.elapsed().as_secs_f64();
    let mut rows = 0;
    for spec in animov_store::sync::TABLES.iter().filter(|t| !t.optional) {
        rows += store.sync_pending(spec, 0).await?;
    }
    Ok((rows, wall))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let admin = std::env::var("ANIMOV_TEST_MYSQL_URL")
        .context("set ANIMOV_TEST_MYSQL_URL (bash scripts/mariadb.sh start prints it)")?;
    let days = 7;
    let week = catch_up(&admin, "animov_bench_central", days, false).await?;
    let (lrows, lwall) = limit(&admin, days).await?;
    let frames = catch_up(&admin, "animov_bench_frames", 1, true).await?;
    let cam_days = |d: i64| (CAMERAS * d) as f64;
    println!(
        "sync catch-up after a week offline ({CAMERAS} cameras, MariaDB over loopback, release build)"
    );
    println!(
        "{:<38} {:>9} {:>9} {:>10} {:>14} {:>10}",
        "", "rows", "wall s", "rows/s", "bytes/cam-day", "site RSS"
    );
    println!(
        "{:<38} {:>9} {:>9.1} {:>10.0} {:>14.0} {:>7.0} MiB",
        "sync: 7 days, minutes+alerts+snapshots",
        week.rows,
        week.wall_s,
        week.rows as f64 / week.wall_s,
        week.bytes as f64 / cam_days(days),
        week.rss_mib
    );
    println!(
        "{:<38} {:>9} {:>9.1} {:>10.0} {:>14} {:>10}",
        "limit: same rows straight into MariaDB",
        lrows,
        lwall,
        lrows as f64 / lwall,
        "-",
        "-"
    );
    println!(
        "{:<38} {:>9} {:>9.1} {:>10.0} {:>14.0} {:>7.0} MiB",
        "sync with frames (2/s): 1 day",
        frames.rows,
        frames.wall_s,
        frames.rows as f64 / frames.wall_s,
        frames.bytes as f64 / cam_days(1),
        frames.rss_mib
    );
    println!("sync / limit wall time: {:.2}×", week.wall_s / lwall);
    Ok(())
}
