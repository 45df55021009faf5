//! Health, version, metrics, the OpenAPI spec and its offline docs page.

use animov_api::{ErrorBody, Health, TlsStatus, VersionInfo};
use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use utoipa::OpenApi;

use crate::{ApiDoc, ApiError, AppState, AuthUser};

/// Liveness and database reachability (no sign-in needed).
#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, body = Health), (status = 503, description = "Database unreachable", body = Health)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "database_unreachable".into(),
                }),
            )
        }
    }
}

/// Version, commit, build date, schema version and the bundled models (no sign-in needed).
#[utoipa::path(get, path = "/api/v1/version", tag = "meta", responses((status = 200, body = VersionInfo)))]
pub async fn version() -> Json<VersionInfo> {
    Json(animov_engine::about::version_info().clone())
}

/// How this AniMOV is reached: HTTPS or not, and the certificate's
/// SHA-256 fingerprint to compare with the browser's (any signed-in user).
#[utoipa::path(get, path = "/api/v1/server/tls", tag = "meta", security(("bearer" = [])),
    responses((status = 200, body = TlsStatus), (status = 401, body = ErrorBody)))]
pub async fn tls(State(state): State<AppState>, _user: AuthUser) -> Json<TlsStatus> {
    Json(
        state
            .reached
            .get()
            .cloned()
            .unwrap_or_else(|| TlsStatus::plain(false)),
    )
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "meta", security(("bearer" = [])),
    responses((status = 200, content_type = "text/plain", body = String), (status = 401, body = ErrorBody)))]
pub async fn metrics(State(state): State<AppState>, _user: AuthUser) -> Result<Response, ApiError> {
    let pending = state.store.pending_minute_count().await?;
    let mut text = state.metrics.render(pending, env!("CARGO_PKG_VERSION"));
    text.push_str(&animov_engine::metrics::render_cameras(
        &state.cameras.health(),
    ));
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(("bearer" = [])),
    responses((status = 200, description = "OpenAPI document"), (status = 401, body = ErrorBody)))]
pub async fn openapi_json(_user: AuthUser) -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A self-contained page that signs in and renders the OpenAPI document (no CDN).
pub async fn docs_page() -> Html<&'static str> {
    Html(include_str!("../docs.html"))
}

/// Unknown routes answer in the API's error shape.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route: see /api/v1/docs for the API")
}
