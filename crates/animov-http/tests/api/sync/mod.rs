//! Sync of two SQLite sites into a central on MariaDB, through a TCP proxy
//! that cuts connections at random bytes, a central stopped and restarted
//! mid-batch, and sites interrupted mid-batch. After each: the central holds
//! exactly the union of the sites' rows (0 missing, 0 doubled, deletions
//! applied) and the sites' own data is unchanged; a vet's note and
//! acknowledgement at the central reach the right site and alert.

use std::{
    collections::BTreeSet,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use animov_api::{RuleKind, Severity, SourceKind, SyncRole};
use animov_engine::sync::site;
use animov_store::{NewAlert, NewFrame, NoteFields, Store, testing};
use rand::Rng;
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use crate::common::{Cred, Env, env_on, now};

mod transport;

/// A TCP proxy in front of the central that can cut connections.
struct Proxy {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    cutting: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let p = Proxy {
            addr: listener.local_addr().unwrap(),
            upstream: Arc::new(Mutex::new(upstream)),
            cutting: Arc::new(AtomicBool::new(false)),
            cuts: Arc::new(AtomicUsize::new(0)),
        };
        let (up, cutting, cuts) = (p.upstream.clone(), p.cutting.clone(), p.cuts.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = *up.lock().unwrap();
                let Ok(server) = TcpStream::connect(target).await else {
                    continue;
                };
                // A cut: after a random number of bytes of the request or of
                // the answer, both sides are closed.
                let (limit_up, limit_down) = if cutting.load(Ordering::SeqCst) {
                    let mut rng = rand::thread_rng();
                    if rng.gen_bool(0.5) {
                        (rng.gen_range(1..4000usize), usize::MAX)
                    } else {
                        (usize::MAX, rng.gen_range(1..400usize))
                    }
                } else {
                    (usize::MAX, usize::MAX)
                };
                let cuts = cuts.clone();
                tokio::spawn(async move {
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    let c1 = cuts.clone();
                    let a = tokio::spawn(pipe(cr, sw, limit_up, c1));
                    let b = tokio::spawn(pipe(sr, cw, limit_down, cuts));
                    let _ = tokio::join!(a, b);
                });
            }
        });
        p
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    limit: usize,
    cuts: Arc<AtomicUsize>,
) {
    let mut buf = vec![0u8; 8192];
    let mut sent = 0usize;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if sent + n >= limit {
            let _ = to.write_all(&buf[..limit - sent]).await;
            cuts.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        sent += n;
    }
    let _ = to.shutdown().await;
}

/// The central's HTTP server on a fresh port.
async fn serve(env: &Env) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = env.app.clone();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, task)
}

async fn rows(store: &Store, me: &str) -> Vec<String> {
    store.sync_dump(me, false).await.unwrap()
}

async fn site_env() -> Env {
    env_on(testing::sqlite().await, &|c| {
        c.sync.batch_rows = 5;
    })
    .await
}

