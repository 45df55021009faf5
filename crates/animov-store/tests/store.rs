//! Every store behaviour, on SQLite and on MariaDB.

use animov_api::{Role, SourceKind};
use animov_core::{FrameCount, minute::minute_rows};
use animov_store::{NewFrame, Store, StoreError, testing};

const T0: i64 = 1_732_867_200_000; // 2024-11-29T08:00Z

fn nf(ts_ms: i64, lying: u32, standing: u32) -> NewFrame {
    NewFrame {
        ts_ms,
        lying,
        standing,
        detections: None,
    }
}

#[tokio::test]
async fn frames_are_idempotent_and_minutes_match_core() {
    for t in testing::all().await {
        let s = &t.store;
        let cam = s.ensure_source("cam-1", SourceKind::Ingest).await.unwrap();
        let frames: Vec<NewFrame> = (0..300)
            .map(|i| nf(T0 + i * 1_000, (i % 7) as u32, (i % 5) as u32))
            .collect();
        assert_eq!(
            s.insert_frames(cam, &frames).await.unwrap(),
            (300, 0),
            "{}",
            t.backend
        );
        // Same batch again, plus one new frame and a duplicate inside the batch.
        let mut again = frames[..10].to_vec();
        again.push(nf(T0 + 999_000, 1, 1));
        again.push(nf(T0 + 999_000, 2, 2));
        assert_eq!(
            s.insert_frames(cam, &again).await.unwrap(),
            (1, 11),
            "{}",
            t.backend
        );

        assert_eq!(
            s.close_pending(T0 + 3_600_000).await.unwrap(),
            6,
            "{}",
            t.backend
        );
        let stored = s.minute_rows(cam, T0, T0 + 3_600_000).await.unwrap();
        let fc: Vec<FrameCount> = s.frames(cam, T0, T0 + 3_600_000).await.unwrap();
        assert_eq!(fc.len(), 301);
        assert_eq!(
            fc.iter().find(|f| f.ts_ms == T0 + 999_000).unwrap().lying,
            1,
            "first write wins"
        );
        assert_eq!(stored, minute_rows(&fc), "{}", t.backend);
        assert_eq!(s.pending_minutes(i64::MAX / 2, 10).await.unwrap(), vec![]);
    }
}

#[tokio::test]
async fn open_minutes_wait_and_late_frames_recompute_closed_minutes() {
    for t in testing::all().await {
        let s = &t.store;
        let cam = s.ensure_source("cam-2", SourceKind::Ingest).await.unwrap();
        s.insert_frames(cam, &[nf(T0, 3, 3), nf(T0 + 61_000, 1, 1)])
            .await
            .unwrap();
        // At T0+90s the second minute is still open.
        assert_eq!(
            s.close_pending(T0 + 90_000).await.unwrap(),
            1,
            "{}",
            t.backend
        );
        assert_eq!(s.minute_rows(cam, T0, T0 + 600_000).await.unwrap().len(), 1);
        // A late frame for the closed minute arrives.
        s.insert_frames(cam, &[nf(T0 + 30_000, 9, 0)])
            .await
            .unwrap();
        assert_eq!(
            s.close_pending(T0 + 130_000).await.unwrap(),
            2,
            "{}",
            t.backend
        );
        let rows = s.minute_rows(cam, T0, T0 + 600_000).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].nb_frames, 2);
        assert_eq!(rows[0].lying.stat.max, 9);
        assert_eq!(rows[0].lying.stat.std, Some((18.0f64).sqrt()));
    }
}

#[tokio::test]
async fn pending_minutes_survive_a_restart() {
    for t in testing::all().await {
        let cam = t
            .store
            .ensure_source("cam-3", SourceKind::Ingest)
            .await
            .unwrap();
        t.store
            .insert_frames(cam, &[nf(T0, 2, 2), nf(T0 + 1_000, 4, 0)])
            .await
            .unwrap();
        let site = t.store.site_id().to_string();
        t.store.close().await;
        let reopened = Store::open(&t.config).await.unwrap();
        assert_eq!(reopened.site_id(), site, "site id is stable");
        assert_eq!(
            reopened.close_pending(T0 + 120_000).await.unwrap(),
            1,
            "{}",
            t.backend
        );
        let rows = reopened.minute_rows(cam, T0, T0 + 60_000).await.unwrap();
        assert_eq!(rows[0].total.stat.sum, 8);
    }
}

