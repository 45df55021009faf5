//! The central's side: enrolment codes, sites joining, their pushes (applied
//! in one transaction each, pictures kept under `<data>/sites/<site>/`), the
//! down list they pull, and the Sites page's view.

use std::path::PathBuf;

use animov_api::{
    Enrolment, JoinReply, JoinRequest, PullReply, PushReply, PushRequest, SiteInfo, TableBacklog,
};
use animov_auth::hash_api_key;
use animov_store::{StoreError, sync::NewSite};
use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use rand::Rng;

use super::{SyncError, is_central};
use crate::Engine;

/// An enrolment code stays valid this long.
pub const CODE_TTL_MS: i64 = 24 * 3_600_000;

/// Refuses unless this AniMOV is a central (sites have no central routes).
pub fn require_central(engine: &Engine) -> Result<(), SyncError> {
    if is_central(engine) {
        Ok(())
    } else {
        Err(SyncError::Local(
            "this AniMOV is a site, not a central: set [sync] role = \"central\" (on MySQL/MariaDB) to collect sites"
                .into(),
        ))
    }
}

/// A new one-time code (shown once; kept as a hash), valid 24 h.
pub async fn enrol(engine: &Engine, by: &str) -> Result<Enrolment, SyncError> {
    require_central(engine)?;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let raw: String = {
        let mut rng = rand::thread_rng();
        (0..16)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect()
    };
    let code = format!(
        "{}-{}-{}-{}",
        &raw[..4],
        &raw[4..8],
        &raw[8..12],
        &raw[12..]
    );
    let now = engine.now_ms();
    let expires_ms = now + CODE_TTL_MS;
    engine
        .store
        .create_enrolment(&hash_code(&code), by, now, expires_ms)
        .await?;
    tracing::info!(by, "enrolment code created");
    Ok(Enrolment { code, expires_ms })
}

fn hash_code(code: &str) -> String {
    hash_api_key(&code.trim().to_ascii_uppercase())
}

/// A site joins with a code; it gets its credential (shown once).
pub async fn join(engine: &Engine, req: &JoinRequest) -> Result<JoinReply, SyncError> {
    require_central(engine)?;
    let field = |v: &str, what: &str, max: usize| {
        if v.trim().is_empty() || v.len() > max {
            Err(SyncError::BadRequest(format!(
                "{what} must be 1 to {max} characters"
            )))
        } else {
            Ok(())
        }
    };
    field(&req.site_id, "site_id", 64)?;
    field(&req.name, "name", 120)?;
    field(&req.farm, "farm", 120)?;
    field(&req.time_zone, "time_zone", 64)?;
    field(&req.version, "version", 40)?;
    let bytes: [u8; 32] = rand::random();
    let credential = format!(
        "site_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let site = NewSite {
        site_id: req.site_id.clone(),
        name: req.name.clone(),
        farm: req.farm.clone(),
        time_zone: req.time_zone.clone(),
        version: req.version.clone(),
        credential_hash: hash_api_key(&credential),
    };
    engine
        .store
        .redeem_enrolment(&hash_code(&req.code), &site, "?", engine.now_ms())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => SyncError::Unauthorized(m),
            e => e.into(),
        })?;
    tracing::info!(site = %req.site_id, name = %req.name, farm = %req.farm, "site joined");
    Ok(JoinReply {
        credential,
        central_id: engine.store.site_id().to_string(),
    })
}

/// The site a credential belongs to.
pub async fn authenticate(engine: &Engine, credential: &str) -> Result<String, SyncError> {
    require_central(engine)?;
    match engine
        .store
        .site_by_credential(&hash_api_key(credential))
        .await?
    {
        Some((_, Some(_))) => Err(SyncError::Unauthorized(
            "this site was revoked at the central: ask its admin for a new enrolment code".into(),
        )),
        Some((site, None)) => Ok(site),
        None => Err(SyncError::Unauthorized(
            "unknown site credential: join the central again with a new enrolment code".into(),
        )),
    }
}

