//! A mailer for tests: it records what it was asked to send, and fails the
//! way a test tells it to.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use super::{BoxFuture, EmailError, Mailer};

/// One message handed to the mailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Recipients.
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
}

/// Records messages; answers each send with the next planned failure, if any.
#[derive(Debug, Clone, Default)]
pub struct RecordingMailer {
    sent: Arc<Mutex<Vec<Sent>>>,
    failures: Arc<Mutex<VecDeque<EmailError>>>,
}

impl RecordingMailer {
    /// A mailer that takes every message.
    pub fn new() -> RecordingMailer {
        RecordingMailer::default()
    }

    /// The next sends fail with these errors, in order (then they succeed again).
    pub fn fail_with(&self, errors: impl IntoIterator<Item = EmailError>) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(errors);
    }

    /// The messages taken so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Mailer for RecordingMailer {
    fn send<'a>(
        &'a self,
        to: &'a [String],
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), EmailError>> {
        let failure = self
            .failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front();
        let result = match failure {
            Some(e) => Err(e),
            None => {
                self.sent
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Sent {
                        to: to.to_vec(),
                        subject: subject.to_string(),
                        body: body.to_string(),
                    });
                Ok(())
            }
        };
        Box::pin(std::future::ready(result))
    }
}
