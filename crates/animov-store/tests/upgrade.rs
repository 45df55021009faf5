//! Upgrades keep data: a database left by each earlier schema version —
//! migrated one step at a time as that version did, with rows written in
//! that version's columns after each step — opens in this version, is
//! migrated to the current schema, and everything in it reads back through
//! the store (SQLite and MariaDB).

use animov_api::{AlertState, Role, SourceKind};
use animov_store::{AlertFilter, NoteFilter, SCHEMA_VERSION, Store, testing};

const T0: i64 = 1_732_867_200_000; // 2024-11-29T08:00Z
const SITE: &str = "site-from-the-past";

/// What the AniMOV of schema `v` stored, in that schema's columns.
fn seed(v: i64) -> Option<String> {
    let sql = match v {
        1 => format!(
            "INSERT INTO site (id, site_id, created_ms) VALUES (1, '{SITE}', {T0});
             INSERT INTO cameras (id, site_id, source, name, uri, herd_size, kind, created_ms, change_seq)
               VALUES (1, '{SITE}', 'pen-a', 'Pen A', NULL, 12, 'ingest', {T0}, 1);
             INSERT INTO frame_counts (camera_id, ts_ms, total, lying, standing, detections, site_id, change_seq)
               VALUES (1, {T0}, 5, 2, 3, NULL, '{SITE}', 2), (1, {t1}, 5, 3, 2, NULL, '{SITE}', 3),
                      (1, {m1}, 4, 4, 0, NULL, '{SITE}', 4);
             INSERT INTO minute_stats (camera_id, minute_ts, nb_frames,
               total_sum, total_mean, total_std, total_min, total_max, total_q1, total_q2, total_q3, total_mode, total_hist,
               lying_sum, lying_mean, lying_std, lying_min, lying_max, lying_q1, lying_q2, lying_q3, lying_mode, lying_hist,
               standing_sum, standing_mean, standing_std, standing_min, standing_max, standing_q1, standing_q2, standing_q3, standing_mode, standing_hist,
               site_id, change_seq)
               VALUES (1, {T0}, 2, 10, 5.0, 0.0, 5, 5, 5.0, 5.0, 5.0, 5, '5:2',
                       5, 2.5, 0.7071067811865476, 2, 3, 2.25, 2.5, 2.75, 2, '2:1,1',
                       5, 2.5, 0.7071067811865476, 2, 3, 2.25, 2.5, 2.75, 2, '2:1,1', '{SITE}', 5);
             INSERT INTO dirty_minutes (camera_id, minute_ts, gen) VALUES (1, {m1}, 1);
             INSERT INTO users (id, username, password_hash, role, created_ms)
               VALUES (1, 'farmer', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'admin', {T0});
             INSERT INTO api_keys (id, camera_id, label, key_hash, created_ms, revoked_ms)
               VALUES (1, 1, 'barn feed', 'hash-of-a-key', {T0}, NULL);
             UPDATE change_counter SET value = 5;",
            t1 = T0 + 1_000,
            m1 = T0 + 60_000,
        ),
        2 => format!(
            "INSERT INTO camera_settings (camera_id, settings, updated_ms) VALUES (1, X'7b7d', {T0});
             INSERT INTO recordings (id, camera_id, path, start_ms, end_ms, bytes, keep_flag, site_id, change_seq)
               VALUES (1, 1, 'recordings/pen-a/0001.mkv', {T0}, {e}, 1048576, 1, '{SITE}', 6);
             INSERT INTO snapshots (id, camera_id, ts_ms, path, width, height, detections, site_id, change_seq)
               VALUES (1, 1, {T0}, 'snapshots/pen-a/0001.jpg', 1280, 720, NULL, '{SITE}', 7);
             INSERT INTO lying_bouts (camera_id, track_id, start_ms, end_ms, running, site_id, change_seq)
               VALUES (1, 3, {T0}, {e}, 0, '{SITE}', 8);
             UPDATE change_counter SET value = 8;",
            e = T0 + 600_000,
        ),
        3 => format!(
            "INSERT INTO forecast_models (id, camera_id, kind, spec, params, train_from_ms, train_to_ms,
               train_rmse, validation_rmse, baseline_rmse, stage, created_ms, site_id, change_seq)
               VALUES (1, 1, 'sarimax', '(1,0,1)(0,1,1,96)', X'7b7d', {T0}, {T0}, 1.5, 2.5, 3.5, 'production', {T0}, '{SITE}', 9);
             INSERT INTO forecasts (camera_id, issued_ms, ts_ms, model_id, mean, lower80, upper80, lower95, upper95, site_id, change_seq)
               VALUES (1, {T0}, {f}, 1, 40.0, 30.0, 50.0, 25.0, 55.0, '{SITE}', 10);
             UPDATE change_counter SET value = 10;",
            f = T0 + 900_000,
        ),
        4 => format!(
            "INSERT INTO alerts (id, camera_id, rule, open_rule, severity, state, since_ms, opened_ms,
               clear_since_ms, resolved_ms, resolved_by, ack_by, ack_ms, ack_comment, message, value, threshold,
               track_id, site_id, change_seq)
               VALUES (1, 1, 'camera_offline', 'camera_offline', 'critical', 'acknowledged', {T0}, {T0},
                       NULL, NULL, NULL, 'farmer', {T0}, 'seen', 'Pen A sends nothing', NULL, NULL, NULL, '{SITE}', 11);
             INSERT INTO alert_events (id, alert_id, ts_ms, kind, by_user, comment, site_id, change_seq)
               VALUES (1, 1, {T0}, 'opened', NULL, NULL, '{SITE}', 12);
             INSERT INTO alert_rules (camera_id, settings, updated_ms, site_id, change_seq)
               VALUES (1, X'7b7d', {T0}, '{SITE}', 13);
             INSERT INTO app_settings (name, value, updated_ms) VALUES ('farm', X'7b7d', {T0});
             UPDATE change_counter SET value = 13;"
        ),
        7 => format!(
            "INSERT INTO notes (id, camera_id, start_ms, end_ms, text, tags, box, author, created_ms, updated_ms, site_id, change_seq)
               VALUES (1, 1, {T0}, {e}, 'Goat 7 limps', ',lameness,', NULL, 'vet', {T0}, {T0}, '{SITE}', 14);
             INSERT INTO note_versions (id, note_id, start_ms, end_ms, text, tags, box, edited_by, edited_ms, site_id, change_seq)
               VALUES (1, 1, {T0}, {e}, 'Goat 7', ',,', NULL, 'vet', {T0}, '{SITE}', 15);
             UPDATE change_counter SET value = 15;",
            e = T0 + 60_000,
        ),
        8 => format!(
            "INSERT INTO dataset_frames (id, camera_id, ts_ms, width, height, path, boxes, origin,
               reviewed_by, reviewed_ms, created_ms, site_id, change_seq)
               VALUES (1, 1, {T0}, 1280, 720, 'dataset/pen-a/1.jpg',
                       '[{{\"x\":0.1,\"y\":0.2,\"w\":0.3,\"h\":0.2,\"class\":0}}]', 'detector', 'vet', {T0}, {T0}, '{SITE}', 16);
             UPDATE change_counter SET value = 16;"
        ),
        9 => format!(
            "INSERT INTO sync_cursors (tbl, seq, updated_ms) VALUES ('frame_counts', 4, {T0});
             INSERT INTO sync_tombstones (seq, tbl, origin_site, origin_id, deleted_ms) VALUES (17, 'notes', '{SITE}', 99, {T0});
             UPDATE change_counter SET value = 17;"
        ),
        _ => return None,
    };
    Some(sql)
}

