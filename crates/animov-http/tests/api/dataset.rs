//! Datasets from a camera's recordings (called from the vision scenario,
//! which records a camera): sample, pictures, box corrections, YOLO and COCO.

use std::io::Read;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{Cred, Env};
use crate::vision::bytes;

async fn job(env: &Env, token: &str, id: &Value) -> Value {
    env.wait_job(token, id.as_u64().expect("a job id")).await
}

fn unzip(b: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(b)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().to_string(), v)
        })
        .collect()
}

/// A vet takes 5 frames of pen-a's recording `[start, end)`, corrects one,
/// exports it as YOLO (ground truth only) and all as COCO.
pub async fn from_recordings(env: &Env, vet: &str, start: i64, end: i64, b: &str) {
    let (s, v) = env
        .call(
            "POST",
            "/api/v1/dataset/sample",
            Cred::Bearer(vet),
            Some(json!({"source": "pen-a", "from_ms": start, "to_ms": end, "kind": "range", "count": 5})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b} {v}");
    let info = job(env, vet, &v["job_id"]).await;
    assert_eq!(info["state"], "done", "{b} {info}");
    let (_, frames) = env
        .call(
            "GET",
            "/api/v1/dataset/frames?source=pen-a",
            Cred::Bearer(vet),
            None,
        )
        .await;
    let frames = frames.as_array().unwrap().clone();
    assert!((3..=5).contains(&frames.len()), "{b} {info} {frames:?}");
    // Each frame carries the detector's boxes of its analysed frame.
    for f in &frames {
        let ts = f["ts_ms"].as_i64().unwrap();
        let (_, d) = env
            .call(
                "GET",
                &format!("/api/v1/detections?source=pen-a&from={ts}&to={}", ts + 1),
                Cred::Bearer(vet),
                None,
            )
            .await;
        assert_eq!(
            f["boxes"].as_array().unwrap().len(),
            d["frames"][0]["boxes"].as_array().unwrap().len(),
            "{b} {f} {d}"
        );
        assert_eq!(f["origin"], "range");
        assert!(f["reviewed_by"].is_null());
    }
    // The same frames again: none doubled.
    let (_, v) = env
        .call(
            "POST",
            "/api/v1/dataset/sample",
            Cred::Bearer(vet),
            Some(json!({"source": "pen-a", "from_ms": start, "to_ms": end, "kind": "range", "count": 5})),
        )
        .await;
    let again = job(env, vet, &v["job_id"]).await;
    assert_eq!(again["state"], "done", "{b} {again}");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .starts_with("0 frames added"),
        "{b} {again}"
    );
    let f0 = &frames[0];
    let id = f0["id"].as_i64().unwrap();
    let (w, h) = (
        f0["width"].as_f64().unwrap(),
        f0["height"].as_f64().unwrap(),
    );
    let (s, jpeg, ct) = bytes(
        env,
        &format!("/api/v1/dataset/frames/{id}/image?access_token={vet}"),
    )
    .await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "image/jpeg"), "{b}");
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    // Corrected: one box moved and made lying, one added.
    let boxes = json!([
        {"x": 10.0, "y": 20.0, "w": 40.0, "h": 30.0, "class": 1},
        {"x": w - 50.0, "y": h - 40.0, "w": 50.0, "h": 40.0, "class": 2}
    ]);
    let (s, v) = env
        .call(
            "PUT",
            &format!("/api/v1/dataset/frames/{id}"),
            Cred::Bearer(vet),
            Some(json!({ "boxes": boxes })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b} {v}");
    assert_eq!(v["boxes"], boxes);
    assert!(v["reviewed_by"].is_string(), "{b} {v}");
    let (s, v) = env
        .call(
            "PUT",
            &format!("/api/v1/dataset/frames/{id}"),
            Cred::Bearer(vet),
            Some(json!({"boxes": [{"x": w, "y": 0.0, "w": 10.0, "h": 10.0, "class": 0}]})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("boxes[0]")),
        "{b} {v}"
    );

    // YOLO, ground truth only: the corrected frame, its boxes over the picture's size.
    let (s, v) = env
        .call(
            "POST",
            "/api/v1/dataset/export",
            Cred::Bearer(vet),
            Some(json!({"format": "yolo"})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b} {v}");
    let info = job(env, vet, &v["job_id"]).await;
    assert_eq!(info["state"], "done", "{b} {info}");
    let (s, zip, ct) = bytes(
        env,
        &format!("{}?access_token={vet}", info["output"].as_str().unwrap()),
    )
    .await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/zip"), "{b}");
    let files = unzip(&zip);
    let name = format!("pen-a_{}", f0["ts_ms"]);
    assert_eq!(
        files.keys().cloned().collect::<Vec<_>>(),
        vec![
            "data.yaml".to_string(),
            format!("images/{name}.jpg"),
            format!("labels/{name}.txt")
        ],
        "{b}"
    );
    assert_eq!(files[&format!("images/{name}.jpg")], jpeg);
    let label = String::from_utf8(files[&format!("labels/{name}.txt")].clone()).unwrap();
    let lines: Vec<Vec<f64>> = label
        .lines()
        .map(|l| l.split(' ').map(|x| x.parse().unwrap()).collect())
        .collect();
    let want = [
        [1.0, 30.0 / w, 35.0 / h, 40.0 / w, 30.0 / h],
        [2.0, (w - 25.0) / w, (h - 20.0) / h, 50.0 / w, 40.0 / h],
    ];
    for (got, want) in lines.iter().zip(want) {
        for (g, x) in got.iter().zip(want) {
            assert!((g - x).abs() < 1e-5, "{b} {label}");
        }
    }
    assert!(String::from_utf8_lossy(&files["data.yaml"]).contains("nc: 3"));

    // COCO, every frame: one image per frame, boxes in pixels.
    let (_, v) = env
        .call(
            "POST",
            "/api/v1/dataset/export",
            Cred::Bearer(vet),
            Some(json!({"format": "coco", "source": "pen-a", "reviewed_only": false})),
        )
        .await;
    let info = job(env, vet, &v["job_id"]).await;
    let (_, zip, _) = bytes(
        env,
        &format!("{}?access_token={vet}", info["output"].as_str().unwrap()),
    )
    .await;
    let files = unzip(&zip);
    let coco: Value = serde_json::from_slice(&files["annotations.json"]).unwrap();
    assert_eq!(
        coco["images"].as_array().unwrap().len(),
        frames.len(),
        "{b}"
    );
    let total: usize = frames
        .iter()
        .skip(1)
        .map(|f| f["boxes"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        coco["annotations"].as_array().unwrap().len(),
        total + 2,
        "{b}"
    );
    let mine = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["image_id"].as_i64() == Some(id))
        .unwrap();
    assert_eq!(
        (mine["bbox"].clone(), mine["category_id"].clone()),
        (json!([10.0, 20.0, 40.0, 30.0]), json!(2))
    );
    assert_eq!(
        files.keys().filter(|k| k.starts_with("images/")).count(),
        frames.len()
    );

    // Deleting a frame removes it and its picture.
    let (s, _) = env
        .call(
            "DELETE",
            &format!("/api/v1/dataset/frames/{id}"),
            Cred::Bearer(vet),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = env
        .call(
            "DELETE",
            &format!("/api/v1/dataset/frames/{id}"),
            Cred::Bearer(vet),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Nothing reviewed left: said.
    let (s, v) = env
        .call(
            "POST",
            "/api/v1/dataset/export",
            Cred::Bearer(vet),
            Some(json!({"format": "yolo"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b} {v}");
    // Nothing recorded: said.
    let (s, v) = env
        .call(
            "POST",
            "/api/v1/dataset/sample",
            Cred::Bearer(vet),
            Some(json!({"source": "pen-a", "from_ms": 1000, "to_ms": 2000, "kind": "range", "count": 5})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("nothing_to_take")),
        "{b} {v}"
    );
}
