//! Capture without hardware: GStreamer's test pattern, an H.264 file written
//! by the test, and an MJPEG-over-HTTP camera the test kills and restarts.

use std::{
    io::{Read, Write},
    net::TcpListener,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use animov_vision::{
    capture::{
        Capture, CaptureConfig, CaptureState, CapturedFrame, RecordConfig, Segment, SegmentSink,
        Source,
    },
    handoff::Handoff,
};
use gstreamer as gst;
use gstreamer::prelude::*;

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

fn segments() -> (Arc<Mutex<Vec<Segment>>>, SegmentSink) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    (got, Box::new(move |s| g.lock().unwrap().push(s)))
}

/// Writes `seconds` of 320×240 video at 10 fps into a Matroska file with `encoder ! parser`.
fn write_video_file(path: &Path, seconds: u32, encoder: &str) {
    animov_vision::capture::init().unwrap();
    let desc = format!(
        "videotestsrc num-buffers={} pattern=ball ! video/x-raw,width=320,height=240,framerate=10/1 ! {encoder} ! matroskamux ! filesink location={}",
        seconds * 10,
        path.display()
    );
    let p = gst::parse::launch(&desc).unwrap();
    p.set_state(gst::State::Playing).unwrap();
    let bus = p.bus().unwrap();
    let msg = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(30),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("writing the test video timed out");
    assert!(matches!(msg.view(), gst::MessageView::Eos(_)), "{msg:?}");
    p.set_state(gst::State::Null).unwrap();
}

#[test]
fn test_pattern_frames_arrive_at_the_inference_rate_and_stop_cleanly() {
    let out: Arc<Handoff<CapturedFrame>> = Handoff::new(100);
    let (_, sink) = segments();
    let cfg = CaptureConfig {
        fps: 5,
        ..CaptureConfig::default()
    };
    let mut cap = Capture::start("test", Source::TestPattern, cfg, out.clone(), sink).unwrap();
    wait_for("frames", Duration::from_secs(10), || out.pushed() >= 5);
    let t0 = Instant::now();
    let n0 = out.pushed();
    std::thread::sleep(Duration::from_secs(2));
    let rate = (out.pushed() - n0) as f64 / t0.elapsed().as_secs_f64();
    assert!(
        (3.0..=7.0).contains(&rate),
        "{rate} frames/s for a 5 fps limit on a 10 fps source"
    );
    let f = out.try_take().unwrap();
    assert_eq!(
        (f.frame.width(), f.frame.height(), f.frame.data().len()),
        (320, 240, 320 * 240 * 3)
    );
    assert_eq!(cap.health().state, CaptureState::Running);
    cap.stop();
    assert_eq!(cap.health().state, CaptureState::Stopped);
}

/// This process's resident memory, KiB (0 where /proc is missing).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// A video file used as a camera (paced, looping, recorded like one) plays on
/// at its pace for minutes: it used to give a few frames, then nothing until
/// the stall timeout reopened it, over and over (the live camera's leaky
/// queues threw away what a file pushes ahead of the clock).
#[test]
fn a_looping_file_camera_plays_on_at_its_pace() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("pen.mkv");
    // 20 s at 10 fps: far more buffers than a queue holds.
    write_video_file(&video, 20, "x264enc key-int-max=10 ! h264parse");
    // Longer runs (a soak): ANIMOV_FILE_CAMERA_SECONDS=600.
    let seconds: f64 = std::env::var("ANIMOV_FILE_CAMERA_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12.0);
    for record in [false, true] {
        let out: Arc<Handoff<CapturedFrame>> = Handoff::new(10);
        let (_, sink) = segments();
        let cfg = CaptureConfig {
            fps: 2,
            realtime: true,
            loop_file: true,
            stall_timeout: Duration::from_secs(4),
            record: record.then(|| RecordConfig {
                dir: dir.path().join("rec"),
                segment: Duration::from_secs(600),
                bitrate_kbps: 500,
            }),
            ..CaptureConfig::default()
        };
        let source = Source::parse(video.to_str().unwrap()).unwrap();
        let mut cap = Capture::start("file-camera", source, cfg, out.clone(), sink).unwrap();
        wait_for("first frame", Duration::from_secs(10), || out.pushed() >= 1);
        let t0 = Instant::now();
        let n0 = out.pushed();
        let rss0 = rss_kib();
        while t0.elapsed().as_secs_f64() < seconds {
            // The consumer takes frames as the detector would.
            let _ = out.try_take();
            std::thread::sleep(Duration::from_millis(100));
        }
        let rate = (out.pushed() - n0) as f64 / t0.elapsed().as_secs_f64();
        let h = cap.health();
        eprintln!(
            "record {record}: {rate:.2} frames/s over {seconds} s, RSS {rss0} → {} KiB",
            rss_kib()
        );
        assert!(
            (1.5..=2.5).contains(&rate),
            "record {record}: {rate:.2} frames/s for a 2 fps camera ({h:?})"
        );
        assert_eq!(h.reconnects, 0, "record {record}: {h:?}");
        assert_eq!(h.state, CaptureState::Running, "record {record}");
        cap.stop();
    }
}

