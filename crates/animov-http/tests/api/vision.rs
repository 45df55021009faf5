//! Cameras end to end, on SQLite and MariaDB: a `demo:` camera and a GStreamer
//! test pattern analysed by the bundled detector, through the API: counts in
//! the statistics, live picture and boxes, snapshots, recordings (closed on
//! stop, kept ones surviving retention), settings and posture calibration.

use std::time::{Duration, Instant};

use crate::common::{Cred, Env, envs_with};
use axum::{body::Body, http::Request};
use http_body_util::BodyExt;
use reqwest_free::*;
use serde_json::json;
use tower::ServiceExt;

/// Tiny helpers so this file reads as the scenario.
mod reqwest_free {
    pub use axum::http::StatusCode;
}

pub(crate) async fn bytes(env: &Env, uri: &str) -> (StatusCode, Vec<u8>, String) {
    let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let resp = env.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        status,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
        ct,
    )
}

async fn eventually<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < until {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cameras_are_analysed_recorded_and_served() {
    for env in envs_with(|c| {
        c.vision.fps = 5;
        c.vision.snapshots_per_hour = 60;
        c.vision.quota_gib = 1e-9; // everything not kept is over quota
    })
    .await
    {
        let b = env.backend;
        let admin = env.login("admin").await;
        let vet = env.login("victor").await;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let writer = tokio::spawn(animov_engine::cameras::writer::run(
            env.state.engine().clone(),
            stopped,
        ));

        // Adding cameras: checks first.
        let pen = json!({"source": "pen-a", "name": "Pen A", "uri": "demo:0", "herd_size": 20});
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/cameras",
                Cred::Bearer(&vet),
                Some(pen.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b} {v}");
        let bad = json!({"source": "x", "name": "X", "uri": "ftp://cam/1"});
        let (s, v) = env
            .call("POST", "/api/v1/cameras", Cred::Bearer(&admin), Some(bad))
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("uri")),
            "{b} {v}"
        );
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/cameras",
                Cred::Bearer(&admin),
                Some(pen.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b} {v}");
        assert_eq!(v["kind"], "demo");
        let (s, _) = env
            .call("POST", "/api/v1/cameras", Cred::Bearer(&admin), Some(pen))
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let pattern = json!({"source": "pattern", "name": "Test pattern", "uri": "testsrc:"});
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/cameras",
                Cred::Bearer(&admin),
                Some(pattern),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b} {v}");
        // A dead camera (nothing listens there) must not disturb the others.
        let dead =
            json!({"source": "dead", "name": "Dead", "uri": "http://127.0.0.1:9/video.mjpg"});
        let (s, _) = env
            .call("POST", "/api/v1/cameras", Cred::Bearer(&admin), Some(dead))
            .await;
        assert_eq!(s, StatusCode::CREATED);

        // Frames flow into the same path as ingest.
        eventually("live counts of pen-a", 20, || async {
            let (_, v) = env
                .call("GET", "/api/v1/live", Cred::Bearer(&admin), None)
                .await;
            v.as_array().unwrap().iter().any(|l| l["source"] == "pen-a")
        })
        .await;
        // The bundled detector runs on the test pattern (ONNX Runtime from the setup step).
        eventually("the detector on the test pattern", 60, || async {
            let (_, v) = env
                .call("GET", "/api/v1/cameras/health", Cred::Bearer(&admin), None)
                .await;
            v.as_array()
                .unwrap()
                .iter()
                .any(|h| h["source"] == "pattern" && h["frames_out"].as_u64().unwrap() >= 10)
        })
        .await;
        let (_, health) = env
            .call("GET", "/api/v1/cameras/health", Cred::Bearer(&admin), None)
            .await;
        let h = health.as_array().unwrap();
        let pen_h = h.iter().find(|h| h["source"] == "pen-a").unwrap();
        assert_eq!(
            (pen_h["state"].as_str(), pen_h["recording"].as_str()),
            (Some("running"), Some("encode")),
            "{b} {pen_h}"
        );
        assert_eq!(pen_h["detector"], "demo scene");
        let pat_h = h.iter().find(|h| h["source"] == "pattern").unwrap();
        assert!(
            pat_h["detector"]
                .as_str()
                .unwrap()
                .ends_with("nanodet.onnx"),
            "{pat_h}"
        );
        assert!(pat_h["last_error"].is_null(), "{pat_h}");
        assert_eq!(
            pat_h["recording"], "encode",
            "raw test pattern is encoded: {pat_h}"
        );
        let dead_h = h.iter().find(|h| h["source"] == "dead").unwrap();
        assert_eq!(dead_h["state"], "reconnecting", "{dead_h}");
        assert!(dead_h["last_error"].as_str().unwrap().len() > 5, "{dead_h}");
        assert!(dead_h["reconnects"].as_u64().unwrap() >= 1, "{dead_h}");
        assert_eq!(pen_h["state"], "running", "the other cameras run on");

        // Live picture and boxes.
        let (s, v) = env
            .call(
                "GET",
                "/api/v1/cameras/pen-a/live.json",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let n = v["detections"].as_array().unwrap().len() as u64;
        assert_eq!(
            n,
            v["standing"].as_u64().unwrap() + v["lying"].as_u64().unwrap()
        );
        assert!(n >= 15, "the pen holds 12 to 30 goats: {v}");
        assert!(v["detections"][0]["track_id"].is_u64(), "{v}");
        let (s, _, _) = bytes(&env, "/api/v1/cameras/pen-a/live.jpg").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, jpg, ct) = bytes(
            &env,
            &format!("/api/v1/cameras/pen-a/live.jpg?access_token={admin}"),
        )
        .await;
        assert_eq!(
            (s, ct.as_str(), &jpg[..2]),
            (StatusCode::OK, "image/jpeg", &[0xFF, 0xD8][..])
        );
        let (s, _) = env
            .call(
                "GET",
                "/api/v1/cameras/nope/live.json",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Snapshots.
        let (_, snaps) = env
            .call(
                "GET",
                "/api/v1/snapshots?source=pen-a",
                Cred::Bearer(&vet),
                None,
            )
            .await;
        let snap = &snaps.as_array().unwrap()[0];
        assert!(!snap["detections"].as_array().unwrap().is_empty(), "{snap}");
        let (s, jpg, _) = bytes(
            &env,
            &format!("{}?access_token={vet}", snap["url"].as_str().unwrap()),
        )
        .await;
        assert_eq!((s, &jpg[..2]), (StatusCode::OK, &[0xFF, 0xD8][..]));

        // Settings and calibration.
        let (s, v) = env
            .call(
                "PUT",
                "/api/v1/cameras/pen-a/vision",
                Cred::Bearer(&admin),
                Some(json!({"tiles": [0, 2]})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("tiles")),
            "{v}"
        );
        let one_posture = json!({"frame_height": 360, "boxes": [{"x": 1, "y": 1, "w": 60, "h": 55, "posture": "standing"}]});
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/cameras/pen-a/posture/calibrate",
                Cred::Bearer(&admin),
                Some(one_posture),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("one standing and one lying"),
            "{v}"
        );
        let marks = json!({"frame_height": 360, "boxes": [
            {"x": 10, "y": 100, "w": 60, "h": 55, "posture": "standing"},
            {"x": 100, "y": 200, "w": 64, "h": 58, "posture": "standing"},
            {"x": 200, "y": 150, "w": 62, "h": 28, "posture": "lying"},
            {"x": 300, "y": 250, "w": 60, "h": 26, "posture": "lying"}]});
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/cameras/pen-a/posture/calibrate",
                Cred::Bearer(&admin),
                Some(marks),
            )
            .await;
        assert_eq!(
            (s, v["posture"]["kind"].as_str()),
            (StatusCode::OK, Some("logistic")),
            "{v}"
        );
        // Score threshold against the herd size: refused without a herd size (the
        // test pattern), set on the demo pen (20 goats, scene boxes score 0.9).
        // (The posture calibration above restarted pen-a: wait for its first picture.)
        eventually("a picture after the restart", 20, || async {
            let (s, _) = env
                .call(
                    "GET",
                    "/api/v1/cameras/pen-a/live.json",
                    Cred::Bearer(&admin),
                    None,
                )
                .await;
            s == StatusCode::OK
        })
        .await;
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/cameras/pattern/threshold/calibrate",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("herd_size")),
            "{v}"
        );
        let (s, v) = env
            .call(
                "POST",
                "/api/v1/cameras/pen-a/threshold/calibrate",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["herd_size"], 20);
        assert!(v["candidates"].as_u64().unwrap() >= 12, "{v}");
        let (_, v) = env
            .call(
                "GET",
                "/api/v1/cameras/pen-a/vision",
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(v["posture"]["samples"], 4);

        // Statistics from camera frames.
        animov_engine::minutes::close_now(&env.state, animov_store::now_ms() + 120_000)
            .await
            .unwrap();
        let (s, v) = env
            .call(
                "GET",
                "/api/v1/stats/minutes?source=pen-a",
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            !v.as_array().unwrap().is_empty(),
            "{b}: no minute statistics from the camera"
        );
        let (s, _) = env
            .call(
                "GET",
                "/api/v1/lying-bouts?source=pen-a",
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);

        // Removing a camera stops it and keeps its data.
        let (s, _) = env
            .call(
                "DELETE",
                "/api/v1/cameras/pattern",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, health) = env
            .call("GET", "/api/v1/cameras/health", Cred::Bearer(&admin), None)
            .await;
        assert!(
            health
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["source"] != "pattern")
        );

        // Stopping closes the open recording segments.
        let st = env.state.clone();
        tokio::task::spawn_blocking(move || st.cameras.stop_all())
            .await
            .unwrap();
        stop.send(true).unwrap();
        writer.await.unwrap();
        let (_, recs) = env
            .call(
                "GET",
                "/api/v1/recordings?source=pen-a",
                Cred::Bearer(&vet),
                None,
            )
            .await;
        let recs = recs.as_array().unwrap().clone();
        assert!(!recs.is_empty(), "{b}: no recording of pen-a");
        let (_, all) = env
            .call("GET", "/api/v1/recordings", Cred::Bearer(&vet), None)
            .await;
        assert!(
            all.as_array().unwrap().len() > recs.len(),
            "the test pattern was recorded too"
        );
        let id = recs[0]["id"].as_i64().unwrap();
        let (s, mkv, ct) = bytes(
            &env,
            &format!("/api/v1/recordings/{id}/video?access_token={vet}"),
        )
        .await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "video/x-matroska"));
        assert_eq!(mkv.len() as i64, recs[0]["bytes"].as_i64().unwrap());
        assert_eq!(&mkv[..4], &[0x1A, 0x45, 0xDF, 0xA3], "Matroska/EBML header");
        // Playback: the same video copied into an MP4, index first, with byte ranges.
        let play = recs[0]["play_url"].as_str().unwrap().to_string();
        let (s, mp4, ct) = bytes(&env, &format!("{play}?access_token={vet}")).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "video/mp4"), "{b}");
        assert_eq!(&mp4[4..8], b"ftyp", "{b}");
        let moov = mp4.windows(4).position(|w| w == b"moov").unwrap();
        let mdat = mp4.windows(4).position(|w| w == b"mdat").unwrap();
        assert!(moov < mdat, "{b}: the index comes first");
        let ratio = mp4.len() as f64 / mkv.len() as f64;
        assert!((0.9..1.1).contains(&ratio), "{b}: re-encoded? {ratio}");
        let req = Request::builder()
            .uri(format!("{play}?access_token={vet}"))
            .header("range", "bytes=100-199")
            .body(Body::empty())
            .unwrap();
        let resp = env.app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT, "{b}");
        let range = resp.headers()["content-range"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(range, format!("bytes 100-199/{}", mp4.len()), "{b}");
        let part = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&part[..], &mp4[100..200], "{b}");
        let (s, _, _) = bytes(&env, &play).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}: playback needs a sign-in");
        let (s, _, _) = bytes(
            &env,
            &format!("/api/v1/recordings/99999/mp4?access_token={vet}"),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        // A clip of the recording, copied not re-encoded, made by a job.
        let (start, end) = (
            recs[0]["start_ms"].as_i64().unwrap(),
            recs[0]["end_ms"].as_i64().unwrap(),
        );
        let (s, job) = env
            .call(
                "POST",
                "/api/v1/clips",
                Cred::Bearer(&vet),
                Some(json!({"source": "pen-a", "from_ms": start + 500, "to_ms": end})),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{b} {job}");
        let job = job["job_id"].as_u64().unwrap();
        let info = env.wait_job(&vet, job).await;
        assert_eq!(info["state"], "done", "{b} {info}");
        let url = info["output"].as_str().unwrap().to_string();
        let (s, clip, ct) = bytes(&env, &format!("{url}?access_token={vet}")).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "video/mp4"), "{b}");
        assert_eq!(&clip[4..8], b"ftyp", "{b}");
        assert!(
            clip.len() > 1000 && clip.len() <= mkv.len() + 4096,
            "{b}: {} of {}",
            clip.len(),
            mkv.len()
        );
        for (body, code) in [
            (
                json!({"source": "pen-a", "from_ms": start, "to_ms": start + 3 * 3_600_000}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"source": "pen-a", "from_ms": 0, "to_ms": 1000}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"source": "nope", "from_ms": start, "to_ms": end}),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let (s, v) = env
                .call("POST", "/api/v1/clips", Cred::Bearer(&vet), Some(body))
                .await;
            assert_eq!(s, code, "{b} {v}");
        }
        let (s, _, _) = bytes(&env, &format!("/api/v1/clips/999?access_token={vet}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        // The boxes stored over the recording's time, compact.
        let (s, d) = env
            .call(
                "GET",
                &format!(
                    "/api/v1/detections?source=pen-a&from={}&to={}",
                    start - 60_000,
                    end + 60_000
                ),
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b} {d}");
        let frames = d["frames"].as_array().unwrap();
        assert!(!frames.is_empty(), "{b}: {d}");
        let boxed = frames
            .iter()
            .find(|f| !f["boxes"].as_array().unwrap().is_empty())
            .expect("boxes");
        let bx = boxed["boxes"][0].as_array().unwrap();
        assert_eq!(bx.len(), 7, "{b}");
        assert!(
            [0.0, 1.0, 2.0].contains(&bx[4].as_f64().unwrap()),
            "{b} {bx:?}"
        );
        let (s, _) = env
            .call(
                "GET",
                "/api/v1/detections?source=pen-a&from=0&to=7200001",
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}: over an hour is refused");
        crate::dataset::from_recordings(&env, &vet, start, end, b).await;
        let (s, _) = env
            .call(
                "PUT",
                &format!("/api/v1/recordings/{id}/keep"),
                Cred::Bearer(&vet),
                Some(json!({"keep": true})),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);

        // Retention (quota ~0): everything goes but the kept segment.
        let deleted = animov_engine::cameras::retention::pass(&env.state)
            .await
            .unwrap();
        assert_eq!(deleted, all.as_array().unwrap().len() - 1, "{b}");
        let (_, left) = env
            .call("GET", "/api/v1/recordings", Cred::Bearer(&vet), None)
            .await;
        let left = left.as_array().unwrap();
        assert_eq!((left.len(), left[0]["id"].as_i64()), (1, Some(id)));
        for r in all.as_array().unwrap() {
            let path = env
                .state
                .store
                .recording(r["id"].as_i64().unwrap())
                .await
                .unwrap();
            assert_eq!(path.is_some(), r["id"].as_i64() == Some(id));
        }
        // An admin may delete even a kept segment, with its file; a vet may not.
        let file = env.state.store.recording(id).await.unwrap().unwrap().path;
        let (s, _) = env
            .call(
                "DELETE",
                &format!("/api/v1/recordings/{id}"),
                Cred::Bearer(&vet),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let admin = env.login("admin").await;
        let (s, _) = env
            .call(
                "DELETE",
                &format!("/api/v1/recordings/{id}"),
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        assert!(
            env.state.store.recording(id).await.unwrap().is_none(),
            "{b}"
        );
        assert!(
            !std::path::Path::new(&file).exists(),
            "{b}: the file went too"
        );
    }
}
