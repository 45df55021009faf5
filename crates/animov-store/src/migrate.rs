//! Embedded migrations, one set per backend with the same version numbers.

use std::borrow::Cow;

use sqlx::{
    AnyPool,
    migrate::{Migration, MigrationType, Migrator},
};

use crate::{Backend, StoreError};

const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "vision",
        include_str!("../../../migrations/sqlite/0002_vision.sql"),
    ),
    (
        3,
        "forecast",
        include_str!("../../../migrations/sqlite/0003_forecast.sql"),
    ),
    (
        4,
        "alerts",
        include_str!("../../../migrations/sqlite/0004_alerts.sql"),
    ),
    (
        5,
        "accounts",
        include_str!("../../../migrations/sqlite/0005_accounts.sql"),
    ),
    (
        6,
        "alert feedback",
        include_str!("../../../migrations/sqlite/0006_alert_feedback.sql"),
    ),
    (
        7,
        "notes",
        include_str!("../../../migrations/sqlite/0007_notes.sql"),
    ),
    (
        8,
        "dataset",
        include_str!("../../../migrations/sqlite/0008_dataset.sql"),
    ),
    (
        9,
        "sync",
        include_str!("../../../migrations/sqlite/0009_sync.sql"),
    ),
    (
        10,
        "rollups",
        include_str!("../../../migrations/sqlite/0010_rollups.sql"),
    ),
];
const MYSQL: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../../migrations/mysql/0001_init.sql"),
    ),
    (
        2,
        "vision",
        include_str!("../../../migrations/mysql/0002_vision.sql"),
    ),
    (
        3,
        "forecast",
        include_str!("../../../migrations/mysql/0003_forecast.sql"),
    ),
    (
        4,
        "alerts",
        include_str!("../../../migrations/mysql/0004_alerts.sql"),
    ),
    (
        5,
        "accounts",
        include_str!("../../../migrations/mysql/0005_accounts.sql"),
    ),
    (
        6,
        "alert feedback",
        include_str!("../../../migrations/mysql/0006_alert_feedback.sql"),
    ),
    (
        7,
        "notes",
        include_str!("../../../migrations/mysql/0007_notes.sql"),
    ),
    (
        8,
        "dataset",
        include_str!("../../../migrations/mysql/0008_dataset.sql"),
    ),
    (
        9,
        "sync",
        include_str!("../../../migrations/mysql/0009_sync.sql"),
    ),
    (
        10,
        "rollups",
        include_str!("../../../migrations/mysql/0010_rollups.sql"),
    ),
];

/// The schema version this binary writes: its newest migration (the
/// same on both backends).
pub const SCHEMA_VERSION: i64 = SQLITE[SQLITE.len() - 1].0;

/// The newest migration applied to the database, if it has any.
async fn applied(pool: &AnyPool) -> Option<i64> {
    // No table yet (a new database) reads as none.
    sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .ok()
        .flatten()
}

/// The migrations of `backend`, in order.
pub(crate) fn migrator(backend: Backend) -> Migrator {
    let set = match backend {
        Backend::Sqlite => SQLITE,
        Backend::MySql => MYSQL,
    };
    let migrations = set
        .iter()
        .map(|(v, d, sql)| {
            Migration::new(
                *v,
                Cow::Borrowed(*d),
                MigrationType::Simple,
                Cow::Borrowed(*sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// Applies pending migrations.
#[tracing::instrument(skip(pool))]
pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<(), StoreError> {
    if let Some(found) = applied(pool).await
        && found > SCHEMA_VERSION
    {
        return Err(StoreError::NewerSchema {
            found,
            known: SCHEMA_VERSION,
            version: env!("CARGO_PKG_VERSION"),
        });
    }
    migrator(backend).run(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_versions() {
        let versions = |set: &[(i64, &str, &str)]| set.iter().map(|m| m.0).collect::<Vec<_>>();
        assert_eq!(versions(SQLITE), versions(MYSQL));
        assert_eq!(versions(SQLITE), (1..=SCHEMA_VERSION).collect::<Vec<_>>());
    }
}
