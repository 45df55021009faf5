//! Cameras' vision pipeline over HTTP: adding cameras, their settings and
//! posture calibration, health, live view, recordings, snapshots, lying bouts.
//!
//! Media routes (live MJPEG/JPEG, recordings, snapshot images) accept the
//! session token as `?access_token=` because `<img>` and `<video>` cannot
//! send headers.

use std::convert::Infallible;

use animov_api::{
    CalibrationRequest, Camera, CameraHealth, CameraSettings, Detection, ErrorBody, KeepRequest,
    LiveFrameInfo, LyingBout, NewCamera, Recording, Role, Snapshot, ThresholdCalibration,
};
use animov_core::{
    analysis::threshold_for_herd,
    geometry::BBox,
    posture::{LabelledBox, Posture, PostureModel},
    time::DAY_MS,
};
use axum::{
    Json,
    body::Body,
    extract::{Path, Query, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    ApiError, AuthUser,
    extract::{ApiJson, header_or_query_user},
    query::{WindowQuery, camera_named},
    stats::to_api_camera,
};
use crate::{
    state::AppState,
    vision::{kind_of, settings},
};

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).field(field)
}

/// Adds a camera with an address (admin); capture starts at once.
#[utoipa::path(post, path = "/api/v1/cameras", tag = "cameras", security(("bearer" = [])), request_body = NewCamera,
    responses((status = 201, body = Camera), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_camera(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<NewCamera>,
) -> Result<(StatusCode, Json<Camera>), ApiError> {
    user.require(&[Role::Admin], "add cameras")?;
    animov_core::ingest::validate_source(&req.source).map_err(|e| invalid("source", e.message))?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "name must be 1 to 200 characters"));
    }
    animov_vision::capture::Source::parse(&req.uri).map_err(|e| invalid("uri", e.to_string()))?;
    if let Some(h) = req.herd_size
        && !(1..=10_000).contains(&h)
    {
        return Err(invalid(
            "herd_size",
            "herd_size must be between 1 and 10000",
        ));
    }
    if state.store.camera(&req.source).await?.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "source_taken",
            format!(
                "a source named {:?} exists already: choose another name or edit it",
                req.source
            ),
        )
        .field("source"));
    }
    state
        .store
        .upsert_camera(
            &req.source,
            name,
            Some(req.uri.trim()),
            req.herd_size,
            kind_of(&req.uri),
        )
        .await?;
    state.vision.sync(&state).await?;
    tracing::info!(source = %req.source, by = %user.username, "camera added");
    let cam = camera_named(&state, &req.source).await?;
    Ok((
        StatusCode::CREATED,
        Json(to_api_camera(cam, animov_store::now_ms())),
    ))
}

/// Stops capturing a camera and forgets its address (admin). Its data stays.
#[utoipa::path(delete, path = "/api/v1/cameras/{source}", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_camera(
    State(state): State<AppState>,
    user: AuthUser,
    Path(source): Path<String>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin], "remove cameras")?;
    let cam = camera_named(&state, &source).await?;
    let kind = if cam.kind == animov_api::SourceKind::Demo {
        cam.kind
    } else {
        animov_api::SourceKind::Ingest
    };
    state
        .store
        .upsert_camera(&cam.source, &cam.name, None, cam.herd_size, kind)
        .await?;
    state.vision.sync(&state).await?;
    tracing::info!(source, by = %user.username, "camera removed (data kept)");
    Ok(StatusCode::NO_CONTENT)
}

/// Health of every running camera: state, frame rates, drops, reconnects, recording.
#[utoipa::path(get, path = "/api/v1/cameras/health", tag = "cameras", security(("bearer" = [])),
    responses((status = 200, body = [CameraHealth]), (status = 401, body = ErrorBody)))]
pub async fn health(State(state): State<AppState>, _user: AuthUser) -> Json<Vec<CameraHealth>> {
    Json(state.vision.health())
}

