//! The OpenAPI document, generated from the handlers and the animov-api types.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::routes::{
    alert_settings, alerts, auth, budget, cameras, dataset, detectors, events, forecasts, import,
    ingest, live, media, meta, notes, setup, sources, stats, storage, sync, users,
};

/// The AniMOV HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(title = "AniMOV API", description = "Goat activity statistics: cameras analysed by the built-in detector (live view, recordings, snapshots), ingest frame counts from external detectors, read minute statistics, consolidated windows and activity series. Timestamps are UTC milliseconds; `from` is inclusive, `to` exclusive; absent values are null. Errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`. Legacy read aliases of the prototype (`/sources`, `/dates`, `/stats_minute`, `/stats_heure`, `/chevres_minutes`, `/chevres_heures`, `/get_serie_heure`, `/get_serie_jour`, `/get_serie_last_heure`, `/get_serie_last_jour`) take `?source=` and answer rows tagged with `source`."),
    paths(
        auth::login, auth::local_login, auth::logout, auth::me, auth::change_password, auth::list_api_keys, auth::create_api_key, auth::revoke_api_key,
        setup::get_setup, setup::put_setup, storage::get_storage, storage::put_storage,
        users::list_users, users::create_user, users::delete_user, users::reset_password, users::system,
        ingest::ingest, ingest::legacy_ingest, import::csv,
        stats::cameras, stats::live, events::events, cameras::update_camera, stats::dates, stats::minutes, stats::consolidated, stats::hourly,
        stats::series, stats::series_last,
        meta::health, meta::version, meta::tls, meta::metrics, meta::openapi_json,
        cameras::create_camera, cameras::remove_camera, cameras::health, cameras::get_settings, cameras::put_settings,
        cameras::calibrate, cameras::calibrate_threshold, cameras::test_camera, cameras::preview, sources::devices, sources::upload_video, detectors::list, detectors::import, detectors::remove, live::live_jpeg, live::live_json, live::live_mjpeg,
        media::recordings, media::recording_video, media::recording_mp4, media::detections, media::start_clip, media::clip_file, media::delete_recording, budget::time_budget, budget::time_budget_csv, media::keep_recording,
        media::snapshots, media::snapshot_image, media::lying_bouts,
        alerts::list, alerts::summary, alerts::detail, alerts::ack, alerts::resolve, alerts::note, alerts::feedback, alerts::explain,
        dataset::sample, dataset::frames, dataset::image, dataset::review, dataset::remove, dataset::export, dataset::export_file,
        notes::list, notes::csv, notes::create, notes::detail, notes::update, notes::remove, notes::get_tags, notes::put_tags,
        alert_settings::get_rules, alert_settings::put_rules, alert_settings::get_delivery, alert_settings::put_delivery, alert_settings::test_email, alert_settings::notifications,
        forecasts::forecasts, forecasts::compare, forecasts::models, forecasts::train, forecasts::retrain_status, forecasts::retrain_now, forecasts::job, forecasts::promote, forecasts::archive,
        sync::join, sync::push, sync::put_video, sync::pull, sync::enrol, sync::sites, sync::revoke, sync::status, sync::now, sync::join_central,
    ),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Sign-in, sessions, ingest keys"),
        (name = "ingest", description = "Frame counts from external detectors"),
        (name = "sources", description = "Cameras and ingest-only sources"),
        (name = "cameras", description = "Capture and detection: camera settings, health, live view, recordings, snapshots, lying bouts"),
        (name = "alerts", description = "Alerts on abnormal behaviour and camera problems: list, acknowledge, resolve, notes, judgements, explanations, rules, delivery"),
        (name = "notes", description = "What vets and farmers saw on a camera's time span: notes with tags, history, CSV"),
        (name = "dataset", description = "Pictures from the recordings with their boxes, corrected into ground truth, exported as YOLO or COCO"),
        (name = "forecasts", description = "Forecasts of the 15-minute standing ratio and the model registry"),
        (name = "stats", description = "Minute, consolidated and series statistics"),
        (name = "legacy", description = "Routes of the Python prototype"),
        (name = "sync", description = "Offline-first sync: sites join a central with a one-time code, push their changes and pull what the central's users wrote about them. At a central, `X-AniMOV-Site: <site id>` (or `?site=`) makes any route read and write that site's data"),
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
