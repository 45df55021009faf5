//! In-process counters, exposed as Prometheus text on `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Per-camera gauges and counters (Prometheus text).
pub fn render_cameras(health: &[animov_api::CameraHealth]) -> String {
    if health.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    type Series = (
        &'static str,
        &'static str,
        &'static str,
        fn(&animov_api::CameraHealth) -> f64,
    );
    let series: [Series; 7] = [
        (
            "animov_camera_up",
            "gauge",
            "1 when the camera delivers frames.",
            |h| f64::from(u8::from(h.state == animov_api::CameraState::Running)),
        ),
        (
            "animov_camera_fps_in",
            "gauge",
            "Frames decoded per second (last minute).",
            |h| h.fps_in,
        ),
        (
            "animov_camera_fps_out",
            "gauge",
            "Frames analysed per second (last minute).",
            |h| h.fps_out,
        ),
        (
            "animov_camera_frames_dropped_total",
            "counter",
            "Frames dropped because inference was behind.",
            |h| h.dropped as f64,
        ),
        (
            "animov_camera_reconnects_total",
            "counter",
            "Times the camera was reopened.",
            |h| h.reconnects as f64,
        ),
        (
            "animov_camera_inference_ms",
            "gauge",
            "Mean detection time per frame.",
            |h| h.inference_ms.unwrap_or(0.0),
        ),
        (
            "animov_camera_segments_total",
            "counter",
            "Recording segments written since start.",
            |h| h.segments as f64,
        ),
    ];
    for (name, kind, help, f) in series {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for h in health {
            let source = h.source.replace('\\', "\\\\").replace('"', "\\\"");
            out.push_str(&format!("{name}{{source=\"{source}\"}} {}\n", f(h)));
        }
    }
    out
}

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
    /// Camera frames waiting for an unreachable database.
    pub camera_frames_waiting: AtomicU64,
    /// Camera frames dropped because the database was away too long.
    pub camera_frames_dropped: AtomicU64,
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
            "animov_camera_frames_waiting",
            "gauge",
            "Camera frames waiting for the database to answer again.",
            &[("", self.camera_frames_waiting.load(Relaxed))],
        );
        put(
            "animov_camera_frames_dropped_total",
            "counter",
            "Camera frames dropped because the database was unreachable for too long.",
            &[("", self.camera_frames_dropped.load(Relaxed))],
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
