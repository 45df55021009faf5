//! Shared by the long campaigns (`crash-campaign`, `db-faults`): the
//! engine as a child process, HTTP ingest clients that keep what was
//! acknowledged, and the checks on what the engine stored.

#![allow(dead_code)]

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
use animov_store::Store;
use anyhow::{Context, bail, ensure};
use gstreamer as gst;
use gstreamer::prelude::*;
use serde_json::{Value, json};

use crate::client::Client;

/// The admin's password in the campaigns' throw-away data folders.
pub const PASSWORD: &str = "campaign-password-1";

/// Frames per ingest request.
pub const BATCH: i64 = 20;
/// Data time between two ingested frames, ms.
pub const STEP_MS: i64 = 20;

/// xorshift: the kill moments are reproducible from the seed.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [lo, hi) ms.
    pub fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo))
    }
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub fn now_ms() -> i64 {
    animov_store::now_ms()
}

/// The engine under test: started, killed, restarted.
pub struct Engine {
    pub bin: PathBuf,
    pub data: PathBuf,
    pub addr: SocketAddr,
    pub log: PathBuf,
    pub child: Option<Child>,
}

impl Engine {
    /// `bin` on `data`, listening on a free port, its log in `work/engine.log` (not started).
    pub fn new(bin: &Path, data: &Path, work: &Path) -> anyhow::Result<Engine> {
        Ok(Engine {
            bin: bin.to_path_buf(),
            data: data.to_path_buf(),
            addr: format!("127.0.0.1:{}", free_port()?).parse()?,
            log: work.join("engine.log"),
            child: None,
        })
    }

