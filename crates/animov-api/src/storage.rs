//! Where the data lives and how much room it takes (`/api/v1/storage`, admin).

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// How long recordings are kept and how much disk they may use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// Recordings older than this many days are deleted (kept ones never).
    pub retention_days: u32,
    /// Recordings may use at most this many GiB; the oldest go first.
    pub quota_gib: f64,
}

impl StorageSettings {
    /// Refuses settings that cannot work, naming the field to blame.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=3650).contains(&self.retention_days) {
            return Err(FieldError::new(
                "retention_days",
                "retention_days must be between 1 and 3650",
            ));
        }
        if !(self.quota_gib.is_finite() && (0.1..=1_000_000.0).contains(&self.quota_gib)) {
            return Err(FieldError::new(
                "quota_gib",
                "quota_gib must be between 0.1 and 1000000",
            ));
        }
        Ok(())
    }
}

/// Bytes used by each kind of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StorageUse {
    /// Recording segments.
    pub recordings: u64,
    /// Of which flagged *keep* (never deleted by retention).
    pub kept: u64,
    /// Snapshots.
    pub snapshots: u64,
    /// The SQLite database (`null` on MySQL: it lives on its server).
    pub database: Option<u64>,
    /// Log files.
    pub logs: u64,
}

/// The recording retention will delete next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextDeletion {
    /// Its camera.
    pub source: String,
    /// Its start, UTC ms.
    pub start_ms: i64,
    /// When the age limit deletes it, UTC ms (sooner if the quota is reached).
    pub at_ms: i64,
}

/// `GET /api/v1/storage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StorageInfo {
    /// Data folder.
    pub data_dir: String,
    /// The database, without secrets.
    pub database: String,
    /// Free space on the data folder's disk (for this user), bytes.
    pub free_bytes: Option<u64>,
    /// Size of that disk, bytes.
    pub total_bytes: Option<u64>,
    /// What each kind of data uses.
    pub used: StorageUse,
    /// Retention in force.
    pub settings: StorageSettings,
    /// Segments retention deletes at its next pass (past their age or over the quota).
    pub due_segments: u32,
    /// Their size, bytes.
    pub due_bytes: u64,
    /// The oldest segment not due yet, and when its age runs out.
    pub next: Option<NextDeletion>,
    /// Free space kept for the database: below it, recording stops (after
    /// retention deleted what it may), bytes.
    #[serde(default)]
    pub reserve_bytes: u64,
    /// Recording is stopped because the disk is full.
    #[serde(default)]
    pub recording_paused: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_settings_are_checked() {
        let ok = StorageSettings {
            retention_days: 14,
            quota_gib: 50.0,
        };
        assert!(ok.validate().is_ok());
        for (bad, field) in [
            (
                StorageSettings {
                    retention_days: 0,
                    ..ok
                },
                "retention_days",
            ),
            (
                StorageSettings {
                    quota_gib: f64::NAN,
                    ..ok
                },
                "quota_gib",
            ),
            (
                StorageSettings {
                    quota_gib: 0.0,
                    ..ok
                },
                "quota_gib",
            ),
        ] {
            assert_eq!(bad.validate().unwrap_err().field, field);
        }
    }
}
