//! The HTTP API (`/api/v1/...`), the legacy route aliases, health and metrics.
//!
//! [`app`] builds the router without a socket, so tests drive it with `oneshot`.

mod admin;
mod alerts;
mod auth_routes;
mod error;
mod events;
mod extract;
mod forecasts;
mod ingest;
mod legacy;
mod meta;
mod openapi;
mod query;
mod stats;
mod ui;
mod vision;

use std::time::Instant;

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    middleware::{self, Next},
    response::Response,
    routing::{delete, get, post, put},
};

pub use error::ApiError;
pub use extract::{AuthUser, Ingestor};
pub use openapi::ApiDoc;

use crate::state::AppState;

/// The whole HTTP surface of the engine.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.max_body_mib as usize * 1024 * 1024;
    let v1 = Router::new()
        .route("/auth/login", post(auth_routes::login))
        .route("/auth/logout", post(auth_routes::logout))
        .route("/auth/local", post(auth_routes::local_login))
        .route("/auth/me", get(auth_routes::me))
        .route("/users", get(admin::list_users).post(admin::create_user))
        .route("/users/{username}", delete(admin::delete_user))
        .route("/system", get(admin::system))
        .route("/api-keys", post(auth_routes::create_api_key))
        .route("/api-keys/{id}", delete(auth_routes::revoke_api_key))
        .route("/ingest", post(ingest::ingest))
        .route("/cameras", get(stats::cameras).post(vision::create_camera))
        .route("/cameras/health", get(vision::health))
        .route(
            "/cameras/{source}",
            put(stats::update_camera).delete(vision::remove_camera),
        )
        .route(
            "/cameras/{source}/vision",
            get(vision::get_settings).put(vision::put_settings),
        )
        .route(
            "/cameras/{source}/posture/calibrate",
            post(vision::calibrate),
        )
        .route(
            "/cameras/{source}/threshold/calibrate",
            post(vision::calibrate_threshold),
        )
        .route("/cameras/{source}/live.jpg", get(vision::live_jpeg))
        .route("/cameras/{source}/live.json", get(vision::live_json))
        .route("/cameras/{source}/live.mjpg", get(vision::live_mjpeg))
        .route("/recordings", get(vision::recordings))
        .route("/recordings/{id}/video", get(vision::recording_video))
        .route("/recordings/{id}/keep", put(vision::keep_recording))
        .route("/snapshots", get(vision::snapshots))
        .route("/snapshots/{id}/image", get(vision::snapshot_image))
        .route("/lying-bouts", get(vision::lying_bouts))
        .route("/forecasts", get(forecasts::forecasts))
        .route("/forecasts/compare", get(forecasts::compare))
        .route("/models", get(forecasts::models))
        .route("/models/forecast/train", post(forecasts::train))
        .route("/models/{id}/promote", post(forecasts::promote))
        .route("/models/{id}/archive", post(forecasts::archive))
        .route("/jobs/{id}", get(forecasts::job))
        .route("/alerts", get(alerts::list))
        .route("/alerts/summary", get(alerts::summary))
        .route(
            "/alerts/rules",
            get(alerts::get_rules).put(alerts::put_rules),
        )
        .route(
            "/alerts/delivery",
            get(alerts::get_delivery).put(alerts::put_delivery),
        )
        .route("/alerts/delivery/test", post(alerts::test_email))
        .route("/alerts/notifications", get(alerts::notifications))
        .route("/alerts/{id}", get(alerts::detail))
        .route("/alerts/{id}/ack", post(alerts::ack))
        .route("/alerts/{id}/resolve", post(alerts::resolve))
        .route("/alerts/{id}/notes", post(alerts::note))
        .route("/live", get(stats::live))
        .route("/events", get(events::events))
        .route("/dates", get(stats::dates))
        .route("/stats/minutes", get(stats::minutes))
        .route("/stats/consolidated", get(stats::consolidated))
        .route("/stats/hourly", get(stats::hourly))
        .route("/series", get(stats::series))
        .route("/series/last", get(stats::series_last))
        .route("/version", get(meta::version))
        .route("/openapi.json", get(meta::openapi_json))
        .route("/docs", get(meta::docs_page))
        .fallback(meta::not_found);
    let ui_dir = ui::locate(state.config.ui_dir.as_deref());
    Router::new()
        .nest("/api/v1", v1)
        .route("/health", get(meta::health))
        .route("/metrics", get(meta::metrics))
        .route("/receive_data_animov", post(ingest::legacy_ingest))
        // The prototype's forecasting routes.
        .route("/predict", get(forecasts::forecasts))
        .route("/train", post(forecasts::train))
        .merge(legacy::routes())
        .merge(ui::routes(ui_dir))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), log_request))
        .with_state(state)
}

/// One log line per request: method, route, status, duration; and the status counters.
async fn log_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    state.metrics.count_status(status);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(target: "animov::http", %method, route, status, ms = format!("{ms:.1}"), "request");
    resp
}