/// Writes some of everything that syncs on `env`'s site; `hours` of frames
/// from `from_ms` for each camera.
async fn populate(env: &Env, cams: &[&str], from_ms: i64, hours: i64, seed: u64) {
    let store = &env.state.store;
    let dir = env.state.config.data_dir.join("pics");
    std::fs::create_dir_all(&dir).unwrap();
    for (ci, cam) in cams.iter().enumerate() {
        let id = store.ensure_source(cam, SourceKind::Ingest).await.unwrap();
        let frames: Vec<NewFrame> = (0..hours * 60 * 2)
            .map(|i| NewFrame {
                ts_ms: from_ms + i * 30_000,
                lying: ((i as u64 * 7 + seed + ci as u64) % 9) as u32,
                standing: ((i as u64 * 3 + seed) % 11) as u32,
                detections: None,
            })
            .collect();
        store.insert_frames(id, &frames).await.unwrap();
        store
            .set_alert_rules(id, format!("{{\"seed\":{seed}}}").as_bytes())
            .await
            .unwrap();
        store
            .set_camera_settings(id, b"{\"roi\":null}")
            .await
            .unwrap();
        let a = store
            .open_alert(&NewAlert {
                camera_id: id,
                rule: RuleKind::HerdCountDrop,
                severity: Severity::Warning,
                since_ms: from_ms,
                opened_ms: from_ms + 60_000,
                message: format!("alert {seed} on {cam}"),
                value: Some(1.5),
                threshold: Some(1.0),
                track_id: None,
            })
            .await;
        if let Ok(a) = a
            && ci == 1
        {
            store
                .ack_alert(a.alert.id, "olga", Some("seen"), from_ms + 120_000)
                .await
                .unwrap();
        }
        let note = |text: &str| NoteFields {
            camera_id: id,
            start_ms: from_ms,
            end_ms: from_ms + 600_000,
            text: text.into(),
            tags: vec!["lameness".into()],
            area: Some([0.1, 0.2, 0.3, 0.4]),
        };
        let n1 = store
            .insert_note(&note("limping"), "olga", from_ms)
            .await
            .unwrap();
        store
            .update_note(
                n1.note.id,
                &note("limping, left leg"),
                "victor",
                from_ms + 1,
            )
            .await
            .unwrap();
        let n2 = store
            .insert_note(&note("to delete"), "olga", from_ms)
            .await
            .unwrap();
        store.delete_note(n2.note.id).await.unwrap();
        for k in 0..3 {
            let path = dir.join(format!("{cam}-{seed}-{k}.jpg"));
            std::fs::write(&path, format!("jpeg {cam} {seed} {k}")).unwrap();
            store
                .insert_snapshot(
                    id,
                    from_ms + k * 900_000,
                    path.to_str().unwrap(),
                    640,
                    480,
                    Some(b"[]".to_vec()),
                )
                .await
                .unwrap();
        }
        let rec = store
            .insert_recording(id, "/nowhere.mp4", from_ms, from_ms + 60_000, 1000)
            .await
            .unwrap();
        store.delete_recording(rec).await.unwrap();
        store
            .insert_recording(id, "/kept.mp4", from_ms + 60_000, from_ms + 120_000, 2000)
            .await
            .unwrap();
        store
            .upsert_bouts(&[animov_store::BoutRow {
                camera_id: id,
                track_id: 1,
                start_ms: from_ms,
                end_ms: from_ms + 300_000,
                running: true,
            }])
            .await
            .unwrap();
        store.end_running_bouts(id).await.unwrap();
    }
    store
        .close_pending(from_ms + hours * 3_600_000)
        .await
        .unwrap();
}

/// Passes until one ends with nothing left to send or receive.
async fn settle(env: &Env) {
    for _ in 0..400 {
        if let Ok(Some(r)) = site::pass(&env.state).await
            && r.sent == 0
            && r.received == 0
        {
            return;
        }
    }
    panic!("sync did not settle in 400 passes");
}

async fn check(central: &Env, sites: &[&Env]) {
    let c_id = central.state.store.site_id().to_string();
    let at_central = rows(&central.state.store, &c_id).await;
    let mut union = Vec::new();
    for s in sites {
        union.extend(rows(&s.state.store, s.state.store.site_id()).await);
    }
    union.sort();
    let (c_set, u_set): (BTreeSet<&String>, BTreeSet<&String>) =
        (at_central.iter().collect(), union.iter().collect());
    let missing: Vec<_> = u_set.difference(&c_set).collect();
    let extra: Vec<_> = c_set.difference(&u_set).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "central differs from the sites: {} missing, {} extra\nmissing: {:?}\nextra: {:?}",
        missing.len(),
        extra.len(),
        missing.iter().take(5).collect::<Vec<_>>(),
        extra.iter().take(5).collect::<Vec<_>>()
    );
    assert_eq!(at_central.len(), union.len(), "rows doubled");
}

