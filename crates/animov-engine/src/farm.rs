//! The farm's own settings, saved by the first-run setup: its name, its time
//! zone (which drives alert hours, quiet hours and the herd's day) and the
//! language of what the engine writes for people.

use animov_api::{FarmSettings, FarmSetup, FieldError};
use animov_store::{Store, StoreError};
use chrono::{Offset, TimeZone};

use crate::users::{UserError, add_user};

/// Name of the farm settings in `app_settings`.
pub const FARM_SETTING: &str = "farm";

/// The machine's IANA time zone (`UTC` when it cannot be told).
pub fn detected_time_zone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .filter(|tz| tz.parse::<chrono_tz::Tz>().is_ok())
        .unwrap_or_else(|| "UTC".into())
}

/// Every IANA time zone the engine knows, sorted.
pub fn time_zones() -> Vec<String> {
    let mut v: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_string())
        .collect();
    v.sort();
    v
}

/// Offset of `time_zone` from UTC at `at_ms`, minutes; `None` for an unknown zone.
pub fn offset_minutes(time_zone: &str, at_ms: i64) -> Option<i32> {
    let tz: chrono_tz::Tz = time_zone.parse().ok()?;
    let at = chrono::Utc.timestamp_millis_opt(at_ms).single()?;
    Some(
        tz.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
            / 60,
    )
}

/// The saved farm settings, if the setup was done.
pub async fn load(store: &Store) -> Result<Option<FarmSettings>, StoreError> {
    match store.app_setting(FARM_SETTING).await? {
        Some(json) => serde_json::from_slice(&json).map(Some).map_err(|e| {
            StoreError::Corrupt(format!("the saved farm settings cannot be read ({e})"))
        }),
        None => Ok(None),
    }
}

/// The farm's offset from UTC at `at_ms`, once its time zone is set up.
pub async fn farm_offset_minutes(store: &Store, at_ms: i64) -> Option<i32> {
    let tz = load(store).await.ok().flatten()?.time_zone;
    offset_minutes(&tz, at_ms)
}

/// The machine's offset from UTC now, minutes.
pub fn machine_offset_minutes() -> i32 {
    chrono::Local::now().offset().local_minus_utc() / 60
}

/// The offset from UTC that alert hours and days use at `at_ms`: the
/// farm's time zone once set up, else the machine's.
pub async fn utc_offset_minutes(store: &Store, at_ms: i64) -> i32 {
    farm_offset_minutes(store, at_ms)
        .await
        .unwrap_or_else(machine_offset_minutes)
}

/// Why the setup was refused.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A field is wrong.
    #[error("{}", .0.message)]
    Field(FieldError),
    /// The admin account cannot be created.
    #[error(transparent)]
    User(#[from] UserError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Saves the farm's settings and creates the admin account when given (the
/// account first: a taken name or weak password saves nothing).
pub async fn save(store: &Store, setup: &FarmSetup) -> Result<FarmSettings, SetupError> {
    setup.validate().map_err(SetupError::Field)?;
    if setup.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(SetupError::Field(FieldError::new(
            "time_zone",
            format!(
                "unknown time zone {:?}: pick one from the list (e.g. Europe/Paris)",
                setup.time_zone
            ),
        )));
    }
    if let Some(a) = &setup.admin {
        add_user(store, &a.username, animov_api::Role::Admin, &a.password).await?;
    }
    let settings = setup.settings();
    let json = serde_json::to_vec(&settings).expect("settings serialise");
    store.set_app_setting(FARM_SETTING, &json).await?;
    tracing::info!(farm = %settings.farm_name, time_zone = %settings.time_zone, "farm set up");
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_summer_time() {
        // 2026-01-15 and 2026-07-15, noon UTC.
        assert_eq!(offset_minutes("Europe/Paris", 1_768_478_400_000), Some(60));
        assert_eq!(offset_minutes("Europe/Paris", 1_784_116_800_000), Some(120));
        assert_eq!(
            offset_minutes("America/Montreal", 1_768_478_400_000),
            Some(-300)
        );
        assert_eq!(offset_minutes("Mars/Olympus", 0), None);
        assert!(time_zones().iter().any(|t| t == "Europe/Paris"));
        assert!(detected_time_zone().parse::<chrono_tz::Tz>().is_ok());
    }
}
