//! The demo feed: simulated pens (`demo-1`, `demo-2`, ...) with days of history
//! created at once, then live frames. [`prepare`] is the demo start-up that
//! `animov serve --demo` and the desktop app share.

use std::time::Duration;

use animov_api::SourceKind;
use animov_core::demo::{DemoHerd, DemoSettings};
use animov_store::{NewFrame, Store, StoreError};
use tokio::sync::watch;

use crate::{Engine, config::DemoConfig, minutes};

/// One simulated camera.
#[derive(Debug, Clone)]
pub struct DemoCamera {
    /// Store id.
    pub camera_id: i64,
    /// Source name.
    pub source: String,
    /// How its herd is simulated.
    pub settings: DemoSettings,
}

/// Registers the demo cameras (idempotent) and returns them.
pub async fn ensure_cameras(
    store: &Store,
    cfg: &DemoConfig,
) -> Result<Vec<DemoCamera>, StoreError> {
    let mut out = Vec::new();
    for i in 0..cfg.cameras {
        let settings = DemoSettings::for_camera(cfg.seed, i, cfg.utc_offset_minutes);
        let source = format!("demo-{}", i + 1);
        let camera_id = match store.camera(&source).await? {
            Some(c) => c.id,
            None => {
                let name = format!("Chèvrerie {} (démo)", i + 1);
                store
                    .upsert_camera(
                        &source,
                        &name,
                        Some(&format!("demo:{i}")),
                        Some(i64::from(settings.herd_size)),
                        SourceKind::Demo,
                    )
                    .await?
            }
        };
        out.push(DemoCamera {
            camera_id,
            source,
            settings,
        });
    }
    Ok(out)
}

/// Fills `[now - days, now)` with frames every `interval_ms` for each camera,
/// continuing after the newest stored frame; returns frames stored.
#[tracing::instrument(skip(store, cameras))]
pub async fn backfill(
    store: &Store,
    cameras: &[DemoCamera],
    days: u32,
    interval_ms: i64,
    now_ms: i64,
) -> Result<u64, StoreError> {
    let start = now_ms - i64::from(days) * 86_400_000;
    let mut total = 0;
    for cam in cameras {
        let last = store
            .camera(&cam.source)
            .await?
            .and_then(|c| c.last_frame_ts);
        let from = last.map_or(start, |l| (l + interval_ms).max(start));
        if from >= now_ms {
            continue;
        }
        let mut herd = DemoHerd::new(cam.settings, from);
        let span = now_ms - from;
        let mut t = from;
        let mut next_report = 0.1;
        while t < now_ms {
            let end = (t + 2_000 * interval_ms).min(now_ms);
            let frames: Vec<NewFrame> = herd
                .frames(t, end, interval_ms)
                .into_iter()
                .map(|f| NewFrame {
                    ts_ms: f.ts_ms,
                    lying: f.lying,
                    standing: f.standing,
                    detections: None,
                })
                .collect();
            t = frames.last().map_or(end, |f| f.ts_ms + interval_ms);
            total += store.insert_frames(cam.camera_id, &frames).await?.0;
            let done = (t - from) as f64 / span as f64;
            if done >= next_report {
                tracing::info!(source = %cam.source, progress = format!("{:.0}%", done.min(1.0) * 100.0), "demo backfill");
                next_report += 0.1;
            }
        }
    }
    Ok(total)
}

/// The demo cameras, their history up to now (`backfill_days`, continuing
/// after what is stored) and its minute statistics; returns the cameras.
pub async fn prepare(engine: &Engine) -> Result<Vec<DemoCamera>, StoreError> {
    let cams = ensure_cameras(&engine.store, &engine.config.demo).await?;
    let now = engine.now_ms();
    let n = backfill(
        &engine.store,
        &cams,
        engine.config.demo.backfill_days,
        engine.config.demo.backfill_interval_ms as i64,
        now,
    )
    .await?;
    if n > 0 {
        tracing::info!(
            frames = n,
            "demo history created; computing minute statistics"
        );
    }
    minutes::close_now(engine, now).await?;
    Ok(cams)
}

/// Streams one frame per camera every `interval_ms` until `shutdown`.
pub async fn stream(
    engine: Engine,
    cameras: Vec<DemoCamera>,
    interval_ms: u64,
    mut shutdown: watch::Receiver<bool>,
) {
    let now = engine.now_ms();
    let mut herds: Vec<DemoHerd> = cameras
        .iter()
        .map(|c| DemoHerd::new(c.settings, now))
        .collect();
    let mut tick = tokio::time::interval(Duration::from_millis(interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        let now = engine.now_ms();
        for (cam, herd) in cameras.iter().zip(herds.iter_mut()) {
            let f = herd.frame_at(now);
            let frame = NewFrame {
                ts_ms: f.ts_ms,
                lying: f.lying,
                standing: f.standing,
                detections: None,
            };
            match engine.store.insert_frames(cam.camera_id, &[frame]).await {
                Ok(_) => engine.publish_frame(&cam.source, f.ts_ms, f.lying, f.standing),
                Err(e) => tracing::warn!(source = %cam.source, error = %e, "demo frame not stored"),
            }
        }
        engine.ingested.notify_one();
    }
}
