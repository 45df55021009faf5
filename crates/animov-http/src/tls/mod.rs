//! HTTPS for `animov serve`: the certificate (the operator's own, or a
//! self-signed one AniMOV makes and keeps), rustls, and a listener that
//! hands axum connections already through their TLS handshake.

mod listener;
mod self_signed;

use std::{path::PathBuf, sync::Arc};

use animov_api::TlsStatus;
use animov_engine::{
    config::Config,
    secrets::{SecretError, Secrets},
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use sha2::{Digest, Sha256};

pub use listener::TlsListener;

/// A certificate ready to serve, and what Settings shows of it.
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<rustls::ServerConfig>,
    /// What `/api/v1/server/tls` answers (`lan` set by the server).
    pub status: TlsStatus,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("status", &self.status.fingerprint_sha256)
            .finish_non_exhaustive()
    }
}

/// Why HTTPS cannot start.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key file cannot be read.
    #[error("cannot read the {what} {path}: {reason}")]
    Read {
        /// `certificate (tls.cert_file)` or `private key (tls.key_file)`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why, and what it must hold.
        reason: String,
    },
    /// The certificate and key do not go together, or rustls refuses them.
    #[error("the certificate and private key cannot be used together: {0}")]
    Unusable(String),
    /// The self-signed certificate cannot be made or kept.
    #[error("cannot make the self-signed certificate: {0}")]
    SelfSigned(String),
    /// Its key cannot be read from or kept in the secrets.
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// The certificate `config.tls` names: its files, or the self-signed one
/// (made on first start, made again when `tls.names` change or it is
/// about to expire).
pub fn load(config: &Config, secrets: &Secrets) -> Result<ServerTls, TlsError> {
    let tls = &config.tls;
    if let (Some(cert), Some(key)) = (&tls.cert_file, &tls.key_file) {
        let chain = read_chain(cert)?;
        let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Read {
            what: "private key (tls.key_file)",
            path: key.clone(),
            reason: format!("{e}: it must be a PEM file (-----BEGIN PRIVATE KEY-----)"),
        })?;
        return served(chain, key, false, Vec::new());
    }
    let made = self_signed::load_or_make(&config.data_dir, secrets, &tls.names)?;
    let chain = vec![
        CertificateDer::from_pem_slice(made.cert_pem.as_bytes())
            .map_err(|e| TlsError::SelfSigned(e.to_string()))?,
    ];
    let key = PrivateKeyDer::from_pem_slice(made.key_pem.as_bytes())
        .map_err(|e| TlsError::SelfSigned(e.to_string()))?;
    served(chain, key, true, made.names)
}

fn read_chain(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bad = |reason: String| TlsError::Read {
        what: "certificate (tls.cert_file)",
        path: path.to_path_buf(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("{e}: it must be a PEM file")))?;
    if chain.is_empty() {
        return Err(bad(
            "no certificate in it (-----BEGIN CERTIFICATE-----): it must be a PEM file, the server's certificate first".into(),
        ));
    }
    Ok(chain)
}

fn served(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    self_signed: bool,
    names: Vec<String>,
) -> Result<ServerTls, TlsError> {
    let leaf = chain[0].clone();
    let config = server_config(chain, key)?;
    let pem = pem_of(&leaf);
    Ok(ServerTls {
        config: Arc::new(config),
        status: TlsStatus {
            https: true,
            lan: false,
            self_signed,
            fingerprint_sha256: Some(fingerprint(&leaf)),
            names,
            certificate_pem: Some(pem),
        },
    })
}

/// rustls on ring, TLS 1.2 and 1.3, HTTP/1.1.
fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<rustls::ServerConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut c = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Unusable(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Unusable(e.to_string()))?;
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(c)
}

/// SHA-256 of a certificate, `AB:CD:…` as browsers and `openssl x509
/// -fingerprint -sha256` show it.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A certificate as PEM.
fn pem_of(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_as_browsers_show_them() {
        // `printf abc | sha256sum`
        assert_eq!(
            fingerprint(b"abc"),
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
    }

    #[test]
    fn a_certificate_written_as_pem_reads_back_the_same() {
        let der: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let pem = pem_of(&der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        let back = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        assert_eq!(back.as_ref(), &der[..]);
    }
}
