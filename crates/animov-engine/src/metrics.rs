//! In-process counters, exposed as Prometheus text on `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters of the running engine.
#[derive(Debug, Default)]
pub struct Metrics {
    /// HTTP answers 2xx/3xx.
    pub http_ok: AtomicU64,
    /// HTTP answers 4xx.
    pub http_client_errors: AtomicU64,
    /// HTTP answers 5xx.
    pub http_server_errors: AtomicU64,
    /// Frames stored.
    pub frames_accepted: AtomicU64,
    /// Frames already stored (idempotent re-sends).
    pub frames_duplicate: AtomicU64,
    /// Ingest requests refused.
    pub ingest_rejected: AtomicU64,
    /// Minute rows written.
    pub minutes_closed: AtomicU64,
    /// Failed logins.
    pub login_failures: AtomicU64,
}

impl Metrics {
    /// Counts one HTTP answer.
    pub fn count_status(&self, status: u16) {
        match status {
            500.. => &self.http_server_errors,
            400..=499 => &self.http_client_errors,
            _ => &self.http_ok,
        }
        .fetch_add(1, Relaxed);
    }

    /// Prometheus text exposition (format 0.0.4); `pending_minutes` comes from the store.
    pub fn render(&self, pending_minutes: i64, version: &str) -> String {
        let mut out = String::new();
        let mut put = |name: &str, kind: &str, help: &str, lines: &[(&str, u64)]| {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            for (labels, v) in lines {
                out.push_str(&format!("{name}{labels} {v}\n"));
            }
        };
        put(
            "animov_build_info",
            "gauge",
            "Engine version.",
            &[(&format!("{{version=\"{version}\"}}"), 1)],
        );
        put(
            "animov_http_responses_total",
            "counter",
            "HTTP responses by status class.",
            &[
                ("{class=\"ok\"}", self.http_ok.load(Relaxed)),
                (
                    "{class=\"client_error\"}",
                    self.http_client_errors.load(Relaxed),
                ),
                (
                    "{class=\"server_error\"}",
                    self.http_server_errors.load(Relaxed),
                ),
            ],
        );
        put(
            "animov_ingest_frames_total",
            "counter",
            "Frames received by ingest, by outcome.",
            &[
                ("{outcome=\"accepted\"}", self.frames_accepted.load(Relaxed)),
                (
                    "{outcome=\"duplicate\"}",
                    self.frames_duplicate.load(Relaxed),
                ),
            ],
        );
        put(
            "animov_ingest_rejected_total",
            "counter",
            "Ingest requests refused.",
            &[("", self.ingest_rejected.load(Relaxed))],
        );
        put(
            "animov_minutes_closed_total",
            "counter",
            "Minute statistics rows written.",
            &[("", self.minutes_closed.load(Relaxed))],
        );
        put(
            "animov_login_failures_total",
            "counter",
            "Failed sign-ins.",
            &[("", self.login_failures.load(Relaxed))],
        );
        put(
            "animov_pending_minutes",
            "gauge",
            "Minutes waiting for their statistics.",
            &[("", pending_minutes.max(0) as u64)],
        );
        out
    }
}
