//! Notes as a vet and a farmer use them: written on a camera's time span
//! with tags, found again by tag, author, text and time, edited with history
//! by their author only, exported as CSV, the tag list set by an admin, and
//! the recordings they cover kept from retention.

use crate::common::{Cred, envs, now};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn notes_are_written_found_edited_exported_and_keep_their_recordings() {
    for e in envs().await {
        let b = e.backend;
        let (admin, vet, olga) = (
            e.login("admin").await,
            e.login("victor").await,
            e.login("olga").await,
        );
        let cam = e
            .state
            .store
            .ensure_source("pen", animov_api::SourceKind::Camera)
            .await
            .unwrap();
        let t = now() - 10 * 86_400_000;
        let note = |text: &str, tags: serde_json::Value, start: i64| json!({"source": "pen", "start_ms": start, "end_ms": start + 600_000, "text": text, "tags": tags});
        let (s, n1) = e
            .call(
                "POST",
                "/api/v1/notes",
                Cred::Bearer(&vet),
                Some(json!({"source": "pen", "start_ms": t, "end_ms": t + 600_000,
                    "text": "Boiterie arrière gauche, chèvre 12", "tags": ["lameness"], "area": [10, 20, 30, 40]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b} {n1}");
        assert_eq!(
            (n1["author"].as_str(), n1["tags"][0].as_str()),
            (Some("victor"), Some("lameness"))
        );
        assert_eq!(n1["area"], json!([10.0, 20.0, 30.0, 40.0]), "{b}");
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/notes",
                Cred::Bearer(&olga),
                Some(note(
                    "Foin distribué tard",
                    json!(["feeding"]),
                    t + 3_600_000,
                )),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // Bad input is named.
        for (body, field) in [
            (note("x", json!(["flu"]), t), "tags"),
            (note(" ", json!([]), t), "text"),
            (
                json!({"source": "pen", "start_ms": t, "end_ms": t - 1, "text": "x"}),
                "end_ms",
            ),
        ] {
            let (s, v) = e
                .call("POST", "/api/v1/notes", Cred::Bearer(&vet), Some(body))
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b} {v}");
            assert!(v.to_string().contains(field), "{b} {field}: {v}");
        }
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/notes",
                Cred::Bearer(&vet),
                Some(json!({"source": "nope", "start_ms": t, "end_ms": t, "text": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        // Found by tag, author, text, camera and time.
        let ids = |v: &serde_json::Value| -> Vec<i64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_i64().unwrap())
                .collect()
        };
        let id = n1["id"].as_i64().unwrap();
        for (q, want) in [
            ("tag=lameness", vec![id]),
            ("author=victor", vec![id]),
            ("q=BOITERIE", vec![id]),
            ("source=pen", vec![id + 1, id]),
            (&format!("from={}", t + 700_000) as &str, vec![id + 1]),
        ] {
            let (s, v) = e
                .call(
                    "GET",
                    &format!("/api/v1/notes?{q}"),
                    Cred::Bearer(&olga),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b} {q}");
            assert_eq!(ids(&v), want, "{b} {q}");
        }
        // Edited by its author, keeping what it was; nobody else may.
        let path = format!("/api/v1/notes/{id}");
        let edit = json!({"source": "pen", "start_ms": t, "end_ms": t + 900_000,
            "text": "Boiterie arrière gauche, chèvre 12 : parage prévu", "tags": ["lameness", "treatment"]});
        let (s, _) = e
            .call("PUT", &path, Cred::Bearer(&olga), Some(edit.clone()))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, v) = e.call("PUT", &path, Cred::Bearer(&vet), Some(edit)).await;
        assert_eq!(s, StatusCode::OK, "{b} {v}");
        let (_, d) = e.call("GET", &path, Cred::Bearer(&olga), None).await;
        assert_eq!(d["note"]["tags"], json!(["lameness", "treatment"]), "{b}");
        assert_eq!(d["versions"].as_array().unwrap().len(), 1, "{b}");
        assert_eq!(
            d["versions"][0]["text"], "Boiterie arrière gauche, chèvre 12",
            "{b}"
        );
        assert_eq!(d["versions"][0]["edited_by"], "victor", "{b}");
        // CSV.
        let (s, csv) = e
            .call_text("GET", "/api/v1/notes.csv?source=pen", Cred::Bearer(&olga))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0], "source,start,end,author,tags,text,created,updated",
            "{b}"
        );
        assert_eq!(lines.len(), 3, "{b} {csv}");
        // The Notes page's download link carries its token in the query.
        let (s, linked) = e
            .call_text(
                "GET",
                &format!("/api/v1/notes.csv?source=pen&access_token={olga}"),
                Cred::None,
            )
            .await;
        assert_eq!((s, linked.as_str()), (StatusCode::OK, csv.as_str()), "{b}");
        let (s, _) = e
            .call_text("GET", "/api/v1/notes.csv?source=pen", Cred::None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        assert!(
            csv.contains("lameness treatment") && csv.contains("parage prévu"),
            "{b} {csv}"
        );
        // Tags: the admin's list.
        let tags = json!({"tags": ["boiterie", "mammite", "autre"]});
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/notes/tags",
                Cred::Bearer(&vet),
                Some(tags.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/notes/tags",
                Cred::Bearer(&admin),
                Some(tags),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (_, v) = e
            .call("GET", "/api/v1/notes/tags", Cred::Bearer(&vet), None)
            .await;
        assert_eq!(v["tags"][1], "mammite", "{b}");
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/notes",
                Cred::Bearer(&vet),
                Some(note("Pis chaud", json!(["mammite"]), t)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // A note keeps the recording it covers from retention; the others go.
        let dir = e.state.config.data_dir.join("recordings/pen");
        std::fs::create_dir_all(&dir).unwrap();
        let mut recs = Vec::new();
        for (k, start) in [t - 3_600_000, t + 60_000].into_iter().enumerate() {
            let f = dir.join(format!("{k}.mkv"));
            std::fs::write(&f, vec![0u8; 1000]).unwrap();
            recs.push(
                e.state
                    .store
                    .insert_recording(cam, f.to_str().unwrap(), start, start + 600_000, 1000)
                    .await
                    .unwrap(),
            );
        }
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/storage",
                Cred::Bearer(&admin),
                Some(json!({"retention_days": 7, "quota_gib": 50.0})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        animov_engine::cameras::retention::pass(&e.state)
            .await
            .unwrap();
        assert!(
            e.state.store.recording(recs[0]).await.unwrap().is_none(),
            "{b}: the unnoted one went"
        );
        assert!(
            e.state.store.recording(recs[1]).await.unwrap().is_some(),
            "{b}: the noted one stayed"
        );
        // Deleted by its author.
        let (s, _) = e.call("DELETE", &path, Cred::Bearer(&olga), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, _) = e.call("DELETE", &path, Cred::Bearer(&vet), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        let (s, _) = e.call("GET", &path, Cred::Bearer(&vet), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    }
}
