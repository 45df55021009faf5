//! The certificate AniMOV makes for itself when it is given none: made on
//! first start for `localhost`, the loopback addresses, this machine's name
//! and `tls.names`; kept in `<data-dir>/tls/cert.pem`, its key in the
//! secrets (keyring or owner-only file); made again, with the same key,
//! when the names change or a month before it expires (browsers then ask
//! once more: the fingerprint changes).

use std::path::Path;

use animov_engine::{
    permissions::write_atomically,
    secrets::{Secrets, names::TLS_KEY},
};
use chrono::{Datelike, NaiveDate, Utc};
use rcgen::{CertificateParams, DnType, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use serde::{Deserialize, Serialize};

use super::TlsError;

/// Years a self-signed certificate is made for.
const YEARS: i32 = 10;
/// Made again this many days before it expires.
const RENEW_DAYS: i64 = 30;

/// A self-signed certificate and its key, PEM.
pub(super) struct Made {
    pub cert_pem: String,
    pub key_pem: String,
    pub names: Vec<String>,
}

/// What was made, beside the certificate (`tls/self-signed.json`).
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Kept {
    names: Vec<String>,
    /// `YYYY-MM-DD`.
    not_after: String,
}

impl Kept {
    fn not_after(&self) -> Option<NaiveDate> {
        self.not_after.parse().ok()
    }
}

/// The names the certificate covers: loopback, this machine's, then the
/// configured ones, each once.
pub(super) fn names(extra: &[String]) -> Vec<String> {
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    let mut out: Vec<String> = Vec::new();
    let all = ["localhost", "127.0.0.1", "::1"]
        .into_iter()
        .map(String::from)
        .chain((!host.is_empty() && host != "localhost").then_some(host))
        .chain(extra.iter().cloned());
    for n in all {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&n)) {
            out.push(n);
        }
    }
    out
}

