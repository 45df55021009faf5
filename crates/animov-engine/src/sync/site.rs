//! The site's side: a loop that sends each table's changes oldest first,
//! moving a table's cursor only once the central has committed, then applies
//! what the central's users wrote about this site. Offline, it backs off and
//! keeps everything; a crash or cut at any point resends at most one batch,
//! which the central applies idempotently.

use std::{collections::BTreeMap, time::Duration};

use animov_api::{JoinRequest, PushRequest, SyncBatch, TableBacklog};
use animov_store::sync::{TABLES, TableSpec};
use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use tokio::sync::watch;

use super::{SyncError, SyncTarget, TARGET_SETTING, client::Central, target};
use crate::{Engine, secrets::names::SYNC_CREDENTIAL};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The tables this site sends (frames only with `[sync] frames = true`).
pub fn tables(engine: &Engine) -> impl Iterator<Item = &'static TableSpec> + '_ {
    TABLES
        .iter()
        .filter(move |t| !t.optional || engine.config.sync.frames)
}

fn cursor_name(spec: &TableSpec) -> String {
    format!("up:{}", spec.name)
}

/// Rows not yet committed by the central, per table (tables with none left out).
pub async fn backlog(engine: &Engine) -> Result<Vec<TableBacklog>, SyncError> {
    let mut out = Vec::new();
    for spec in tables(engine) {
        let cursor = engine.store.sync_cursor(&cursor_name(spec)).await?;
        let pending = engine.store.sync_pending(spec, cursor).await?;
        if pending > 0 {
            out.push(TableBacklog {
                table: spec.name.into(),
                pending,
            });
        }
    }
    if engine.config.sync.kept_videos {
        let cursor = engine.store.sync_cursor(VIDEOS_CURSOR).await?;
        let pending = engine.store.kept_videos_pending(cursor).await?;
        if pending > 0 {
            out.push(TableBacklog {
                table: "videos".into(),
                pending,
            });
        }
    }
    Ok(out)
}

/// The cursor of the kept videos sent (a recording's change sequence).
const VIDEOS_CURSOR: &str = "up:videos";

/// Sends the videos of kept recordings (`[sync] kept_videos`), oldest change
/// first, each after its row; one over `kept_video_max_mib` stays at the
/// farm (said in the log), one whose file is gone is skipped.
async fn send_videos(
    engine: &Engine,
    central: &Central,
    report: &mut PassReport,
) -> Result<(), SyncError> {
    if !engine.config.sync.kept_videos {
        return Ok(());
    }
    let cap = u64::from(engine.config.sync.kept_video_max_mib) << 20;
    loop {
        let cursor = engine.store.sync_cursor(VIDEOS_CURSOR).await?;
        let kept = engine.store.kept_videos_after(cursor, 20).await?;
        if kept.is_empty() {
            return Ok(());
        }
        for v in kept {
            match tokio::fs::metadata(&v.path).await {
                Ok(m) if m.len() <= cap => {
                    let sent = central
                        .put_video(v.id, std::path::Path::new(&v.path), m.len())
                        .await?;
                    report.sent += 1;
                    engine.sync.update(|p| {
                        p.sent_rows += 1;
                        p.sent_bytes += sent.bytes as i64;
                    });
                    throttle(engine, sent.bytes, sent.rtt_ms).await;
                }
                Ok(m) => tracing::warn!(
                    recording = v.id,
                    mib = m.len() >> 20,
                    cap_mib = cap >> 20,
                    "a kept video over [sync] kept_video_max_mib stays at the farm"
                ),
                Err(e) => tracing::warn!(recording = v.id, error = %e, "a kept video is gone"),
            }
            engine
                .store
                .set_sync_cursor(VIDEOS_CURSOR, v.change_seq)
                .await?;
        }
    }
}

