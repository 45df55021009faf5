//! Vet review figures, measured on recordings made by the real recorder
//! (`demo:` barn, whose true goat boxes are known for every frame):
//!
//! 1. **Overlay sync**: 50 random seeks over 3 minutes of recording. For each,
//!    the segment's MP4 (the real remux) is decoded at the position the
//!    Review page gives the player (`time − segment start`), the picture
//!    decoded is identified among the rendered frames (nearest picture), and
//!    the boxes the page draws then (`DetectionFrame::shown_at`, the page's
//!    own rule) are compared with the true boxes of that picture: distance
//!    of box centres (pixels) and the gap in analysed frames.
//! 2. **Clip throughput** without re-encoding (MB/s of video read, CPU
//!    seconds per wall second), on those demo segments and on 1280×720
//!    H.264 at 4 Mbit/s.
//!
//! `cargo run --release -p animov-bench --bin review-bench [-- --seeks 50 --seed 7]`

use std::{path::Path, time::Instant};

use animov_api::DetectionFrame;
use animov_core::demo::{DemoSettings, Rng};
use animov_vision::{
    capture::{RecordConfig, Segment},
    clip::{ClipPart, export_clip},
    record::Recorder,
    remux::remux_to_mp4,
    scene::{DemoScene, HEIGHT, WIDTH},
};

const FPS: i64 = 2;
const T0: i64 = 1_764_633_600_000; // 2025-12-02T00:00Z

/// A small grey picture to tell frames apart.
fn signature(data: &[u8]) -> Vec<f32> {
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let mut out = Vec::with_capacity(80 * 45);
    for y in 0..45 {
        for x in 0..80 {
            let (px, py) = (x * w / 80 + 4, y * h / 45 + 4);
            let i = (py * w + px) * 3;
            out.push(
                (u32::from(data[i]) + u32::from(data[i + 1]) + u32::from(data[i + 2])) as f32 / 3.0,
            );
        }
    }
    out
}

fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn centres(f: &DetectionFrame) -> Vec<(f64, f64)> {
    f.boxes
        .iter()
        .map(|b| (b[0] + b[2] / 2.0, b[1] + b[3] / 2.0))
        .collect()
}

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 Hz on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// Every picture of an MP4 in order, as a player decodes it: (pts ms, signature).
fn decode_all(path: &Path) -> anyhow::Result<Vec<(i64, Vec<f32>)>> {
    use gstreamer::prelude::*;
    let p = gstreamer::parse::launch(&format!(
        "filesrc location=\"{}\" ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! appsink name=s sync=false",
        path.display()
    ))?
    .downcast::<gstreamer::Pipeline>()
    .map_err(|_| anyhow::anyhow!("not a pipeline"))?;
    let sink = p
        .by_name("s")
        .and_then(|s| s.downcast::<gstreamer_app::AppSink>().ok())
        .ok_or_else(|| anyhow::anyhow!("no sink"))?;
    p.set_state(gstreamer::State::Playing)?;
    let mut out = Vec::new();
    while let Ok(sample) = sink.pull_sample() {
        let b = sample
            .buffer()
            .ok_or_else(|| anyhow::anyhow!("no buffer"))?;
        let pts = b.pts().map_or(0, |t| t.mseconds() as i64);
        let map = b.map_readable()?;
        out.push((pts, signature(&map)));
    }
    p.set_state(gstreamer::State::Null)?;
    Ok(out)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn clip_throughput(
    label: &str,
    parts: &[ClipPart],
    from: i64,
    to: i64,
    dir: &Path,
) -> anyhow::Result<()> {
    let bytes: u64 = parts
        .iter()
        .map(|p| std::fs::metadata(&p.path).map_or(0, |m| m.len()))
        .sum();
    let dst = dir.join(format!("clip-{}.mp4", label.replace(['/', ' '], "_")));
    let (c0, t0) = (cpu_seconds(), Instant::now());
    let r = export_clip(parts, from, to, &dst, &|_| {})
        .map_err(|e| anyhow::anyhow!("clip {label}: {e}"))?;
    let (cpu, wall) = (cpu_seconds() - c0, t0.elapsed().as_secs_f64());
    println!(
        "clip {label:<22} {:>7.1} MB read in {wall:>6.2} s = {:>6.1} MB/s, CPU {:>5.2} s ({:>3.0} % of one core), {} frames, output {:.1} MB",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / wall,
        cpu,
        cpu / wall * 100.0,
        r.frames,
        std::fs::metadata(&dst)?.len() as f64 / 1e6
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (seeks, seed) = (arg("--seeks", 50) as usize, arg("--seed", 7));
    let dir = tempfile::tempdir()?;
    animov_vision::error::init()?;

    // 3 minutes of the demo barn at 2 fps (capture times jittered by up to
    // 40 ms, as a loaded PC would), recorded in 20 s segments.
    let settings = DemoSettings::for_camera(42, 0, 60);
    let mut scene = DemoScene::new(settings, T0);
    let segments = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Segment>::new()));
    let sink = segments.clone();
    let record = RecordConfig {
        dir: dir.path().join("rec"),
        segment: std::time::Duration::from_secs(20),
        bitrate_kbps: 400,
    };
    let mut rec = Recorder::start(
        &record,
        WIDTH,
        HEIGHT,
        FPS as u32,
        Box::new(move |s| sink.lock().unwrap().push(s)),
    )?;
    let mut rng = Rng::new(seed);
    let (mut frames, mut sigs) = (Vec::<DetectionFrame>::new(), Vec::<Vec<f32>>::new());
    for k in 0..(180 * FPS) {
        let ts = T0 + k * 1000 / FPS + (rng.unit() * 40.0) as i64;
        let f = scene.render(ts);
        rec.push(&f.frame, ts)?;
        sigs.push(signature(f.frame.data()));
        frames.push(DetectionFrame {
            ts_ms: ts,
            boxes: f
                .truth
                .iter()
                .map(|d| {
                    [
                        f64::from(d.bbox.x),
                        f64::from(d.bbox.y),
                        f64::from(d.bbox.w),
                        f64::from(d.bbox.h),
                        0.0,
                        1.0,
                        -1.0,
                    ]
                })
                .collect(),
        });
    }
    rec.finish();
    let mut segs = segments.lock().unwrap().clone();
    segs.sort_by_key(|s| s.start_ms);
    println!(
        "recorded {} segments of the demo barn, {} frames at {FPS} fps",
        segs.len(),
        frames.len()
    );
    let mp4s: Vec<_> = segs
        .iter()
        .map(|s| {
            let dst = s.path.with_extension("mp4");
            remux_to_mp4(&s.path, &dst).map(|()| dst)
        })
        .collect::<Result<_, _>>()?;
    let starts_exact = segs
        .iter()
        .filter(|s| frames.iter().any(|f| f.ts_ms == s.start_ms))
        .count();
    println!(
        "segments starting exactly on a frame's capture time: {starts_exact}/{}",
        segs.len()
    );

    // Each segment's MP4 as a player sees it: its pictures' times, and which
    // rendered frame each picture is (the nearest picture; of identical
    // ones, when the herd did not move, the one its time names).
    let mut timelines = Vec::new();
    for (s, mp4) in segs.iter().zip(&mp4s) {
        let mut t = Vec::new();
        for (pts, sig) in decode_all(mp4)? {
            let d: Vec<f32> = sigs.iter().map(|x| distance(x, &sig)).collect();
            let best = d.iter().copied().fold(f32::MAX, f32::min);
            let named = s.start_ms + pts;
            let k = (0..sigs.len())
                .filter(|&k| d[k] <= best * 1.01 + 1.0)
                .min_by_key(|&k| (frames[k].ts_ms - named).abs())
                .expect("frames");
            t.push((pts, k));
        }
        timelines.push(t);
    }
    let decoded: usize = timelines.iter().map(Vec::len).sum();
    let worst = segs
        .iter()
        .zip(&timelines)
        .flat_map(|(s, t)| {
            t.iter()
                .map(|(pts, k)| (frames[*k].ts_ms - (s.start_ms + pts)).abs())
        })
        .max()
        .unwrap_or(0);
    println!(
        "{decoded} pictures decoded from the MP4s: segment start + time in the MP4 = capture time within {worst} ms"
    );
    // Random seeks, as the page makes them.
    let (first, last) = (frames[0].ts_ms, frames.last().unwrap().ts_ms);
    let (mut px, mut gap, mut per_seek_max) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..seeks {
        let t = first + (rng.unit() * (last - first) as f64) as i64;
        let Some(i) = segs.iter().position(|s| s.start_ms <= t && t < s.end_ms) else {
            continue;
        };
        // The player shows the newest picture at or before its position.
        let pos = t - segs[i].start_ms;
        let Some(&(_, shown)) = timelines[i].iter().rev().find(|(pts, _)| *pts <= pos) else {
            continue;
        };
        let Some(drawn) = DetectionFrame::shown_at(&frames, t) else {
            println!("seek to {pos} ms in segment {i}: no boxes drawn");
            continue;
        };
        let drawn_idx = frames
            .iter()
            .position(|f| f.ts_ms == drawn.ts_ms)
            .expect("a frame");
        gap.push((drawn_idx as f64 - shown as f64).abs());
        if drawn_idx != shown && std::env::var_os("REVIEW_BENCH_VERBOSE").is_some() {
            println!(
                "  seek {pos} ms into segment {i}: picture of frame {shown}, boxes of frame {drawn_idx}"
            );
        }
        // Each drawn box against the nearest true goat of the picture.
        let truth = centres(&frames[shown]);
        let d: Vec<f64> = centres(drawn)
            .iter()
            .map(|(ax, ay)| {
                truth
                    .iter()
                    .map(|(bx, by)| ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt())
                    .fold(f64::MAX, f64::min)
            })
            .collect();
        per_seek_max.push(d.iter().copied().fold(0.0, f64::max));
        px.extend(d);
    }
    let n = gap.len();
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    let exact = gap.iter().filter(|g| **g == 0.0).count();
    println!(
        "overlay sync over {n} seeks (demo barn, true boxes known): box centre vs true goat centre median {:.2} px, max {:.2} px \
         (per seek, worst goat: median {:.2} px); drawn frame = picture shown in {exact}/{n}, max gap {:.0} analysed frame(s)",
        median(&mut px.clone()),
        max(&px),
        median(&mut per_seek_max.clone()),
        max(&gap)
    );

    // Clip throughput.
    let parts: Vec<ClipPart> = segs
        .iter()
        .map(|s| ClipPart {
            path: s.path.clone(),
            start_ms: s.start_ms,
        })
        .collect();
    clip_throughput("demo 640x360 400k", &parts, first, last + 1, dir.path())?;
    let hd = dir.path().join("hd");
    std::fs::create_dir_all(&hd)?;
    let p = gstreamer::parse::launch(&format!(
        "videotestsrc num-buffers=1800 pattern=snow ! video/x-raw,width=640,height=360,framerate=15/1 ! videoscale \
         ! video/x-raw,width=1280,height=720 ! x264enc bitrate=4000 key-int-max=30 speed-preset=ultrafast ! h264parse \
         ! splitmuxsink muxer-factory=matroskamux max-size-time=30000000000 location={}/s%02d.mkv",
        hd.display()
    ))?;
    use gstreamer::prelude::*;
    p.set_state(gstreamer::State::Playing)
        .map_err(|e| anyhow::anyhow!("the 720p test video cannot be made: {e}"))?;
    p.bus().expect("a bus").timed_pop_filtered(
        gstreamer::ClockTime::from_seconds(600),
        &[gstreamer::MessageType::Eos],
    );
    let _ = p.set_state(gstreamer::State::Null);
    let hd_parts: Vec<ClipPart> = (0..4)
        .map(|k| ClipPart {
            path: hd.join(format!("s{k:02}.mkv")),
            start_ms: T0 + k * 30_000,
        })
        .filter(|c| c.path.exists())
        .collect();
    anyhow::ensure!(!hd_parts.is_empty(), "no 720p segment was made");
    clip_throughput("1280x720 4 Mbit/s", &hd_parts, T0, T0 + 120_000, dir.path())?;
    Ok(())
}
