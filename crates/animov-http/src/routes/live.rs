//! A camera's live view: the newest analysed picture (JPEG), its boxes and
//! counts (JSON), and the MJPEG stream. Media routes accept the session
//! token as `?access_token=` because `<img>` cannot send headers.

use std::{convert::Infallible, sync::Arc};

use animov_api::{ErrorBody, LiveFrameInfo};
use animov_engine::cameras::live::LiveSlot;
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

use crate::{ApiError, AppState, extract::header_or_query_user, query::camera_named};

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
) -> Result<Arc<LiveSlot>, ApiError> {
    header_or_query_user(parts, state, token).await?;
    let cam = camera_named(state, source).await?;
    state.cameras.live(cam.id).ok_or_else(|| {
        ApiError::not_found(format!(
            "{source} has no live picture: it has no camera address, or the cameras are off (vision.enabled)"
        ))
        .with_code("no_live_view")
    })
}

/// A JPEG answer that is never cached.
pub(super) fn jpeg_response(bytes: Vec<u8>) -> Response {
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

/// 503: the camera has not delivered a picture yet.
pub(super) fn no_picture_yet() -> ApiError {
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
