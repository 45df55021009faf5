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
    /// Git commit the binary was built from (set in CI), or `null`.
    pub commit: Option<String>,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` when the engine answers.
    pub status: String,
}
