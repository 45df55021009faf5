//! Delivery decisions: whether and when an alert is worth a message
//! (cooldown, quiet hours, critical-only), whether it is worth a desktop
//! notification now, when a failed email is tried again, and when the daily
//! digest is due.

use animov_api::{AlertChangeKind, DeliverySettings, Severity};

use crate::time::{HOUR_MS, MINUTE_MS, in_hours, local_day_start, local_hour};

/// Tries before an email is given up.
pub const MAX_ATTEMPTS: i64 = 8;

/// Whether `now_ms` falls in the quiet hours (none set: never).
pub fn in_quiet_hours(s: &DeliverySettings, now_ms: i64) -> bool {
    match (s.quiet_start_hour, s.quiet_end_hour) {
        (Some(a), Some(b)) => in_hours(local_hour(now_ms, s.utc_offset_minutes), a, b),
        _ => false,
    }
}

/// Whether an alert change deserves a desktop notification now: it opened or
/// escalated, and it is critical or outside the quiet hours.
pub fn notify_desktop(
    s: &DeliverySettings,
    change: AlertChangeKind,
    severity: Severity,
    now_ms: i64,
) -> bool {
    matches!(change, AlertChangeKind::Opened | AlertChangeKind::Escalated)
        && (severity == Severity::Critical || !in_quiet_hours(s, now_ms))
}

/// What to do after a failed try of an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Try again at this time, UTC ms.
    At(i64),
    /// Give up: too many tries, or a failure that trying again will not fix.
    GiveUp,
}

/// Minutes before the try after `attempts` failed ones: 1, 2, 4, … up to 64.
pub fn backoff_minutes(attempts: i64) -> i64 {
    1i64 << attempts.clamp(0, 6)
}

/// The retry schedule: after the try number `attempts` (1 = the first)
/// failed at `now_ms`, try again after 1, 2, 4 … 64 minutes, until
/// [`MAX_ATTEMPTS`]; a `permanent` failure (no server configured, a bad
/// address) is not tried again.
pub fn retry_after_failure(attempts: i64, permanent: bool, now_ms: i64) -> Retry {
    if permanent || attempts >= MAX_ATTEMPTS {
        Retry::GiveUp
    } else {
        Retry::At(now_ms + backoff_minutes(attempts - 1) * MINUTE_MS)
    }
}

/// Whether a message was held back by the quiet hours: never tried, and due
/// well after it was queued. Such a warning is no longer news once its alert
/// has ended (only then is the alert worth reading).
pub fn was_held_back(attempts: i64, created_ms: i64, next_try_ms: i64) -> bool {
    attempts == 0 && next_try_ms > created_ms + MINUTE_MS
}

/// When to send a message about an alert of `severity` raised at `now_ms`:
/// `None` when it must not be sent (no recipient, a warning with
/// critical-only, or within the rule's cooldown), otherwise the time to send
/// it — now, or the end of the quiet hours for a warning raised during them.
pub fn message_time(
    s: &DeliverySettings,
    severity: Severity,
    now_ms: i64,
    last_notified_ms: Option<i64>,
) -> Option<i64> {
    if s.email_to.is_empty() || (s.email_critical_only && severity < Severity::Critical) {
        return None;
    }
    let cooldown = i64::from(s.cooldown_minutes) * MINUTE_MS;
    if last_notified_ms.is_some_and(|t| now_ms - t < cooldown) {
        return None;
    }
    match (s.quiet_start_hour, s.quiet_end_hour) {
        (Some(a), Some(b))
            if severity < Severity::Critical
                && in_hours(local_hour(now_ms, s.utc_offset_minutes), a, b) =>
        {
            Some(quiet_end(now_ms, s.utc_offset_minutes, b))
        }
        _ => Some(now_ms),
    }
}

/// The next time it is `end_hour` local after `now_ms`.
fn quiet_end(now_ms: i64, off: i32, end_hour: u32) -> i64 {
    let day = local_day_start(now_ms, off);
    let t = day + i64::from(end_hour) * HOUR_MS;
    if t > now_ms { t } else { t + 24 * HOUR_MS }
}