async fn token(env: &Env, user: &str) -> String {
    env.login(user).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_sync_to_a_mariadb_central_through_cuts_and_restarts() {
    let Some(t) = testing::mysql().await else {
        return;
    };
    let central = env_on(t, &|c| c.sync.role = SyncRole::Central).await;
    let a = site_env().await;
    let b = site_env().await;
    let t0 = (now() / 3_600_000 - 30) * 3_600_000;
    populate(&a, &["cam-1", "cam-2"], t0, 3, 1).await;
    populate(&b, &["cam-1"], t0, 3, 2).await;
    let a_before = rows(&a.state.store, a.state.store.site_id()).await;
    let b_before = rows(&b.state.store, b.state.store.site_id()).await;

    let (addr, mut server) = serve(&central).await;
    let proxy = Proxy::start(addr).await;
    // Enrolment: a code from the central's admin, used once per site.
    for (env, name) in [(&a, "Barn A"), (&b, "Barn B")] {
        let (s, st, body) = join(&central, env, &proxy.url(), name).await;
        assert_eq!(s, 200, "{st}");
        assert!(st["pending"].as_i64().unwrap() > 100, "{st}");
        // The code works once.
        let (s, e) = b
            .call(
                "POST",
                "/api/v1/sync/join-central",
                Cred::Bearer(&token(&b, "admin").await),
                Some(body),
            )
            .await;
        assert_eq!(
            (s.as_u16(), e["error"]["field"].as_str()),
            (422, Some("code")),
            "{e}"
        );
    }

    // 1. Connections cut at random bytes of requests and answers.
    proxy.cutting.store(true, Ordering::SeqCst);
    let mut failed = 0;
    for _ in 0..2000 {
        let ra = site::pass(&a.state).await;
        let rb = site::pass(&b.state).await;
        failed += usize::from(ra.is_err()) + usize::from(rb.is_err());
        if proxy.cuts.load(Ordering::SeqCst) >= 60
            && site::backlog(&a.state).await.unwrap().is_empty()
            && site::backlog(&b.state).await.unwrap().is_empty()
        {
            break;
        }
    }
    let cuts = proxy.cuts.load(Ordering::SeqCst);
    assert!(
        cuts >= 50 && failed >= 50,
        "only {cuts} cuts, {failed} failed passes"
    );
    proxy.cutting.store(false, Ordering::SeqCst);
    settle(&a).await;
    settle(&b).await;
    check(&central, &[&a, &b]).await;
    assert_eq!(
        rows(&a.state.store, a.state.store.site_id()).await,
        a_before
    );
    assert_eq!(
        rows(&b.state.store, b.state.store.site_id()).await,
        b_before
    );
    let sites = central.state.store.sites().await.unwrap();
    assert_eq!(sites.len(), 2);
    assert_eq!(
        sites.iter().map(|s| s.cameras).sum::<i64>(),
        3,
        "same camera names, no collision"
    );

    // 2. The central stopped in the middle of batches, 10 times.
    populate(&a, &["cam-1", "cam-2"], t0 + 3 * 3_600_000, 2, 3).await;
    for i in 0..10 {
        let pass = {
            let e = a.state.clone();
            tokio::spawn(async move { site::pass(&e).await })
        };
        tokio::time::sleep(Duration::from_millis(20 + 15 * i)).await;
        server.abort();
        let _ = pass.await;
        let (addr, task) = serve(&central).await;
        *proxy.upstream.lock().unwrap() = addr;
        server = task;
    }
    settle(&a).await;
    check(&central, &[&a, &b]).await;

    // 3. The site stopped in the middle of batches, 10 times.
    populate(&b, &["cam-1"], t0 + 3 * 3_600_000, 2, 4).await;
    for i in 0..10 {
        let _ = tokio::time::timeout(Duration::from_millis(5 + 13 * i), site::pass(&b.state)).await;
    }
    settle(&b).await;
    check(&central, &[&a, &b]).await;

    // 4. A vet at the central writes a note on site A's camera and
    // acknowledges site B's open alert; the site writes a note too.
    let vet = token(&central, "victor").await;
    let a_site = a.state.store.site_id().to_string();
    let b_site = b.state.store.site_id().to_string();
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/notes")
        .header("authorization", format!("Bearer {vet}"))
        .header("x-animov-site", &a_site)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"source": "cam-1", "start_ms": t0, "end_ms": t0 + 60_000, "text": "seen from the practice", "tags": ["lameness"]})
                .to_string(),
        ))
        .unwrap();
    let (s, note, _) = central.raw(req).await;
    assert_eq!(s, 201, "{note}");
    req = axum::http::Request::builder()
        .uri("/api/v1/alerts?state=open")
        .header("authorization", format!("Bearer {vet}"))
        .header("x-animov-site", &b_site)
        .body(axum::body::Body::empty())
        .unwrap();
    let (s, open, _) = central.raw(req).await;
    assert_eq!(s, 200, "{open}");
    let list = open
        .as_array()
        .or(open["alerts"].as_array())
        .cloned()
        .unwrap_or_default();
    let alert = list
        .first()
        .unwrap_or_else(|| panic!("no open alert of site B: {open}"));
    req = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/v1/alerts/{}/ack", alert["id"]))
        .header("authorization", format!("Bearer {vet}"))
        .header("x-animov-site", &b_site)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"comment": "vet on the way"}).to_string(),
        ))
        .unwrap();
    let (s, acked, _) = central.raw(req).await;
    assert_eq!(s, 200, "{acked}");
    let cam = a.state.store.camera_id("cam-1").await.unwrap().unwrap();
    a.state
        .store
        .insert_note(
            &NoteFields {
                camera_id: cam,
                start_ms: t0,
                end_ms: t0 + 1,
                text: "written at the barn".into(),
                tags: vec![],
                area: None,
            },
            "olga",
            now(),
        )
        .await
        .unwrap();
    proxy.cutting.store(true, Ordering::SeqCst);
    for _ in 0..10 {
        let _ = site::pass(&a.state).await;
        let _ = site::pass(&b.state).await;
    }
    proxy.cutting.store(false, Ordering::SeqCst);
    settle(&a).await;
    settle(&b).await;
    settle(&a).await;
    let notes = a
        .state
        .store
        .notes(&animov_store::NoteFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let vets: Vec<_> = notes
        .iter()
        .filter(|n| n.note.text == "seen from the practice")
        .collect();
    assert_eq!(vets.len(), 1, "the vet's note reaches site A once");
    assert_eq!(vets[0].note.author, "victor");
    let b_alerts = b
        .state
        .store
        .alerts(&animov_store::AlertFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let acked: Vec<_> = b_alerts
        .iter()
        .filter(|x| x.alert.ack_by.as_deref() == Some("victor"))
        .collect();
    assert_eq!(
        acked.len(),
        1,
        "the vet's acknowledgement reaches site B's alert"
    );
    let events = b.state.store.alert_events(acked[0].alert.id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.by.as_deref() == Some("victor"))
            .count(),
        1,
        "one acknowledgement event: {events:?}"
    );
    check(&central, &[&a, &b]).await;
    let c_notes = sqlx_count(&central.state.store, "written at the barn").await;
    assert_eq!(c_notes, 1, "the site's note reaches the central once");

    // A site cannot write another site's rows, nor the central's rows about another site.
    let cred = a
        .state
        .secrets
        .get(animov_engine::secrets::names::SYNC_CREDENTIAL)
        .unwrap()
        .unwrap();
    let notes_spec = animov_store::sync::table("notes").unwrap();
    let mut forged = b.state.store.sync_read(notes_spec, -1, 10).await.unwrap();
    for row in forged.rows.iter_mut() {
        row[1] = json!(b_site);
    }
    let body = json!({"sent_ms": now(), "version": "t", "backlog": {}, "batch": forged});
    let (s, e) = central
        .call("POST", "/api/v1/sync/push", Cred::Bearer(&cred), Some(body))
        .await;
    assert_eq!(s, 400, "site A cannot write site B's rows: {e}");
    let b_cred = b
        .state
        .secrets
        .get(animov_engine::secrets::names::SYNC_CREDENTIAL)
        .unwrap()
        .unwrap();
    let c_id = central.state.store.site_id().to_string();
    let mut about_a = b.state.store.sync_read(notes_spec, -1, 10).await.unwrap();
    about_a.rows.truncate(1);
    about_a.rows[0][1] = json!(c_id);
    about_a.rows[0][2] = json!(note["id"]);
    let body = json!({"sent_ms": now(), "version": "t", "backlog": {}, "batch": about_a});
    let (s, e) = central
        .call(
            "POST",
            "/api/v1/sync/push",
            Cred::Bearer(&b_cred),
            Some(body),
        )
        .await;
    assert_eq!(
        s, 400,
        "site B cannot edit the vet's note about site A: {e}"
    );
    check(&central, &[&a, &b]).await;
    server.abort();
}

async fn sqlx_count(store: &Store, text: &str) -> usize {
    let spec = animov_store::sync::table("notes").unwrap();
    let b = store.sync_read(spec, -1, 100_000).await.unwrap();
    let i = 3 + spec.col_index("text").unwrap();
    b.rows.iter().filter(|r| r[i] == json!(text)).count()
}

/// Joins `env`'s site as `name` to the central at `url` with a fresh code:
/// the answer, and the request (to try its code again).
async fn join(
    central: &Env,
    env: &Env,
    url: &str,
    name: &str,
) -> (axum::http::StatusCode, serde_json::Value, serde_json::Value) {
    let admin = token(central, "admin").await;
    let (s, code) = central
        .call(
            "POST",
            "/api/v1/sync/enrolments",
            Cred::Bearer(&admin),
            None,
        )
        .await;
    assert_eq!(s, 200, "{code}");
    let site_admin = token(env, "admin").await;
    let body = json!({"url": url, "code": code["code"], "name": name, "farm": "Coop"});
    let (s, answer) = env
        .call(
            "POST",
            "/api/v1/sync/join-central",
            Cred::Bearer(&site_admin),
            Some(body.clone()),
        )
        .await;
    (s, answer, body)
}
