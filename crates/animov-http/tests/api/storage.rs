//! The Storage and Import pages' API, on SQLite and MariaDB: disk use and
//! retention settings applied at once; INRA CSV exports uploaded, reported
//! line by line, idempotent, visible in the statistics.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::{Value, json};

use crate::common::{Cred, Env, envs, now};

async fn upload(env: &Env, path: &str, token: &str, body: &'static str) -> (StatusCode, Value) {
    let req = Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/octet-stream")
        .body(Body::from(body))
        .unwrap();
    let (s, v, _) = env.raw(req).await;
    (s, v)
}

#[tokio::test]
async fn storage_shows_disk_use_and_applies_retention_at_once() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let olga = e.login("olga").await;
        let (s, _) = e
            .call("GET", "/api/v1/storage", Cred::Bearer(&olga), None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        // Two recordings of 10 days ago and one of today, on disk.
        let dir = e.state.config.data_dir.join("recordings/pen");
        std::fs::create_dir_all(&dir).unwrap();
        let cam = e
            .state
            .store
            .ensure_source("pen", animov_api::SourceKind::Camera)
            .await
            .unwrap();
        let mut files = Vec::new();
        for (k, age_days) in [10, 10, 0].into_iter().enumerate() {
            let f = dir.join(format!("{k}.mkv"));
            std::fs::write(&f, vec![0u8; 1000]).unwrap();
            let end = now() - age_days * 86_400_000;
            e.state
                .store
                .insert_recording(cam, f.to_str().unwrap(), end - 600_000, end, 1000)
                .await
                .unwrap();
            files.push(f);
        }
        let (s, v) = e
            .call("GET", "/api/v1/storage", Cred::Bearer(&admin), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(v["used"]["recordings"], 3000, "{b}");
        assert_eq!(
            v["settings"]["retention_days"], 14,
            "{b}: the configuration's"
        );
        assert_eq!(v["due_segments"], 0, "{b}");
        assert_eq!(v["next"]["source"], "pen", "{b}");
        assert!(v["free_bytes"].as_u64().unwrap() > 0, "{b}");
        for (body, field) in [
            (
                json!({"retention_days": 0, "quota_gib": 50.0}),
                "retention_days",
            ),
            (json!({"retention_days": 7, "quota_gib": -1.0}), "quota_gib"),
        ] {
            let (s, v) = e
                .call("PUT", "/api/v1/storage", Cred::Bearer(&admin), Some(body))
                .await;
            assert_eq!(
                (s, v["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{b}"
            );
        }
        // A week: the two old recordings go at once, the new one stays.
        let (s, v) = e
            .call(
                "PUT",
                "/api/v1/storage",
                Cred::Bearer(&admin),
                Some(json!({"retention_days": 7, "quota_gib": 50.0})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(
            (
                v["settings"]["retention_days"].as_u64(),
                v["used"]["recordings"].as_u64()
            ),
            (Some(7), Some(1000)),
            "{b}"
        );
        assert!(
            !files[0].exists() && !files[1].exists() && files[2].exists(),
            "{b}"
        );
        // Kept across a restart: the store holds them.
        let s = animov_engine::storage::settings(e.state.engine())
            .await
            .unwrap();
        assert_eq!(s.retention_days, 7, "{b}");
    }
}

#[tokio::test]
async fn inra_exports_are_imported_with_a_report_and_only_once() {
    const CSV: &str = "date;Effectif couche;Effectif debout\n\
        2024-02-19 09:28:09.703;7;12\n\
        2024-02-19 09:28:10.703;7;11\n\
        pas une date;1;1\n\
        2024-02-19 09:28:11.703;-1;3\n";
    for e in envs().await {
        let b = e.backend;
        let olga = e.login("olga").await;
        let victor = e.login("victor").await;
        let (s, _) = upload(
            &e,
            "/api/v1/import/csv?file=export-2024-02-19-3.csv",
            &victor,
            CSV,
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "{b}: vets read, they do not import"
        );
        let (s, v) = upload(
            &e,
            "/api/v1/import/csv?file=export-2024-02-19-3.csv",
            &olga,
            CSV,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}: {v}");
        assert_eq!(
            (
                v["source"].as_str(),
                v["imported"].as_u64(),
                v["duplicates"].as_u64(),
                v["rejected"].as_u64()
            ),
            (Some("cam-3"), Some(2), Some(0), Some(2)),
            "{b}: {v}"
        );
        let lines: Vec<u64> = v["rejected_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, [4, 5], "{b}: {v}");
        // Again: nothing new.
        let (_, v) = upload(
            &e,
            "/api/v1/import/csv?file=export-2024-02-19-3.csv",
            &olga,
            CSV,
        )
        .await;
        assert_eq!(
            (v["imported"].as_u64(), v["duplicates"].as_u64()),
            (Some(0), Some(2)),
            "{b}"
        );
        // The day is in the statistics.
        let (_, dates) = e
            .call(
                "GET",
                "/api/v1/dates?source=cam-3",
                Cred::Bearer(&olga),
                None,
            )
            .await;
        assert!(dates.to_string().contains("2024-02-19"), "{b}: {dates}");
        // A name without a number needs a source; a file that is no export imports nothing.
        let (s, v) = upload(&e, "/api/v1/import/csv?file=data.csv", &olga, CSV).await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("source")),
            "{b}"
        );
        let (s, v) = upload(
            &e,
            "/api/v1/import/csv?file=data.csv&source=barn-b",
            &olga,
            "a,b\n1,2\n",
        )
        .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("file")),
            "{b}: {v}"
        );
        assert!(
            e.state.store.camera("barn-b").await.unwrap().is_none(),
            "{b}: nothing created"
        );
    }
}
