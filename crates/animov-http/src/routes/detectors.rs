//! Detectors over HTTP: the list (everyone reads), importing one (admin,
//! `multipart/form-data` with `name`, `model` (.onnx) and `sidecar` (.json)),
//! removing one no camera uses (admin).

use animov_api::{DetectorInfo, ErrorBody, Role};
use animov_engine::detectors::{self, DetectorError};
use axum::{
    Json,
    extract::{Multipart, Path, State, multipart::MultipartRejection},
    http::StatusCode,
};

use crate::{ApiError, AppState, AuthUser};

/// Largest model accepted.
pub const MAX_MODEL_BYTES: usize = 512 * 1024 * 1024;

fn api_error(e: DetectorError) -> ApiError {
    match e {
        DetectorError::Invalid(f) => ApiError::from(f),
        DetectorError::Taken(_) => {
            ApiError::new(StatusCode::CONFLICT, "name_taken", e.to_string()).field("name")
        }
        DetectorError::NotFound(_) => ApiError::not_found(e.to_string()),
        DetectorError::InUse(_) => ApiError::new(StatusCode::CONFLICT, "in_use", e.to_string()),
        DetectorError::Disk(_) => {
            ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "disk", e.to_string())
        }
        DetectorError::Store(s) => ApiError::from(s),
    }
}

/// Every detector, with its classes, provenance and the cameras using it.
#[utoipa::path(get, path = "/api/v1/detectors", tag = "cameras", security(("bearer" = [])),
    responses((status = 200, body = [DetectorInfo]), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<DetectorInfo>>, ApiError> {
    Ok(Json(detectors::list(&state).await?))
}

/// Imports a detector (admin): `name`, `model` (the .onnx) and `sidecar`
/// (its .json description) as form fields. It is run on test pictures
/// first; a model that does not load or whose outputs do not fit its
/// description is refused, naming the field.
#[utoipa::path(post, path = "/api/v1/detectors", tag = "cameras", security(("bearer" = [])),
    request_body(content = String, content_type = "multipart/form-data"),
    responses((status = 201, body = DetectorInfo), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    user: AuthUser,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<DetectorInfo>), ApiError> {
    user.require(&[Role::Admin], "import detectors")?;
    let mut form = form.map_err(|e| {
        ApiError::invalid(
            "model",
            format!("send the detector as multipart/form-data (name, model, sidecar): {e}"),
        )
    })?;
    let (mut name, mut model, mut sidecar) = (None, None, None);
    let broken = |e: axum::extract::multipart::MultipartError| {
        ApiError::invalid("model", format!("the upload broke off: {e}"))
    };
    while let Some(field) = form.next_field().await.map_err(broken)? {
        match field.name().unwrap_or_default() {
            "name" => name = Some(field.text().await.map_err(broken)?),
            "model" => model = Some(field.bytes().await.map_err(broken)?.to_vec()),
            "sidecar" => sidecar = Some(field.bytes().await.map_err(broken)?.to_vec()),
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown field: send name, model and sidecar",
                ));
            }
        }
    }
    let name = name.ok_or_else(|| ApiError::invalid("name", "give the detector a name"))?;
    let model = model.ok_or_else(|| ApiError::invalid("model", "send the model's .onnx file"))?;
    let sidecar = sidecar.ok_or_else(|| {
        ApiError::invalid(
            "sidecar",
            "send the model's .json description (see models/MODELS.md)",
        )
    })?;
    let d = detectors::import(&state, name.trim(), model, sidecar, &user.username)
        .await
        .map_err(api_error)?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Removes an imported detector no camera uses (admin).
#[utoipa::path(delete, path = "/api/v1/detectors/{name}", tag = "cameras", security(("bearer" = [])),
    params(("name" = String, Path, description = "Detector name")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    user: AuthUser,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin], "remove detectors")?;
    detectors::remove(&state, &name).await.map_err(api_error)?;
    tracing::info!(name, by = %user.username, "detector removed");
    Ok(StatusCode::NO_CONTENT)
}
