//! The handlers, one module per noun of the API.

pub mod alert_settings;
pub mod alerts;
pub mod auth;
pub mod budget;
pub mod cameras;
pub mod dataset;
pub mod detectors;
pub mod events;
pub mod forecasts;
pub mod import;
pub mod ingest;
pub mod legacy;
pub mod live;
pub mod media;
pub mod meta;
pub mod notes;
pub mod setup;
pub mod sources;
pub mod stats;
pub mod storage;
pub mod sync;
pub mod users;