/// Applies a site's batch (all or nothing) and records the contact.
pub async fn push(engine: &Engine, site: &str, req: PushRequest) -> Result<PushReply, SyncError> {
    let now = engine.now_ms();
    let mut applied = 0;
    let mut committed_seq = 0;
    if let Some(mut batch) = req.batch {
        committed_seq = batch.last_seq;
        store_files(engine, site, &mut batch).await?;
        // Applied in a task of its own: a site that hangs up mid-request
        // (a cut, a kill) does not leave the transaction half-way; it commits
        // or rolls back, and the site's resend is applied idempotently.
        let (store, owner) = (engine.store.clone(), site.to_string());
        applied = tokio::spawn(async move { store.sync_apply_up(&owner, &batch).await })
            .await
            .map_err(|e| SyncError::Local(format!("the batch was not applied: {e}")))?
            .map_err(|e| match e {
                StoreError::MissingParent(m) => SyncError::Refused {
                    status: 409,
                    message: format!(
                        "refers to a row not received yet ({m}): send the parent tables first"
                    ),
                },
                StoreError::Sync(m) => SyncError::BadRequest(m),
                e => e.into(),
            })?;
    }
    let backlog = serde_json::to_string(&req.backlog).ok();
    engine
        .store
        .touch_site(
            site,
            now,
            Some(req.sent_ms - now),
            &req.version,
            backlog.as_deref(),
        )
        .await?;
    Ok(PushReply {
        committed_seq,
        applied,
        central_ms: engine.now_ms(),
    })
}

/// Writes the pictures of a batch under `<data>/sites/<site>/<table>/` and
/// points the rows at them. Every path a site sent is replaced: a row whose
/// picture did not come gets an empty one, and a local path (a recording's
/// video) the central's own copy when it received one, else an empty one —
/// the central never opens a file a site named.
async fn store_files(
    engine: &Engine,
    site: &str,
    batch: &mut animov_api::SyncBatch,
) -> Result<(), SyncError> {
    let Some(spec) = animov_store::sync::table(&batch.table) else {
        return Ok(());
    };
    if let Some(col) = spec.local_col.and_then(|c| spec.col_index(c)) {
        for row in batch.rows.iter_mut() {
            let copy = row_copy_path(engine, site, spec.name, row);
            let here = if tokio::fs::try_exists(&copy).await.unwrap_or(false) {
                copy.to_string_lossy().into_owned()
            } else {
                String::new()
            };
            if let Some(v) = row.get_mut(3 + col) {
                *v = serde_json::Value::String(here);
            }
        }
    }
    let Some(col) = spec.file_col.and_then(|c| spec.col_index(c)) else {
        return Ok(());
    };
    if !batch.files.is_empty() && batch.files.len() != batch.rows.len() {
        return Err(SyncError::BadRequest(
            "one picture per row is expected".into(),
        ));
    }
    let dir = sites_dir(engine).join(safe(site)).join(spec.name);
    if !batch.files.is_empty() {
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| SyncError::Local(format!("cannot create {}: {e}", dir.display())))?;
    }
    for (i, row) in batch.rows.iter_mut().enumerate() {
        let mut stored = String::new();
        if let Some(Some(file)) = batch.files.get(i) {
            let bytes = B64
                .decode(file)
                .map_err(|e| SyncError::BadRequest(format!("a picture is not base64: {e}")))?;
            let path = row_copy_path(engine, site, spec.name, row);
            tokio::fs::write(&path, bytes)
                .await
                .map_err(|e| SyncError::Local(format!("cannot write {}: {e}", path.display())))?;
            stored = path.to_string_lossy().into_owned();
        }
        if let Some(v) = row.get_mut(3 + col) {
            *v = serde_json::Value::String(stored);
        }
    }
    Ok(())
}

/// Where the central keeps its copy of the file of row (`origin`, `id`) of
/// `table` sent by `site`: a picture (`.jpg`) or a kept video (`.mkv`).
fn copy_path(engine: &Engine, site: &str, table: &str, origin: &str, id: i64) -> PathBuf {
    let ext = if table == "recordings" { "mkv" } else { "jpg" };
    sites_dir(engine)
        .join(safe(site))
        .join(table)
        .join(format!("{}-{id}.{ext}", safe(origin)))
}

