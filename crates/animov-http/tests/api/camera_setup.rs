//! Setting a camera up through the API, on SQLite and MariaDB: an address
//! tested before it is saved (problems by kind), settings tried on its
//! picture without saving them, a video file uploaded as a camera.

use std::time::{Duration, Instant};

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::json;

use crate::common::{Cred, envs_with};

#[tokio::test]
async fn a_camera_is_tested_before_saving_and_tuned_on_its_picture() {
    for env in envs_with(|c| {
        c.vision.fps = 5;
        c.vision.snapshots_per_hour = 0;
    })
    .await
    {
        let b = env.backend;
        let admin = env.login("admin").await;
        let olga = env.login("olga").await;
        // Testing an address: problems by kind, nothing saved.
        for (uri, code) in [
            ("rtsp://127.0.0.1:9/cam", "unreachable"),
            ("/dev/video77", "not_found"),
            ("/no/such/file.mkv", "not_found"),
        ] {
            let (s, v) = env.test_camera(&admin, json!({"uri": uri})).await;
            assert_eq!(
                (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(code), Some("uri")),
                "{b} {uri}: {v}"
            );
        }
        let (s, v) = env.test_camera(&admin, json!({"uri": "ftp://x/y"})).await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("uri")),
            "{b}"
        );
        let (s, _) = env.test_camera(&olga, json!({"uri": "demo:0"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, pic) = env.test_camera(&admin, json!({"uri": "demo:0"})).await;
        assert_eq!(s, StatusCode::OK, "{b}: {pic}");
        let boxes = pic["boxes"].as_array().unwrap();
        assert!(boxes.len() >= 10, "{b}: the demo herd's boxes");
        let counted = boxes.iter().filter(|x| x["counted"] == true).count() as u64;
        assert_eq!(
            counted,
            pic["standing"].as_u64().unwrap() + pic["lying"].as_u64().unwrap(),
            "{b}"
        );
        let jpeg = base64_decode(pic["jpeg_base64"].as_str().unwrap());
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "{b}: a JPEG");
        assert!(
            env.state.store.cameras().await.unwrap().is_empty(),
            "{b}: nothing saved"
        );

        // Saved, then tuned: settings tried on the newest picture, not saved.
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/cameras",
                Cred::Bearer(&admin),
                Some(json!({"source": "pen-t", "name": "Pen T", "uri": "demo:0", "herd_size": 20})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (_, settings) = env
            .call(
                "GET",
                "/api/v1/cameras/pen-t/vision",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        let preview = |s: serde_json::Value| {
            let env = &env;
            let olga = olga.clone();
            async move {
                let until = Instant::now() + Duration::from_secs(20);
                loop {
                    let (st, v) = env
                        .call(
                            "POST",
                            "/api/v1/cameras/pen-t/preview",
                            Cred::Bearer(&olga),
                            Some(json!({"settings": s})),
                        )
                        .await;
                    if st != StatusCode::SERVICE_UNAVAILABLE || Instant::now() > until {
                        return (st, v);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        let (s, v) = preview(settings.clone()).await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        let all = v["boxes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["counted"] == true)
            .count();
        assert!(all >= 10, "{b}: {all} counted");
        let mut high = settings.clone();
        high["min_score"] = json!(0.95);
        let (_, v) = preview(high).await;
        assert_eq!(
            (v["standing"].as_u64(), v["lying"].as_u64()),
            (Some(0), Some(0)),
            "{b}: above every score"
        );
        let mut corner = settings.clone();
        corner["roi"] = json!([[0, 0], [5, 0], [5, 5], [0, 5]]);
        let (_, v) = preview(corner).await;
        assert_eq!(
            v["standing"].as_u64().unwrap() + v["lying"].as_u64().unwrap(),
            0,
            "{b}: a region with no goat"
        );
        let mut bad = settings.clone();
        bad["roi"] = json!([[0, 0], [5, 0]]);
        let (s, v) = preview(bad).await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("roi")),
            "{b}"
        );
        // Another detector or tiling: the picture is analysed again with them.
        let mut tiled = settings.clone();
        tiled["tiles"] = json!([2, 2]);
        let (s, v) = preview(tiled).await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(
            v["detector"], "demo scene",
            "{b}: a demo camera without a model reads its scene"
        );
        let mut unknown = settings.clone();
        unknown["model"] = json!("/tmp/elsewhere/model.onnx");
        let (s, v) = preview(unknown).await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("model")),
            "{b}"
        );
        let (_, list) = env
            .call("GET", "/api/v1/detectors", Cred::Bearer(&admin), None)
            .await;
        if let Some(bundled) = list
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["bundled"] == true)
        {
            let mut other = settings.clone();
            other["model"] = bundled["path"].clone();
            let (s, v) = preview(other).await;
            assert_eq!(s, StatusCode::OK, "{b}: {v}");
            assert_eq!(
                v["detector"], bundled["path"],
                "{b}: analysed by the chosen detector"
            );
        }
        let (_, saved) = env
            .call(
                "GET",
                "/api/v1/cameras/pen-t/vision",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(saved, settings, "{b}: previews save nothing");
        let (s, _) = env
            .call(
                "POST",
                "/api/v1/cameras/pen-t/preview",
                Cred::Bearer(&env.login("victor").await),
                Some(json!({"settings": settings})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}: vets look, they do not tune");
        env.state.cameras.stop_all();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[tokio::test]
async fn a_video_file_is_uploaded_and_tested_as_a_camera() {
    for env in envs_with(|_| {}).await {
        let b = env.backend;
        let admin = env.login("admin").await;
        let vet = env.login("victor").await;
        let (s, v) = env
            .call("GET", "/api/v1/cameras/devices", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(v.is_array(), "{b}: {v}");
        let picture = std::fs::read(format!(
            "{}/../animov-vision/tests/fixtures/chelsea.png",
            std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test")
        ))
        .unwrap();
        let post = |token: &str, name: &str| {
            Request::post(format!("/api/v1/videos?name={name}"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::from(picture.clone()))
                .unwrap()
        };
        let (s, _, _) = env.raw(post(&vet, "x.png")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, v, _) = env.raw(post(&admin, "..%2Fpen%20one.png")).await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {v}");
        let path = v["path"].as_str().unwrap().to_string();
        assert!(path.ends_with("/videos/pen_one.png"), "{b}: {path}");
        assert_eq!(std::fs::read(&path).unwrap(), picture, "{b}");
        let (s, v) = env.test_camera(&admin, json!({"uri": path})).await;
        assert_eq!(
            (s, v["width"].as_u64()),
            (StatusCode::OK, Some(451)),
            "{b}: {v}"
        );
    }
}