/// Joins the central at `url` with a one-time `code`: saves the central and
/// this site's credential (in the secrets store).
pub async fn join(
    engine: &Engine,
    url: &str,
    code: &str,
    name: &str,
    farm: &str,
) -> Result<SyncTarget, SyncError> {
    if super::is_central(engine) {
        return Err(SyncError::Local(
            "this AniMOV is a central ([sync] role = \"central\"): only sites join a central"
                .into(),
        ));
    }
    let central = Central::new(url, engine.config.sync.ca_file.as_deref(), None)?;
    let reply = central
        .join(&JoinRequest {
            code: code.trim().to_string(),
            site_id: engine.store.site_id().to_string(),
            name: name.trim().to_string(),
            farm: farm.trim().to_string(),
            time_zone: crate::farm::load(&engine.store)
                .await
                .ok()
                .flatten()
                .map_or_else(crate::farm::detected_time_zone, |f| f.time_zone),
            version: VERSION.into(),
        })
        .await?;
    engine.secrets.set(SYNC_CREDENTIAL, &reply.credential)?;
    let target = SyncTarget {
        url: url.trim_end_matches('/').to_string(),
        central_id: reply.central_id,
        name: name.trim().to_string(),
        farm: farm.trim().to_string(),
    };
    let json = serde_json::to_vec(&target).map_err(|e| SyncError::Local(e.to_string()))?;
    engine.store.set_app_setting(TARGET_SETTING, &json).await?;
    tracing::info!(url = %target.url, "joined the central");
    engine.sync.now.notify_one();
    Ok(target)
}

/// Runs passes until the engine stops: every `interval_seconds` when all is
/// sent, at once after `sync now`, with growing waits (5 s to 5 min) while the
/// central cannot be reached.
pub async fn run(engine: Engine, mut stopped: watch::Receiver<bool>) {
    engine.sync.restore(&engine).await;
    let interval = Duration::from_secs(engine.config.sync.interval_seconds.into());
    let mut failures = 0u32;
    loop {
        let wait = match pass(&engine).await {
            Ok(_) => {
                failures = 0;
                interval
            }
            Err(e) => {
                failures += 1;
                let now = engine.now_ms();
                let offline = matches!(e, SyncError::Unreachable(_));
                tracing::warn!(error = %e, failures, "sync pass failed");
                engine.sync.update(|p| {
                    p.running = false;
                    p.last_error = Some(e.to_string());
                    if offline {
                        p.offline_since_ms.get_or_insert(now);
                    }
                });
                backoff(failures)
            }
        };
        engine.sync.save(&engine).await;
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = engine.sync.now.notified() => {}
            _ = stopped.changed() => return,
        }
    }
}

/// Wait after `failures` failed passes in a row: 5 s doubling to 5 min, ±20 %.
pub fn backoff(failures: u32) -> Duration {
    let base = 5.0 * 2f64.powi(failures.saturating_sub(1).min(6) as i32);
    let jitter = 0.8 + 0.4 * rand::random::<f64>();
    Duration::from_secs_f64((base * jitter).min(300.0))
}

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Rows and deletions the central committed.
    pub sent: i64,
    /// Entries from the central applied here.
    pub received: u64,
    /// Batches sent.
    pub batches: u64,
}

/// One pass: every table up, then the central's changes down. `Ok(None)`
/// when this site has not joined a central.
#[tracing::instrument(skip(engine))]
pub async fn pass(engine: &Engine) -> Result<Option<PassReport>, SyncError> {
    let Some(target) = target(engine).await? else {
        return Ok(None);
    };
    let credential = engine.secrets.get(SYNC_CREDENTIAL)?.ok_or_else(|| {
        SyncError::Unauthorized(
            "the site credential is missing from the secrets store: join the central again".into(),
        )
    })?;
    let central = Central::new(
        &target.url,
        engine.config.sync.ca_file.as_deref(),
        Some(credential),
    )?;
    let started = engine.now_ms();
    let mut report = PassReport::default();
    let mut left: BTreeMap<String, i64> = backlog(engine)
        .await?
        .into_iter()
        .map(|b| (b.table, b.pending))
        .collect();
    engine.sync.update(|p| {
        p.running = true;
        p.pass_started_ms = Some(started);
        p.sent_rows = 0;
        p.sent_bytes = 0;
    });
    // A row whose parent the central lacks (made during the pass) sends the
    // pass again from the first table.
    let mut restarts = 0;
    let sent = 'pass: loop {
        for spec in tables(engine) {
            match send_table(engine, &central, spec, &mut left, &mut report).await {
                Err(SyncError::Refused { status: 409, .. }) if restarts < 3 => {
                    restarts += 1;
                    continue 'pass;
                }
                Err(e) => break 'pass Err(e),
                Ok(()) => {}
            }
        }
        break send_videos(engine, &central, &mut report).await;
    };
    // A row still refused for its parent may wait for a deletion from the
    // central (a note a vet deleted while it was edited here): receive first.
    if let Err(SyncError::Refused { status: 409, .. }) = &sent {
        receive(engine, &central, &target).await?;
    }
    sent?;
    report.received = receive(engine, &central, &target).await?;
    // Tell the central this site is caught up.
    let (reply, _) = central
        .push(&PushRequest {
            sent_ms: engine.now_ms(),
            version: VERSION.into(),
            backlog: BTreeMap::new(),
            batch: None,
        })
        .await?;
    let pruned = engine.store.sync_prune_tombstones().await?;
    let now = engine.now_ms();
    engine.sync.update(|p| {
        p.running = false;
        p.last_synced_ms = Some(now);
        p.last_contact_ms = Some(now);
        p.offline_since_ms = None;
        p.last_error = None;
        p.backlog.clear();
        p.skew_ms = Some(reply.central_ms - now);
    });
    tracing::info!(
        sent = report.sent,
        received = report.received,
        batches = report.batches,
        pruned,
        "sync pass done"
    );
    Ok(Some(report))
}