#[test]
fn an_h264_file_is_recorded_without_reencoding_and_ends() {
    file_is_remuxed("x264enc key-int-max=10 ! h264parse");
}

#[test]
fn an_h265_file_is_recorded_without_reencoding_and_ends() {
    file_is_remuxed("x265enc key-int-max=10 ! h265parse");
}

fn file_is_remuxed(encoder: &str) {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("pen.mkv");
    write_video_file(&video, 3, encoder);
    let out: Arc<Handoff<CapturedFrame>> = Handoff::new(1000);
    let (got, sink) = segments();
    let cfg = CaptureConfig {
        fps: 2,
        realtime: false,
        record: Some(RecordConfig {
            dir: dir.path().join("rec"),
            segment: Duration::from_secs(600),
            bitrate_kbps: 500,
        }),
        ..CaptureConfig::default()
    };
    let source = Source::parse(video.to_str().unwrap()).unwrap();
    let cap = Capture::start("file", source, cfg, out.clone(), sink).unwrap();
    wait_for("end of file", Duration::from_secs(20), || {
        cap.health().state == CaptureState::Ended
    });
    let h = cap.health();
    assert_eq!(h.remux, Some(true), "{h:?}");
    // 3 s at a 2 fps limit: about 6 frames (videorate keeps the first of each half second).
    assert!((5..=8).contains(&out.pushed()), "{} frames", out.pushed());
    let segs = got.lock().unwrap().clone();
    assert_eq!(segs.len(), 1, "{segs:?}");
    assert!(segs[0].bytes > 1000 && segs[0].path.exists(), "{segs:?}");
    // The segment holds the same H.264 stream: about as large as the source (no re-encode).
    let src_len = std::fs::metadata(&video).unwrap().len() as f64;
    let ratio = segs[0].bytes as f64 / src_len;
    assert!(
        (0.8..1.25).contains(&ratio),
        "segment {} vs source {} bytes",
        segs[0].bytes,
        src_len
    );
}

#[test]
fn a_raw_source_is_encoded_and_its_last_segment_closed_on_stop() {
    let dir = tempfile::tempdir().unwrap();
    let out: Arc<Handoff<CapturedFrame>> = Handoff::new(10);
    let (got, sink) = segments();
    let cfg = CaptureConfig {
        record: Some(RecordConfig {
            dir: dir.path().to_path_buf(),
            segment: Duration::from_secs(1),
            bitrate_kbps: 300,
        }),
        ..CaptureConfig::default()
    };
    let mut cap = Capture::start("raw", Source::TestPattern, cfg, out.clone(), sink).unwrap();
    wait_for("two segments", Duration::from_secs(20), || {
        got.lock().unwrap().len() >= 2
    });
    cap.stop();
    let h = cap.health();
    assert_eq!(h.remux, Some(false));
    let segs = got.lock().unwrap().clone();
    assert!(
        segs.len() >= 3,
        "the open segment is closed on stop: {segs:?}"
    );
    for s in &segs {
        assert!(
            s.bytes > 0 && s.end_ms >= s.start_ms && s.path.exists(),
            "{s:?}"
        );
    }
}