/// Everything each schema version stored reads back after the upgrade.
async fn check(s: &Store, from: i64, backend: &str) {
    let at = |what: &str| format!("{backend}, from schema {from}: {what}");
    assert_eq!(s.site_id(), SITE, "{}", at("site"));
    let cams = s.cameras().await.unwrap();
    assert_eq!(cams.len(), 1, "{}", at("cameras"));
    assert_eq!(
        (cams[0].source.as_str(), cams[0].name.as_str()),
        ("pen-a", "Pen A")
    );
    assert_eq!(cams[0].kind, SourceKind::Ingest);
    assert_eq!(
        s.frames(1, T0, T0 + 120_000).await.unwrap().len(),
        3,
        "{}",
        at("frames")
    );
    let minutes = s.minute_rows(1, T0, T0 + 60_000).await.unwrap();
    assert_eq!(minutes.len(), 1, "{}", at("minute"));
    assert_eq!(minutes[0].nb_frames, 2, "{}", at("minute frames"));
    let farmer = s.user("farmer").await.unwrap().expect("the user");
    assert_eq!(farmer.role, Role::Admin, "{}", at("user"));
    assert_eq!(s.api_keys().await.unwrap().len(), 1, "{}", at("api key"));
    // The minute left open is closed by this version's minute closer.
    s.close_pending(T0 + 10 * 60_000).await.unwrap();
    assert_eq!(
        s.minute_rows(1, T0, T0 + 120_000).await.unwrap().len(),
        2,
        "{}",
        at("closing")
    );
    // Schema 10's hour roll-ups are filled for the old minutes.
    while s.refresh_rollups(100).await.unwrap() > 0 {}
    assert_eq!(s.dirty_hour_count().await.unwrap(), 0, "{}", at("roll-ups"));
    if from >= 2 {
        assert!(
            s.camera_settings(1).await.unwrap().is_some(),
            "{}",
            at("camera settings")
        );
        let recs = s.recordings(Some(1), T0 - 1, T0 + 3_600_000).await.unwrap();
        assert_eq!(recs.len(), 1, "{}", at("recording"));
        assert_eq!(
            s.snapshots(Some(1), T0 - 1, T0 + 1).await.unwrap().len(),
            1,
            "{}",
            at("snapshot")
        );
        assert_eq!(
            s.lying_bouts(1, T0 - 1, T0 + 3_600_000)
                .await
                .unwrap()
                .len(),
            1,
            "{}",
            at("bout")
        );
    }
    if from >= 3 {
        let models = s.models(Some(1)).await.unwrap();
        assert_eq!(models.len(), 1, "{}", at("model"));
        assert_eq!(models[0].model.kind, "sarimax");
        let f = s.forecasts(1, T0, T0 + 3_600_000, T0 + 1).await.unwrap();
        assert_eq!(f.len(), 1, "{}", at("forecast"));
    }
    if from >= 4 {
        let alerts = s
            .alerts(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(alerts.len(), 1, "{}", at("alert"));
        assert_eq!(
            alerts[0].alert.state,
            AlertState::Acknowledged,
            "{}",
            at("alert state")
        );
        assert_eq!(
            s.alert_events(alerts[0].alert.id).await.unwrap().len(),
            1,
            "{}",
            at("alert event")
        );
        assert!(
            s.alert_rules(1).await.unwrap().is_some(),
            "{}",
            at("alert rules")
        );
        assert!(
            s.app_setting("farm").await.unwrap().is_some(),
            "{}",
            at("app setting")
        );
    }
    if from >= 7 {
        let notes = s
            .notes(&NoteFilter {
                limit: 10,
                ..NoteFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(notes.len(), 1, "{}", at("note"));
        assert_eq!(
            notes[0].note.tags,
            vec!["lameness".to_string()],
            "{}",
            at("note tags")
        );
        assert_eq!(
            s.note_versions(notes[0].note.id).await.unwrap().len(),
            1,
            "{}",
            at("note version")
        );
    }
    if from >= 8 {
        let frames = s.dataset_frames(Some(1), true).await.unwrap();
        assert_eq!(frames.len(), 1, "{}", at("dataset frame"));
        assert_eq!(frames[0].frame.boxes.len(), 1, "{}", at("dataset boxes"));
    }
    // And the upgraded database takes new data.
    let cam2 = s.ensure_source("pen-b", SourceKind::Ingest).await.unwrap();
    assert_ne!(cam2, 1);
}

#[tokio::test]
async fn every_earlier_schema_version_upgrades_with_its_data() {
    for from in 1..SCHEMA_VERSION {
        for db in testing::empty_dbs().await {
            testing::migrate_stepwise(&db.config, from, seed).await;
            let s = Store::open(&db.config)
                .await
                .unwrap_or_else(|e| panic!("{}, from schema {from}: {e}", db.backend));
            check(&s, from, db.backend).await;
            s.close().await;
            // Opening it again changes nothing more.
            let again = Store::open(&db.config).await.unwrap();
            assert_eq!(again.cameras().await.unwrap().len(), 2);
            again.close().await;
        }
    }
}

/// `table count` lines of a fixture's `.counts` file.
fn counts(path: &std::path::Path) -> Vec<(String, i64)> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| {
            let (t, n) = l.split_once(' ').expect("table count");
            (t.to_string(), n.parse().expect("a count"))
        })
        .collect()
}

/// Opens a released version's database, then checks every table kept its
/// rows and the store reads them.
async fn open_release(config: &animov_store::StoreConfig, counts: &[(String, i64)], what: &str) {
    let s = Store::open(config)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    for (table, n) in counts {
        assert_eq!(
            testing::count_rows(config, table).await,
            *n,
            "{what}: rows of {table}"
        );
    }
    let n = |t: &str| counts.iter().find(|(x, _)| x == t).map(|(_, n)| *n);
    let cams = s.cameras().await.unwrap();
    assert_eq!(Some(cams.len() as i64), n("cameras"), "{what}: cameras");
    let mut minutes = 0;
    for c in &cams {
        minutes += s.minute_rows(c.id, 0, i64::MAX / 2).await.unwrap().len() as i64;
    }
    assert_eq!(
        Some(minutes),
        n("minute_stats"),
        "{what}: minutes through the store"
    );
    assert!(
        s.user("farmer").await.unwrap().is_some(),
        "{what}: the user"
    );
    s.close().await;
}

/// Databases written by released versions (tests/upgrade/make-fixtures.sh,
/// run at each release): each opens in this version with every row.
#[tokio::test]
async fn databases_written_by_released_versions_open_with_every_row() {
    // Read when the test runs: the build may come from another checkout.
    let dir =
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
            .join("tests/fixtures/releases");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut opened = 0;
    for name in &names {
        if let Some(stem) = name.strip_suffix(".sqlite") {
            let tmp = tempfile::tempdir().unwrap();
            let db = tmp.path().join("animov.sqlite");
            std::fs::copy(dir.join(name), &db).unwrap();
            let c = counts(&dir.join(format!("{stem}.sqlite.counts")));
            open_release(&animov_store::StoreConfig::sqlite(db), &c, name).await;
            opened += 1;
        } else if let Some(stem) = name.strip_suffix(".mysql.sql") {
            let Some(config) = testing::empty_mysql().await else {
                continue;
            };
            let dump = std::fs::read_to_string(dir.join(name)).unwrap();
            testing::execute_on(&config, &dump).await;
            let c = counts(&dir.join(format!("{stem}.mysql.counts")));
            open_release(&config, &c, name).await;
            opened += 1;
        }
    }
    assert!(opened >= 1, "no release fixture in {}", dir.display());
}
