//! A camera worker needs no engine: started on the demo barn, it sends its
//! analysed frames (and a snapshot) down a channel and reports its health.

use std::time::{Duration, Instant};

use animov_api::{CameraSettings, CameraState, Detection, RecordingState};
use animov_engine::{
    cameras::worker::{Output, Worker, WorkerSpec},
    config::{DemoConfig, VisionConfig},
};
use tokio::sync::mpsc;

#[test]
fn a_demo_camera_worker_sends_counted_frames_without_an_engine() {
    let dir = tempfile::tempdir().unwrap();
    let spec = WorkerSpec {
        camera_id: 7,
        source: "pen-a".into(),
        uri: "demo:0".into(),
        settings: CameraSettings {
            record: false,
            ..CameraSettings::default()
        },
        vision: VisionConfig::default(),
        demo: DemoConfig::default(),
        data_dir: dir.path().to_path_buf(),
        first_track_id: 1,
        last_snapshot_ms: None,
        index: 0,
        disk_full: false,
    };
    let (tx, mut rx) = mpsc::channel(64);
    let worker = Worker::start(spec, None, tx);
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut frames, mut snapshots) = (Vec::new(), 0);
    while frames.len() < 3 {
        assert!(Instant::now() < deadline, "no frames from the demo camera");
        match rx.try_recv() {
            Ok(Output::Frame {
                camera_id,
                source,
                frame,
            }) => {
                assert_eq!((camera_id, source.as_str()), (7, "pen-a"));
                frames.push(frame);
            }
            Ok(Output::Snapshot { path, .. }) => {
                assert!(path.is_file(), "the snapshot is on disk");
                snapshots += 1;
            }
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let f = &frames[0];
    let boxes: Vec<Detection> = serde_json::from_slice(f.detections.as_ref().unwrap()).unwrap();
    let counted = boxes.iter().filter(|b| b.class != "unknown").count() as u32;
    assert_eq!(f.lying + f.standing, counted, "the counts are the boxes'");
    assert!(f.lying + f.standing > 0, "the demo herd is seen");
    assert_eq!(snapshots, 1, "one snapshot in the first slot");
    let h = worker.health();
    assert_eq!(h.state, CameraState::Running);
    assert_eq!(h.recording, RecordingState::Off);
    assert!(h.frames_out >= 3 && h.detector == "demo scene", "{h:?}");
    assert!(
        worker.live.latest().is_some(),
        "the live view has a picture"
    );
    worker.stop();
}
