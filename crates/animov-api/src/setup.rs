//! First-run setup of a barn PC: the farm, its time zone, the owner's
//! account for signing in from elsewhere.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// `GET /api/v1/setup` (admin): whether the first-run setup still has to be
/// done, and the farm's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupStatus {
    /// True until the setup was saved once (never with `--demo`).
    pub needed: bool,
    /// The farm's name, once set.
    pub farm_name: Option<String>,
    /// IANA time zone that drives alert hours and the herd's day.
    pub time_zone: String,
    /// The machine's own time zone (the default).
    pub detected_time_zone: String,
    /// Every time zone the engine knows, for the picker.
    pub time_zones: Vec<String>,
    /// Users who can sign in with a password (none yet on a fresh install).
    pub password_users: u32,
}

/// An account to create during setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// Login name.
    pub username: String,
    /// Password (at least 8 characters).
    pub password: String,
}

/// `PUT /api/v1/setup` body (admin): the farm's settings; the admin account
/// is created once, when given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FarmSetup {
    /// The farm's name (1 to 100 characters).
    pub farm_name: String,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// `fr` or `en`: the language of emails and notifications.
    pub language: String,
    /// An admin account for signing in from another computer, a phone or
    /// for vets; optional.
    #[serde(default)]
    pub admin: Option<NewAccount>,
}

/// The farm's settings as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FarmSettings {
    /// The farm's name.
    pub farm_name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// `fr` or `en`.
    pub language: String,
}

impl FarmSetup {
    /// Refuses settings that cannot be stored, naming the field to blame
    /// (the time zone is checked against the engine's list elsewhere).
    pub fn validate(&self) -> Result<(), FieldError> {
        let n = self.farm_name.trim().chars().count();
        if n == 0 || n > 100 {
            return Err(FieldError::new(
                "farm_name",
                "the farm's name must be 1 to 100 characters",
            ));
        }
        if !matches!(self.language.as_str(), "fr" | "en") {
            return Err(FieldError::new("language", "language must be fr or en"));
        }
        Ok(())
    }

    /// What is stored.
    pub fn settings(&self) -> FarmSettings {
        FarmSettings {
            farm_name: self.farm_name.trim().to_string(),
            time_zone: self.time_zone.clone(),
            language: self.language.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_checks_name_and_language() {
        let ok = FarmSetup {
            farm_name: " La Chèvrerie ".into(),
            time_zone: "Europe/Paris".into(),
            language: "fr".into(),
            admin: None,
        };
        assert!(ok.validate().is_ok());
        assert_eq!(ok.settings().farm_name, "La Chèvrerie");
        let e = FarmSetup {
            farm_name: "  ".into(),
            ..ok.clone()
        };
        assert_eq!(e.validate().unwrap_err().field, "farm_name");
        let e = FarmSetup {
            language: "de".into(),
            ..ok
        };
        assert_eq!(e.validate().unwrap_err().field, "language");
    }
}