/// A camera's vision settings.
#[utoipa::path(get, path = "/api/v1/cameras/{source}/vision", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name")),
    responses((status = 200, body = CameraSettings), (status = 404, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(source): Path<String>,
) -> Result<Json<CameraSettings>, ApiError> {
    let cam = camera_named(&state, &source).await?;
    Ok(Json(settings::load(&state.store, cam.id).await?))
}

/// Changes a camera's vision settings (admin); the camera restarts with them.
#[utoipa::path(put, path = "/api/v1/cameras/{source}/vision", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name")), request_body = CameraSettings,
    responses((status = 200, body = CameraSettings), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    user: AuthUser,
    Path(source): Path<String>,
    ApiJson(req): ApiJson<CameraSettings>,
) -> Result<Json<CameraSettings>, ApiError> {
    user.require(&[Role::Admin], "change camera settings")?;
    let cam = camera_named(&state, &source).await?;
    settings::validate(&req).map_err(|(f, m)| invalid(f, m))?;
    if let Some(m) = &req.model {
        let path = std::path::Path::new(m);
        animov_vision::spec::ModelSpec::for_model(path)
            .map_err(|e| invalid("model", e.to_string()))?;
        if !path.is_file() {
            return Err(invalid("model", format!("no model file at {m}")));
        }
    }
    settings::save(&state.store, cam.id, &req).await?;
    state.vision.sync(&state).await?;
    tracing::info!(source, by = %user.username, "camera vision settings changed");
    Ok(Json(req))
}

/// Fits the camera's posture classifier to boxes marked on a snapshot (admin).
#[utoipa::path(post, path = "/api/v1/cameras/{source}/posture/calibrate", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name")), request_body = CalibrationRequest,
    responses((status = 200, body = CameraSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn calibrate(
    State(state): State<AppState>,
    user: AuthUser,
    Path(source): Path<String>,
    ApiJson(req): ApiJson<CalibrationRequest>,
) -> Result<Json<CameraSettings>, ApiError> {
    user.require(&[Role::Admin, Role::Operator], "calibrate postures")?;
    let cam = camera_named(&state, &source).await?;
    if !(req.frame_height > 0.0 && req.frame_height.is_finite()) {
        return Err(invalid(
            "frame_height",
            "frame_height must be the picture's height in pixels",
        ));
    }
    let mut marks = Vec::with_capacity(req.boxes.len());
    for (i, b) in req.boxes.iter().enumerate() {
        let posture = match Posture::parse(&b.posture) {
            Some(p @ (Posture::Standing | Posture::Lying)) => p,
            _ => {
                return Err(invalid(
                    &format!("boxes[{i}].posture"),
                    "posture must be standing or lying",
                ));
            }
        };
        if ![b.x, b.y, b.w, b.h].iter().all(|v| v.is_finite()) || b.w <= 0.0 || b.h <= 0.0 {
            return Err(invalid(
                &format!("boxes[{i}]"),
                "a box needs a positive width and height",
            ));
        }
        marks.push(LabelledBox {
            bbox: BBox {
                x: b.x,
                y: b.y,
                w: b.w,
                h: b.h,
            },
            posture,
        });
    }
    let model = PostureModel::calibrate(&marks, req.frame_height)
        .map_err(|e| invalid("boxes", e.to_string()))?;
    let mut s = settings::load(&state.store, cam.id).await?;
    s.posture = settings::posture_settings(&model, marks.len() as u32);
    settings::save(&state.store, cam.id, &s).await?;
    state.vision.sync(&state).await?;
    tracing::info!(source, boxes = marks.len(), by = %user.username, "posture calibrated");
    Ok(Json(s))
}

/// Sets the camera's `min_score` so that its newest picture counts the herd
/// (admin, operator). Do it when the whole herd is in view — at night, lying.
#[utoipa::path(post, path = "/api/v1/cameras/{source}/threshold/calibrate", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name")),
    responses((status = 200, body = ThresholdCalibration), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn calibrate_threshold(
    State(state): State<AppState>,
    user: AuthUser,
    Path(source): Path<String>,
) -> Result<Json<ThresholdCalibration>, ApiError> {
    user.require(
        &[Role::Admin, Role::Operator],
        "calibrate the detection threshold",
    )?;
    let cam = camera_named(&state, &source).await?;
    let herd = cam.herd_size.filter(|h| *h > 0).ok_or_else(|| {
        invalid(
            "herd_size",
            "set the camera's herd size first (PUT /api/v1/cameras/{source})",
        )
    })?;
    let frame = state
        .vision
        .live(cam.id)
        .and_then(|s| s.latest())
        .ok_or_else(no_picture_yet)?;
    let t = threshold_for_herd(&frame.candidates, herd as usize).ok_or_else(|| {
        invalid(
            "herd_size",
            "the detector sees no animal on the newest picture: check the camera, its region of interest and the detector",
        )
    })?;
    let mut s = settings::load(&state.store, cam.id).await?;
    s.min_score = t.min_score;
    settings::save(&state.store, cam.id, &s).await?;
    state.vision.sync(&state).await?;
    tracing::info!(source, min_score = t.min_score, counted = t.counted, herd, by = %user.username, "score threshold calibrated");
    Ok(Json(ThresholdCalibration {
        min_score: t.min_score,
        counted: t.counted as u32,
        herd_size: herd,
        candidates: frame.candidates.len() as u32,
    }))
}

/// `?access_token=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The session token, for `<img>`/`<video>` that cannot send `Authorization`.
    pub access_token: Option<String>,
}

async fn live_slot(
    state: &AppState,
    parts: &Parts,
    token: Option<&str>,
    source: &str,
) -> Result<std::sync::Arc<crate::vision::live::LiveSlot>, ApiError> {
    header_or_query_user(parts, state, token).await?;
    let cam = camera_named(state, source).await?;
    state.vision.live(cam.id).ok_or_else(|| {
        ApiError::not_found(format!(
            "{source} has no live picture: it has no camera address, or the cameras are off (vision.enabled)"
        ))
        .with_code("no_live_view")
    })
}

fn jpeg_response(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response()
}

/// The newest analysed picture (JPEG).
#[utoipa::path(get, path = "/api/v1/cameras/{source}/live.jpg", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name"), TokenQuery),
    responses((status = 200, content_type = "image/jpeg", description = "JPEG"), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn live_jpeg(
    State(state): State<AppState>,
    Path(source): Path<String>,
    Query(q): Query<TokenQuery>,
    parts: Parts,
) -> Result<Response, ApiError> {
    let slot = live_slot(&state, &parts, q.access_token.as_deref(), &source).await?;
    let frame = slot.latest().ok_or_else(no_picture_yet)?;
    let jpeg = tokio::task::spawn_blocking(move || frame.jpeg().to_vec())
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(jpeg_response(jpeg))
}

fn no_picture_yet() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no_picture_yet",
        "the camera has not delivered a picture yet: check GET /api/v1/cameras/health",
    )
}

/// The newest analysed frame's boxes and counts (for drawing over the picture).
#[utoipa::path(get, path = "/api/v1/cameras/{source}/live.json", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name"), TokenQuery),
    responses((status = 200, body = LiveFrameInfo), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn live_json(
    State(state): State<AppState>,
    Path(source): Path<String>,
    Query(q): Query<TokenQuery>,
    parts: Parts,
) -> Result<Json<LiveFrameInfo>, ApiError> {
    let slot = live_slot(&state, &parts, q.access_token.as_deref(), &source).await?;
    Ok(Json(slot.latest().ok_or_else(no_picture_yet)?.info.clone()))
}

const BOUNDARY: &str = "animovframe";

/// The live picture as an MJPEG stream (`multipart/x-mixed-replace`), at the
/// analysis rate; pictures are encoded only while someone watches.
#[utoipa::path(get, path = "/api/v1/cameras/{source}/live.mjpg", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name"), TokenQuery),
    responses((status = 200, content_type = "multipart/x-mixed-replace", description = "MJPEG stream"), (status = 404, body = ErrorBody)))]
pub async fn live_mjpeg(
    State(state): State<AppState>,
    Path(source): Path<String>,
    Query(q): Query<TokenQuery>,
    parts: Parts,
) -> Result<Response, ApiError> {
    let slot = live_slot(&state, &parts, q.access_token.as_deref(), &source).await?;
    let (rx, guard) = slot.watch();
    let frames = stream::unfold((rx, guard, true), |(mut rx, guard, first)| async move {
        // The first part is the newest picture at once, if there is one.
        if !first || rx.borrow().is_none() {
            rx.changed().await.ok()?;
        }
        let frame = rx.borrow_and_update().clone()?;
        let jpeg = tokio::task::spawn_blocking(move || frame.jpeg().to_vec())
            .await
            .ok()?;
        let mut part = format!(
            "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
            jpeg.len()
        )
        .into_bytes();
        part.extend_from_slice(&jpeg);
        part.extend_from_slice(b"\r\n");
        Some((Ok::<_, Infallible>(part), (rx, guard, false)))
    })
    .take_until(state.stopping.clone().cancelled_owned());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(frames),
    )
        .into_response())
}

