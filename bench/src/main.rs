//! AniMOV benchmark: prints side by side, in one run,
//! 1. frames/s ingested over HTTP and directly into SQLite and MariaDB (and the
//!    rate at which minutes are then closed into statistics);
//! 2. minute-statistics throughput of animov-core vs the pandas reference script
//!    on the same frame file (ratio);
//! 3. p50/p99 latency of the 24 h @ 5 min, 30 d @ 1 h and 1 y @ 1 d series
//!    queries on a generated year of minute rows for 8 cameras: before (every
//!    minute read and merged, through the store) and after (the series route
//!    over HTTP, reading the hourly and daily rollups), same windows.
//!
//! Run with `bash bench/run.sh [--quick] [--series]` (starts MariaDB and the
//! pandas venv; `--series` runs section 3 alone), or
//! `cargo run --release -p animov-bench -- [--quick]` with ANIMOV_TEST_MYSQL_URL
//! and ANIMOV_BENCH_PYTHON set by hand.

mod client;

use std::{
    io::Write,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Instant,
};

use animov_api::{Role, SourceKind};
use animov_core::{
    FrameCount,
    demo::{DemoHerd, DemoSettings},
    minute::{MinuteRow, minute_rows},
};
use animov_engine::{Engine, config::Config, users};
use animov_http::{AppState, server};
use animov_store::{NewFrame, Store, testing};
use anyhow::Context;
use client::Client;

const T0: i64 = 1_735_689_600_000; // 2025-01-01T00:00Z
const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

struct Opts {
    quick: bool,
    python: Option<String>,
    out: PathBuf,
}

fn demo_frames(camera: u32, from: i64, to: i64, step: i64) -> Vec<FrameCount> {
    DemoHerd::new(DemoSettings::for_camera(7, camera, 60), from).frames(from, to, step)
}

