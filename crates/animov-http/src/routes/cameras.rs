//! Cameras over HTTP: adding and removing them, their health, vision
//! settings, posture and score-threshold calibration.

use animov_api::{
    CalibrationRequest, Camera, CameraHealth, CameraSettings, CameraUpdate, ErrorBody, NewCamera,
    Role, ThresholdCalibration,
};
use animov_core::{
    analysis::threshold_for_herd,
    geometry::BBox,
    posture::{LabelledBox, Posture, PostureModel},
};
use animov_engine::cameras::{kind_of, settings};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use super::{live::no_picture_yet, stats::to_api_camera};
use crate::{ApiError, AppState, AuthUser, extract::ApiJson, query::camera_named};

/// The display name, trimmed and checked.
fn checked_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid(
            "name",
            "name must be 1 to 200 characters",
        ));
    }
    Ok(name)
}

/// A herd size, checked.
fn check_herd(herd_size: Option<i64>) -> Result<(), ApiError> {
    match herd_size {
        Some(h) if !(1..=10_000).contains(&h) => Err(ApiError::invalid(
            "herd_size",
            "herd_size must be between 1 and 10000",
        )),
        _ => Ok(()),
    }
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
    animov_core::ingest::validate_source(&req.source)?;
    let name = checked_name(&req.name)?;
    animov_vision::capture::Source::parse(&req.uri)
        .map_err(|e| ApiError::invalid("uri", e.to_string()))?;
    check_herd(req.herd_size)?;
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
    state.cameras.sync(&state.store, &state.config).await?;
    tracing::info!(source = %req.source, by = %user.username, "camera added");
    let cam = camera_named(&state, &req.source).await?;
    Ok((
        StatusCode::CREATED,
        Json(to_api_camera(cam, state.now_ms())),
    ))
}

/// Change a source's name and herd size (admin).
#[utoipa::path(put, path = "/api/v1/cameras/{source}", tag = "sources", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name")), request_body = CameraUpdate,
    responses((status = 200, body = Camera), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_camera(
    State(state): State<AppState>,
    user: AuthUser,
    Path(source): Path<String>,
    ApiJson(req): ApiJson<CameraUpdate>,
) -> Result<Json<Camera>, ApiError> {
    user.require(&[Role::Admin], "change camera settings")?;
    let cam = camera_named(&state, &source).await?;
    let name = checked_name(&req.name)?;
    check_herd(req.herd_size)?;
    state
        .store
        .upsert_camera(&source, name, cam.uri.as_deref(), req.herd_size, cam.kind)
        .await?;
    let cam = camera_named(&state, &source).await?;
    tracing::info!(source, by = %user.username, "camera updated");
    Ok(Json(to_api_camera(cam, state.now_ms())))
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
    state.cameras.sync(&state.store, &state.config).await?;
    tracing::info!(source, by = %user.username, "camera removed (data kept)");
    Ok(StatusCode::NO_CONTENT)
}

/// Health of every running camera: state, frame rates, drops, reconnects, recording.
#[utoipa::path(get, path = "/api/v1/cameras/health", tag = "cameras", security(("bearer" = [])),
    responses((status = 200, body = [CameraHealth]), (status = 401, body = ErrorBody)))]
pub async fn health(State(state): State<AppState>, _user: AuthUser) -> Json<Vec<CameraHealth>> {
    Json(state.cameras.health())
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
    req.validate()?;
    if let Some(m) = &req.model {
        let path = std::path::Path::new(m);
        animov_vision::spec::ModelSpec::for_model(path)
            .map_err(|e| ApiError::invalid("model", e.to_string()))?;
        if !path.is_file() {
            return Err(ApiError::invalid("model", format!("no model file at {m}")));
        }
    }
    settings::save(&state.store, cam.id, &req).await?;
    state.cameras.sync(&state.store, &state.config).await?;
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
        return Err(ApiError::invalid(
            "frame_height",
            "frame_height must be the picture's height in pixels",
        ));
    }
    let mut marks = Vec::with_capacity(req.boxes.len());
    for (i, b) in req.boxes.iter().enumerate() {
        let posture = match Posture::parse(&b.posture) {
            Some(p @ (Posture::Standing | Posture::Lying)) => p,
            _ => {
                return Err(ApiError::invalid(
                    format!("boxes[{i}].posture"),
                    "posture must be standing or lying",
                ));
            }
        };
        if ![b.x, b.y, b.w, b.h].iter().all(|v| v.is_finite()) || b.w <= 0.0 || b.h <= 0.0 {
            return Err(ApiError::invalid(
                format!("boxes[{i}]"),
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
        .map_err(|e| ApiError::invalid("boxes", e.to_string()))?;
    let mut s = settings::load(&state.store, cam.id).await?;
    s.posture = settings::posture_settings(&model, marks.len() as u32);
    settings::save(&state.store, cam.id, &s).await?;
    state.cameras.sync(&state.store, &state.config).await?;
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
        ApiError::invalid(
            "herd_size",
            "set the camera's herd size first (PUT /api/v1/cameras/{source})",
        )
    })?;
    let frame = state
        .cameras
        .live(cam.id)
        .and_then(|s| s.latest())
        .ok_or_else(no_picture_yet)?;
    let t = threshold_for_herd(&frame.candidates, herd as usize).ok_or_else(|| {
        ApiError::invalid(
            "herd_size",
            "the detector sees no animal on the newest picture: check the camera, its region of interest and the detector",
        )
    })?;
    let mut s = settings::load(&state.store, cam.id).await?;
    s.min_score = t.min_score;
    settings::save(&state.store, cam.id, &s).await?;
    state.cameras.sync(&state.store, &state.config).await?;
    tracing::info!(source, min_score = t.min_score, counted = t.counted, herd, by = %user.username, "score threshold calibrated");
    Ok(Json(ThresholdCalibration {
        min_score: t.min_score,
        counted: t.counted as u32,
        herd_size: herd,
        candidates: frame.candidates.len() as u32,
    }))
}