/// [`copy_path`] of a wire row (its origin site, or the sender's, and id).
fn row_copy_path(engine: &Engine, site: &str, table: &str, row: &[serde_json::Value]) -> PathBuf {
    let origin = row[1].as_str().unwrap_or(site);
    copy_path(
        engine,
        site,
        table,
        origin,
        row[2].as_i64().unwrap_or_default(),
    )
}

/// The largest video a central takes in one request.
pub const MAX_VIDEO_BYTES: u64 = 4 << 30;

/// Receives the video of `site`'s kept recording `id` (streamed to a
/// temporary file, then renamed) and points the recording at it. A
/// recording the central does not have yet is refused (409: its row comes
/// first); nothing is left behind on any failure.
pub async fn receive_video<S, E>(
    engine: &Engine,
    site: &str,
    id: i64,
    mut body: S,
) -> Result<u64, SyncError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    require_central(engine)?;
    let path = copy_path(engine, site, "recordings", site, id);
    let part = path.with_extension("part");
    let local = |what: &str, e: &dyn std::fmt::Display| {
        SyncError::Local(format!("cannot {what} {}: {e}", part.display()))
    };
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| local("create the folder of", &e))?;
    }
    let written = async {
        let mut file = tokio::fs::File::create(&part)
            .await
            .map_err(|e| local("create", &e))?;
        let mut n = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk =
                chunk.map_err(|e| SyncError::Unreachable(format!("the video stopped: {e}")))?;
            n += chunk.len() as u64;
            if n > MAX_VIDEO_BYTES {
                return Err(SyncError::BadRequest(format!(
                    "a video is at most {} GiB",
                    MAX_VIDEO_BYTES >> 30
                )));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| local("write", &e))?;
        }
        file.sync_all().await.map_err(|e| local("write", &e))?;
        Ok(n)
    }
    .await;
    let n = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
    };
    tokio::fs::rename(&part, &path)
        .await
        .map_err(|e| local("rename", &e))?;
    if !engine
        .store
        .set_recording_video(site, id, &path.to_string_lossy())
        .await?
    {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(SyncError::Refused {
            status: 409,
            message: format!(
                "recording {id} has not reached the central yet: its row is sent first"
            ),
        });
    }
    tracing::info!(site, id, bytes = n, "kept video received");
    Ok(n)
}

/// Where the central keeps its sites' pictures.
pub fn sites_dir(engine: &Engine) -> PathBuf {
    engine.config.data_dir.join("sites")
}

fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Entries for `site` after `after`.
pub async fn pull(engine: &Engine, site: &str, after: i64) -> Result<PullReply, SyncError> {
    let (entries, more) = engine.store.sync_down_read(site, after, 500).await?;
    Ok(PullReply {
        entries,
        more,
        central_ms: engine.now_ms(),
    })
}

/// Every site, for the Sites page.
pub async fn sites(engine: &Engine) -> Result<Vec<SiteInfo>, SyncError> {
    require_central(engine)?;
    Ok(engine
        .store
        .sites()
        .await?
        .into_iter()
        .map(|s| SiteInfo {
            backlog: s
                .backlog
                .as_deref()
                .and_then(|b| {
                    serde_json::from_str::<std::collections::BTreeMap<String, i64>>(b).ok()
                })
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(table, pending)| TableBacklog { table, pending })
                .collect(),
            site_id: s.site_id,
            name: s.name,
            farm: s.farm,
            time_zone: s.time_zone,
            version: s.version,
            enrolled_ms: s.enrolled_ms,
            last_contact_ms: s.last_contact_ms,
            skew_ms: s.skew_ms,
            revoked_ms: s.revoked_ms,
            cameras: s.cameras,
        })
        .collect())
}

/// Revokes a site (its credential stops working; its data stays).
pub async fn revoke(engine: &Engine, site_id: &str, by: &str) -> Result<bool, SyncError> {
    require_central(engine)?;
    let done = engine.store.revoke_site(site_id, engine.now_ms()).await?;
    if done {
        tracing::info!(site = site_id, by, "site revoked");
    }
    Ok(done)
}
