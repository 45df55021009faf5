//! Frame counts from external detectors: `POST /api/v1/ingest` and the legacy
//! INRA route `POST /receive_data_animov`.

use std::{collections::BTreeMap, sync::atomic::Ordering::Relaxed};

use animov_api::{ErrorBody, IngestRequest, IngestResponse, LegacyItem, SourceKind};
use animov_core::ingest::validate_request;
use animov_core::time::HOUR_MS;
use animov_store::NewFrame;
use axum::{Json, extract::State, http::StatusCode};

use crate::{ApiError, AppState, Ingestor, extract::ApiJson, legacy_format};

/// Stores validated batches for several sources in one transaction, checking
/// who may write to which source.
async fn store_batches(
    state: &AppState,
    who: &Ingestor,
    batches: BTreeMap<String, Vec<NewFrame>>,
) -> Result<IngestResponse, ApiError> {
    let mut known = BTreeMap::new();
    if matches!(who, Ingestor::User(_)) {
        for source in batches.keys() {
            known.insert(source.as_str(), state.store.camera_id(source).await?);
        }
        admit_new_sources(state, known.values().filter(|id| id.is_none()).count())?;
    }
    let mut resolved = Vec::with_capacity(batches.len());
    for (source, frames) in &batches {
        let camera_id = match who {
            Ingestor::Key {
                camera_id,
                source: allowed,
            } => {
                if allowed != source {
                    return Err(ApiError::forbidden(format!(
                        "this API key may only ingest for source {allowed:?}, not {source:?}"
                    ))
                    .field("source"));
                }
                *camera_id
            }
            Ingestor::User(_) => match known.get(source.as_str()).copied().flatten() {
                Some(id) => id,
                None => {
                    state
                        .store
                        .ensure_source(source, SourceKind::Ingest)
                        .await?
                }
            },
        };
        resolved.push((camera_id, frames.as_slice()));
    }
    let (accepted, duplicates) = state.store.insert_batches(&resolved).await?;
    for (source, frames) in &batches {
        if let Some(f) = frames.iter().max_by_key(|f| f.ts_ms) {
            state.publish_frame(source, f.ts_ms, f.lying, f.standing);
        }
    }
    state.metrics.frames_accepted.fetch_add(accepted, Relaxed);
    state
        .metrics
        .frames_duplicate
        .fetch_add(duplicates, Relaxed);
    state.ingested.notify_one();
    Ok(IngestResponse {
        accepted,
        duplicates,
    })
}

/// New sources one request may register: more is a sender's bug or a flood.
pub const MAX_NEW_SOURCES_PER_REQUEST: usize = 8;
/// New sources ingestion may register per hour, all senders together.
pub const MAX_NEW_SOURCES_PER_HOUR: usize = 64;

/// Counts `new` sources against both limits (422 over the request's, 429
/// with `Retry-After` over the hour's); nothing is counted when refused.
fn admit_new_sources(state: &AppState, new: usize) -> Result<(), ApiError> {
    if new == 0 {
        return Ok(());
    }
    if new > MAX_NEW_SOURCES_PER_REQUEST {
        return Err(ApiError::invalid(
            "source",
            format!(
                "this request would register {new} new sources, at most {MAX_NEW_SOURCES_PER_REQUEST} may be: add cameras first (Cameras page or POST /api/v1/cameras)"
            ),
        ));
    }
    let now = state.now_ms();
    let mut recent = state.new_sources.lock().unwrap_or_else(|p| p.into_inner());
    while recent.front().is_some_and(|t| now - t >= HOUR_MS) {
        recent.pop_front();
    }
    if recent.len() + new > MAX_NEW_SOURCES_PER_HOUR {
        let wait = recent.front().map_or(HOUR_MS, |t| t + HOUR_MS - now);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_new_sources",
            format!(
                "{MAX_NEW_SOURCES_PER_HOUR} new sources were registered by ingestion in the last hour: add cameras first (Cameras page or POST /api/v1/cameras), or retry later"
            ),
        );
        e.retry_after = Some(u64::try_from(wait / 1000).unwrap_or(1).max(1));
        return Err(e);
    }
    recent.extend(std::iter::repeat_n(now, new));
    Ok(())
}

/// Store a batch of frame counts of one source.
///
/// All or nothing, in one transaction. Idempotent: a frame whose (source,
/// ts_ms) is already stored counts as a duplicate and is left unchanged. An API
/// key only ingests for its own source; an admin or operator token may ingest
/// for a new source name, which registers it as an ingest-only source.
#[utoipa::path(post, path = "/api/v1/ingest", tag = "ingest", request_body = IngestRequest,
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = IngestResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Key of another source, or a vet", body = ErrorBody),
        (status = 413, description = "Body over the size limit", body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "A field is invalid (named in `field`)", body = ErrorBody)))]
pub async fn ingest(
    State(state): State<AppState>,
    who: Ingestor,
    body: Result<ApiJson<IngestRequest>, ApiError>,
) -> Result<Json<IngestResponse>, ApiError> {
    let result = async {
        let ApiJson(req) = body?;
        validate_request(
            &req,
            state.now_ms(),
            i64::from(state.config.max_future_seconds) * 1000,
        )?;
        let mut frames = Vec::with_capacity(req.frames.len());
        for f in &req.frames {
            let detections = match &f.detections {
                Some(d) => Some(serde_json::to_vec(d).map_err(|e| ApiError::internal(&e))?),
                None => None,
            };
            frames.push(NewFrame {
                ts_ms: f.ts_ms,
                lying: f.lying,
                standing: f.standing,
                detections,
            });
        }
        store_batches(&state, &who, BTreeMap::from([(req.source, frames)])).await
    }
    .await;
    if result.is_err() {
        state.metrics.ingest_rejected.fetch_add(1, Relaxed);
    }
    result.map(Json)
}

/// Legacy INRA stream (the Python prototype's route).
///
/// Body: a JSON array of [`LegacyItem`] or `{"data": [LegacyItem, ...]}`. Each item is
/// one frame of camera `source_id` (stored as source `cam-<source_id>`): lying =
/// detections of class 1, standing = the others. Same rules as `/api/v1/ingest`:
/// API key or admin/operator token, one transaction, idempotent, 4xx naming the field.
#[utoipa::path(post, path = "/receive_data_animov", tag = "legacy", request_body = Vec<LegacyItem>,
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, body = IngestResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn legacy_ingest(
    State(state): State<AppState>,
    who: Ingestor,
    body: Result<ApiJson<legacy_format::StrictValue>, ApiError>,
) -> Result<Json<IngestResponse>, ApiError> {
    let result = async {
        let ApiJson(legacy_format::StrictValue(value)) = body?;
        let offset_ms = i64::from(state.config.legacy_utc_offset_minutes) * 60_000;
        let batches = legacy_format::parse(
            &value,
            offset_ms,
            state.now_ms(),
            i64::from(state.config.max_future_seconds) * 1000,
        )?;
        store_batches(&state, &who, batches).await
    }
    .await;
    if result.is_err() {
        state.metrics.ingest_rejected.fetch_add(1, Relaxed);
    }
    result.map(Json)
}
