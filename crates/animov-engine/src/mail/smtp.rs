//! The SMTP mailer (lettre): the server from `[email]` in animov.toml, the
//! password the `smtp-password` secret, read at each message so a new one
//! counts at once.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::authentication::Credentials,
};

use super::{BoxFuture, EmailError, Mailer};
use crate::{
    config::{EmailConfig, EmailTls},
    secrets::{Secrets, names::SMTP_PASSWORD},
};

/// Sends through the configured SMTP server.
#[derive(Debug, Clone)]
pub struct SmtpMailer {
    config: EmailConfig,
    secrets: Secrets,
}

/// Whether `cfg` would send a password without encryption to another machine.
pub fn sends_password_in_clear(cfg: &EmailConfig) -> bool {
    let local = |h: &str| {
        h.eq_ignore_ascii_case("localhost")
            || h.trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    };
    cfg.tls == EmailTls::None
        && cfg.username.is_some()
        && cfg.smtp_host.as_deref().is_some_and(|h| !local(h))
}

impl SmtpMailer {
    /// A mailer for `config`, reading the password from `secrets`.
    pub fn new(config: EmailConfig, secrets: Secrets) -> SmtpMailer {
        if sends_password_in_clear(&config) {
            tracing::warn!(
                host = config.smtp_host.as_deref().unwrap_or_default(),
                "email.tls = \"none\" would send the SMTP password in clear to another machine: alert emails will be refused until email.tls is \"starttls\" or \"tls\""
            );
        }
        SmtpMailer { config, secrets }
    }

    #[tracing::instrument(skip_all, fields(to = to.len()))]
    async fn send_now(&self, to: &[String], subject: &str, body: &str) -> Result<(), EmailError> {
        let cfg = &self.config;
        let host = cfg.smtp_host.as_deref().ok_or(EmailError::NotConfigured)?;
        let server = format!("{host}:{}", cfg.smtp_port);
        let smtp = |reason: String| EmailError::Smtp {
            server: server.clone(),
            reason,
        };
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|_| EmailError::Address(cfg.from.clone()))?;
        let mut msg = Message::builder().from(from).subject(subject);
        for t in to {
            msg = msg.to(t.parse().map_err(|_| EmailError::Address(t.clone()))?);
        }
        let msg = msg
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| smtp(e.to_string()))?;
        if sends_password_in_clear(cfg) {
            return Err(smtp(format!(
                "refusing to send the SMTP password in clear to {host}: set email.tls to \"starttls\" or \"tls\" (plain SMTP only to a relay on this machine)"
            )));
        }
        let builder = match cfg.tls {
            EmailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            EmailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            EmailTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|e| smtp(e.to_string()))?;
        let mut builder = builder
            .port(cfg.smtp_port)
            .timeout(Some(Duration::from_secs(u64::from(cfg.timeout_seconds))));
        if let Some(user) = &cfg.username {
            // A keyring that cannot be read is an error to report, not an empty password.
            let password = self.secrets.get(SMTP_PASSWORD)?.unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        builder
            .build()
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| smtp(e.to_string()))
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(
        &'a self,
        to: &'a [String],
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), EmailError>> {
        Box::pin(self.send_now(to, subject, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_leaves_the_machine_in_clear() {
        let cfg = |host: &str, tls: EmailTls, user: Option<&str>| EmailConfig {
            smtp_host: Some(host.into()),
            tls,
            username: user.map(String::from),
            ..EmailConfig::default()
        };
        assert!(sends_password_in_clear(&cfg(
            "smtp.example.org",
            EmailTls::None,
            Some("farm")
        )));
        assert!(sends_password_in_clear(&cfg(
            "192.168.1.9",
            EmailTls::None,
            Some("farm")
        )));
        for safe in [
            cfg("smtp.example.org", EmailTls::Starttls, Some("farm")),
            cfg("smtp.example.org", EmailTls::Tls, Some("farm")),
            cfg("smtp.example.org", EmailTls::None, None),
            cfg("localhost", EmailTls::None, Some("farm")),
            cfg("127.0.0.1", EmailTls::None, Some("farm")),
            cfg("[::1]", EmailTls::None, Some("farm")),
        ] {
            assert!(!sends_password_in_clear(&safe), "{:?}", safe.smtp_host);
        }
    }
}
