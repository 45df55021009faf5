//! How this AniMOV is reached (`/api/v1/server/tls`): HTTPS or not, and the
//! certificate a person compares with what the browser shows.

use serde::{Deserialize, Serialize};

/// Whether the API and UI are served over HTTPS, and with which certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TlsStatus {
    /// Served over HTTPS.
    pub https: bool,
    /// Whether this AniMOV listens on other machines' network (not loopback only).
    pub lan: bool,
    /// The certificate was made by AniMOV itself (browsers warn about it
    /// once; compare the fingerprint before accepting it).
    pub self_signed: bool,
    /// SHA-256 of the certificate, `AB:CD:...` as browsers show it.
    pub fingerprint_sha256: Option<String>,
    /// The names and addresses a self-signed certificate was made for.
    pub names: Vec<String>,
    /// The certificate, PEM (what a barn PC's `sync.ca_file` takes).
    pub certificate_pem: Option<String>,
}

impl TlsStatus {
    /// Plain HTTP (on the network when `lan`).
    pub fn plain(lan: bool) -> TlsStatus {
        TlsStatus {
            https: false,
            lan,
            self_signed: false,
            fingerprint_sha256: None,
            names: Vec::new(),
            certificate_pem: None,
        }
    }
}
