//! Cameras over HTTP: adding and removing them, their health, vision
//! settings, posture and score-threshold calibration.

use animov_api::{
    CalibrationRequest, Camera, CameraHealth, CameraPicture, CameraSettings, CameraTest,
    CameraUpdate, ErrorBody, NewCamera, PreviewRequest, Role, ThresholdCalibration,
};
use animov_core::{
    analysis::{CameraFilter, threshold_for_herd},
    geometry::BBox,
    posture::{LabelledBox, Posture, PostureModel},
};
use animov_engine::cameras::{
    address, kind_of,
    picture::{PreviewError, picture},
    probe, settings,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use super::{live::no_picture_yet, stats::to_api_camera};
use crate::{ApiError, AppState, AuthUser, extract::ApiJson, query::camera_named};

/// An address that cannot be kept or opened, as an API error.
fn address_error(e: address::AddressError) -> ApiError {
    match e {
        address::AddressError::PasswordElsewhere => ApiError::invalid("uri", e.to_string()),
        address::AddressError::Secret(s) => ApiError::internal(&s),
    }
}

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
    body: Result<ApiJson<NewCamera>, ApiError>,
) -> Result<(StatusCode, Json<Camera>), ApiError> {
    user.require(&[Role::Admin], "add cameras")?;
    let ApiJson(req) = body?;
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
    let stored = address::keep_password(&state.secrets, &req.source, &req.uri, None)
        .map_err(address_error)?;
    state
        .store
        .upsert_camera(
            &req.source,
            name,
            Some(&stored),
            req.herd_size,
            kind_of(&req.uri),
        )
        .await?;
    state
        .cameras
        .sync(&state.store, &state.config, &state.secrets)
        .await?;
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
    body: Result<ApiJson<CameraUpdate>, ApiError>,
) -> Result<Json<Camera>, ApiError> {
    user.require(&[Role::Admin], "change camera settings")?;
    let ApiJson(req) = body?;
    let cam = camera_named(&state, &source).await?;
    let name = checked_name(&req.name)?;
    check_herd(req.herd_size)?;
    let (uri, kind) = match req.uri.as_deref().map(str::trim) {
        None => (cam.uri.clone(), cam.kind),
        Some(_) if cam.uri.is_none() => {
            return Err(ApiError::invalid(
                "uri",
                "this source is fed by an external detector: add a camera under another name instead",
            ));
        }
        Some(u) => {
            animov_vision::capture::Source::parse(u)
                .map_err(|e| ApiError::invalid("uri", e.to_string()))?;
            let stored = address::keep_password(&state.secrets, &source, u, cam.uri.as_deref())
                .map_err(address_error)?;
            (Some(stored), kind_of(u))
        }
    };
    state
        .store
        .upsert_camera(&source, name, uri.as_deref(), req.herd_size, kind)
        .await?;
    if req.uri.is_some() {
        state
            .cameras
            .sync(&state.store, &state.config, &state.secrets)
            .await?;
    }
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
    state
        .cameras
        .sync(&state.store, &state.config, &state.secrets)
        .await?;
    tracing::info!(source, by = %user.username, "camera removed (data kept)");
    Ok(StatusCode::NO_CONTENT)
}

/// Health of every running camera: state, frame rates, drops, reconnects, recording.
#[utoipa::path(get, path = "/api/v1/cameras/health", tag = "cameras", security(("bearer" = [])),
    responses((status = 200, body = [CameraHealth]), (status = 401, body = ErrorBody)))]