#[tokio::test]
async fn cameras_dates_and_series_inputs() {
    for t in testing::all().await {
        let s = &t.store;
        let a = s
            .upsert_camera(
                "barn-a",
                "Barn A",
                Some("demo:0"),
                Some(20),
                SourceKind::Demo,
            )
            .await
            .unwrap();
        let b = s.ensure_source("ext-1", SourceKind::Ingest).await.unwrap();
        assert_eq!(
            s.ensure_source("ext-1", SourceKind::Ingest).await.unwrap(),
            b
        );
        s.insert_frames(a, &[nf(T0, 1, 2), nf(T0 + 86_400_000, 3, 4)])
            .await
            .unwrap();
        s.close_pending(T0 + 2 * 86_400_000).await.unwrap();
        let cams = s.cameras().await.unwrap();
        assert_eq!(cams.len(), 2);
        assert_eq!(cams[0].source, "barn-a");
        assert_eq!(cams[0].herd_size, Some(20));
        assert_eq!(cams[0].last_frame_ts, Some(T0 + 86_400_000));
        assert_eq!(cams[1].kind, SourceKind::Ingest);
        assert_eq!(cams[1].last_frame_ts, None);
        let dates = s.dates(a).await.unwrap();
        assert_eq!(
            dates.iter().map(|d| d.date.as_str()).collect::<Vec<_>>(),
            ["2024-11-29", "2024-11-30"]
        );
        let h = s.posture_hists(a, T0, T0 + 60_000).await.unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].standing.stat().unwrap().sum, 2);
        assert_eq!(s.last_minute_ts(a).await.unwrap(), Some(T0 + 86_400_000));
    }
}

#[tokio::test]
async fn users_keys_and_revoked_tokens() {
    for t in testing::all().await {
        let s = &t.store;
        s.create_user("alice", "$argon2id$fake", Role::Admin, "k")
            .await
            .unwrap();
        assert!(
            matches!(
                s.create_user("alice", "x", Role::Vet, "k").await,
                Err(StoreError::UsernameTaken)
            ),
            "{}",
            t.backend
        );
        assert_eq!(s.user("alice").await.unwrap().unwrap().role, Role::Admin);
        assert!(s.user("bob").await.unwrap().is_none());
        assert_eq!(s.user_count().await.unwrap(), 1);

        let cam = s.ensure_source("cam-k", SourceKind::Ingest).await.unwrap();
        let id = s.create_api_key(cam, "jetson", "hash-1").await.unwrap();
        let k = s.api_key_by_hash("hash-1").await.unwrap().unwrap();
        assert_eq!((k.id, k.source.as_str(), k.revoked_ms), (id, "cam-k", None));
        s.revoke_api_key(id).await.unwrap();
        assert!(
            s.api_key_by_hash("hash-1")
                .await
                .unwrap()
                .unwrap()
                .revoked_ms
                .is_some()
        );
        assert!(matches!(
            s.revoke_api_key(id).await,
            Err(StoreError::NotFound(_))
        ));

        let far = animov_store::now_ms() + 3_600_000;
        assert!(!s.is_token_revoked("jti-1").await.unwrap());
        s.revoke_token("jti-1", far).await.unwrap();
        s.revoke_token("jti-1", far).await.unwrap();
        assert!(s.is_token_revoked("jti-1").await.unwrap());
    }
}

#[tokio::test]
async fn frames_with_detections_are_stored() {
    for t in testing::all().await {
        let s = &t.store;
        let cam = s.ensure_source("cam-d", SourceKind::Ingest).await.unwrap();
        let blob = br#"[{"class":"lying","score":0.9,"x":1,"y":2,"w":3,"h":4}]"#.to_vec();
        let f = NewFrame {
            ts_ms: T0,
            lying: 1,
            standing: 0,
            detections: Some(blob),
        };
        assert_eq!(s.insert_frames(cam, &[f]).await.unwrap(), (1, 0));
        assert_eq!(s.row_counts().await.unwrap().0, 1, "{}", t.backend);
    }
}