fn to_new(f: &[FrameCount]) -> Vec<NewFrame> {
    f.iter()
        .map(|f| NewFrame {
            ts_ms: f.ts_ms,
            lying: f.lying,
            standing: f.standing,
            detections: None,
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

async fn start_server(store: Store) -> anyhow::Result<(server::Running, String)> {
    let state = AppState::new(
        Engine::new(store, Config::default()),
        b"bench signing key, 32 bytes long",
    );
    if state.store.user("bench").await?.is_none() {
        users::add_user(&state.store, "bench", Role::Operator, "bench-password").await?;
    }
    let running = server::start(state, "127.0.0.1:0".parse()?, None).await?;
    let addr = running.addr;
    let token = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        let mut c = Client::connect(addr)?;
        let (s, body) = c.request(
            "POST",
            "/api/v1/auth/login",
            &[("Content-Type", "application/json")],
            br#"{"username":"bench","password":"bench-password"}"#,
        )?;
        anyhow::ensure!(s == 200, "login failed: {}", String::from_utf8_lossy(&body));
        let v: serde_json::Value = serde_json::from_slice(&body)?;
        Ok(v["token"].as_str().unwrap_or_default().to_string())
    })
    .await??;
    Ok((running, token))
}

/// Frames/s stored directly, and minutes/s closed afterwards.
async fn ingest_direct(store: &Store, frames: usize) -> anyhow::Result<(f64, f64)> {
    let cam = store.ensure_source("direct", SourceKind::Ingest).await?;
    let all = to_new(&demo_frames(0, T0, T0 + frames as i64 * 1_000, 1_000));
    let t = Instant::now();
    for chunk in all.chunks(500) {
        store.insert_frames(cam, chunk).await?;
    }
    let fps = all.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let minutes = store.close_pending(i64::MAX / 4).await?;
    Ok((fps, minutes as f64 / t.elapsed().as_secs_f64()))
}

/// Frames/s through POST /api/v1/ingest with `batch` frames per request, one keep-alive connection.
async fn ingest_http(
    addr: SocketAddr,
    token: &str,
    source: &str,
    frames: usize,
    batch: usize,
) -> anyhow::Result<f64> {
    let bodies: Vec<Vec<u8>> = demo_frames(1, T0, T0 + frames as i64 * 1_000, 1_000)
        .chunks(batch)
        .map(|c| {
            let fr: Vec<serde_json::Value> =
                c.iter().map(|f| serde_json::json!({"ts_ms": f.ts_ms, "lying": f.lying, "standing": f.standing})).collect();
            serde_json::to_vec(&serde_json::json!({"source": source, "frames": fr})).unwrap_or_default()
        })
        .collect();
    let auth = format!("Bearer {token}");
    tokio::task::spawn_blocking(move || -> anyhow::Result<f64> {
        let mut c = Client::connect(addr)?;
        let t = Instant::now();
        for b in &bodies {
            let (s, body) = c.request(
                "POST",
                "/api/v1/ingest",
                &[
                    ("Content-Type", "application/json"),
                    ("Authorization", &auth),
                ],
                b,
            )?;
            anyhow::ensure!(
                s == 200,
                "ingest failed: {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(frames as f64 / t.elapsed().as_secs_f64())
    })
    .await?
}

async fn ingest_section(opts: &Opts) -> anyhow::Result<Vec<(String, String)>> {
    let n = if opts.quick { 20_000 } else { 200_000 };
    let n1 = if opts.quick { 1_000 } else { 5_000 };
    let mut rows = Vec::new();
    let mut backends = vec![testing::sqlite().await];
    match testing::mysql().await {
        Some(m) => backends.push(m),
        None => rows.push((
            "MariaDB".into(),
            "skipped (ANIMOV_TEST_MYSQL_URL unset)".into(),
        )),
    }
    for b in &backends {
        let (direct, close) = ingest_direct(&b.store, n).await?;
        let (running, token) = start_server(b.store.clone()).await?;
        let http500 = ingest_http(running.addr, &token, "http-500", n, 500).await?;
        let http1 = ingest_http(running.addr, &token, "http-1", n1, 1).await?;
        running.shutdown().await;
        let name = if b.backend == "sqlite" {
            "SQLite"
        } else {
            "MariaDB"
        };
        rows.push((
            format!("{name}: direct, 500 frames/tx"),
            format!("{direct:>10.0} frames/s"),
        ));
        rows.push((
            format!("{name}: HTTP, 500 frames/request"),
            format!("{http500:>10.0} frames/s"),
        ));
        rows.push((
            format!("{name}: HTTP, 1 frame/request"),
            format!("{http1:>10.0} frames/s"),
        ));
        rows.push((
            format!("{name}: closing minutes into statistics"),
            format!("{close:>10.0} minutes/s"),
        ));
    }
    Ok(rows)
}

fn write_frames_csv(
    path: &Path,
    cameras: u32,
    hours: i64,
) -> anyhow::Result<Vec<(String, Vec<FrameCount>)>> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "source,ts_ms,lying,standing")?;
    let mut all = Vec::new();
    for c in 0..cameras {
        let frames = demo_frames(c, T0, T0 + hours * 3_600_000, 1_000);
        for f in &frames {
            writeln!(out, "cam-{c},{},{},{}", f.ts_ms, f.lying, f.standing)?;
        }
        all.push((format!("cam-{c}"), frames));
    }
    Ok(all)
}

fn stats_section(opts: &Opts) -> anyhow::Result<Vec<(String, String)>> {
    let hours = if opts.quick { 2 } else { 24 };
    let path = opts.out.join("frames_bench.csv");
    let data = write_frames_csv(&path, 8, hours)?;
    let n: usize = data.iter().map(|(_, f)| f.len()).sum();
    let mut best = f64::INFINITY;
    let mut minutes = 0;
    for _ in 0..5 {
        let t = Instant::now();
        minutes = data
            .iter()
            .map(|(_, f)| minute_rows(f).len())
            .sum::<usize>();
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mut rows = vec![
        (
            format!("file: {n} frames, 8 cameras, {minutes} minutes"),
            path.display().to_string(),
        ),
        (
            "animov-core minute stats (best of 5)".into(),
            format!("{:>10.4} s  {:>12.0} frames/s", best, n as f64 / best),
        ),
    ];
    match &opts.python {
        Some(py) => {
            let out = std::process::Command::new(py)
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("reference_stats.py"))
                .arg("time")
                .arg(&path)
                .output()?;
            anyhow::ensure!(
                out.status.success(),
                "pandas script failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let pandas: f64 = String::from_utf8_lossy(&out.stdout).trim().parse()?;
            rows.push((
                "pandas reference script (best of 5)".into(),
                format!("{:>10.4} s  {:>12.0} frames/s", pandas, n as f64 / pandas),
            ));
            rows.push((
                "ratio pandas time / animov-core time".into(),
                format!("{:>10.1} x", pandas / best),
            ));
        }
        None => rows.push((
            "pandas".into(),
            "skipped (ANIMOV_BENCH_PYTHON unset)".into(),
        )),
    }
    Ok(rows)
}

/// A year (or a month with --quick) of minute rows for 8 cameras, 12 frames per minute.
async fn fill_year(store: &Store, days: i64) -> anyhow::Result<Vec<String>> {
    let mut sources = Vec::new();
    for c in 0..8u32 {
        let source = format!("cam-{c}");
        let cam = store.ensure_source(&source, SourceKind::Ingest).await?;
        let mut herd = DemoHerd::new(DemoSettings::for_camera(11, c, 60), T0);
        let mut day = 0;
        while day < days {
            let from = T0 + day * DAY;
            let span = (days - day).min(7);
            let frames = herd.frames(from, from + span * DAY, 5_000);
            let rows: Vec<MinuteRow> = minute_rows(&frames);
            store.insert_minute_rows(cam, &rows).await?;
            day += span;
        }
        sources.push(source);
        eprint!(".");
    }
    eprintln!();
    Ok(sources)
}

/// The three series queries: label, span, bucket (ms and as the API names it), requests.
const QUERIES: [(&str, i64, i64, &str, usize); 3] = [
    ("24 h @ 5 min", DAY, 5 * MIN, "5m", 300),
    ("30 d @ 1 h", 30 * DAY, 60 * MIN, "1h", 300),
    ("1 y @ 1 d", 365 * DAY, DAY, "1d", 30),
];

/// Random windows of `span` inside the data (the same ones before and after).
fn windows(days: i64, span: i64, n: usize) -> Vec<(usize, i64, i64)> {
    let mut rng = animov_core::demo::Rng::new(5);
    let span = span.min(days * DAY);
    (0..n)
        .map(|i| {
            let room = ((days * DAY - span) / MIN).max(1) as u64;
            let end = T0 + span + (rng.next_u64() % room) as i64 * MIN;
            (i, end - span, end)
        })
        .collect()
}

fn p50_p99(mut lat: Vec<f64>) -> String {
    lat.sort_by(f64::total_cmp);
    format!(
        "p50 {:>7.2} ms   p99 {:>7.2} ms",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    )
}

async fn latency_section(opts: &Opts) -> anyhow::Result<Vec<(String, String)>> {
    let days = if opts.quick { 35 } else { 365 };
    let mut rows = Vec::new();
    let mut backends = vec![testing::sqlite().await];
    if !opts.quick {
        backends.extend(testing::mysql().await);
    }
    for b in &backends {
        let t = Instant::now();
        let sources = fill_year(&b.store, days).await?;
        let name = if b.backend == "sqlite" {
            "SQLite"
        } else {
            "MariaDB"
        };
        rows.push((
            format!(
                "{name}: {} minute rows generated ({days} d x 8 cameras)",
                days * 1440 * 8
            ),
            format!("{:>10.1} s", t.elapsed().as_secs_f64()),
        ));
        // Before: every minute read and merged (how series were read before rollups).
        let mut cams = Vec::new();
        for s in &sources {
            cams.push(b.store.camera_id(s).await?.context("camera")?);
        }
        let mut before = Vec::new();
        for (label, span, bucket_ms, _, n) in QUERIES {
            let mut lat = Vec::new();
            for (i, from, to) in windows(days, span, n) {
                let t = Instant::now();
                let h = b
                    .store
                    .posture_hists(cams[i % cams.len()], from, to)
                    .await?;
                let points = animov_core::series::series(&h, bucket_ms);
                anyhow::ensure!(!points.is_empty(), "no points");
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            before.push((label, p50_p99(lat)));
        }
        let t = Instant::now();
        while b.store.refresh_rollups(2000).await? > 0 {}
        rows.push((
            format!("{name}: hourly and daily rollups made for the whole history"),
            format!("{:>10.1} s", t.elapsed().as_secs_f64()),
        ));
        // After: the series route, over HTTP, reading the rollups.
        let (running, token) = start_server(b.store.clone()).await?;
        for ((label, span, _, bucket, n), (_, was)) in QUERIES.into_iter().zip(before) {
            let addr = running.addr;
            let auth = format!("Bearer {token}");
            let sources = sources.clone();
            let lat = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<f64>> {
                let mut c = Client::connect(addr)?;
                let mut out = Vec::new();
                for (i, from, to) in windows(days, span, n) {
                    let src = &sources[i % sources.len()];
                    let path =
                        format!("/api/v1/series?source={src}&from={from}&to={to}&bucket={bucket}");
                    let t = Instant::now();
                    let (s, body) = c.request("GET", &path, &[("Authorization", &auth)], b"")?;
                    anyhow::ensure!(s == 200 && body.len() > 2, "series failed: {s}");
                    out.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                Ok(out)
            })
            .await??;
            rows.push((
                format!("{name}: series {label}, before: every minute (store, {n} requests)"),
                was,
            ));
            rows.push((
                format!("{name}: series {label}, after: rollups (HTTP, {n} requests)"),
                p50_p99(lat),
            ));
        }
        running.shutdown().await;
    }
    Ok(rows)
}

fn print(title: &str, rows: &[(String, String)]) {
    println!("\n== {title}");
    let w = rows
        .iter()
        .map(|(a, _)| a.chars().count())
        .max()
        .unwrap_or(0);
    for (a, b) in rows {
        println!("  {a:<w$}  {b}");
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let opts = Opts {
        quick: args.iter().any(|a| a == "--quick"),
        python: std::env::var("ANIMOV_BENCH_PYTHON").ok(),
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("out"),
    };
    std::fs::create_dir_all(&opts.out)?;
    println!(
        "AniMOV benchmark ({}), {} CPU(s)",
        if opts.quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // `--series`: the series section alone.
    let series_only = args.iter().any(|a| a == "--series");
    if !series_only {
        print("1. Ingest", &ingest_section(&opts).await?);
        print(
            "2. Minute statistics: animov-core vs pandas, same file",
            &stats_section(&opts)?,
        );
    }
    print(
        "3. Series query latency, before and after the rollups",
        &latency_section(&opts).await?,
    );
    Ok(())
}
