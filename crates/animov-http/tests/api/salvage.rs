//! What a stop cuts short (issue 18, item 1): the recording segment being
//! written when the engine is killed is, at the next start, rewritten whole
//! and indexed — it plays in the vet's review — or deleted when it holds no
//! frame; never left on disk unknown to the index.

use std::path::Path;

use animov_api::SourceKind;
use animov_engine::cameras::salvage::{self, SalvageReport};
use axum::http::StatusCode;

use crate::{
    common::{Cred, envs},
    vision::bytes,
};

/// A 10 s H.264 Matroska segment at 10 frames/s, as the cameras write them.
fn segment(path: &Path) {
    let ok = std::process::Command::new("gst-launch-1.0")
        .args(["-q", "videotestsrc", "num-buffers=100", "!"])
        .args(["video/x-raw,width=160,height=120,framerate=10/1", "!"])
        .args([
            "x264enc",
            "key-int-max=10",
            "!",
            "h264parse",
            "!",
            "matroskamux",
            "!",
        ])
        .arg("filesink")
        .arg(format!("location={}", path.display()))
        .status()
        .expect("gst-launch-1.0 (bash scripts/setup.sh test installs it)");
    assert!(ok.success());
}

#[tokio::test]
async fn segments_cut_by_a_kill_are_kept_whole_or_deleted_at_the_next_start() {
    for e in envs().await {
        let b = e.backend;
        let camera_id = e
            .state
            .store
            .ensure_source("barn-cam", SourceKind::Camera)
            .await
            .unwrap();
        let dir = e.state.config.data_dir.join("recordings").join("barn-cam");
        std::fs::create_dir_all(&dir).unwrap();
        let t = 1_780_000_000_000_i64;
        // Closed and indexed: untouched.
        let indexed = dir.join(format!("{t}.mkv"));
        segment(&indexed);
        let before = std::fs::read(&indexed).unwrap();
        e.state
            .store
            .insert_recording(
                camera_id,
                &indexed.display().to_string(),
                t,
                t + 10_000,
                before.len() as i64,
            )
            .await
            .unwrap();
        // Cut in the middle of a cluster by the kill.
        let cut = dir.join(format!("{}.mkv", t + 10_000));
        std::fs::write(&cut, &before[..before.len() * 6 / 10]).unwrap();
        // Cut before its first frame.
        let empty = dir.join(format!("{}.mkv", t + 20_000));
        std::fs::write(&empty, &before[..200]).unwrap();
        // Being written by the camera now: not touched.
        let current = dir.join(format!("{}.mkv", t + 30_000));
        std::fs::write(&current, &before[..200]).unwrap();
        // A salvage the last stop interrupted.
        let leftover = dir.join(format!("{}.mkv.salvage", t + 10_000));
        std::fs::write(&leftover, b"half").unwrap();

        let report = salvage::pass(&e.state, t + 30_000).await.unwrap();
        assert_eq!(
            report,
            SalvageReport {
                kept: 1,
                discarded: 1,
                failed: 0
            },
            "{b}"
        );
        assert_eq!(
            std::fs::read(&indexed).unwrap(),
            before,
            "{b}: indexed file untouched"
        );
        assert!(!empty.exists() && !leftover.exists(), "{b}");
        assert!(
            current.exists(),
            "{b}: the segment being written is left alone"
        );
        let rows = e
            .state
            .store
            .recordings(Some(camera_id), i64::MIN, i64::MAX)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2, "{b}: {rows:?}");
        let r = &rows[1];
        assert_eq!(
            (r.path.as_str(), r.start_ms),
            (cut.to_str().unwrap(), t + 10_000),
            "{b}"
        );
        // Somewhat over half the frames survived the cut: 4 to 9 s.
        assert!(
            (4_000..10_000).contains(&(r.end_ms - r.start_ms)),
            "{b}: {r:?}"
        );
        assert_eq!(
            r.bytes as u64,
            std::fs::metadata(&cut).unwrap().len(),
            "{b}"
        );

        // The vet plays it: as MP4 for the browser, all of it.
        let vet = e.login("victor").await;
        let (s, mp4, ct) = bytes(
            &e,
            &format!("/api/v1/recordings/{}/mp4?access_token={vet}", r.id),
        )
        .await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "video/mp4"), "{b}");
        assert!(mp4.len() > 1000, "{b}");
        let (s, listed) = e
            .call(
                "GET",
                &format!(
                    "/api/v1/recordings?source=barn-cam&from={t}&to={}",
                    t + 60_000
                ),
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(listed.as_array().unwrap().len(), 2, "{b}: {listed}");

        // A second start finds nothing more to do.
        let again = salvage::pass(&e.state, t + 30_000).await.unwrap();
        assert_eq!(again, SalvageReport::default(), "{b}");
    }
}
