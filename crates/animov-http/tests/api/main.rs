//! The HTTP API driven with `oneshot` (and a real SMTP server for email), on
//! SQLite and on MariaDB. One test binary: each module is one noun of the API.

mod alerts;
mod alerts_email;
mod alerts_replay;
mod auth;
mod budget;
mod camera_setup;
mod common;
mod dataset;
mod detectors;
mod forecast;
mod hardening;
mod ingest;
mod notes;
mod read;
mod roles;
mod salvage;
mod secrecy;
mod setup;
mod storage;
mod sync;
mod tls;
mod vision;
