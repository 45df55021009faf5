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

#[path = "../client.rs"]
mod client;

use std::{
    collections::{BTreeMap, HashMap},
    io::Write,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use animov_core::minute::minute_rows;
use animov_store::{Store, StoreConfig};
use anyhow::{Context, bail, ensure};
use client::Client;
use gstreamer as gst;
use gstreamer::prelude::*;
use serde_json::{Value, json};

const PASSWORD: &str = "crash-campaign-1";
/// Frames per ingest request.
const BATCH: i64 = 20;
/// Data time between two ingested frames, ms.
const STEP_MS: i64 = 20;

struct Args {
    kills: usize,
    seed: u64,
    bin: PathBuf,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        kills: 100,
        seed: 18,
        bin: std::env::current_exe()?.with_file_name("animov"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--kills" => a.kills = v.parse()?,
            "--seed" => a.seed = v.parse()?,
            "--bin" => a.bin = v.into(),
            _ => bail!("unknown option {k} (--kills N, --seed N, --bin PATH)"),
        }
    }
    ensure!(
        a.bin.exists(),
        "{} is missing: cargo build --release -p animov-cli",
        a.bin.display()
    );
    Ok(a)
}

/// xorshift: the kill moments are reproducible from the seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [lo, hi) ms.
    fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo))
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn now_ms() -> i64 {
    animov_store::now_ms()
}

/// The engine under test: started, killed, restarted.
struct Engine {
    bin: PathBuf,
    data: PathBuf,
    addr: SocketAddr,
    log: PathBuf,
    child: Option<Child>,
}

impl Engine {
    fn start(&mut self) -> anyhow::Result<Duration> {
        let t = Instant::now();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.bin)
            .arg("--data-dir")
            .arg(&self.data)
            .args(["serve", "--listen", &self.addr.to_string()])
            .env("ANIMOV_SECRETS", "file")
            .env("RUST_LOG", "warn,animov_engine::cameras::salvage=info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        while t.elapsed() < Duration::from_secs(60) {
            if let Ok(mut c) = Client::connect(self.addr)
                && let Ok((200, _)) = c.request("GET", "/health", &[], b"")
            {
                return Ok(t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!(
            "the engine did not answer /health within 60 s (log: {})",
            self.log.display()
        )
    }

    fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            c.kill()?; // SIGKILL
            c.wait()?;
        }
        Ok(())
    }

    fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status()?;
            let status = c.wait()?;
            ensure!(status.success(), "the clean stop failed: {status}");
        }
        Ok(())
    }
}

fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<(u16, Value)> {
    let mut c = Client::connect(addr)?;
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a));
    }
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let (s, b) = c.request(method, path, &headers, &body)?;
    Ok((s, serde_json::from_slice(&b).unwrap_or(Value::Null)))
}

fn ok(r: (u16, Value), what: &str) -> anyhow::Result<Value> {
    ensure!((200..300).contains(&r.0), "{what}: {} {}", r.0, r.1);
    Ok(r.1)
}

/// A 20 s H.264 video (640×360, 10 frames/s) for the file camera.
fn make_video(path: &Path) -> anyhow::Result<()> {
    let status = Command::new("gst-launch-1.0")
        .args(["-q", "videotestsrc", "pattern=ball", "num-buffers=200", "!"])
        .args(["video/x-raw,width=640,height=360,framerate=10/1", "!"])
        .args([
            "x264enc",
            "key-int-max=20",
            "!",
            "h264parse",
            "!",
            "matroskamux",
            "!",
        ])
        .arg("filesink")
        .arg(format!("location={}", path.display()))
        .status()?;
    ensure!(
        status.success(),
        "gst-launch-1.0 could not make the test video"
    );
    Ok(())
}

/// What the ingest clients were told was stored: source → acknowledged
/// frame times (batches of [`BATCH`] from a first time).
type Acked = Arc<Mutex<HashMap<String, Vec<i64>>>>;