/// A camera serving MJPEG over HTTP until told to stop.
fn mjpeg_server(listener: TcpListener, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    let mut jpeg = Vec::new();
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    });
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&img)
        .unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let mut clients = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            if let Ok((mut s, _)) = listener.accept() {
                s.set_nonblocking(false).unwrap();
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n");
                clients.push(s);
            }
            clients.retain_mut(|s| {
                let head = format!(
                    "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
                    jpeg.len()
                );
                s.write_all(head.as_bytes()).is_ok()
                    && s.write_all(&jpeg).is_ok()
                    && s.write_all(b"\r\n").is_ok()
            });
            std::thread::sleep(Duration::from_millis(100));
        }
        for c in clients {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    })
}

#[test]
fn an_http_camera_that_dies_is_reconnected_with_backoff() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let server = mjpeg_server(listener, stop.clone());
    let out: Arc<Handoff<CapturedFrame>> = Handoff::new(100);
    let (_, sink) = segments();
    let cfg = CaptureConfig {
        fps: 5,
        backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(1),
        stall_timeout: Duration::from_secs(2),
        ..CaptureConfig::default()
    };
    let source = Source::parse(&format!("http://{addr}/video.mjpg")).unwrap();
    let mut cap = Capture::start("http", source, cfg, out.clone(), sink).unwrap();
    wait_for("first frames", Duration::from_secs(15), || {
        out.pushed() >= 3
    });
    let f = out.try_take().unwrap();
    assert_eq!((f.frame.width(), f.frame.height()), (64, 48));
    // The camera dies.
    stop.store(true, Ordering::SeqCst);
    server.join().unwrap();
    wait_for("a reconnect attempt", Duration::from_secs(15), || {
        cap.health().reconnects >= 1
    });
    let h = cap.health();
    assert!(h.last_error.is_some(), "{h:?}");
    // It comes back on the same address.
    let listener = TcpListener::bind(addr).unwrap();
    let stop2 = Arc::new(AtomicBool::new(false));
    let server = mjpeg_server(listener, stop2.clone());
    let before = out.pushed();
    wait_for("frames after reconnecting", Duration::from_secs(20), || {
        out.pushed() >= before + 3
    });
    assert_eq!(cap.health().state, CaptureState::Running);
    cap.stop();
    stop2.store(true, Ordering::SeqCst);
    server.join().unwrap();
}

/// An RTSP camera (GStreamer's RTSP server, run by Debian's Python).
struct RtspCamera(std::process::Child);

impl RtspCamera {
    fn start(port: u16) -> RtspCamera {
        let script = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
            .join("tests/support/rtsp_server.py");
        let mut child = std::process::Command::new("/usr/bin/python3")
            .arg(script)
            .arg(port.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("/usr/bin/python3 with python3-gi and gir1.2-gst-rtsp-server-1.0 (scripts/setup.sh test)");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line.trim(), "ready", "the RTSP test server did not start");
        RtspCamera(child)
    }
}

impl Drop for RtspCamera {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn an_rtsp_h264_camera_is_decoded_and_recorded_without_reencoding() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _camera = RtspCamera::start(port);
    let dir = tempfile::tempdir().unwrap();
    let out: Arc<Handoff<CapturedFrame>> = Handoff::new(100);
    let (got, sink) = segments();
    let cfg = CaptureConfig {
        fps: 5,
        record: Some(RecordConfig {
            dir: dir.path().to_path_buf(),
            segment: Duration::from_secs(600),
            bitrate_kbps: 300,
        }),
        ..CaptureConfig::default()
    };
    let source = Source::parse(&format!("rtsp://127.0.0.1:{port}/cam")).unwrap();
    let mut cap = Capture::start("rtsp", source, cfg, out.clone(), sink).unwrap();
    wait_for(
        "frames from the RTSP camera",
        Duration::from_secs(20),
        || out.pushed() >= 5,
    );
    let f = out.try_take().unwrap();
    assert_eq!((f.frame.width(), f.frame.height()), (320, 240));
    assert_eq!(
        cap.health().remux,
        Some(true),
        "H.264 over RTSP is remuxed: {:?}",
        cap.health()
    );
    std::thread::sleep(Duration::from_secs(1));
    cap.stop();
    let segs = got.lock().unwrap().clone();
    assert_eq!(segs.len(), 1, "{segs:?}");
    assert!(segs[0].bytes > 1000, "{segs:?}");
}
