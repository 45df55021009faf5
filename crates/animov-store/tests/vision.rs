//! Vision tables on SQLite and on MariaDB: settings, recordings, snapshots, bouts.

use animov_api::SourceKind;
use animov_store::{BoutRow, testing};

const T0: i64 = 1_732_867_200_000;

#[tokio::test]
async fn settings_recordings_and_snapshots_round_trip() {
    for t in testing::all().await {
        let s = &t.store;
        let cam = s.ensure_source("cam-1", SourceKind::Camera).await.unwrap();
        assert_eq!(s.camera_settings(cam).await.unwrap(), None);
        s.set_camera_settings(cam, br#"{"min_score":0.3}"#)
            .await
            .unwrap();
        s.set_camera_settings(cam, br#"{"min_score":0.4}"#)
            .await
            .unwrap();
        assert_eq!(
            s.camera_settings(cam).await.unwrap().unwrap(),
            br#"{"min_score":0.4}"#.to_vec(),
            "{}",
            t.backend
        );

        let a = s
            .insert_recording(cam, "/r/a.mkv", T0, T0 + 600_000, 1000)
            .await
            .unwrap();
        let b = s
            .insert_recording(cam, "/r/b.mkv", T0 + 600_000, T0 + 1_200_000, 2000)
            .await
            .unwrap();
        assert_ne!(a, b);
        assert_eq!(
            s.recording_bytes().await.unwrap(),
            vec![(cam, 3000)],
            "{}: bytes per camera",
            t.backend
        );
        let all = s.recordings(Some(cam), T0, T0 + 3_600_000).await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![a, b],
            "{}",
            t.backend
        );
        assert_eq!(
            s.recordings(None, T0 + 700_000, T0 + 800_000)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(s.set_recording_keep(b, true).await.unwrap());
        assert!(!s.set_recording_keep(9_999, true).await.unwrap());
        assert!(s.recording(b).await.unwrap().unwrap().keep);
        s.delete_recording(a).await.unwrap();
        assert_eq!(s.recording(a).await.unwrap(), None);

        let id = s
            .insert_snapshot(cam, T0, "/s/1.jpg", 640, 360, Some(b"[]".to_vec()))
            .await
            .unwrap();
        let snap = s.snapshot(id).await.unwrap().unwrap();
        assert_eq!(
            (snap.width, snap.height, snap.detections.as_deref()),
            (640, 360, Some(&b"[]"[..]))
        );
        assert_eq!(s.snapshots(Some(cam), T0, T0 + 1).await.unwrap().len(), 1);
        assert_eq!(
            s.last_snapshot_ms(cam).await.unwrap(),
            Some(T0),
            "{}",
            t.backend
        );
    }
}

#[tokio::test]
async fn running_bouts_are_updated_and_ended_after_a_restart() {
    for t in testing::all().await {
        let s = &t.store;
        let cam = s.ensure_source("cam-1", SourceKind::Camera).await.unwrap();
        assert_eq!(s.end_running_bouts(cam).await.unwrap(), 1);
        let bout = |track_id, end_ms, running| BoutRow {
            camera_id: cam,
            track_id,
            start_ms: T0,
            end_ms,
            running,
        };
        s.upsert_bouts(&[bout(3, T0 + 1_000, true), bout(4, T0 + 500, false)])
            .await
            .unwrap();
        s.upsert_bouts(&[bout(3, T0 + 9_000, true)]).await.unwrap();
        let got = s.lying_bouts(cam, T0, T0 + 10_000).await.unwrap();
        assert_eq!(
            got,
            vec![bout(3, T0 + 9_000, true), bout(4, T0 + 500, false)],
            "{}",
            t.backend
        );
        assert_eq!(s.end_running_bouts(cam).await.unwrap(), 5);
        assert!(
            s.lying_bouts(cam, T0, T0 + 10_000)
                .await
                .unwrap()
                .iter()
                .all(|b| !b.running)
        );
    }
}

#[tokio::test]
async fn dataset_frames_become_ground_truth_once_reviewed() {
    use animov_api::GroundBox;
    use animov_store::NewDatasetFrame;
    for t in testing::all().await {
        let s = &t.store;
        let cam = s.ensure_source("cam-1", SourceKind::Camera).await.unwrap();
        let b = |x: f64, class: u8| GroundBox {
            x,
            y: 10.0,
            w: 40.0,
            h: 30.0,
            class,
        };
        let new = |ts_ms: i64| NewDatasetFrame {
            camera_id: cam,
            ts_ms,
            width: 640,
            height: 360,
            path: format!("/d/{ts_ms}.jpg"),
            boxes: vec![b(1.0, 0), b(100.0, 1)],
            origin: "range".into(),
        };
        let a = s.insert_dataset_frame(&new(T0), T0).await.unwrap().unwrap();
        let second = s.insert_dataset_frame(&new(T0 + 500), T0).await.unwrap();
        assert!(second.is_some());
        // The same frame twice is kept once.
        assert_eq!(s.insert_dataset_frame(&new(T0), T0).await.unwrap(), None);
        assert_eq!(
            s.dataset_times(cam, T0, T0 + 1_000).await.unwrap(),
            vec![T0, T0 + 500]
        );
        let all = s.dataset_frames(Some(cam), false).await.unwrap();
        assert_eq!(all.len(), 2, "{}", t.backend);
        assert_eq!(all[0].frame.boxes, vec![b(1.0, 0), b(100.0, 1)]);
        assert_eq!(all[0].frame.reviewed_by, None);
        assert!(s.dataset_frames(None, true).await.unwrap().is_empty());
        let r = s
            .review_dataset_frame(a, &[b(5.0, 2)], "valerie", T0 + 9)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.frame.boxes, vec![b(5.0, 2)]);
        assert_eq!(r.frame.reviewed_by.as_deref(), Some("valerie"));
        assert_eq!(r.frame.reviewed_ms, Some(T0 + 9));
        let truth = s.dataset_frames(None, true).await.unwrap();
        assert_eq!(truth.len(), 1, "{}", t.backend);
        assert_eq!(truth[0].frame.source, "cam-1");
        assert!(
            s.review_dataset_frame(999, &[], "v", 0)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            s.delete_dataset_frame(a).await.unwrap().as_deref(),
            Some(format!("/d/{T0}.jpg").as_str())
        );
        assert_eq!(s.delete_dataset_frame(a).await.unwrap(), None);
    }
}
