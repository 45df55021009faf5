//! How alerts reach people: delivery settings, the email outbox as the admin
//! sees it, the test email.

use serde::{Deserialize, Serialize};

use crate::{FieldError, names::names};

/// How alerts reach people (`GET`/`PUT /api/v1/alerts/delivery`, admin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    /// Email addresses that receive alerts; empty = no email.
    pub email_to: Vec<String>,
    /// Only `critical` alerts by email (warnings still show in the app).
    pub email_critical_only: bool,
    /// After a notification for a rule and camera, none again for it for this many minutes.
    pub cooldown_minutes: u32,
    /// Quiet hours (local): warnings are held back (critical ones still go out); `null` = none.
    pub quiet_start_hour: Option<u32>,
    /// End of the quiet hours (local hour).
    pub quiet_end_hour: Option<u32>,
    /// One email a day at this local hour listing the day's alerts; `null` = none.
    pub digest_hour: Option<u32>,
    /// Local time, minutes from UTC (quiet hours and digest).
    pub utc_offset_minutes: i32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            email_to: Vec::new(),
            email_critical_only: false,
            cooldown_minutes: 60,
            quiet_start_hour: None,
            quiet_end_hour: None,
            digest_hour: None,
            utc_offset_minutes: 60,
        }
    }
}

impl DeliverySettings {
    /// Most recipients accepted.
    pub const MAX_RECIPIENTS: usize = 20;

    /// Refuses settings that cannot work, naming the field to blame. Whether
    /// each recipient is an email address is for the mail library to say.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.email_to.len() > Self::MAX_RECIPIENTS {
            return Err(FieldError::new("email_to", "at most 20 addresses"));
        }
        let bad_hour = |h: Option<u32>| h.is_some_and(|h| h > 23);
        if bad_hour(self.quiet_start_hour)
            || bad_hour(self.quiet_end_hour)
            || bad_hour(self.digest_hour)
        {
            return Err(FieldError::new("quiet_start_hour", "hours are 0 to 23"));
        }
        if self.quiet_start_hour.is_some() != self.quiet_end_hour.is_some() {
            return Err(FieldError::new(
                "quiet_end_hour",
                "give both quiet_start_hour and quiet_end_hour, or neither",
            ));
        }
        if self.cooldown_minutes > 7 * 24 * 60 || !(-840..=840).contains(&self.utc_offset_minutes) {
            return Err(FieldError::new(
                "cooldown_minutes",
                "cooldown_minutes is at most a week and utc_offset_minutes -840 to 840",
            ));
        }
        Ok(())
    }
}

/// Where a message of the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationState {
    /// Waiting for its (next) try.
    Pending,
    /// Delivered to the server.
    Sent,
    /// Given up after too many tries, or refused for good.
    Failed,
    /// No longer worth sending (its alert ended during the quiet hours).
    Dropped,
}

names!(NotificationState, "notification state" {
    Pending => "pending",
    Sent => "sent",
    Failed => "failed",
    Dropped => "dropped",
});

/// A message of the outbox (`GET /api/v1/alerts/notifications`, admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationInfo {
    /// Id.
    pub id: i64,
    /// The alert, if any.
    pub alert_id: Option<i64>,
    /// Subject.
    pub subject: String,
    /// Where it stands.
    pub state: NotificationState,
    /// Tries.
    pub attempts: i64,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Queued at, UTC ms.
    pub created_ms: i64,
    /// Sent at, UTC ms.
    pub sent_ms: Option<i64>,
    /// Next try, UTC ms.
    pub next_try_ms: i64,
}

/// What a test email did (`POST /api/v1/alerts/delivery/test`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestEmailResult {
    /// Recipients it was sent to.
    pub sent_to: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_checks_name_their_field() {
        assert_eq!(DeliverySettings::default().validate(), Ok(()));
        let field = |s: DeliverySettings| s.validate().unwrap_err().field;
        let s = DeliverySettings {
            quiet_start_hour: Some(22),
            ..DeliverySettings::default()
        };
        assert_eq!(field(s), "quiet_end_hour");
        let s = DeliverySettings {
            digest_hour: Some(24),
            ..DeliverySettings::default()
        };
        assert_eq!(field(s), "quiet_start_hour");
        let s = DeliverySettings {
            email_to: vec!["a@b.c".into(); 21],
            ..DeliverySettings::default()
        };
        assert_eq!(field(s), "email_to");
        let s = DeliverySettings {
            cooldown_minutes: 20_000,
            ..DeliverySettings::default()
        };
        assert_eq!(field(s), "cooldown_minutes");
    }
}
