//! AniMOV's HTTP API (`/api/v1/...`, documented as OpenAPI), the prototype's
//! route aliases, health and metrics, and the built UI — over the engine.
//!
//! [`app`] builds the router without a socket, so tests drive it with
//! `oneshot`; [`server::start`] binds it and starts the engine's jobs.
//!
//! * [`routes`] — the handlers, one module per noun;
//! * [`extract`] — JSON bodies and the caller's identity; [`error`] — the
//!   one error shape; [`query`] — shared query parameters;
//! * [`state`] — the engine plus sessions; [`openapi`] — the document;
//!   [`ui`] — serving the built UI; [`legacy_format`] — the INRA stream.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::path::Path::new("/tmp/animov");
//! let engine = animov_engine::open(dir, animov_engine::config::Config::default()).await?;
//! let state = animov_http::AppState::open(engine, None)?;
//! let running = animov_http::server::start(state, "127.0.0.1:0".parse()?, None).await?;
//! running.shutdown().await;
//! # Ok(()) }
//! ```

pub mod error;
pub mod extract;
pub mod legacy_format;
pub mod openapi;
pub mod query;
pub mod routes;
pub mod server;
pub mod state;
pub mod tls;
pub mod ui;

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
pub use state::AppState;

use routes::{
    alert_settings, alerts, auth, budget, cameras, dataset, detectors, events, forecasts, import,
    ingest, legacy, live, media, meta, notes, setup, sources, stats, storage, sync, users,
};

