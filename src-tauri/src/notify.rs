//! OS desktop notifications: what the engine pushes that a farmer should see
//! even with the window closed — alerts that open or get worse (the engine
//! already holds warnings back during quiet hours).

use animov_api::Event;
use animov_core::alerts::message::desktop_notice;
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::{self, error::RecvError};

/// A desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// First line.
    pub title: String,
    /// Text.
    pub body: String,
}

/// The notification an engine event deserves, if any. New frames never do.
pub fn notice_for(event: &Event) -> Option<Notice> {
    match event {
        Event::Frame(_) => None,
        Event::Alert(c) if c.notify => {
            let (title, body) = desktop_notice(&c.alert);
            Some(Notice { title, body })
        }
        Event::Alert(_) => None,
    }
}

/// Shows a notification for each engine event that deserves one, until the engine stops.
pub fn forward<R: Runtime>(app: AppHandle<R>, mut events: broadcast::Receiver<Event>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(e) => e,
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "notifications fell behind the engine's events");
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            if let Some(n) = notice_for(&event)
                && let Err(e) = app
                    .notification()
                    .builder()
                    .title(&n.title)
                    .body(&n.body)
                    .show()
            {
                // No notification service (e.g. a bare X server): the UI still shows it.
                tracing::warn!(error = %e, title = n.title, "desktop notification not shown");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_do_not_notify() {
        let e = Event::Frame(animov_api::LiveCounts {
            source: "demo-1".into(),
            ts_ms: 0,
            lying: 1,
            standing: 2,
            total: 3,
        });
        assert_eq!(notice_for(&e), None);
    }

    fn alert_change(notify: bool, severity: Severity) -> Event {
        Event::Alert(Box::new(animov_api::AlertChange {
            change: animov_api::AlertChangeKind::Opened,
            notify,
            alert: animov_api::Alert {
                id: 1,
                source: "demo-1".into(),
                rule: animov_api::RuleKind::CameraOffline,
                severity,
                state: animov_api::AlertState::Open,
                since_ms: 0,
                opened_ms: 0,
                resolved_ms: None,
                resolved_by: None,
                ack_by: None,
                ack_ms: None,
                ack_comment: None,
                message: "no picture from the camera for 3 min".into(),
                value: None,
                threshold: None,
                track_id: None,
                feedback: None,
                feedback_by: None,
            },
        }))
    }

    use animov_api::Severity;

    #[test]
    fn alerts_notify_in_french_unless_held_back() {
        let n = notice_for(&alert_change(true, Severity::Critical)).unwrap();
        assert_eq!(n.title, "Alerte critique — demo-1 : caméra hors ligne");
        assert_eq!(n.body, "no picture from the camera for 3 min");
        assert_eq!(notice_for(&alert_change(false, Severity::Warning)), None);
    }
}
