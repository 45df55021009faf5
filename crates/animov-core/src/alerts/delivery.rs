//! Delivery decisions: whether and when an alert is worth a message
//! (cooldown, quiet hours, critical-only), and when the daily digest is due.

use animov_api::{DeliverySettings, Severity};

use super::rules::{in_hours, local_day_start, local_hour};
use crate::time::{HOUR_MS, MINUTE_MS};

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