pub async fn health(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<CameraHealth>>, ApiError> {
    let mut all = state.cameras.health();
    let cams = state.store.cameras().await?;
    for (camera_id, bytes) in state.store.recording_bytes().await? {
        let Some(c) = cams.iter().find(|c| c.id == camera_id) else {
            continue;
        };
        if let Some(h) = all.iter_mut().find(|h| h.source == c.source) {
            h.disk_bytes = bytes.max(0) as u64;
        }
    }
    Ok(Json(all))
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
    body: Result<ApiJson<CameraSettings>, ApiError>,
) -> Result<Json<CameraSettings>, ApiError> {
    user.require(&[Role::Admin], "change camera settings")?;
    let ApiJson(req) = body?;
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
    state
        .cameras
        .sync(&state.store, &state.config, &state.secrets)
        .await?;
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
    body: Result<ApiJson<CalibrationRequest>, ApiError>,
) -> Result<Json<CameraSettings>, ApiError> {
    user.require(&[Role::Admin, Role::Operator], "calibrate postures")?;
    let ApiJson(req) = body?;
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
    state
        .cameras
        .sync(&state.store, &state.config, &state.secrets)
        .await?;
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
    let mut s = settings::load(&state.store, cam.id).await?;
    let any_score = CameraFilter {
        min_score: 0.0,
        ..settings::filter(&s)
    };
    let candidates: Vec<f32> = frame
        .raw
        .iter()
        .filter(|d| any_score.keeps(d))
        .map(|d| d.score)
        .collect();
    let t = threshold_for_herd(&candidates, herd as usize).ok_or_else(|| {
        ApiError::invalid(
            "herd_size",
            "the detector sees no animal on the newest picture: check the camera, its region of interest and the detector",
        )
    })?;
    s.min_score = t.min_score;
    settings::save(&state.store, cam.id, &s).await?;
    state
        .cameras
        .sync(&state.store, &state.config, &state.secrets)
        .await?;
    tracing::info!(source, min_score = t.min_score, counted = t.counted, herd, by = %user.username, "score threshold calibrated");
    Ok(Json(ThresholdCalibration {
        min_score: t.min_score,
        counted: t.counted as u32,
        herd_size: herd,
        candidates: candidates.len() as u32,
    }))
}

/// How long a camera test waits for the first picture.
const TEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

/// Grabs one picture from an address through the real capture path and runs
/// the detector the camera would use (admin). Nothing is saved. On failure:
/// 422 whose `code` says what kind of problem (`unreachable`,
/// `wrong_credentials`, `not_found`, `unsupported_codec`, `timeout`,
/// `detector`, `other`) and whose message is what the camera said.
#[utoipa::path(post, path = "/api/v1/cameras/test", tag = "cameras", security(("bearer" = [])), request_body = CameraTest,
    responses((status = 200, body = CameraPicture), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn test_camera(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<CameraTest>, ApiError>,
) -> Result<Json<CameraPicture>, ApiError> {
    user.require(&[Role::Admin], "test cameras")?;
    let ApiJson(req) = body?;
    let started = std::time::Instant::now();
    animov_vision::capture::Source::parse(&req.uri)
        .map_err(|e| ApiError::invalid("uri", e.to_string()))?;
    let (mut uri, mut cam_settings) = (req.uri.trim().to_string(), CameraSettings::default());
    if let Some(source) = &req.source {
        let cam = camera_named(&state, source).await?;
        uri = address::openable_candidate(&state.secrets, source, cam.uri.as_deref(), &uri)
            .map_err(address_error)?;
        cam_settings = settings::load(&state.store, cam.id).await?;
    }
    let pool = state.cameras.detectors(&uri, &cam_settings, &state.config);
    let demo = state.config.demo.clone();
    let grabbed = tokio::task::spawn_blocking(move || probe::grab(&uri, pool, &demo, TEST_TIMEOUT))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| {
            tracing::info!(problem = e.problem.as_str(), detail = %e.detail, "camera test failed");
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.problem.as_str(),
                e.detail,
            )
            .field("uri")
        })?;
    let size = (grabbed.frame.width(), grabbed.frame.height());
    let (raw, detector, ts) = (grabbed.raw, grabbed.detector, grabbed.ts_ms);
    let pic = tokio::task::spawn_blocking(move || {
        let jpeg = animov_vision::jpeg::encode(&grabbed.frame, 85);
        picture(
            &jpeg,
            size,
            ts,
            &raw,
            &cam_settings,
            detector,
            started.elapsed().as_millis() as u64,
        )
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    tracing::info!(by = %user.username, boxes = pic.boxes.len(), ms = pic.elapsed_ms, "camera tested");
    Ok(Json(pic))
}

/// What `settings` would count on the camera's newest picture, without
/// saving them (admin, operator): for tuning the region of interest, the
/// score threshold, box size and posture on the picture.
#[utoipa::path(post, path = "/api/v1/cameras/{source}/preview", tag = "cameras", security(("bearer" = [])),
    params(("source" = String, Path, description = "Source name")), request_body = PreviewRequest,
    responses((status = 200, body = CameraPicture), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    user: AuthUser,
    Path(source): Path<String>,
    body: Result<ApiJson<PreviewRequest>, ApiError>,
) -> Result<Json<CameraPicture>, ApiError> {
    user.require(&[Role::Admin, Role::Operator], "tune cameras")?;
    let ApiJson(req) = body?;
    req.settings.validate()?;
    let cam = camera_named(&state, &source).await?;
    if let Some(m) = &req.settings.model
        && !animov_engine::detectors::is_known(&state, m).await?
    {
        return Err(ApiError::invalid(
            "model",
            "not a detector of this install: choose one from the list of detectors",
        ));
    }
    let engine = state.engine().clone();
    let pic = tokio::task::spawn_blocking(move || {
        engine
            .cameras
            .preview(cam.id, &req.settings, &engine.config)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| match e {
        PreviewError::NotRunning => {
            ApiError::not_found(format!("{source}: {e}")).with_code("no_live_view")
        }
        PreviewError::NoPictureYet => no_picture_yet(),
        PreviewError::Detect(d) => ApiError::invalid("model", d.to_string()),
    })?;
    Ok(Json(pic))
}
