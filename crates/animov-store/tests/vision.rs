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
