//! Wire types of the AniMOV HTTP API (`/api/v1/...`).
//!
//! Shared by the engine (which serves them) and the UI (which reads them), so
//! no JSON shape is ever copied by hand. Serde only: this crate builds for
//! `wasm32-unknown-unknown`. Timestamps are UTC milliseconds; absent values are
//! JSON `null`, never NaN.
//!
//! ```
//! let req: animov_api::IngestRequest = serde_json::from_str(
//!     r#"{"source":"cam-1","frames":[{"ts_ms":1732867200000,"lying":7,"standing":12}]}"#,
//! ).unwrap();
//! assert_eq!(req.frames[0].lying, 7);
//! ```

mod alerts;
mod auth;
mod budget;
mod dataset;
mod delivery;
mod error;
mod explain;
mod forecast;
mod ingest;
mod names;
mod notes;
mod picture;
mod retrain;
mod rules;
mod server;
mod setup;
mod stats;
mod storage;
mod sync;
mod vision;

pub use alerts::*;
pub use auth::*;
pub use budget::*;
pub use dataset::*;
pub use delivery::*;
pub use error::*;
pub use explain::*;
pub use forecast::*;
pub use ingest::*;
pub use names::{Label, UnknownName};
pub use notes::*;
pub use picture::*;
pub use retrain::*;
pub use rules::*;
pub use server::*;
pub use setup::*;
pub use stats::*;
pub use storage::*;
pub use sync::*;
pub use vision::*;

/// `GET /api/v1/version`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionInfo {
    /// Crate version, e.g. `0.1.0`.
    pub version: String,
    /// Git commit the binary was built from (full hash), or `unknown`
    /// when it was built outside git without `ANIMOV_COMMIT`.
    pub commit: String,
    /// Whether tracked files differed from that commit when it was built.
    pub dirty: bool,
    /// When it was built (RFC 3339, UTC).
    pub build_date: String,
    /// The database schema version it writes (its newest migration).
    pub schema_version: i64,
    /// The models installed with it.
    pub models: Vec<BundledModelVersion>,
}

/// A model installed with AniMOV, as `/api/v1/version` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundledModelVersion {
    /// `detector` or `forecast`.
    pub role: String,
    /// Its name, from its file.
    pub name: String,
    /// SHA-256 of its file (the first 12 hex digits), or `null` when it is
    /// not installed or cannot be read.
    pub sha256: Option<String>,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` when the engine answers.
    pub status: String,
}