/// Whether the daily digest is due at `now_ms`, given when the last one went
/// out: once a local day, at or after the digest hour.
pub fn digest_due(s: &DeliverySettings, now_ms: i64, last_digest_ms: Option<i64>) -> bool {
    let Some(hour) = s.digest_hour else {
        return false;
    };
    if s.email_to.is_empty() {
        return false;
    }
    let today = local_day_start(now_ms, s.utc_offset_minutes) + i64::from(hour) * HOUR_MS;
    now_ms >= today && last_digest_ms.is_none_or(|t| t < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY0: i64 = 1_732_838_400_000; // a UTC midnight

    fn settings() -> DeliverySettings {
        DeliverySettings {
            email_to: vec!["farm@example.org".into()],
            utc_offset_minutes: 0,
            ..DeliverySettings::default()
        }
    }

    #[test]
    fn cooldown_critical_only_and_no_recipient() {
        let s = settings();
        let now = DAY0 + 12 * HOUR_MS;
        assert_eq!(message_time(&s, Severity::Warning, now, None), Some(now));
        // 60 min cooldown per rule and camera.
        assert_eq!(
            message_time(&s, Severity::Warning, now, Some(now - 59 * MINUTE_MS)),
            None
        );
        assert_eq!(
            message_time(&s, Severity::Critical, now, Some(now - 60 * MINUTE_MS)),
            Some(now)
        );
        let critical_only = DeliverySettings {
            email_critical_only: true,
            ..settings()
        };
        assert_eq!(
            message_time(&critical_only, Severity::Warning, now, None),
            None
        );
        assert_eq!(
            message_time(&critical_only, Severity::Critical, now, None),
            Some(now)
        );
        assert_eq!(
            message_time(&DeliverySettings::default(), Severity::Critical, now, None),
            None
        );
    }

    #[test]
    fn quiet_hours_hold_warnings_until_they_end_but_not_critical_alerts() {
        let s = DeliverySettings {
            quiet_start_hour: Some(21),
            quiet_end_hour: Some(6),
            ..settings()
        };
        let late = DAY0 + 23 * HOUR_MS;
        assert_eq!(
            message_time(&s, Severity::Warning, late, None),
            Some(DAY0 + 30 * HOUR_MS)
        );
        let early = DAY0 + 2 * HOUR_MS;
        assert_eq!(
            message_time(&s, Severity::Warning, early, None),
            Some(DAY0 + 6 * HOUR_MS)
        );
        assert_eq!(message_time(&s, Severity::Critical, late, None), Some(late));
        let day = DAY0 + 10 * HOUR_MS;
        assert_eq!(message_time(&s, Severity::Warning, day, None), Some(day));
    }

    #[test]
    fn desktop_notifications_wait_out_quiet_hours_except_critical_ones() {
        let s = DeliverySettings {
            quiet_start_hour: Some(21),
            quiet_end_hour: Some(6),
            ..settings()
        };
        let (night, day) = (DAY0 + 23 * HOUR_MS, DAY0 + 12 * HOUR_MS);
        use AlertChangeKind::*;
        assert!(!notify_desktop(&s, Opened, Severity::Warning, night));
        assert!(notify_desktop(&s, Opened, Severity::Critical, night));
        assert!(notify_desktop(&s, Escalated, Severity::Warning, day));
        assert!(!notify_desktop(&s, Resolved, Severity::Critical, day));
        assert!(!notify_desktop(&s, Acknowledged, Severity::Critical, day));
        assert!(notify_desktop(
            &settings(),
            Opened,
            Severity::Warning,
            night
        ));
    }

    #[test]
    fn failed_emails_are_retried_with_doubling_delays_then_given_up() {
        let v: Vec<i64> = (0..9).map(backoff_minutes).collect();
        assert_eq!(v, [1, 2, 4, 8, 16, 32, 64, 64, 64]);
        let now = DAY0;
        assert_eq!(
            retry_after_failure(1, false, now),
            Retry::At(now + MINUTE_MS)
        );
        assert_eq!(
            retry_after_failure(3, false, now),
            Retry::At(now + 4 * MINUTE_MS)
        );
        assert_eq!(
            retry_after_failure(MAX_ATTEMPTS - 1, false, now),
            Retry::At(now + 64 * MINUTE_MS)
        );
        assert_eq!(retry_after_failure(MAX_ATTEMPTS, false, now), Retry::GiveUp);
        assert_eq!(retry_after_failure(1, true, now), Retry::GiveUp);
    }

    #[test]
    fn only_messages_held_by_quiet_hours_can_go_stale() {
        let created = DAY0 + 23 * HOUR_MS;
        let morning = DAY0 + 30 * HOUR_MS;
        assert!(was_held_back(0, created, morning));
        // Sent at once (not held), or already tried: it goes out as planned.
        assert!(!was_held_back(0, created, created));
        assert!(!was_held_back(1, created, morning));
    }

    #[test]
    fn the_digest_goes_once_a_day_at_its_hour() {
        let s = DeliverySettings {
            digest_hour: Some(7),
            ..settings()
        };
        assert!(!digest_due(&s, DAY0 + 6 * HOUR_MS, None));
        assert!(digest_due(&s, DAY0 + 7 * HOUR_MS, None));
        assert!(!digest_due(
            &s,
            DAY0 + 8 * HOUR_MS,
            Some(DAY0 + 7 * HOUR_MS)
        ));
        assert!(digest_due(
            &s,
            DAY0 + 31 * HOUR_MS,
            Some(DAY0 + 7 * HOUR_MS)
        ));
        assert!(!digest_due(&settings(), DAY0 + 8 * HOUR_MS, None));
    }
}
