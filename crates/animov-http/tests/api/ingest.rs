//! Ingest (JSON, legacy INRA stream, API keys) and its refusals, on SQLite and MariaDB.

use crate::common::{Cred, envs, frames, now, t0};
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::{Value, json};

#[tokio::test]
async fn api_keys_only_ingest_for_their_source_and_roles_are_enforced() {
    for e in envs().await {
        let b = e.backend;
        let admin = e.login("admin").await;
        let vet = e.login("victor").await;
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/api-keys",
                Cred::Bearer(&vet),
                Some(json!({"source": "jetson-1"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, k) = e
            .call(
                "POST",
                "/api/v1/api-keys",
                Cred::Bearer(&admin),
                Some(json!({"source": "jetson-1", "label": "pen 1"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{k}");
        let key = k["key"].as_str().unwrap().to_string();

        let start = t0();
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Key(&key),
                Some(json!({"source": "jetson-1", "frames": frames(start, 3, 1000)})),
            )
            .await;
        assert_eq!((s, v["accepted"].as_i64()), (StatusCode::OK, Some(3)));
        let before = e.frame_count().await;
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Key(&key),
                Some(json!({"source": "cam-9", "frames": frames(start, 3, 1000)})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("jetson-1"));
        assert_eq!(e.frame_count().await, before, "nothing written");
        assert!(
            e.state.store.camera("cam-9").await.unwrap().is_none(),
            "no source registered"
        );

        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Key("amk_wrong"),
                Some(json!({"source": "jetson-1", "frames": frames(start, 1, 1)})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_api_key"))
        );
        let (s, _) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Bearer(&vet),
                Some(json!({"source": "jetson-1", "frames": frames(start, 1, 1)})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a vet does not ingest");
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/cameras/jetson-1",
                Cred::Bearer(&vet),
                Some(json!({"name": "Pen 1", "herd_size": 20})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a vet changes no configuration");
        let (s, cam) = e
            .call(
                "PUT",
                "/api/v1/cameras/jetson-1",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 1", "herd_size": 20})),
            )
            .await;
        assert_eq!((s, cam["herd_size"].as_i64()), (StatusCode::OK, Some(20)));
        let (s, _) = e
            .call(
                "PUT",
                "/api/v1/cameras/jetson-1",
                Cred::Bearer(&admin),
                Some(json!({"name": "Pen 1", "herd_size": -3})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        let id = k["id"].as_i64().unwrap();
        let (s, _) = e
            .call(
                "DELETE",
                &format!("/api/v1/api-keys/{id}"),
                Cred::Bearer(&admin),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, v) = e
            .call(
                "POST",
                "/api/v1/ingest",
                Cred::Key(&key),
                Some(json!({"source": "jetson-1", "frames": frames(start + 9_000, 1, 1)})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("revoked_api_key"))
        );
    }
}

#[tokio::test]
async fn bad_ingest_input_is_refused_and_writes_nothing() {
    for e in envs().await {
        let b = e.backend;
        let op = e.login("olga").await;
        let start = t0();
        let send = |body: String, ctype: Option<&'static str>| {
            let mut r =
                Request::post("/api/v1/ingest").header("authorization", format!("Bearer {op}"));
            if let Some(c) = ctype {
                r = r.header("content-type", c);
            }
            r.body(Body::from(body)).unwrap()
        };
        // (body, content type, status, error code, field)
        type Case<'a> = (
            String,
            Option<&'a str>,
            StatusCode,
            &'a str,
            Option<&'a str>,
        );
        let cases: Vec<Case> = vec![
            ("{\"source\": \"cam-1\", \"frames\": [".into(), Some("application/json"), StatusCode::BAD_REQUEST, "malformed_json", None),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": "seven", "standing": 1}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("frames[0].lying")),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1}, {"ts_ms": start + 1, "lying": -1, "standing": 1}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("frames[1].lying")),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1}, {"ts_ms": now() + 86_400_000, "lying": 1, "standing": 1}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("frames[1].ts_ms")),
            (json!({"source": "cam 1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("source")),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1, "colour": "red"}]}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", None),
            (json!({"source": "cam-1", "frames": []}).to_string(), Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("frames")),
            (json!({"source": "cam-1", "frames": [{"ts_ms": start, "lying": 1, "standing": 1}]}).to_string(), None, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None),
            (format!("{{\"source\": \"cam-1\", \"frames\": [{}]}}", vec![format!("{{\"ts_ms\": {start}, \"lying\": 1, \"standing\": 1}}"); 40_000].join(",")), Some("application/json"), StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", None),
        ];
        for (body, ctype, status, code, field) in cases {
            let (s, v, _) = e.raw(send(body, ctype)).await;
            assert_eq!(s, status, "{b}: {v}");
            assert_eq!(v["error"]["code"], code, "{v}");
            assert!(!v["error"]["message"].as_str().unwrap().is_empty());
            if let Some(f) = field {
                assert_eq!(v["error"]["field"], f, "{v}");
            }
        }
        assert_eq!(e.frame_count().await, 0, "{b}: nothing written");
        assert!(
            e.state.store.camera("cam-1").await.unwrap().is_none(),
            "no source registered"
        );
    }
}

#[tokio::test]
async fn legacy_stream_and_read_aliases() {
    for e in envs().await {
        let b = e.backend;
        let op = e.login("olga").await;
        let base = chrono::DateTime::from_timestamp_millis(t0())
            .unwrap()
            .naive_utc();
        let items: Vec<Value> = (0..90)
            .map(|i| {
                let d = (base + chrono::Duration::seconds(i)).format("%Y-%m-%d %H:%M:%S%.3f").to_string();
                json!({"source_id": 1 + i % 2, "date": [d], "frame_id": i,
                       "detect": [[0, 10, 10, 50, 50, 0.9, 1, 0, 0, 0], [1, 60, 10, 90, 50, 0.8, 0, 0, 0, 0], [2, 5, 5, 9, 9, 0.7, (i % 2), 0, 0, 0]]})
            })
            .collect();
        let (s, v) = e
            .call(
                "POST",
                "/receive_data_animov",
                Cred::Bearer(&op),
                Some(json!({"_send_date": "x", "data": items})),
            )
            .await;
        assert_eq!(
            (s, &v),
            (StatusCode::OK, &json!({"accepted": 90, "duplicates": 0})),
            "{b}"
        );
        let (s, v) = e
            .call(
                "POST",
                "/receive_data_animov",
                Cred::Bearer(&op),
                Some(json!({"data": [{"source_id": 1, "date": "2024-01-01", "detect": []}]})),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("data[0].date"))
        );
        let (s, _) = e
            .call("POST", "/receive_data_animov", Cred::None, Some(json!([])))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        e.close_all().await;

        let (s, v) = e.call("GET", "/sources", Cred::Bearer(&op), None).await;
        assert_eq!((s, v), (StatusCode::OK, json!(["cam-1", "cam-2"])));
        let (s, v) = e
            .call("GET", "/stats_minute?source=cam-1", Cred::Bearer(&op), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v[0]["source"], "cam-1");
        assert_eq!(v[0]["lying"]["min"], 1, "class-1 boxes are lying");
        for route in [
            "/dates",
            "/stats_heure",
            "/chevres_minutes",
            "/chevres_heures",
            "/get_serie_heure",
            "/get_serie_jour",
            "/get_serie_last_heure",
            "/get_serie_last_jour",
        ] {
            let (s, v) = e.call("GET", route, Cred::Bearer(&op), None).await;
            assert_eq!(s, StatusCode::OK, "{route}: {v}");
            let rows = v.as_array().unwrap();
            assert!(!rows.is_empty(), "{route}");
            assert!(
                rows.iter()
                    .all(|r| r["source"] == "cam-1" || r["source"] == "cam-2"),
                "{route}"
            );
            let (s, _) = e.call("GET", route, Cred::None, None).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{route}");
        }
        let (s, v) = e
            .call(
                "GET",
                "/get_serie_last_jour?source=cam-2",
                Cred::Bearer(&op),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| p["nb_frames"].as_i64().unwrap())
                .sum::<i64>(),
            45
        );
    }
}
