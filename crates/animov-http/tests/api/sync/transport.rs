//! Sync over HTTPS to a central with a certificate of its own (a CA file),
//! with frames and kept videos, under the bandwidth cap.

use std::net::SocketAddr;

use animov_api::SyncRole;
use animov_engine::sync::site;
use animov_store::{NewFrame, Store, testing};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use super::{join, populate, serve, settle, site_env, token};
use crate::common::{env_on, now};

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