async fn send_table(
    engine: &Engine,
    central: &Central,
    spec: &TableSpec,
    left: &mut BTreeMap<String, i64>,
    report: &mut PassReport,
) -> Result<(), SyncError> {
    let name = cursor_name(spec);
    let mut limit = i64::from(engine.config.sync.batch_rows);
    if spec.file_col.is_some() {
        // Rows with pictures: keep a request to a few MiB.
        limit = limit.min(50);
    }
    loop {
        let cursor = engine.store.sync_cursor(&name).await?;
        let mut batch = engine.store.sync_read(spec, cursor, limit).await?;
        let n = (batch.rows.len() + batch.tombstones.len()) as i64;
        if n == 0 {
            if batch.last_seq > cursor {
                engine.store.set_sync_cursor(&name, batch.last_seq).await?;
                continue;
            }
            return Ok(());
        }
        attach_files(spec, &mut batch).await;
        let entry = left.entry(spec.name.to_string()).or_default();
        *entry = (*entry - n).max(0);
        let sent_ms = engine.now_ms();
        let (reply, sent) = central
            .push(&PushRequest {
                sent_ms,
                version: VERSION.into(),
                backlog: left.clone(),
                batch: Some(batch),
            })
            .await?;
        engine
            .store
            .set_sync_cursor(&name, reply.committed_seq)
            .await?;
        report.sent += n;
        report.batches += 1;
        let now = engine.now_ms();
        engine.sync.update(|p| {
            p.sent_rows += n;
            p.sent_bytes += sent.bytes as i64;
            p.last_contact_ms = Some(now);
            p.offline_since_ms = None;
            // The central's clock at mid-trip minus ours then.
            p.skew_ms = Some(reply.central_ms - (sent_ms + sent.rtt_ms / 2));
        });
        throttle(engine, sent.bytes, sent.rtt_ms).await;
    }
}

/// Sleeps so that the upload stays under `max_kbit_s`.
async fn throttle(engine: &Engine, bytes: usize, took_ms: i64) {
    let cap = engine.config.sync.max_kbit_s;
    if cap == 0 {
        return;
    }
    let need_ms = (bytes as f64 * 8.0 / f64::from(cap)) as i64;
    if need_ms > took_ms {
        tokio::time::sleep(Duration::from_millis((need_ms - took_ms) as u64)).await;
    }
}

/// Puts each row's picture beside it (`null` when its file is gone).
async fn attach_files(spec: &TableSpec, batch: &mut SyncBatch) {
    let Some(col) = spec.file_col.and_then(|c| spec.col_index(c)) else {
        return;
    };
    let mut files = Vec::with_capacity(batch.rows.len());
    for row in &batch.rows {
        let path = row.get(3 + col).and_then(|v| v.as_str());
        files.push(match path {
            Some(path) => match tokio::fs::read(path).await {
                Ok(bytes) => Some(B64.encode(bytes)),
                Err(e) => {
                    tracing::debug!(path, error = %e, "picture not sent");
                    None
                }
            },
            None => None,
        });
    }
    batch.files = files;
}

/// Applies the central's changes for this site; returns how many.
async fn receive(
    engine: &Engine,
    central: &Central,
    target: &SyncTarget,
) -> Result<u64, SyncError> {
    let mut applied = 0;
    loop {
        let after = engine.store.sync_cursor("down").await?;
        let reply = central.pull(after).await?;
        if reply.entries.is_empty() {
            return Ok(applied);
        }
        applied += engine
            .store
            .sync_apply_down(&target.central_id, &reply.entries)
            .await?;
        if !reply.more {
            return Ok(applied);
        }
    }
}
