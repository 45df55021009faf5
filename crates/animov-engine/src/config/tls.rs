//! `[tls]`: HTTPS for `animov serve`.

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;

/// HTTPS for `animov serve` (the desktop window's own engine listens on
/// loopback only and never needs it).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// Serve the API and UI over HTTPS (an `http://` address then answers
    /// with a redirect).
    pub enabled: bool,
    /// PEM certificate chain, the server's first (e.g. from the farm's or
    /// the company's CA); unset: a self-signed certificate AniMOV makes on
    /// first start and keeps in `<data-dir>/tls/` (its key in the secrets).
    pub cert_file: Option<PathBuf>,
    /// PEM private key of `cert_file`.
    pub key_file: Option<PathBuf>,
    /// Host names or addresses the self-signed certificate is made for, on
    /// top of `localhost`, `127.0.0.1`, `::1` and this machine's name
    /// (e.g. `["192.168.1.20", "barn.local"]`: how the others reach it).
    pub names: Vec<String>,
}

impl TlsConfig {
    /// Refuses settings that cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.cert_file.is_some() != self.key_file.is_some() {
            return Err(ConfigError::Invalid(
                "tls.cert_file and tls.key_file go together: set both (a certificate of your own) \
                 or neither (a self-signed one)"
                    .into(),
            ));
        }
        for n in &self.names {
            let ok = n.parse::<std::net::IpAddr>().is_ok()
                || (!n.is_empty()
                    && n.len() <= 253
                    && n.split('.').all(|l| {
                        !l.is_empty()
                            && l.len() <= 63
                            && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                    }));
            if !ok {
                return Err(ConfigError::Invalid(format!(
                    "tls.names: {n:?} is neither a host name (letters, digits, '-' and '.') nor an IP address"
                )));
            }
        }
        Ok(())
    }
}
