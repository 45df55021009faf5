//! Vision benchmark, side by side in one run, on the same frames:
//!
//! * the limit: ONNX Runtime `session.run` alone on a prepared tensor;
//! * ours, detection only: preprocess → infer → decode → NMS on decoded frames;
//! * ours, full pipeline: decode (GStreamer, H.264) → preprocess → infer → NMS
//!   → posture → track → store (SQLite);
//! * the peer: Python onnxruntime + numpy (`bench/detect_peer.py`) on the same
//!   decoded frames;
//!
//! at 1 and 2 ONNX Runtime threads; then the CPU share of recording one 1080p
//! H.264 stream in real time by remuxing it vs re-encoding it.
//!
//! `bash bench/vision.sh` (sets up the Python peer), or
//! `cargo run --release -p animov-bench --bin vision-bench -- [--quick]`.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use animov_core::{
    analysis::{CameraAnalyser, CameraFilter},
    demo::DemoSettings,
    posture::PostureModel,
    tracker::TrackerConfig,
};
use animov_store::{NewFrame, Store, StoreConfig};
use animov_vision::{
    Detect, Detector, RgbFrame,
    capture::{Capture, CaptureConfig, CaptureState, CapturedFrame, Source},
    handoff::Handoff,
    scene::DemoScene,
};
use anyhow::{Context, bail};
use gstreamer as gst;
use gstreamer::prelude::*;

fn model() -> anyhow::Result<PathBuf> {
    animov_engine::models::default_detector()
        .context("bundled detector not found (models/nanodet.onnx)")
}

fn run_gst(desc: &str) -> anyhow::Result<()> {
    animov_vision::capture::init()?;
    let p = gst::parse::launch(desc)?;
    p.set_state(gst::State::Playing)?;
    let bus = p.bus().context("no bus")?;
    let msg = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(600),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .context("pipeline timed out")?;
    let failed = matches!(msg.view(), gst::MessageView::Error(_));
    p.set_state(gst::State::Null)?;
    if failed {
        bail!("pipeline failed: {desc}");
    }
    Ok(())
}

/// The demo barn, `n` frames at 2 fps, scaled to 1280×720 and encoded as H.264.
fn write_barn_video(path: &Path, n: usize) -> anyhow::Result<()> {
    let raw = path.with_extension("rgb");
    let mut scene = DemoScene::new(DemoSettings::for_camera(42, 0, 60), 7 * 3_600_000);
    let mut bytes = Vec::new();
    for i in 0..n {
        bytes.extend(
            scene
                .render(7 * 3_600_000 + i as i64 * 500)
                .frame
                .into_data(),
        );
    }
    std::fs::write(&raw, bytes)?;
    run_gst(&format!(
        "filesrc location={} ! rawvideoparse width=640 height=360 format=rgb framerate=2/1 ! videoconvert ! videoscale ! video/x-raw,width=1280,height=720 ! x264enc ! h264parse ! matroskamux ! filesink location={}",
        raw.display(),
        path.display()
    ))?;
    std::fs::remove_file(raw)?;
    Ok(())
}

/// Decodes every frame of a file (no rate limit beyond the file's 2 fps).
fn decode_all(path: &Path) -> anyhow::Result<Vec<RgbFrame>> {
    let frames: Arc<Handoff<CapturedFrame>> = Handoff::new(8);
    let cfg = CaptureConfig {
        fps: 30,
        realtime: false,
        ..CaptureConfig::default()
    };
    let mut cap = Capture::start(
        "bench",
        Source::parse(&path.display().to_string())?,
        cfg,
        frames.clone(),
        Box::new(|_| {}),
    )?;
    let mut out = Vec::new();
    loop {
        if let Some(f) = frames.take(Duration::from_millis(200)) {
            out.push(f.frame);
        } else if cap.health().state == CaptureState::Ended {
            break;
        }
    }
    cap.stop();
    Ok(out)
}

/// Raw ORT throughput: the same prepared tensor, `session.run` + decode only.
fn limit(det: &mut Detector, frame: &RgbFrame, n: usize) -> anyhow::Result<f64> {
    det.prepare(frame);
    det.infer()?;
    let t = Instant::now();
    for _ in 0..n {
        det.infer()?;
    }
    Ok(n as f64 / t.elapsed().as_secs_f64())
}

fn detect_only(det: &mut Detector, frames: &[RgbFrame]) -> anyhow::Result<f64> {
    det.detect(&frames[0])?;
    let t = Instant::now();
    for f in frames {
        det.detect(f)?;
    }
    Ok(frames.len() as f64 / t.elapsed().as_secs_f64())
}

/// Decode → preprocess → infer → NMS → posture → track → store, from the video file.
async fn full_pipeline(
    det: &mut Detector,
    video: &Path,
    store: &Store,
    camera_id: i64,
) -> anyhow::Result<(f64, usize)> {
    let frames: Arc<Handoff<CapturedFrame>> = Handoff::new(4);
    let cfg = CaptureConfig {
        fps: 30,
        realtime: false,
        ..CaptureConfig::default()
    };
    let t = Instant::now();
    let mut cap = Capture::start(
        "bench",
        Source::parse(&video.display().to_string())?,
        cfg,
        frames.clone(),
        Box::new(|_| {}),
    )?;
    let mut analyser = CameraAnalyser::new(
        CameraFilter::default(),
        PostureModel::default(),
        TrackerConfig::default(),
        1,
    );
    let base = animov_store::now_ms() - 86_400_000;
    let mut n = 0;
    loop {
        let Some(f) = frames.take(Duration::from_millis(200)) else {
            if cap.health().state == CaptureState::Ended {
                break;
            }
            continue;
        };
        let dets = det.detect(&f.frame)?;
        let ts = base + f.pts_ms.unwrap_or(0) + (t.elapsed().as_nanos() % 1000) as i64;
        let a = analyser.analyse(ts, f.frame.height() as f32, dets);
        store
            .insert_frames(
                camera_id,
                &[NewFrame {
                    ts_ms: ts,
                    lying: a.counts.lying,
                    standing: a.counts.standing,
                    detections: Some(serde_json::to_vec(&a.counts.standing)?),
                }],
            )
            .await?;
        n += 1;
    }
    cap.stop();
    Ok((n as f64 / t.elapsed().as_secs_f64(), n))
}

