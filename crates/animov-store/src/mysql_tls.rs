//! Encryption of the MySQL/MariaDB connection, set on its URL.

use std::path::PathBuf;

/// How the connection to MySQL/MariaDB is encrypted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MysqlTls {
    /// As the URL says (`ssl-mode=`); by default encrypted when the server
    /// offers it, its certificate not checked (a machine in the middle
    /// could read the traffic).
    #[default]
    Preferred,
    /// Encrypted or no connection; the certificate is not checked.
    Required,
    /// Encrypted, and the server's certificate must chain to `ca_file` (the
    /// system's CAs when unset) and name the host of the URL.
    Verify {
        /// PEM file of the CA that signed the server's certificate.
        ca_file: Option<PathBuf>,
    },
}

impl MysqlTls {
    /// Sets `ssl-mode` (and `ssl-ca`) on the URL; [`MysqlTls::Preferred`]
    /// leaves it as written.
    pub(crate) fn apply(&self, u: &mut url::Url) {
        let (mode, ca) = match self {
            MysqlTls::Preferred => return,
            MysqlTls::Required => ("REQUIRED", None),
            MysqlTls::Verify { ca_file } => ("VERIFY_IDENTITY", ca_file.as_ref()),
        };
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !matches!(&**k, "ssl-mode" | "sslmode" | "ssl-ca" | "sslca"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut q = u.query_pairs_mut();
        q.clear().extend_pairs(kept).append_pair("ssl-mode", mode);
        if let Some(ca) = ca {
            q.append_pair("ssl-ca", &ca.to_string_lossy());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(tls: MysqlTls, url: &str) -> String {
        let mut u = url::Url::parse(url).unwrap();
        tls.apply(&mut u);
        u.into()
    }

    #[test]
    fn preferred_leaves_the_url_as_written() {
        let url = "mysql://a@db:3306/animov?ssl-mode=DISABLED";
        assert_eq!(applied(MysqlTls::Preferred, url), url);
    }

    #[test]
    fn verify_replaces_the_urls_own_mode_and_keeps_other_settings() {
        let tls = MysqlTls::Verify {
            ca_file: Some("/etc/animov/db ca.pem".into()),
        };
        let url = "mysql://a@db:3306/animov?charset=utf8mb4&sslmode=disabled&ssl-ca=/x.pem";
        assert_eq!(
            applied(tls, url),
            "mysql://a@db:3306/animov?charset=utf8mb4&ssl-mode=VERIFY_IDENTITY&ssl-ca=%2Fetc%2Fanimov%2Fdb+ca.pem"
        );
        let system_cas = MysqlTls::Verify { ca_file: None };
        assert_eq!(
            applied(system_cas, "mysql://a@db/animov"),
            "mysql://a@db/animov?ssl-mode=VERIFY_IDENTITY"
        );
        assert_eq!(
            applied(MysqlTls::Required, "mysql://a@db/animov"),
            "mysql://a@db/animov?ssl-mode=REQUIRED"
        );
    }
}
