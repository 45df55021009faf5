//! Datasets for retraining over HTTP: take pictures from the recordings
//! (a job), list them, correct their boxes (ground truth), delete them, and
//! export YOLO or COCO zips (a job). Writers: admin, operator, vet.

use animov_api::{
    BoxesInput, DatasetFrame, ErrorBody, ExportRequest, JobStarted, Role, SampleRequest,
};
use animov_engine::dataset::{self, DatasetError};
use axum::{
    Json,
    extract::{Path, Query, Request, State},
    http::{StatusCode, request::Parts},
    response::Response,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    live::{TokenQuery, jpeg_response},
    media::{JobFile, job_file},
};
use crate::{
    ApiError, AppState, AuthUser,
    extract::{ApiJson, header_or_query_user},
    query::camera_named,
};

const WRITERS: [Role; 3] = [Role::Admin, Role::Operator, Role::Vet];

impl From<DatasetError> for ApiError {
    fn from(e: DatasetError) -> ApiError {
        match e {
            DatasetError::Store(s) => s.into(),
            DatasetError::NoHerdSize => ApiError::invalid("kind", e.to_string()),
            other => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "nothing_to_take",
                other.to_string(),
            ),
        }
    }
}

/// Starts taking pictures from a camera's recordings, with the detector's
/// boxes: spread over a span, inside its notes, or where the count
/// differed from the herd size. Follow the job (`GET /api/v1/jobs/{id}`).
#[utoipa::path(post, path = "/api/v1/dataset/sample", tag = "dataset", security(("bearer" = [])), request_body = SampleRequest,
    responses((status = 202, body = JobStarted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sample(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<SampleRequest>,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    user.require(&WRITERS, "build datasets")?;
    req.validate()?;
    let cam = camera_named(&state, &req.source).await?;
    let id = dataset::sample(&state, cam, req.clone()).await?;
    tracing::info!(job = id, by = %user.username, source = req.source, count = req.count, "dataset sample started");
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id: id })))
}

/// `GET /api/v1/dataset/frames` filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FramesQuery {
    /// One camera (default: all).
    pub source: Option<String>,
    /// Only ground truth (frames a person checked).
    #[serde(default)]
    pub reviewed: bool,
}

/// Dataset frames, oldest capture first.
#[utoipa::path(get, path = "/api/v1/dataset/frames", tag = "dataset", security(("bearer" = [])), params(FramesQuery),
    responses((status = 200, body = [DatasetFrame]), (status = 404, body = ErrorBody)))]
pub async fn frames(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<FramesQuery>,
) -> Result<Json<Vec<DatasetFrame>>, ApiError> {
    let camera_id = match q.source.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(camera_named(&state, s).await?.id),
        None => None,
    };
    Ok(Json(
        state
            .store
            .dataset_frames(camera_id, q.reviewed)
            .await?
            .into_iter()
            .map(|r| r.frame)
            .collect(),
    ))
}

fn no_frame(id: i64) -> ApiError {
    ApiError::not_found(format!(
        "no dataset frame {id}: GET /api/v1/dataset/frames lists them"
    ))
}

/// A dataset frame's picture (JPEG).
#[utoipa::path(get, path = "/api/v1/dataset/frames/{id}/image", tag = "dataset", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Dataset frame id"), TokenQuery),
    responses((status = 200, content_type = "image/jpeg", description = "JPEG"), (status = 404, body = ErrorBody)))]
pub async fn image(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<TokenQuery>,
    parts: Parts,
) -> Result<Response, ApiError> {
    header_or_query_user(&parts, &state, q.access_token.as_deref()).await?;
    let r = state
        .store
        .dataset_frame(id)
        .await?
        .ok_or_else(|| no_frame(id))?;
    let bytes = tokio::fs::read(&r.path).await.map_err(|e| {
        ApiError::not_found(format!(
            "the picture of dataset frame {id} is gone ({e}): delete the frame and take it again"
        ))
    })?;
    Ok(jpeg_response(bytes))
}

/// Saves a frame's corrected boxes: it becomes ground truth, checked by
/// the caller (admin, operator, vet).
#[utoipa::path(put, path = "/api/v1/dataset/frames/{id}", tag = "dataset", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Dataset frame id")), request_body = BoxesInput,
    responses((status = 200, body = DatasetFrame), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<BoxesInput>,
) -> Result<Json<DatasetFrame>, ApiError> {
    user.require(&WRITERS, "correct dataset boxes")?;
    let r = state
        .store
        .dataset_frame(id)
        .await?
        .ok_or_else(|| no_frame(id))?;
    if input.boxes.len() > 150 {
        return Err(ApiError::invalid(
            "boxes",
            "at most 150 boxes on one picture",
        ));
    }
    for (i, b) in input.boxes.iter().enumerate() {
        b.validate(r.frame.width, r.frame.height)
            .map_err(|m| ApiError::invalid(format!("boxes[{i}]"), m))?;
    }
    let saved = state
        .store
        .review_dataset_frame(id, &input.boxes, &user.username, state.now_ms())
        .await?
        .ok_or_else(|| no_frame(id))?;
    tracing::info!(id, by = %user.username, boxes = input.boxes.len(), "dataset frame checked");
    Ok(Json(saved.frame))
}

/// Deletes a dataset frame and its picture (admin, operator, vet).
#[utoipa::path(delete, path = "/api/v1/dataset/frames/{id}", tag = "dataset", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Dataset frame id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    user.require(&WRITERS, "delete dataset frames")?;
    if !dataset::delete(&state, id).await? {
        return Err(no_frame(id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Starts packing dataset frames as a YOLO or COCO zip. Follow the job
/// (`GET /api/v1/jobs/{id}`); when done, its `output` is the download path.
#[utoipa::path(post, path = "/api/v1/dataset/export", tag = "dataset", security(("bearer" = [])), request_body = ExportRequest,
    responses((status = 202, body = JobStarted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<ExportRequest>,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    user.require(&WRITERS, "export datasets")?;
    let camera_id = match req.source.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(camera_named(&state, s).await?.id),
        None => None,
    };
    let id = dataset::export(&state, camera_id, req.reviewed_only, req.format).await?;
    tracing::info!(job = id, by = %user.username, format = ?req.format, "dataset export started");
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id: id })))
}

/// A dataset zip made by a finished export job.
#[utoipa::path(get, path = "/api/v1/dataset/exports/{id}", tag = "dataset", security(("bearer" = [])),
    params(("id" = u64, Path, description = "The job that made it"), TokenQuery),
    responses((status = 200, content_type = "application/zip", description = "The zip"), (status = 404, body = ErrorBody)))]
pub async fn export_file(
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
            kind: "dataset export",
            path: dataset::export_path(&state.config.data_dir, id),
            mime: "application/zip",
            name: format!("animov-dataset-{id}.zip"),
            what: "dataset export",
        },
    )
    .await
}