/// `?source=&from=&to=` for recordings, snapshots and bouts (default: the last 24 h).
fn window(q: &WindowQuery) -> Result<(i64, i64), ApiError> {
    q.window(DAY_MS, 366 * DAY_MS)
}

async fn camera_filter(
    state: &AppState,
    q: &WindowQuery,
) -> Result<Option<(i64, String)>, ApiError> {
    match q.source.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => {
            let c = camera_named(state, s).await?;
            Ok(Some((c.id, c.source)))
        }
        None => Ok(None),
    }
}

async fn source_names(
    state: &AppState,
) -> Result<std::collections::HashMap<i64, String>, ApiError> {
    Ok(state
        .store
        .cameras()
        .await?
        .into_iter()
        .map(|c| (c.id, c.source))
        .collect())
}

/// Recording segments overlapping the window, oldest first.
#[utoipa::path(get, path = "/api/v1/recordings", tag = "cameras", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = [Recording]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn recordings(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<Vec<Recording>>, ApiError> {
    let (from, to) = window(&q)?;
    let cam = camera_filter(&state, &q).await?;
    let names = source_names(&state).await?;
    let rows = state.store.recordings(cam.map(|c| c.0), from, to).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Recording {
                id: r.id,
                source: names.get(&r.camera_id).cloned().unwrap_or_default(),
                start_ms: r.start_ms,
                end_ms: r.end_ms,
                bytes: r.bytes,
                keep: r.keep,
                url: format!("/api/v1/recordings/{}/video", r.id),
            })
            .collect(),
    ))
}

