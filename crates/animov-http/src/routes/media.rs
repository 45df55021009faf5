//! What a camera leaves behind: recording segments (list, video, MP4 for
//! playback, keep flag), stored detections, snapshots (list, picture) and
//! lying bouts.

use std::collections::HashMap;

use animov_api::{
    Detection, DetectionFrame, DetectionFrames, ErrorBody, JobStarted, KeepRequest, LyingBout,
    Recording, Role, Snapshot,
};
use animov_core::time::DAY_MS;
use animov_engine::{
    clips::{self, ClipError},
    playback::{self, PlaybackError},
};
use axum::{
    Json,
    body::Body,
    extract::{Path, Query, Request, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::live::{TokenQuery, jpeg_response};
use crate::{
    ApiError, AppState, AuthUser,
    extract::{ApiJson, header_or_query_user},
    query::{WindowQuery, camera_named},
};

/// `?source=&from=&to=` for recordings, snapshots and bouts (default: the last 24 h).
fn window(state: &AppState, q: &WindowQuery) -> Result<(i64, i64), ApiError> {
    q.window(state.now_ms(), DAY_MS, 366 * DAY_MS)
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

async fn source_names(state: &AppState) -> Result<HashMap<i64, String>, ApiError> {
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
    let (from, to) = window(&state, &q)?;
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
                play_url: format!("/api/v1/recordings/{}/mp4", r.id),
                video_here: !r.path.is_empty(),
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
    let r = recording_here(&state, id).await?;
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

/// Recording `id`, when its video is on this machine (a central keeps the
/// sites' recordings as times and sizes: their path is empty).
async fn recording_here(state: &AppState, id: i64) -> Result<animov_store::RecordingRow, ApiError> {
    let r = state.store.recording(id).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no recording {id}: GET /api/v1/recordings lists them"
        ))
    })?;
    if r.path.is_empty() {
        return Err(ApiError::not_found(format!(
            "the video of recording {id} stays at the farm that recorded it: review it there (a central keeps the times and sizes of the sites' recordings)"
        ))
        .with_code("video_at_the_farm"));
    }
    Ok(r)
}

/// A recording segment to play in a browser: the same video copied (not
/// re-encoded) into an MP4 with its index first, served with byte ranges
/// (made on first play, then kept among the most recently played).
#[utoipa::path(get, path = "/api/v1/recordings/{id}/mp4", tag = "cameras", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Recording id"), TokenQuery),
    responses((status = 200, content_type = "video/mp4", description = "The segment as MP4"), (status = 206, description = "A byte range of it"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recording_mp4(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<TokenQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    header_or_query_user(&parts, &state, q.access_token.as_deref()).await?;
    let r = recording_here(&state, id).await?;
    let mp4 = playback::mp4_of(&state.config.data_dir, &r)
        .await
        .map_err(|e| match e {
            PlaybackError::Gone { .. } => ApiError::not_found(e.to_string()),
            PlaybackError::Remux { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unplayable",
                e.to_string(),
            ),
        })?;
    let mime = "video/mp4".parse().expect("a MIME type");
    let res = ServeFile::new_with_mime(&mp4, &mime)
        .oneshot(Request::from_parts(parts, body))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(res.map(Body::new))
}

/// A camera's stored detections over a window of at most an hour (default:
/// the last minute), compact: for drawing boxes over a recording.
#[utoipa::path(get, path = "/api/v1/detections", tag = "cameras", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = DetectionFrames), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn detections(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<DetectionFrames>, ApiError> {
    let (from, to) = q.window(state.now_ms(), 60_000, 3_600_000)?;
    let cam = q.camera(&state).await?;
    let rows = state.store.frame_detections(cam.id, from, to).await?;
    let frames = rows
        .into_iter()
        .filter_map(|(ts, json)| {
            let dets: Vec<Detection> = serde_json::from_slice(&json).ok()?;
            Some(DetectionFrame::new(ts, &dets))
        })
        .collect();
    Ok(Json(DetectionFrames {
        source: cam.source,
        frames,
    }))
}

/// `POST /api/v1/clips` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClipRequest {
    /// The camera.
    pub source: String,
    /// Start, UTC ms (the clip starts at the keyframe at or before it).
    pub from_ms: i64,
    /// End, UTC ms (at most 2 hours after the start).
    pub to_ms: i64,
}

