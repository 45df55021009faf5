//! OS desktop notifications: what the engine pushes that a farmer should see
//! even with the window closed (the alerts issue adds alert events here).

use animov_api::Event;
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
}
