//! `animov demo`: demo history at once, and optionally live frames.

use animov_engine::{demo, minutes, runtime::shutdown_signal};

use crate::{
    args::{DemoArgs, Global},
    setup,
};

/// Creates `days` of history for the demo cameras, then streams if asked.
pub async fn run(global: &Global, a: DemoArgs) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let mut config = s.config;
    if let Some(n) = a.cameras {
        config.demo.cameras = n;
    }
    if let Some(seed) = a.seed {
        config.demo.seed = seed;
    }
    let engine = animov_engine::open(&s.data_dir, config).await?;
    let cams = demo::ensure_cameras(&engine.store, &engine.config.demo).await?;
    let started = std::time::Instant::now();
    let now = engine.now_ms();
    let n = demo::backfill(
        &engine.store,
        &cams,
        a.days,
        engine.config.demo.backfill_interval_ms as i64,
        now,
    )
    .await?;
    let m = minutes::close_now(&engine, now).await?;
    println!(
        "{n} frames and {m} minute rows created for {} cameras in {:.1} s",
        cams.len(),
        started.elapsed().as_secs_f64()
    );
    if a.stream {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let closer = tokio::spawn(minutes::closer(engine.clone(), stopped.clone()));
        let interval = engine.config.demo.interval_ms;
        let feed = tokio::spawn(demo::stream(engine.clone(), cams, interval, stopped));
        println!("streaming live demo frames; Ctrl-C to stop");
        shutdown_signal().await;
        let _ = stop.send(true);
        let _ = feed.await;
        let _ = closer.await;
    }
    engine.store.close().await;
    Ok(())
}