#[tracing::instrument(skip_all)]
pub(super) fn load_or_make(
    data_dir: &Path,
    secrets: &Secrets,
    extra: &[String],
) -> Result<Made, TlsError> {
    let dir = data_dir.join("tls");
    let (cert_file, kept_file) = (dir.join("cert.pem"), dir.join("self-signed.json"));
    let names = names(extra);
    let key_pem = match secrets.get(TLS_KEY)? {
        Some(k) => k,
        None => {
            let k = KeyPair::generate()
                .map_err(|e| TlsError::SelfSigned(e.to_string()))?
                .serialize_pem()
                .trim_end()
                .to_string(); // as the secrets give it back
            secrets.set(TLS_KEY, &k)?;
            k
        }
    };
    let today = Utc::now().date_naive();
    let kept: Option<Kept> = std::fs::read(&kept_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let (Some(kept), Ok(cert_pem)) = (kept, std::fs::read_to_string(&cert_file))
        && kept.names == names
        && kept
            .not_after()
            .is_some_and(|d| (d - today).num_days() > RENEW_DAYS)
        && goes_with(&cert_pem, &key_pem)
    {
        return Ok(Made {
            cert_pem,
            key_pem,
            names,
        });
    }
    let (cert_pem, not_after) = make(&key_pem, &names, today)?;
    let io = |e: std::io::Error| TlsError::SelfSigned(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    write_atomically(&cert_file, cert_pem.as_bytes()).map_err(io)?;
    let kept = Kept {
        names: names.clone(),
        not_after: not_after.to_string(),
    };
    let json = serde_json::to_vec_pretty(&kept).map_err(|e| TlsError::SelfSigned(e.to_string()))?;
    write_atomically(&kept_file, &json).map_err(io)?;
    tracing::warn!(
        names = names.join(", "),
        %not_after,
        "made a new self-signed certificate for HTTPS: browsers will ask to accept it; \
         compare its fingerprint with the one AniMOV prints and shows in Settings"
    );
    Ok(Made {
        cert_pem,
        key_pem,
        names,
    })
}

/// A certificate for `names`, signed by its own key, valid from yesterday
/// (clocks a little behind) for [`YEARS`] years.
fn make(
    key_pem: &str,
    names: &[String],
    today: NaiveDate,
) -> Result<(String, NaiveDate), TlsError> {
    let bad = |e: rcgen::Error| TlsError::SelfSigned(e.to_string());
    let key = KeyPair::from_pem(key_pem).map_err(bad)?;
    let mut params = CertificateParams::new(names.to_vec()).map_err(bad)?;
    let host = names.get(3).map_or("localhost", String::as_str);
    params
        .distinguished_name
        .push(DnType::CommonName, format!("AniMOV {host}"));
    params
        .distinguished_name
        .push(DnType::OrganizationName, "AniMOV (self-signed)");
    let from = today.pred_opt().unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(today.year() + YEARS, today.month(), today.day().min(28))
        .unwrap_or(today);
    let ymd = |d: NaiveDate| rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8);
    params.not_before = ymd(from);
    params.not_after = ymd(to);
    let cert = params.self_signed(&key).map_err(bad)?;
    Ok((cert.pem(), to))
}

/// Whether the kept certificate was made with this key (the key in the
/// secrets may have been replaced or lost).
fn goes_with(cert_pem: &str, key_pem: &str) -> bool {
    let (Ok(cert), Ok(key)) = (
        CertificateDer::from_pem_slice(cert_pem.as_bytes()),
        PrivateKeyDer::from_pem_slice(key_pem.as_bytes()),
    ) else {
        return false;
    };
    super::server_config(vec![cert], key).is_ok()
}

#[cfg(test)]
mod tests {
    use animov_engine::config::SecretsBackend;

    use super::*;

    fn fingerprint_of(m: &Made) -> String {
        let der = CertificateDer::from_pem_slice(m.cert_pem.as_bytes()).unwrap();
        super::super::fingerprint(&der)
    }

    #[test]
    fn made_once_kept_and_made_again_when_the_names_change() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::new(SecretsBackend::File, dir.path());
        let first = load_or_make(dir.path(), &secrets, &[]).unwrap();
        assert_eq!(&first.names[..3], ["localhost", "127.0.0.1", "::1"]);
        let again = load_or_make(dir.path(), &secrets, &[]).unwrap();
        assert_eq!(fingerprint_of(&first), fingerprint_of(&again), "kept");
        assert_eq!(first.key_pem, again.key_pem);
        // The key lives in the secrets, owner-only; the certificate beside.
        let key_file = dir.path().join("secrets").join(TLS_KEY);
        assert!(
            std::fs::read_to_string(&key_file)
                .unwrap()
                .contains("PRIVATE KEY")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        }
        assert!(
            !std::fs::read_to_string(dir.path().join("tls/cert.pem"))
                .unwrap()
                .contains("PRIVATE")
        );
        let lan = load_or_make(dir.path(), &secrets, &["192.168.1.20".into()]).unwrap();
        assert!(lan.names.contains(&"192.168.1.20".to_string()));
        assert_ne!(
            fingerprint_of(&first),
            fingerprint_of(&lan),
            "made again for the new name"
        );
        assert_eq!(first.key_pem, lan.key_pem, "with the same key");
    }

    #[test]
    fn a_lost_key_or_a_broken_file_makes_a_new_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::new(SecretsBackend::File, dir.path());
        let first = load_or_make(dir.path(), &secrets, &[]).unwrap();
        secrets.remove(TLS_KEY).unwrap();
        let new_key = load_or_make(dir.path(), &secrets, &[]).unwrap();
        assert_ne!(first.key_pem, new_key.key_pem);
        assert_ne!(fingerprint_of(&first), fingerprint_of(&new_key));
        std::fs::write(dir.path().join("tls/cert.pem"), "not a certificate").unwrap();
        let mended = load_or_make(dir.path(), &secrets, &[]).unwrap();
        assert!(mended.cert_pem.contains("BEGIN CERTIFICATE"));
    }

    #[test]
    fn renewed_a_month_before_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::new(SecretsBackend::File, dir.path());
        let first = load_or_make(dir.path(), &secrets, &[]).unwrap();
        let kept_file = dir.path().join("tls/self-signed.json");
        let mut kept: Kept = serde_json::from_slice(&std::fs::read(&kept_file).unwrap()).unwrap();
        assert_eq!(kept.not_after().unwrap().year(), Utc::now().year() + YEARS);
        kept.not_after = (Utc::now().date_naive() + chrono::Days::new(20)).to_string();
        std::fs::write(&kept_file, serde_json::to_vec(&kept).unwrap()).unwrap();
        let renewed = load_or_make(dir.path(), &secrets, &[]).unwrap();
        assert_ne!(fingerprint_of(&first), fingerprint_of(&renewed));
    }
}
