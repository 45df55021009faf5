//! The OpenAPI document, generated from the handlers and the animov-api types.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use super::{admin, alerts, auth_routes, events, forecasts, ingest, meta, stats, vision};

/// The AniMOV HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(title = "AniMOV API", description = "Goat activity statistics: cameras analysed by the built-in detector (live view, recordings, snapshots), ingest frame counts from external detectors, read minute statistics, consolidated windows and activity series. Timestamps are UTC milliseconds; `from` is inclusive, `to` exclusive; absent values are null. Errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`. Legacy read aliases of the prototype (`/sources`, `/dates`, `/stats_minute`, `/stats_heure`, `/chevres_minutes`, `/chevres_heures`, `/get_serie_heure`, `/get_serie_jour`, `/get_serie_last_heure`, `/get_serie_last_jour`) take `?source=` and answer rows tagged with `source`."),
    paths(
        auth_routes::login, auth_routes::local_login, auth_routes::logout, auth_routes::me, auth_routes::create_api_key, auth_routes::revoke_api_key,
        admin::list_users, admin::create_user, admin::delete_user, admin::system,
        ingest::ingest, ingest::legacy_ingest,
        stats::cameras, stats::live, events::events, stats::update_camera, stats::dates, stats::minutes, stats::consolidated, stats::hourly,
        stats::series, stats::series_last,
        meta::health, meta::version, meta::metrics, meta::openapi_json,
        vision::create_camera, vision::remove_camera, vision::health, vision::get_settings, vision::put_settings,
        vision::calibrate, vision::calibrate_threshold, vision::live_jpeg, vision::live_json, vision::live_mjpeg,
        vision::recordings, vision::recording_video, vision::keep_recording,
        vision::snapshots, vision::snapshot_image, vision::lying_bouts,
        alerts::list, alerts::summary, alerts::detail, alerts::ack, alerts::resolve, alerts::note,
        alerts::get_rules, alerts::put_rules, alerts::get_delivery, alerts::put_delivery, alerts::test_email, alerts::notifications,
        forecasts::forecasts, forecasts::compare, forecasts::models, forecasts::train, forecasts::job, forecasts::promote, forecasts::archive,
    ),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Sign-in, sessions, ingest keys"),
        (name = "ingest", description = "Frame counts from external detectors"),
        (name = "sources", description = "Cameras and ingest-only sources"),
        (name = "cameras", description = "Capture and detection: camera settings, health, live view, recordings, snapshots, lying bouts"),
        (name = "alerts", description = "Alerts on abnormal behaviour and camera problems: list, acknowledge, resolve, notes, rules, delivery"),
        (name = "forecasts", description = "Forecasts of the 15-minute standing ratio and the model registry"),
        (name = "stats", description = "Minute, consolidated and series statistics"),
        (name = "legacy", description = "Routes of the Python prototype"),
        (name = "meta", description = "Health, version, metrics, this document"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        c.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}
