//! Email: the [`Mailer`] seam (SMTP through lettre in the product, a
//! recording fake in tests) and the [`outbox`] task that sends queued
//! messages, retrying with backoff, and the daily digest. A failing server
//! delays email only: alerts still open, show in the UI and notify the
//! desktop. What the messages say is decided in
//! [`animov_core::alerts::message`].

#[cfg(any(test, feature = "testing"))]
mod fake;
pub mod outbox;
mod smtp;

use std::{future::Future, pin::Pin};

#[cfg(any(test, feature = "testing"))]
pub use fake::{RecordingMailer, Sent};
pub use smtp::SmtpMailer;

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// No server in the settings.
    #[error("no SMTP server is configured: set email.smtp_host in animov.toml")]
    NotConfigured,
    /// A bad address.
    #[error("{0:?} is not an email address")]
    Address(String),
    /// The SMTP password cannot be read from the secret store.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// The server refused or could not be reached.
    #[error("the SMTP server {server} did not take the message: {reason}")]
    Smtp {
        /// host:port.
        server: String,
        /// What it said.
        reason: String,
    },
}

impl EmailError {
    /// Whether trying again cannot help (the settings must change first).
    pub fn is_permanent(&self) -> bool {
        matches!(self, EmailError::NotConfigured | EmailError::Address(_))
    }
}

/// A boxed future, so that [`Mailer`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one message to its recipients.
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Sends `subject` and `body` (plain text) to every address in `to`.
    fn send<'a>(
        &'a self,
        to: &'a [String],
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), EmailError>>;
}