#[tokio::test]
async fn bulk_minute_rows_round_trip_and_refuse_duplicates() {
    for t in testing::all().await {
        let s = &t.store;
        let cam = s
            .ensure_source("cam-bulk", SourceKind::Ingest)
            .await
            .unwrap();
        let frames: Vec<FrameCount> = (0..1_000)
            .map(|i| FrameCount {
                ts_ms: T0 + i * 7_000,
                lying: (i % 9) as u32,
                standing: (i % 4) as u32,
            })
            .collect();
        let rows = minute_rows(&frames);
        assert_eq!(
            s.insert_minute_rows(cam, &rows).await.unwrap(),
            rows.len() as u64,
            "{}",
            t.backend
        );
        assert_eq!(
            s.minute_rows(cam, T0, T0 + 86_400_000).await.unwrap(),
            rows,
            "{}",
            t.backend
        );
        assert!(
            s.insert_minute_rows(cam, &rows[..1]).await.is_err(),
            "{}",
            t.backend
        );
        assert_eq!(
            s.minute_rows(cam, T0, T0 + 86_400_000).await.unwrap().len(),
            rows.len()
        );
    }
}

#[tokio::test]
async fn closing_minutes_while_frames_arrive_never_fails() {
    for t in testing::all().await {
        let s = t.store.clone();
        let cam = s
            .ensure_source("cam-busy", SourceKind::Ingest)
            .await
            .unwrap();
        let writer = {
            let s = s.clone();
            tokio::spawn(async move {
                for i in 0..200 {
                    s.insert_frames(cam, &[nf(T0 + i * 700, 1, 2), nf(T0 + i * 700 + 1, 2, 1)])
                        .await
                        .unwrap();
                }
            })
        };
        let mut closed = 0;
        while !writer.is_finished() {
            closed += s
                .close_pending(T0 + 10 * 86_400_000)
                .await
                .expect("closing while ingesting");
        }
        writer.await.unwrap();
        closed += s.close_pending(T0 + 10 * 86_400_000).await.unwrap();
        assert!(closed >= 3, "{}", t.backend);
        let rows = s.minute_rows(cam, T0, T0 + 86_400_000).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.nb_frames).sum::<i64>(),
            400,
            "{}: every frame counted",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_database_written_by_a_newer_animov_is_refused_and_left_as_it_was() {
    for t in testing::all().await {
        let cam = t
            .store
            .ensure_source("cam-1", SourceKind::Ingest)
            .await
            .unwrap();
        t.store.insert_frames(cam, &[nf(T0, 1, 2)]).await.unwrap();
        // A newer AniMOV applied one more migration.
        let newer = animov_store::SCHEMA_VERSION + 1;
        t.execute(&format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ({newer}, 'from a newer AniMOV', TRUE, X'00', 0)"
        ))
        .await;
        t.store.close().await;
        let e = Store::open(&t.config).await.unwrap_err();
        assert!(
            matches!(e, StoreError::NewerSchema { found, known, .. } if found == newer && known == newer - 1),
            "{}: {e:?}",
            t.backend
        );
        let message = e.to_string();
        assert!(
            message.contains("newer AniMOV") && message.contains("Nothing was changed"),
            "{message}"
        );
        // Nothing was changed: with that newer version's mark gone (as a
        // restored backup would be), the same data opens.
        testing::execute_on(
            &t.config,
            &format!("DELETE FROM _sqlx_migrations WHERE version = {newer}"),
        )
        .await;
        let reopened = Store::open(&t.config).await.unwrap();
        let frames = reopened.frames(cam, T0, T0 + 60_000).await.unwrap();
        assert_eq!(frames.len(), 1, "{}", t.backend);
        reopened.close().await;
    }
}
