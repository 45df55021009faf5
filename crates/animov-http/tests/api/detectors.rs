//! Importing a detector through the API, on SQLite and MariaDB: checked on
//! test pictures before it is accepted, listed with its classes and who
//! imported it, chosen by a camera, removable only once no camera uses it.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::{Value, json};

use crate::common::{Cred, Env, envs};

/// Found when the test runs (a test binary reused from another checkout's
/// build reads this checkout's files).
fn fixtures() -> String {
    format!(
        "{}/../animov-vision/tests/fixtures",
        std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test")
    )
}

fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "animov-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, bytes) in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn import(env: &Env, token: &str, parts: &[(&str, &[u8])]) -> (StatusCode, Value) {
    let (ct, body) = multipart(parts);
    let req = Request::post("/api/v1/detectors")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    let (s, v, _) = env.raw(req).await;
    (s, v)
}

#[tokio::test]
async fn detectors_are_checked_listed_chosen_and_removed() {
    let onnx = std::fs::read(format!("{}/tiny_yolo.onnx", fixtures())).unwrap();
    let sidecar = std::fs::read(format!("{}/tiny_yolo.json", fixtures())).unwrap();
    let mut wrong_classes: Value = serde_json::from_slice(&sidecar).unwrap();
    wrong_classes["classes"] = json!(["a", "b", "c", "d", "e", "f", "g"]);
    wrong_classes["roles"] = json!({"a": "animal"});
    let wrong_classes = serde_json::to_vec(&wrong_classes).unwrap();
    let mut counts_nothing: Value = serde_json::from_slice(&sidecar).unwrap();
    counts_nothing["roles"] = json!({});
    let counts_nothing = serde_json::to_vec(&counts_nothing).unwrap();
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let olga = e.login("olga").await;
        let (s, _) = import(
            &e,
            &olga,
            &[("name", b"barn"), ("model", &onnx), ("sidecar", &sidecar)],
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        for (parts, field) in [
            (
                vec![
                    ("name", &b"Barn 1"[..]),
                    ("model", &onnx[..]),
                    ("sidecar", &sidecar[..]),
                ],
                "name",
            ),
            (
                vec![("name", &b"barn"[..]), ("model", &onnx[..])],
                "sidecar",
            ),
            (
                vec![
                    ("name", &b"barn"[..]),
                    ("model", &b"not an onnx model"[..]),
                    ("sidecar", &sidecar[..]),
                ],
                "model",
            ),
            (
                vec![
                    ("name", &b"barn"[..]),
                    ("model", &onnx[..]),
                    ("sidecar", &b"{\"name\": 1}"[..]),
                ],
                "sidecar",
            ),
            (
                vec![
                    ("name", &b"barn"[..]),
                    ("model", &onnx[..]),
                    ("sidecar", &counts_nothing[..]),
                ],
                "sidecar",
            ),
            (
                vec![
                    ("name", &b"barn"[..]),
                    ("model", &onnx[..]),
                    ("sidecar", &wrong_classes[..]),
                ],
                "model",
            ),
        ] {
            let (s, v) = import(&e, &admin, &parts).await;
            assert_eq!(
                (s, v["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{b}: {v}"
            );
        }
        let (s, v) = import(
            &e,
            &admin,
            &[("name", b"barn"), ("model", &onnx), ("sidecar", &sidecar)],
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}: {v}");
        assert_eq!(
            (v["input"].clone(), v["imported_by"].as_str()),
            (json!([32, 32]), Some("admin")),
            "{b}"
        );
        assert_eq!(
            v["counted_classes"],
            json!(["goat_standing", "goat_lying"]),
            "{b}"
        );
        let path = v["path"].as_str().unwrap().to_string();
        let (s, _) = import(
            &e,
            &admin,
            &[("name", b"barn"), ("model", &onnx), ("sidecar", &sidecar)],
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}: one name, one detector");

        // Chosen by a camera: then it cannot go.
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/cameras",
                Cred::Bearer(&admin),
                Some(json!({"source": "pen-d", "name": "Pen D", "uri": "rtsp://127.0.0.1:9/x"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // A camera that does not answer: its health says so in a word the page translates.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (_, h) = e
                .call("GET", "/api/v1/cameras/health", Cred::Bearer(&olga), None)
                .await;
            let pen = h
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["source"] == "pen-d")
                .cloned()
                .unwrap();
            if pen["problem"] == "unreachable" {
                assert_eq!(pen["disk_bytes"], 0, "{b}");
                break;
            }
            assert!(std::time::Instant::now() < until, "{b}: {pen}");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let (_, mut settings) = e
            .call(
                "GET",
                "/api/v1/cameras/pen-d/vision",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        settings["model"] = json!(path);
        let (s, v) = e
            .call(
                "PUT",
                "/api/v1/cameras/pen-d/vision",
                Cred::Bearer(&admin),
                Some(settings.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        let (_, list) = e
            .call("GET", "/api/v1/detectors", Cred::Bearer(&olga), None)
            .await;
        let barn = list
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "barn")
            .unwrap();
        assert_eq!(barn["used_by"], json!(["pen-d"]), "{b}: {list}");
        let (s, v) = e
            .call(
                "DELETE",
                "/api/v1/detectors/barn",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("in_use")),
            "{b}"
        );
        settings["model"] = Value::Null;
        e.call(
            "PUT",
            "/api/v1/cameras/pen-d/vision",
            Cred::Bearer(&admin),
            Some(settings),
        )
        .await;
        let (s, _) = e
            .call(
                "DELETE",
                "/api/v1/detectors/barn",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        assert!(
            !std::path::Path::new(&path).exists(),
            "{b}: its files are gone"
        );
        let (s, _) = e
            .call(
                "DELETE",
                "/api/v1/detectors/barn",
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        e.state.cameras.stop_all();
    }
}
