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

/// A self-signed certificate for 127.0.0.1 (made by `openssl`) and a TLS
/// front with it before `upstream`; returns the front's address and the
/// certificate's PEM file (what a site's `[sync] ca_file` names).
async fn tls_front(
    upstream: SocketAddr,
    dir: &std::path::Path,
) -> (SocketAddr, std::path::PathBuf) {
    let (cert, key) = (dir.join("central.pem"), dir.join("central.key"));
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=animov-central",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes the test certificate");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let identity = tokio_native_tls::native_tls::Identity::from_pkcs8(
        &std::fs::read(&cert).unwrap(),
        &std::fs::read(&key).unwrap(),
    )
    .unwrap();
    let acceptor = tokio_native_tls::TlsAcceptor::from(
        tokio_native_tls::native_tls::TlsAcceptor::new(identity).unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
            });
        }
    });
    (addr, cert)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_and_kept_videos_go_over_https_to_a_central_with_its_own_certificate_under_the_bandwidth_cap()
 {
    let Some(t) = testing::mysql().await else {
        return;
    };
    let central = env_on(t, &|c| c.sync.role = SyncRole::Central).await;
    let (addr, server) = serve(&central).await;
    let dir = tempfile::tempdir().unwrap();
    let (front, ca) = tls_front(addr, dir.path()).await;
    let url = format!("https://127.0.0.1:{}", front.port());

    // Without the CA file the site refuses the central's certificate, and says what to do.
    let blind = site_env().await;
    let (s, e, _) = join(&central, &blind, &url, "Barn").await;
    assert!(s.as_u16() >= 400, "{e}");
    let msg = e["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("certificate") && msg.contains("ca_file"),
        "{e}"
    );

    // With it: frames on (2 a second for an hour), kept videos up to 1 MiB,
    // upload capped at 400 kbit/s.
    const CAP_KBIT_S: u32 = 400;
    let site = env_on(testing::sqlite().await, &|c| {
        c.sync.ca_file = Some(ca.clone());
        c.sync.frames = true;
        c.sync.max_kbit_s = CAP_KBIT_S;
        c.sync.batch_rows = 1000;
        c.sync.kept_videos = true;
        c.sync.kept_video_max_mib = 1;
    })
    .await;
    let t0 = (now() / 3_600_000 - 30) * 3_600_000;
    populate(&site, &["cam-1"], t0, 1, 5).await;
    let cam = site.state.store.camera_id("cam-1").await.unwrap().unwrap();
    let frames: Vec<NewFrame> = (0..7200)
        .map(|i| NewFrame {
            ts_ms: t0 + 3_600_000 + i * 500,
            lying: (i % 7) as u32,
            standing: (i % 5) as u32,
            detections: None,
        })
        .collect();
    site.state.store.insert_frames(cam, &frames).await.unwrap();
    // Three recordings with their videos: kept and small, kept and over the
    // cap, not kept.
    let mut videos = Vec::new();
    for (k, (size, keep)) in [(300_000usize, true), (1_500_000, true), (100_000, false)]
        .into_iter()
        .enumerate()
    {
        let path = dir.path().join(format!("rec-{k}.mkv"));
        let bytes: Vec<u8> = (0..size).map(|i| (i * 7 + k) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let start = t0 + k as i64 * 60_000;
        let id = site
            .state
            .store
            .insert_recording(
                cam,
                path.to_str().unwrap(),
                start,
                start + 60_000,
                size as i64,
            )
            .await
            .unwrap();
        if keep {
            site.state.store.set_recording_keep(id, true).await.unwrap();
        }
        videos.push((start, bytes, keep && size < 1 << 20));
    }
    let (s, st, _) = join(&central, &site, &url, "Barn").await;
    assert_eq!(s, 200, "{st}");
    let started = std::time::Instant::now();
    let report = site::pass(&site.state).await.unwrap().unwrap();
    let took_ms = started.elapsed().as_millis() as f64;
    let status = animov_engine::sync::status(&site.state).await.unwrap();
    assert!(report.sent > 7200, "frames sent: {report:?}");
    // The cap is a floor on the pass's time: bytes on the wire at 400 kbit/s.
    let floor_ms = status.sent_bytes as f64 * 8.0 / f64::from(CAP_KBIT_S);
    println!(
        "pass over HTTPS: {} rows, {} bytes in {took_ms:.0} ms (the cap needs ≥ {floor_ms:.0} ms)",
        report.sent, status.sent_bytes
    );
    assert!(
        status.sent_bytes > 20_000 && took_ms >= floor_ms * 0.95,
        "{} bytes in {took_ms} ms: the cap of {CAP_KBIT_S} kbit/s needs ≥ {floor_ms} ms",
        status.sent_bytes
    );
    settle(&site).await;
    let c_id = central.state.store.site_id().to_string();
    let at_central = central.state.store.sync_dump(&c_id, true).await.unwrap();
    let at_site = site
        .state
        .store
        .sync_dump(site.state.store.site_id(), true)
        .await
        .unwrap();
    assert!(
        at_site
            .iter()
            .filter(|r| r.starts_with("frame_counts "))
            .count()
            >= 7200
    );
    assert_eq!(
        at_central, at_site,
        "the central holds the site's rows, frames included"
    );

    // Minutes received by sync are rolled up at the central: its hourly series
    // (read through the rollups) equals the site's.
    let site_cam = site.state.store.camera_id("cam-1").await.unwrap().unwrap();
    let central_cam = Store::site_scope(site.state.store.site_id().to_string(), async {
        central
            .state
            .store
            .camera_id("cam-1")
            .await
            .unwrap()
            .unwrap()
    })
    .await;
    assert!(central.state.store.dirty_hour_count().await.unwrap() > 0);
    while central.state.store.refresh_rollups(500).await.unwrap() > 0 {}
    let hourly = |store: &Store, cam: i64| {
        let store = store.clone();
        async move {
            let h = store
                .series_hists(cam, t0 - 3_600_000, t0 + 3 * 3_600_000, 3_600_000)
                .await
                .unwrap();
            animov_core::series::series(&h, 3_600_000)
        }
    };
    let at_site = hourly(&site.state.store, site_cam).await;
    assert!(!at_site.is_empty());
    assert_eq!(hourly(&central.state.store, central_cam).await, at_site);

    // The kept video under the cap plays from the central; the others stay at the farm.
    let vet = token(&central, "victor").await;
    let site_id = site.state.store.site_id().to_string();
    let get = |uri: String| {
        axum::http::Request::builder()
            .uri(uri)
            .header("authorization", format!("Bearer {vet}"))
            .header("x-animov-site", &site_id)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (s, recs, _) = central
        .raw(get(format!(
            "/api/v1/recordings?source=cam-1&from={t0}&to={}",
            t0 + 600_000
        )))
        .await;
    assert_eq!(s, 200, "{recs}");
    for (start, bytes, travels) in &videos {
        let r = recs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["start_ms"] == json!(start))
            .unwrap_or_else(|| panic!("recording at {start}: {recs}"));
        assert_eq!(r["video_here"], json!(travels), "{r}");
        let resp = tower::ServiceExt::oneshot(
            central.app.clone(),
            get(format!("/api/v1/recordings/{}/video", r["id"])),
        )
        .await
        .unwrap();
        let status = resp.status();
        let body = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        if *travels {
            assert_eq!(status, 200);
            assert!(body.as_ref() == bytes.as_slice(), "the video arrived whole");
        } else {
            assert_eq!(status, 404);
            assert!(
                String::from_utf8_lossy(&body).contains("video_at_the_farm"),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    server.abort();
}
