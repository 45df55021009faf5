//! `animov detect` as a user runs it: photos and a video through the bundled
//! detector, the JSON shape, and the messages when something is missing.

use std::{path::Path, process::Command};

const BIN: &str = env!("CARGO_BIN_EXE_animov");

fn fixture(name: &str) -> String {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
        .join("../animov-vision/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn detect(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .arg("detect")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn photos_give_boxes_postures_and_counts_as_json() {
    let (ok, out, err) = detect(
        &["--json", &fixture("chelsea.png"), &fixture("astronaut.jpg")],
        &[],
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 2);
    let cat = &files[0];
    assert_eq!(
        (cat["width"].as_u64(), cat["height"].as_u64()),
        (Some(451), Some(300))
    );
    let d = &cat["detections"][0];
    for key in ["class", "role", "posture", "score", "x", "y", "w", "h"] {
        assert!(!d[key].is_null(), "{key} missing in {d}");
    }
    assert_eq!(
        (d["class"].as_str(), d["role"].as_str()),
        (Some("cat"), Some("animal"))
    );
    let c = &cat["counts"];
    assert_eq!(
        c["standing"].as_u64().unwrap() + c["lying"].as_u64().unwrap(),
        1,
        "{c}"
    );
    assert_eq!(c["unknown"], 0);
    assert!(
        files[1]["detections"].as_array().unwrap().is_empty(),
        "no animal on the astronaut"
    );
    // Plain text says the same in words.
    let (ok, out, _) = detect(&[&fixture("chelsea.png")], &[]);
    assert!(
        ok && out.contains("chelsea.png (451×300): 1 standing"),
        "{out}"
    );
}

#[test]
fn a_video_gives_one_report_per_analysed_frame() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("pen.mkv");
    let status = Command::new("gst-launch-1.0")
        .args([
            "-q",
            "videotestsrc",
            "num-buffers=30",
            "!",
            "video/x-raw,width=320,height=240,framerate=10/1",
        ])
        .args([
            "!",
            "x264enc",
            "!",
            "h264parse",
            "!",
            "matroskamux",
            "!",
            "filesink",
        ])
        .arg(format!("location={}", video.display()))
        .status()
        .expect("gst-launch-1.0 (gstreamer1.0-tools) is installed by the setup step");
    assert!(status.success());
    let (ok, out, err) = detect(&["--json", "--fps", "2", video.to_str().unwrap()], &[]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pts: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["pts_ms"].as_i64().unwrap())
        .collect();
    assert_eq!(
        pts,
        vec![0, 500, 1000, 1500, 2000, 2500],
        "3 s of video at 2 fps"
    );
}

#[test]
fn missing_things_are_named_with_what_to_do() {
    let (ok, _, err) = detect(&["/nonexistent/pen.jpg"], &[]);
    assert!(
        !ok && err.contains("/nonexistent/pen.jpg: no such file"),
        "{err}"
    );
    let (ok, _, err) = detect(
        &["--model", "/nonexistent/m.onnx", &fixture("chelsea.png")],
        &[],
    );
    assert!(
        !ok && err.contains("/nonexistent/m.json") && err.contains(".json beside it"),
        "{err}"
    );
    let (ok, _, err) = detect(
        &[&fixture("chelsea.png")],
        &[("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so.1.24.4")],
    );
    assert!(!ok, "{err}");
    assert!(
        err.contains("ONNX Runtime is not available") && err.contains("scripts/onnxruntime.sh"),
        "{err}"
    );
    let (ok, _, err) = detect(&[&fixture("tiny_yolo.json")], &[]);
    assert!(!ok && err.contains("cannot be read as a video"), "{err}");
}