/// The whole HTTP surface of the engine.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.max_body_mib as usize * 1024 * 1024;
    let v1 = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/local", post(auth::local_login))
        .route("/auth/me", get(auth::me))
        .route("/auth/password", put(auth::change_password))
        .route("/setup", get(setup::get_setup).put(setup::put_setup))
        .route("/users", get(users::list_users).post(users::create_user))
        .route("/users/{username}", delete(users::delete_user))
        .route("/users/{username}/password", put(users::reset_password))
        .route("/system", get(users::system))
        .route(
            "/storage",
            get(storage::get_storage).put(storage::put_storage),
        )
        .route(
            "/api-keys",
            get(auth::list_api_keys).post(auth::create_api_key),
        )
        .route("/api-keys/{id}", delete(auth::revoke_api_key))
        .route("/ingest", post(ingest::ingest))
        .route(
            "/import/csv",
            post(import::csv).layer(DefaultBodyLimit::max(import::MAX_IMPORT_BYTES)),
        )
        .route("/cameras", get(stats::cameras).post(cameras::create_camera))
        .route("/cameras/health", get(cameras::health))
        .route("/cameras/test", post(cameras::test_camera))
        .route("/cameras/devices", get(sources::devices))
        .route(
            "/detectors",
            get(detectors::list)
                .post(detectors::import)
                .layer(DefaultBodyLimit::max(detectors::MAX_MODEL_BYTES)),
        )
        .route("/detectors/{name}", delete(detectors::remove))
        .route(
            "/videos",
            post(sources::upload_video).layer(DefaultBodyLimit::disable()),
        )
        .route("/cameras/{source}/preview", post(cameras::preview))
        .route(
            "/cameras/{source}",
            put(cameras::update_camera).delete(cameras::remove_camera),
        )
        .route(
            "/cameras/{source}/vision",
            get(cameras::get_settings).put(cameras::put_settings),
        )
        .route(
            "/cameras/{source}/posture/calibrate",
            post(cameras::calibrate),
        )
        .route(
            "/cameras/{source}/threshold/calibrate",
            post(cameras::calibrate_threshold),
        )
        .route("/cameras/{source}/live.jpg", get(live::live_jpeg))
        .route("/cameras/{source}/live.json", get(live::live_json))
        .route("/cameras/{source}/live.mjpg", get(live::live_mjpeg))
        .route("/recordings", get(media::recordings))
        .route("/recordings/{id}/video", get(media::recording_video))
        .route("/recordings/{id}/mp4", get(media::recording_mp4))
        .route("/recordings/{id}", delete(media::delete_recording))
        .route("/detections", get(media::detections))
        .route("/time-budget", get(budget::time_budget))
        .route("/time-budget.csv", get(budget::time_budget_csv))
        .route("/clips", post(media::start_clip))
        .route("/clips/{id}", get(media::clip_file))
        .route("/dataset/sample", post(dataset::sample))
        .route("/dataset/frames", get(dataset::frames))
        .route(
            "/dataset/frames/{id}",
            put(dataset::review).delete(dataset::remove),
        )
        .route("/dataset/frames/{id}/image", get(dataset::image))
        .route("/dataset/export", post(dataset::export))
        .route("/dataset/exports/{id}", get(dataset::export_file))
        .route("/recordings/{id}/keep", put(media::keep_recording))
        .route("/snapshots", get(media::snapshots))
        .route("/snapshots/{id}/image", get(media::snapshot_image))
        .route("/lying-bouts", get(media::lying_bouts))
        .route("/forecasts", get(forecasts::forecasts))
        .route("/forecasts/compare", get(forecasts::compare))
        .route("/models", get(forecasts::models))
        .route("/models/forecast/train", post(forecasts::train))
        .route(
            "/models/retrain",
            get(forecasts::retrain_status).post(forecasts::retrain_now),
        )
        .route("/models/{id}/promote", post(forecasts::promote))
        .route("/models/{id}/archive", post(forecasts::archive))
        .route("/jobs/{id}", get(forecasts::job))
        .route("/notes", get(notes::list).post(notes::create))
        .route("/notes.csv", get(notes::csv))
        .route("/notes/tags", get(notes::get_tags).put(notes::put_tags))
        .route(
            "/notes/{id}",
            get(notes::detail).put(notes::update).delete(notes::remove),
        )
        .route("/alerts", get(alerts::list))
        .route("/alerts/summary", get(alerts::summary))
        .route(
            "/alerts/rules",
            get(alert_settings::get_rules).put(alert_settings::put_rules),
        )
        .route(
            "/alerts/delivery",
            get(alert_settings::get_delivery).put(alert_settings::put_delivery),
        )
        .route("/alerts/delivery/test", post(alert_settings::test_email))
        .route("/alerts/notifications", get(alert_settings::notifications))
        .route("/alerts/{id}", get(alerts::detail))
        .route("/alerts/{id}/ack", post(alerts::ack))
        .route("/alerts/{id}/resolve", post(alerts::resolve))
        .route("/alerts/{id}/notes", post(alerts::note))
        .route("/alerts/{id}/feedback", post(alerts::feedback))
        .route("/alerts/{id}/explain", get(alerts::explain))
        .route("/live", get(stats::live))
        .route("/events", get(events::events))
        .route("/dates", get(stats::dates))
        .route("/stats/minutes", get(stats::minutes))
        .route("/stats/consolidated", get(stats::consolidated))
        .route("/stats/hourly", get(stats::hourly))
        .route("/series", get(stats::series))
        .route("/series/last", get(stats::series_last))
        .route("/sync/join", post(sync::join))
        .route(
            "/sync/push",
            post(sync::push).layer(DefaultBodyLimit::max(64 << 20)),
        )
        .route("/sync/pull", get(sync::pull))
        .route(
            "/sync/videos/{id}",
            put(sync::put_video).layer(DefaultBodyLimit::disable()),
        )
        .route("/sync/enrolments", post(sync::enrol))
        .route("/sync/sites", get(sync::sites))
        .route("/sync/sites/{site}/revoke", post(sync::revoke))
        .route("/sync/status", get(sync::status))
        .route("/sync/now", post(sync::now))
        .route("/sync/join-central", post(sync::join_central))
        .route("/version", get(meta::version))
        .route("/server/tls", get(meta::tls))
        .route("/openapi.json", get(meta::openapi_json))
        .route("/docs", get(meta::docs_page))
        .fallback(meta::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            sync::site_scope,
        ));
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
        .layer(middleware::from_fn_with_state(
            state.clone(),
            sync::central_guard,
        ))
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