/// A recording segment's video (Matroska, H.264/H.265).
#[utoipa::path(get, path = "/api/v1/recordings/{id}/video", tag = "cameras", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Recording id"), TokenQuery),
    responses((status = 200, content_type = "video/x-matroska", description = "The segment"), (status = 404, body = ErrorBody)))]
pub async fn recording_video(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<TokenQuery>,
    parts: Parts,
) -> Result<Response, ApiError> {
    header_or_query_user(&parts, &state, q.access_token.as_deref()).await?;
    let r = state.store.recording(id).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no recording {id}: GET /api/v1/recordings lists them"
        ))
    })?;
    let file = tokio::fs::File::open(&r.path).await.map_err(|e| {
        ApiError::not_found(format!(
            "the file of recording {id} is gone ({e}); it may have been deleted by hand"
        ))
    })?;
    let stream = tokio_util::io::ReaderStream::new(file);
    Ok((
        [
            (header::CONTENT_TYPE, "video/x-matroska".to_string()),
            (header::CONTENT_LENGTH, r.bytes.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"recording-{id}.mkv\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Keeps a segment forever (evidence for the vet) or lets retention delete it (admin, vet).
#[utoipa::path(put, path = "/api/v1/recordings/{id}/keep", tag = "cameras", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Recording id")), request_body = KeepRequest,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn keep_recording(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<KeepRequest>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin, Role::Vet, Role::Operator], "keep recordings")?;
    if !state.store.set_recording_keep(id, req.keep).await? {
        return Err(ApiError::not_found(format!("no recording {id}")));
    }
    tracing::info!(id, keep = req.keep, by = %user.username, "recording keep flag");
    Ok(StatusCode::NO_CONTENT)
}

/// Snapshots taken in the window (4 per hour per camera by default).
#[utoipa::path(get, path = "/api/v1/snapshots", tag = "cameras", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = [Snapshot]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn snapshots(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<Vec<Snapshot>>, ApiError> {
    let (from, to) = window(&q)?;
    let cam = camera_filter(&state, &q).await?;
    let names = source_names(&state).await?;
    let rows = state.store.snapshots(cam.map(|c| c.0), from, to).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Snapshot {
                id: r.id,
                source: names.get(&r.camera_id).cloned().unwrap_or_default(),
                ts_ms: r.ts_ms,
                width: r.width,
                height: r.height,
                url: format!("/api/v1/snapshots/{}/image", r.id),
                detections: r
                    .detections
                    .as_deref()
                    .and_then(|d| serde_json::from_slice::<Vec<Detection>>(d).ok())
                    .unwrap_or_default(),
            })
            .collect(),
    ))
}

/// A snapshot's picture (JPEG).
#[utoipa::path(get, path = "/api/v1/snapshots/{id}/image", tag = "cameras", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Snapshot id"), TokenQuery),
    responses((status = 200, content_type = "image/jpeg", description = "JPEG"), (status = 404, body = ErrorBody)))]
pub async fn snapshot_image(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<TokenQuery>,
    parts: Parts,
) -> Result<Response, ApiError> {
    header_or_query_user(&parts, &state, q.access_token.as_deref()).await?;
    let s = state.store.snapshot(id).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no snapshot {id}: GET /api/v1/snapshots lists them"
        ))
    })?;
    let bytes = tokio::fs::read(&s.path)
        .await
        .map_err(|e| ApiError::not_found(format!("the picture of snapshot {id} is gone ({e})")))?;
    Ok(jpeg_response(bytes))
}

/// Lying bouts of tracked animals overlapping the window (one camera).
#[utoipa::path(get, path = "/api/v1/lying-bouts", tag = "cameras", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = [LyingBout]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn lying_bouts(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<Vec<LyingBout>>, ApiError> {
    let (from, to) = window(&q)?;
    let cam = q.camera(&state).await?;
    Ok(Json(
        state
            .store
            .lying_bouts(cam.id, from, to)
            .await?
            .into_iter()
            .map(|b| LyingBout {
                track_id: b.track_id,
                start_ms: b.start_ms,
                end_ms: b.end_ms,
                running: b.running,
            })
            .collect(),
    ))
}