/// Writes frames as one `.npy` array `[n, h, w, 3]` of uint8.
fn write_npy(path: &Path, frames: &[RgbFrame]) -> anyhow::Result<()> {
    let (w, h) = (frames[0].width(), frames[0].height());
    let mut header = format!(
        "{{'descr': '|u1', 'fortran_order': False, 'shape': ({}, {h}, {w}, 3), }}",
        frames.len()
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    for f in frames {
        out.extend(f.data());
    }
    std::fs::write(path, out)?;
    Ok(())
}

fn peer(python: &str, model: &Path, npy: &Path, threads: usize) -> anyhow::Result<Option<f64>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("detect_peer.py");
    let out = Command::new(python)
        .arg(script)
        .arg(model)
        .arg("--frames")
        .arg(npy)
        .args(["--threads", &threads.to_string(), "--json"])
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("python peer failed: {}", String::from_utf8_lossy(&o.stderr));
            return Ok(None);
        }
        Err(e) => {
            eprintln!("python peer not run ({e}): use bash bench/vision.sh");
            return Ok(None);
        }
    };
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok(v["frames_per_s"].as_f64())
}

/// CPU seconds used by this process so far (all threads), from /proc.
fn cpu_seconds() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let rest = stat.rsplit_once(')').context("bad /proc/self/stat")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>()? + f[12].parse::<f64>()?;
    Ok(ticks / 100.0)
}

/// CPU share of one core while a pipeline runs in real time.
fn cpu_share(desc: &str) -> anyhow::Result<f64> {
    let c0 = cpu_seconds()?;
    let t = Instant::now();
    run_gst(desc)?;
    Ok((cpu_seconds()? - c0) / t.elapsed().as_secs_f64() * 100.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let dir = tempfile::tempdir()?;
    let model = model()?;
    let n_frames = if quick { 20 } else { 120 };
    let video = dir.path().join("barn720.mkv");
    write_barn_video(&video, n_frames)?;
    let frames = decode_all(&video)?;
    println!(
        "frames: {} decoded frames of the demo barn at 1280×720 (H.264), model {}",
        frames.len(),
        model.display()
    );
    let npy = dir.path().join("frames.npy");
    write_npy(&npy, &frames)?;
    let store = Store::open(&StoreConfig::sqlite(dir.path().join("bench.sqlite"))).await?;
    let camera_id = store
        .ensure_source("bench", animov_api::SourceKind::Camera)
        .await?;
    let python = std::env::var("ANIMOV_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    println!();
    println!(
        "| threads | ORT session.run (limit) | ours: detect only | ours: full pipeline | Python ORT+numpy (peer) | overhead over limit (detect / full) | ours ÷ peer (detect) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for threads in [1usize, 2] {
        let mut det = Detector::load(&model, threads)?;
        let lim = limit(&mut det, &frames[0], frames.len())?;
        let ours = detect_only(&mut det, &frames)?;
        let (full, _) = full_pipeline(&mut det, &video, &store, camera_id).await?;
        let py = peer(&python, &model, &npy, threads)?;
        println!(
            "| {threads} | {lim:.1} frames/s | {ours:.1} frames/s | {full:.1} frames/s | {} | {:+.0} % / {:+.0} % | {} |",
            py.map_or("not run".into(), |p| format!("{p:.1} frames/s")),
            (lim / ours - 1.0) * 100.0,
            (lim / full - 1.0) * 100.0,
            py.map_or("—".into(), |p| format!("{:.2}×", ours / p)),
        );
    }

    // Recording: one 1080p H.264 stream played in real time, remuxed vs re-encoded.
    let secs = if quick { 6 } else { 20 };
    let src = dir.path().join("cam1080.mkv");
    run_gst(&format!(
        "videotestsrc num-buffers={} pattern=smpte ! video/x-raw,width=1920,height=1080,framerate=25/1 ! x264enc bitrate=4000 speed-preset=ultrafast key-int-max=50 ! h264parse ! matroskamux ! filesink location={}",
        secs * 25,
        src.display()
    ))?;
    let play = format!(
        "filesrc location={} ! matroskademux ! h264parse ! identity sync=true",
        src.display()
    );
    let remux = cpu_share(&format!(
        "{play} ! matroskamux ! filesink location={}",
        dir.path().join("remux.mkv").display()
    ))?;
    let reencode = cpu_share(&format!(
        "{play} ! avdec_h264 ! videoconvert ! x264enc tune=zerolatency speed-preset=veryfast bitrate=4000 ! h264parse ! matroskamux ! filesink location={}",
        dir.path().join("reencode.mkv").display()
    ))?;
    println!();
    println!(
        "recording one 1080p25 H.264 stream ({secs} s, played in real time): remux {remux:.1} % of a core, re-encode (x264 veryfast) {reencode:.1} % → remux uses {:.0}× less CPU",
        reencode / remux.max(0.01)
    );
    store.close().await;
    Ok(())
}