/// Sends batches of frames for `source` until `stop`, resending a batch
/// until it gets a 2xx (the engine may be dead or restarting).
fn ingest_client(
    addr: SocketAddr,
    source: String,
    key: String,
    t0: i64,
    acked: Acked,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
) {
    let mut client: Option<Client> = None;
    let mut seq: i64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let first = t0 + seq * BATCH * STEP_MS;
        let frames: Vec<Value> = (0..BATCH)
            .map(|i| {
                let k = seq * BATCH + i;
                json!({"ts_ms": first + i * STEP_MS, "lying": k % 7, "standing": (k / 7) % 5})
            })
            .collect();
        let body = json!({"source": source, "frames": frames}).to_string();
        let c = match client.as_mut() {
            Some(c) => c,
            None => match Client::connect(addr) {
                Ok(c) => client.insert(c),
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
            },
        };
        match c.request(
            "POST",
            "/api/v1/ingest",
            &[("content-type", "application/json"), ("x-api-key", &key)],
            body.as_bytes(),
        ) {
            Ok((200, _)) => {
                acked
                    .lock()
                    .unwrap()
                    .entry(source.clone())
                    .or_default()
                    .push(first);
                sent.fetch_add(BATCH as u64, Ordering::Relaxed);
                seq += 1;
            }
            Ok((s, b)) => {
                // 503 while the store is busy, 0 when the engine died
                // mid-answer: resend; anything else is a bug.
                if s != 503 && s != 0 {
                    eprintln!("ingest {source}: {s} {}", String::from_utf8_lossy(&b));
                }
                client = None;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => {
                client = None;
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Frames a recording decodes to its end, or why not.
fn playable(path: &Path) -> Result<u64, String> {
    let p = gst::parse::launch(&format!(
        "filesrc location=\"{}\" ! decodebin ! fakesink name=sink",
        path.display()
    ))
    .map_err(|e| e.to_string())?
    .downcast::<gst::Pipeline>()
    .map_err(|_| "not a pipeline".to_string())?;
    let n = Arc::new(AtomicU64::new(0));
    let sink = p.by_name("sink").ok_or("no sink")?;
    let pad = sink.static_pad("sink").ok_or("no pad")?;
    let n2 = n.clone();
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
        n2.fetch_add(1, Ordering::Relaxed);
        gst::PadProbeReturn::Ok
    });
    p.set_state(gst::State::Playing)
        .map_err(|e| e.to_string())?;
    let bus = p.bus().ok_or("no bus")?;
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(60),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    let _ = p.set_state(gst::State::Null);
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Eos(_)) if n.load(Ordering::Relaxed) > 0 => {
            Ok(n.load(Ordering::Relaxed))
        }
        Some(gst::MessageView::Eos(_)) => Err("no frame".into()),
        Some(gst::MessageView::Error(e)) => Err(e.error().to_string()),
        _ => Err("not done in 60 s".into()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    gst::init()?;
    let work = tempfile::Builder::new().prefix("animov-crash-").tempdir()?;
    let data = work.path().join("data");
    std::fs::create_dir_all(&data)?;
    std::fs::write(
        data.join("animov.toml"),
        "[vision]\nfps = 2\nsegment_minutes = 1\n[alerts]\ninterval_seconds = 5\n",
    )?;
    let video = work.path().join("pen.mkv");
    make_video(&video)?;
    let mut add = Command::new(&a.bin)
        .arg("--data-dir")
        .arg(&data)
        .args([
            "user",
            "add",
            "--username",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .env("ANIMOV_SECRETS", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    writeln!(add.stdin.take().context("stdin")?, "{PASSWORD}")?;
    ensure!(add.wait()?.success(), "animov user add failed");

    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
    let mut engine = Engine {
        bin: a.bin.clone(),
        data: data.clone(),
        addr,
        log: work.path().join("engine.log"),
        child: None,
    };
    engine.start()?;
    let token = ok(
        call(
            addr,
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"username": "admin", "password": PASSWORD}),
        )?,
        "sign in",
    )?["token"]
        .as_str()
        .context("token")?
        .to_string();
    let t = Some(token.as_str());
    for (source, uri) in [
        ("demo-cam", "demo:1".to_string()),
        ("file-cam", video.display().to_string()),
    ] {
        ok(
            call(
                addr,
                "POST",
                "/api/v1/cameras",
                t,
                json!({"source": source, "name": source, "uri": uri, "herd_size": 6}),
            )?,
            "add camera",
        )?;
    }
    let mut keys = BTreeMap::new();
    for source in ["ing-1", "ing-2", "ing-silent"] {
        let v = ok(
            call(
                addr,
                "POST",
                "/api/v1/api-keys",
                t,
                json!({"source": source}),
            )?,
            "API key",
        )?;
        keys.insert(source, v["key"].as_str().context("key")?.to_string());
    }
    // A configured source that sends a few frames and falls silent: two
    // minutes later the alert job opens one camera_offline alert.
    let silent_frames: Vec<Value> = (0..5)
        .map(|i| json!({"ts_ms": now_ms() - 5_000 + i * 1000, "lying": 1, "standing": 2}))
        .collect();
    {
        let mut c = Client::connect(addr)?;
        let body = json!({"source": "ing-silent", "frames": silent_frames}).to_string();
        let headers = [
            ("content-type", "application/json"),
            ("x-api-key", keys["ing-silent"].as_str()),
        ];
        let (s, b) = c.request("POST", "/api/v1/ingest", &headers, body.as_bytes())?;
        ensure!(
            s == 200,
            "ingest the silent source: {s} {}",
            String::from_utf8_lossy(&b)
        );
    }

    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    // A day ago: these minutes close as soon as they are written.
    let t0 = now_ms() - 86_400_000;
    let clients: Vec<_> = ["ing-1", "ing-2"]
        .into_iter()
        .map(|s| {
            let (acked, stop, sent, key) =
                (acked.clone(), stop.clone(), sent.clone(), keys[s].clone());
            std::thread::spawn(move || {
                ingest_client(addr, s.to_string(), key, t0, acked, stop, sent)
            })
        })
        .collect();

    let mut rng = Rng(a.seed.max(1));
    let mut restarts = Vec::with_capacity(a.kills);
    let began = Instant::now();
    for k in 1..=a.kills {
        std::thread::sleep(rng.ms(500, 6_000));
        engine.kill()?;
        restarts.push(engine.start()?);
        if k % 10 == 0 || k == a.kills {
            eprintln!(
                "kill {k}/{}: {} frames acknowledged, {:.0} s",
                a.kills,
                sent.load(Ordering::Relaxed),
                began.elapsed().as_secs_f64()
            );
        }
    }
    // Let the last run work, then stop the clients and the engine cleanly.
    std::thread::sleep(Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        let _ = c.join();
    }
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
    let integrity: String = {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", data.join("animov.sqlite").display());
        let mut conn = sqlx::AnyConnection::connect(&url).await?;
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await?
    };
    if integrity != "ok" {
        failures.push(format!("integrity_check: {integrity}"));
    }
    let acked = acked.lock().unwrap().clone();
    let (mut acked_frames, mut lost) = (0usize, 0usize);
    for (source, firsts) in &acked {
        let id = store
            .camera_id(source)
            .await?
            .context("ingest source missing")?;
        let stored: std::collections::HashSet<i64> = store
            .frames(id, i64::MIN, i64::MAX)
            .await?
            .into_iter()
            .map(|f| f.ts_ms)
            .collect();
        for first in firsts {
            for i in 0..BATCH {
                acked_frames += 1;
                if !stored.contains(&(first + i * STEP_MS)) {
                    lost += 1;
                }
            }
        }
    }
    if lost > 0 {
        failures.push(format!("{lost} acknowledged frames lost"));
    }
    let (mut minutes_equal, mut minutes_wrong, mut minutes_pending) = (0usize, 0usize, 0usize);
    for cam in store.cameras().await? {
        let frames = store.frames(cam.id, i64::MIN, i64::MAX).await?;
        let recomputed = minute_rows(&frames);
        let stored: HashMap<i64, _> = store
            .minute_rows(cam.id, i64::MIN, i64::MAX)
            .await?
            .into_iter()
            .map(|r| (r.minute_ts, r))
            .collect();
        for r in recomputed {
            match stored.get(&r.minute_ts) {
                Some(s) if *s == r => minutes_equal += 1,
                Some(s) => {
                    minutes_wrong += 1;
                    if minutes_wrong <= 5 {
                        failures.push(format!(
                            "{} minute {}: stored {s:?}, recomputed {r:?}",
                            cam.source, r.minute_ts
                        ));
                    }
                }
                // The minute being counted at the stop may wait for the next start.
                None if r.minute_ts + 60_000 > stopped_at - 10_000 => {}
                None => minutes_pending += 1,
            }
        }
    }
    if minutes_wrong > 0 {
        failures.push(format!(
            "{minutes_wrong} minutes differ from a recomputation"
        ));
    }
    if minutes_pending > 0 {
        failures.push(format!(
            "{minutes_pending} minutes that ended before the stop were not written"
        ));
    }
    let recordings = store.recordings(None, i64::MIN, i64::MAX).await?;
    let (mut plays, mut broken) = (0usize, 0usize);
    for r in &recordings {
        match playable(Path::new(&r.path)) {
            Ok(_) => plays += 1,
            Err(e) => {
                broken += 1;
                failures.push(format!("recording {} does not play: {e}", r.path));
            }
        }
    }
    let indexed: std::collections::HashSet<&str> =
        recordings.iter().map(|r| r.path.as_str()).collect();
    let mut unindexed = 0usize;
    for dir in std::fs::read_dir(data.join("recordings"))?.flatten() {
        for f in std::fs::read_dir(dir.path())?.flatten() {
            let p = f.path().display().to_string();
            if !indexed.contains(p.as_str()) {
                unindexed += 1;
                failures.push(format!("{p} is on disk but not indexed"));
            }
        }
    }
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
        a.seed,
        began.elapsed().as_secs_f64()
    );
    println!("  kills (SIGKILL): {}", a.kills);
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
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAIL: {f}");
        }
        // Keep the data folder and the log to look at.
        std::mem::forget(work);
        bail!(
            "{} checks failed (engine log: {})",
            failures.len(),
            engine.log.display()
        );
    }
    Ok(())
}