    pub fn start(&mut self) -> anyhow::Result<Duration> {
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

    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            c.kill()?; // SIGKILL
            c.wait()?;
        }
        Ok(())
    }

    pub fn stop(&mut self) -> anyhow::Result<()> {
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

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

pub fn call(
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

pub fn ok(r: (u16, Value), what: &str) -> anyhow::Result<Value> {
    ensure!((200..300).contains(&r.0), "{what}: {} {}", r.0, r.1);
    Ok(r.1)
}

/// A 20 s H.264 video (640×360, 10 frames/s) for the file camera.
pub fn make_video(path: &Path) -> anyhow::Result<()> {
    make_video_of(path, "ball", 2048)
}

/// A 20 s H.264 video (640×360, 10 frames/s) of videotestsrc's `pattern`
/// at `kbps` (reached only by a busy picture: `snow`).
pub fn make_video_of(path: &Path, pattern: &str, kbps: u32) -> anyhow::Result<()> {
    let status = Command::new("gst-launch-1.0")
        .arg("-q")
        .arg("videotestsrc")
        .arg(format!("pattern={pattern}"))
        .args(["num-buffers=200", "!"])
        .args(["video/x-raw,width=640,height=360,framerate=10/1", "!"])
        .arg("x264enc")
        .arg(format!("bitrate={kbps}"))
        .args(["key-int-max=20", "!", "h264parse", "!", "matroskamux", "!"])
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
pub type Acked = Arc<Mutex<HashMap<String, Vec<i64>>>>;

/// What the ingest clients were answered.
#[derive(Debug, Default)]
pub struct Tally {
    /// Frames acknowledged (2xx).
    pub frames: AtomicU64,
    /// 503 with `Retry-After`.
    pub unavailable: AtomicU64,
    /// 503 or 507 without `Retry-After`.
    pub unavailable_bare: AtomicU64,
    /// 507 (the database's disk full) with `Retry-After`.
    pub disk_full: AtomicU64,
    /// Any other refusal (a bug: printed).
    pub other: AtomicU64,
    /// No answer (engine dead or restarting, connection cut mid-answer).
    pub no_answer: AtomicU64,
}

/// Sends batches of frames for `source` until `stop`, resending a batch
/// until it gets a 2xx (the engine or its database may be away).
pub fn ingest_client(
    addr: SocketAddr,
    source: String,
    key: String,
    t0: i64,
    acked: Acked,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
) {
    let mut client: Option<Client> = None;
    let mut seq: i64 = 0;
    let pause = || std::thread::sleep(Duration::from_millis(20));
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
                    tally.no_answer.fetch_add(1, Ordering::Relaxed);
                    pause();
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
                tally.frames.fetch_add(BATCH as u64, Ordering::Relaxed);
                seq += 1;
            }
            Ok((status @ (503 | 507), _)) => {
                let counter = match (status, c.retry_after.is_some()) {
                    (_, false) => &tally.unavailable_bare,
                    (503, true) => &tally.unavailable,
                    _ => &tally.disk_full,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok((0, _)) | Err(_) => {
                tally.no_answer.fetch_add(1, Ordering::Relaxed);
                client = None;
                pause();
            }
            Ok((s, b)) => {
                tally.other.fetch_add(1, Ordering::Relaxed);
                eprintln!("ingest {source}: {s} {}", String::from_utf8_lossy(&b));
                client = None;
                pause();
            }
        }
    }
}

/// Frames a recording decodes to its end, or why not.
pub fn playable(path: &Path) -> Result<u64, String> {
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

/// A barn under test: the admin's session, cameras, ingest keys, a source
/// gone silent, and two ingest clients running.
pub struct Barn {
    /// The admin's token.
    pub token: String,
    /// What the clients were told was stored.
    pub acked: Acked,
    /// What the clients were answered.
    pub tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
    clients: Vec<std::thread::JoinHandle<()>>,
}

impl Barn {
    /// Signs in, adds `cameras` (source, address), API keys for `ing-1`,
    /// `ing-2` and `ing-silent` (a configured source that sends a few frames
    /// and falls silent: two minutes later the alert job opens one
    /// camera_offline alert), and starts the clients of `ing-1` and `ing-2`
    /// (frames from a day ago: their minutes close as soon as written).
    pub fn set_up(addr: SocketAddr, cameras: &[(&str, &str)]) -> anyhow::Result<Barn> {
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
        for (source, uri) in cameras {
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
        let tally = Arc::new(Tally::default());
        // A day ago: these minutes close as soon as they are written.
        let t0 = now_ms() - 86_400_000;
        let clients: Vec<_> = ["ing-1", "ing-2"]
            .into_iter()
            .map(|s| {
                let (acked, stop, tally, key) =
                    (acked.clone(), stop.clone(), tally.clone(), keys[s].clone());
                std::thread::spawn(move || {
                    ingest_client(addr, s.to_string(), key, t0, acked, stop, tally)
                })
            })
            .collect();
        Ok(Barn {
            token,
            acked,
            tally,
            stop,
            clients,
        })
    }

    /// Stops the clients (each finishes its request).
    pub fn stop_clients(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for c in self.clients.drain(..) {
            let _ = c.join();
        }
    }
}

/// Creates the admin of a fresh data folder (`animov user add`).
pub fn add_admin(bin: &Path, data: &Path) -> anyhow::Result<()> {
    let mut add = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
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
    Ok(())
}

/// Every acknowledged frame is stored: (acknowledged, lost).
pub async fn check_frames(
    store: &Store,
    acked: &HashMap<String, Vec<i64>>,
    failures: &mut Vec<String>,
) -> anyhow::Result<(usize, usize)> {
    let (mut acked_frames, mut lost) = (0usize, 0usize);
    for (source, firsts) in acked {
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
            let mut missing = 0;
            for i in 0..BATCH {
                acked_frames += 1;
                if !stored.contains(&(first + i * STEP_MS)) {
                    missing += 1;
                }
            }
            if missing > 0 && lost < 5 * BATCH as usize {
                failures.push(format!(
                    "{source}: {missing} frames of the batch from {first} acknowledged and lost"
                ));
            }
            lost += missing;
        }
    }
    if lost > 0 {
        failures.push(format!("{lost} acknowledged frames lost"));
    }
    Ok((acked_frames, lost))
}

/// Every minute of every camera equals a recomputation from its stored
/// frames, and none that ended before `stopped_at` is left unwritten:
/// (equal, differing, not written).
pub async fn check_minutes(
    store: &Store,
    stopped_at: i64,
    failures: &mut Vec<String>,
) -> anyhow::Result<(usize, usize, usize)> {
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
    Ok((minutes_equal, minutes_wrong, minutes_pending))
}

/// `PRAGMA integrity_check` of the SQLite file at `path`.
pub async fn integrity(path: &Path, failures: &mut Vec<String>) -> anyhow::Result<String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", path.display());
    let mut conn = sqlx::AnyConnection::connect(&url).await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    if integrity != "ok" {
        failures.push(format!("integrity_check: {integrity}"));
    }
    Ok(integrity)
}

/// Every indexed recording plays to its end and every segment file under
/// `data/recordings` is indexed: (recordings, playing, broken, not indexed).
pub async fn check_recordings(
    store: &Store,
    data: &Path,
    failures: &mut Vec<String>,
) -> anyhow::Result<(Vec<animov_store::RecordingRow>, usize, usize, usize)> {
    gst::init()?;
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
    if let Ok(dirs) = std::fs::read_dir(data.join("recordings")) {
        for dir in dirs.flatten() {
            for f in std::fs::read_dir(dir.path())?.flatten() {
                let p = f.path().display().to_string();
                if !indexed.contains(p.as_str()) {
                    unindexed += 1;
                    failures.push(format!("{p} is on disk but not indexed"));
                }
            }
        }
    }
    Ok((recordings, plays, broken, unindexed))
}

/// The campaign's `--name value` options: `defaults` (name, value) give
/// every known option; `--bin` (the `animov` program, default: beside this
/// one) is always known and must exist.
pub struct Options {
    values: HashMap<String, String>,
    /// The `animov` program under test.
    pub bin: PathBuf,
}

impl Options {
    pub fn parse(defaults: &[(&str, &str)]) -> anyhow::Result<Options> {
        let mut values: HashMap<String, String> = defaults
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut bin = std::env::current_exe()?.with_file_name("animov");
        let known = || {
            defaults
                .iter()
                .map(|(k, v)| format!("--{k} (default {v})"))
                .chain(["--bin PATH".to_string()])
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut it = std::env::args().skip(1);
        while let Some(k) = it.next() {
            let v = it.next().with_context(|| format!("{k} needs a value"))?;
            match k.strip_prefix("--") {
                Some("bin") => bin = v.into(),
                Some(name) if values.contains_key(name) => {
                    values.insert(name.to_string(), v);
                }
                _ => bail!("unknown option {k} ({})", known()),
            }
        }
        ensure!(
            bin.exists(),
            "{} is missing: cargo build --release -p animov-cli",
            bin.display()
        );
        Ok(Options { values, bin })
    }

    /// The value of `--name`, read as a `T`.
    pub fn get<T: std::str::FromStr>(&self, name: &str) -> anyhow::Result<T>
    where
        T::Err: std::fmt::Display,
    {
        let v = self
            .values
            .get(name)
            .with_context(|| format!("--{name} is not an option"))?;
        v.parse().map_err(|e| anyhow::anyhow!("--{name} {v}: {e}"))
    }
}

/// A folder for the campaign's files, kept after a failure to look at
/// (remove it with [`finish`]).
pub fn work_dir(prefix: &str) -> anyhow::Result<PathBuf> {
    let t = tempfile::Builder::new().prefix(prefix).tempdir()?;
    Ok(t.keep())
}

/// Fails with the checks that failed (the engine's log named), or removes
/// the work folder.
pub fn finish(failures: &[String], log: &Path, work: &Path) -> anyhow::Result<()> {
    if !failures.is_empty() {
        for f in failures {
            eprintln!("FAIL: {f}");
        }
        bail!(
            "{} checks failed (engine log: {})",
            failures.len(),
            log.display()
        );
    }
    let _ = std::fs::remove_dir_all(work);
    Ok(())
}

/// A gauge or counter of the engine's `/metrics`.
pub fn metric(addr: SocketAddr, token: &str, name: &str) -> Option<u64> {
    let auth = format!("Bearer {token}");
    let (status, body) = Client::connect(addr)
        .ok()?
        .request("GET", "/metrics", &[("authorization", &auth)], b"")
        .ok()?;
    if status != 200 {
        return None;
    }
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Waits until `done` holds (checked every 20 ms, `limit` at most); how long it took.
pub fn time_until(
    what: &str,
    limit: Duration,
    mut done: impl FnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<Duration> {
    let t = Instant::now();
    while !done()? {
        ensure!(
            t.elapsed() < limit,
            "{what}: not within {} s",
            limit.as_secs()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(t.elapsed())
}
