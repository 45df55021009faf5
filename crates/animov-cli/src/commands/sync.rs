//! `animov sync join | status | now`.

use animov_api::SyncStatus;
use animov_engine::sync::{self, site};
use anyhow::Context;

use crate::{args::Global, setup};

/// Joins a central; the running `animov serve` picks it up at its next pass.
pub async fn join(
    global: &Global,
    url: &str,
    code: &str,
    name: Option<String>,
    farm: Option<String>,
) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let engine = animov_engine::open(&s.data_dir, s.config).await?;
    let name = name.unwrap_or_else(|| {
        std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "AniMOV site".into())
    });
    let farm = farm.unwrap_or_else(|| name.clone());
    let target = site::join(&engine, url, code, &name, &farm)
        .await
        .context("joining the central")?;
    println!(
        "joined {} as {:?} (farm {:?}); the site credential is in the secrets store",
        target.url, target.name, target.farm
    );
    engine.store.close().await;
    Ok(())
}

/// Prints the sync state (the last pass's outcome is the one `animov serve` saved).
pub async fn status(global: &Global, json: bool) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let engine = animov_engine::open(&s.data_dir, s.config).await?;
    engine.sync.restore(&engine).await;
    let st = sync::status(&engine).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&st)?);
    } else {
        print!("{}", render(&st, engine.now_ms()));
    }
    engine.store.close().await;
    Ok(())
}

/// Runs one pass here and now, printing what it did.
pub async fn now(global: &Global) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let engine = animov_engine::open(&s.data_dir, s.config).await?;
    let started = std::time::Instant::now();
    let report = site::pass(&engine).await;
    engine.sync.save(&engine).await;
    let report = report?
        .context("this site has not joined a central: run `animov sync join URL CODE` first")?;
    let p = engine.sync.progress();
    println!(
        "sent {} rows in {} batches ({} bytes compressed), received {} changes, in {:.1} s",
        report.sent,
        report.batches,
        p.sent_bytes,
        report.received,
        started.elapsed().as_secs_f64()
    );
    engine.store.close().await;
    Ok(())
}

fn ago(now: i64, t: Option<i64>) -> String {
    match t {
        None => "never".into(),
        Some(t) => {
            let s = (now - t).max(0) / 1000;
            match s {
                0..60 => format!("{s} s ago"),
                60..3600 => format!("{} min ago", s / 60),
                3600..86400 => format!("{} h ago", s / 3600),
                _ => format!("{} days ago", s / 86400),
            }
        }
    }
}

/// The status for a terminal.
pub fn render(st: &SyncStatus, now: i64) -> String {
    let mut out = String::new();
    let central = st.central_url.as_deref().unwrap_or("none (not joined)");
    out += &format!("site      {}\ncentral   {central}\n", st.site_id);
    let state = match (st.offline_since_ms, st.pending) {
        (Some(t), _) => format!("offline since {}", ago(now, Some(t))),
        (None, 0) => "synced".into(),
        (None, n) => format!("{n} rows behind"),
    };
    out += &format!("state     {state}\n");
    out += &format!(
        "synced    {}\ncontact   {}\n",
        ago(now, st.last_synced_ms),
        ago(now, st.last_contact_ms)
    );
    if let Some(skew) = st.skew_ms {
        out += &format!("skew      central clock {skew:+} ms from this site's\n");
    }
    if st.sent_rows > 0 {
        out += &format!(
            "last pass {} rows, {} bytes, {:.0} rows/s{}\n",
            st.sent_rows,
            st.sent_bytes,
            st.rate_rows_s,
            st.eta_s
                .map(|e| format!(", about {e:.0} s left"))
                .unwrap_or_default()
        );
    }
    if let Some(e) = &st.last_error {
        out += &format!("error     {e}\n");
    }
    if st.backlog.is_empty() {
        out += "backlog   none\n";
    } else {
        out += "backlog   table                 rows\n";
        for b in &st.backlog {
            out += &format!("          {:<20} {:>6}\n", b.table, b.pending);
        }
    }
    out
}
