//! Memory of one detector: RSS before loading, after, after the first run
//! and after 100 runs on a 1280×720 frame; with a second argument N, RSS
//! every N/10 runs up to N (does the runtime's memory stay flat?).
//!
//! `cargo run --release -p animov-vision --example detector_memory -- models/nanodet.onnx [N]`

use animov_vision::{Detect, Detector, RgbFrame};

fn rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let model = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "models/nanodet.onnx".into());
    println!("start: {:.1} MiB", rss_mib());
    animov_vision::detector::runtime().expect("ONNX Runtime");
    println!("runtime loaded: {:.1} MiB", rss_mib());
    let mut d = Detector::load(std::path::Path::new(&model), 1).expect("model");
    println!("model loaded: {:.1} MiB", rss_mib());
    let px: Vec<u8> = (0..1280 * 720 * 3).map(|i| (i * 7 % 251) as u8).collect();
    let frame = RgbFrame::new(1280, 720, px).expect("frame");
    d.detect(&frame).expect("run");
    println!("after 1 run: {:.1} MiB", rss_mib());
    let t = std::time::Instant::now();
    for _ in 0..100 {
        d.detect(&frame).expect("run");
    }
    let ms = t.elapsed().as_secs_f64() * 10.0;
    println!("after 101 runs: {:.1} MiB ({ms:.1} ms a run)", rss_mib());
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    for k in 1..=runs {
        d.detect(&frame).expect("run");
        if k % (runs / 10).max(1) == 0 {
            println!("after {} runs: {:.1} MiB", k + 101, rss_mib());
        }
    }
}