/// Starts exporting a clip of a camera's recordings (admin, operator, vet):
/// the video copied, not re-encoded, so it starts at the keyframe at or
/// before `from_ms`. Follow the job (`GET /api/v1/jobs/{id}`); when done,
/// its `output` is the download path.
#[utoipa::path(post, path = "/api/v1/clips", tag = "cameras", security(("bearer" = [])), request_body = ClipRequest,
    responses((status = 202, body = JobStarted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_clip(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<ClipRequest>,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    user.require(&[Role::Admin, Role::Operator, Role::Vet], "export clips")?;
    let cam = camera_named(&state, &req.source).await?;
    let id = clips::start(&state, cam.id, req.from_ms, req.to_ms)
        .await
        .map_err(|e| match e {
            ClipError::Span => ApiError::invalid("to_ms", e.to_string()),
            ClipError::NoRecording => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_recording",
                e.to_string(),
            ),
            ClipError::Store(s) => s.into(),
        })?;
    tracing::info!(job = id, by = %user.username, source = req.source, "clip export started");
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id: id })))
}

/// A clip made by a finished job (MP4, with byte ranges).
#[utoipa::path(get, path = "/api/v1/clips/{id}", tag = "cameras", security(("bearer" = [])),
    params(("id" = u64, Path, description = "The job that made it"), TokenQuery),
    responses((status = 200, content_type = "video/mp4", description = "The clip"), (status = 404, body = ErrorBody)))]
pub async fn clip_file(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    Query(q): Query<TokenQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    job_file(
        &state,
        id,
        q.access_token.as_deref(),
        req,
        JobFile {
            kind: "clip",
            path: clips::clip_path(&state.config.data_dir, id),
            mime: "video/mp4",
            name: format!("animov-clip-{id}.mp4"),
            what: "clip",
        },
    )
    .await
}

/// A file a job made, to download.
pub(super) struct JobFile {
    /// The job's kind.
    pub kind: &'static str,
    /// Where it is.
    pub path: std::path::PathBuf,
    /// Its MIME type.
    pub mime: &'static str,
    /// The name it downloads as.
    pub name: String,
    /// What it is, for the "not found" message.
    pub what: &'static str,
}

/// Serves the file made by the finished job `id` (with byte ranges) to a
/// signed-in caller (header or `?access_token=`).
pub(super) async fn job_file(
    state: &AppState,
    id: u64,
    token: Option<&str>,
    req: Request,
    f: JobFile,
) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    header_or_query_user(&parts, state, token).await?;
    let done = state
        .jobs
        .get(id)
        .is_some_and(|j| j.kind == f.kind && j.output.is_some());
    if !done || !f.path.exists() {
        return Err(ApiError::not_found(format!(
            "no {} {id}: it is not finished, or gone (the 10 newest are kept until the engine restarts)",
            f.what
        )));
    }
    let mime = f.mime.parse().map_err(|e| ApiError::internal(&e))?;
    let mut res = ServeFile::new_with_mime(&f.path, &mime)
        .oneshot(Request::from_parts(parts, body))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if let Ok(v) = format!("attachment; filename=\"{}\"", f.name).parse() {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res.map(Body::new))
}

/// Deletes a segment and its file (admin), even a kept one.
#[utoipa::path(delete, path = "/api/v1/recordings/{id}", tag = "cameras", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Recording id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_recording(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin], "delete recordings")?;
    let r = state
        .store
        .recording(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no recording {id}")))?;
    match tokio::fs::remove_file(&r.path).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "file_in_use",
                format!("the file of recording {id} cannot be deleted ({e}); nothing was changed"),
            ));
        }
    }
    let _ = tokio::fs::remove_file(
        playback::cache_dir(&state.config.data_dir).join(format!("{id}.mp4")),
    )
    .await;
    state.store.delete_recording(id).await?;
    tracing::info!(id, by = %user.username, "recording deleted by hand");
    Ok(StatusCode::NO_CONTENT)
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
    let (from, to) = window(&state, &q)?;
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
    let (from, to) = window(&state, &q)?;
    let cam = q.camera(&state).await?;
    Ok(Json(
        state
            .store
            .lying_bouts(cam.id, from, to)
            .await?
            .into_iter()
            .map(LyingBout::from)
            .collect(),
    ))
}
