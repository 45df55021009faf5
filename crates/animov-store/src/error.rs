/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or opened.
    #[error(
        "cannot open the database ({target}): {reason}. Check the path or URL, that the server runs and the password in the keyring"
    )]
    Connect {
        /// Which database (no secrets).
        target: String,
        /// Why.
        reason: String,
    },
    /// The schema could not be brought up to date.
    #[error(
        "database migration failed: {0}. The database was left as it was; restore a backup or contact support"
    )]
    Migrate(sqlx::migrate::MigrateError),
    /// The database was written by a newer AniMOV: this one does not open
    /// it (it would not know the newer tables), and changed nothing.
    #[error(
        "this database was written by a newer AniMOV (schema version {found}); this AniMOV ({version}) knows schema versions up to {known}. Nothing was changed: install that newer AniMOV again, or restore a backup made by this version"
    )]
    NewerSchema {
        /// The database's schema version.
        found: i64,
        /// The newest this binary knows.
        known: i64,
        /// This binary's version.
        version: &'static str,
    },
    /// A user with that name exists.
    #[error("the user name is already taken")]
    UsernameTaken,
    /// The source is already registered.
    #[error("a source with that name already exists")]
    SourceTaken,
    /// The change does not apply to the thing in its current state.
    #[error("{0}")]
    Conflict(String),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A stored value cannot be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database is not reachable now (no free connection in time, the
    /// connection refused or lost, the pool closed); nothing was written.
    #[error("the database is not reachable: {0}")]
    Unavailable(sqlx::Error),
    /// The disk holding the database is full; nothing was written.
    #[error(
        "the disk holding the database is full; nothing was written. Free space on it (older recordings can go: Storage page): {0}"
    )]
    DiskFull(String),
    /// A sync batch cannot be applied as sent.
    #[error("sync data refused: {0}")]
    Sync(String),
    /// A synced row refers to a row the receiver does not have yet (its
    /// table is sent again from the start of the pass).
    #[error("sync data refers to a row not received yet ({0})")]
    MissingParent(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e),
            sqlx::Error::Database(ref db) if connection_lost(db.code().as_deref()) => {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(ref db) if disk_full(db.code().as_deref(), db.message()) => {
                StoreError::DiskFull(db.message().to_string())
            }
            e => StoreError::Db(e),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(e)
    }
}

impl From<animov_api::UnknownName> for StoreError {
    fn from(e: animov_api::UnknownName) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// Whether a server error says the connection is gone (SQLSTATE class 08:
/// the server shut down, restarted or dropped it) rather than a problem
/// with the statement.
fn connection_lost(sqlstate: Option<&str>) -> bool {
    sqlstate.is_some_and(|c| c.starts_with("08"))
}

/// Whether a server error says the disk is full: SQLite's SQLITE_FULL (13),
/// MariaDB's "disk full" and "table is full" (the message: MySQL's SQLSTATE
/// for them is the generic HY000).
fn disk_full(code: Option<&str>, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    code == Some("13")
        || [
            "disk is full",
            "disk full",
            "no space left",
            "table is full",
        ]
        .iter()
        .any(|w| m.contains(w))
}

/// Whether an insert failed on a unique constraint at all (the drivers do
/// not say which one: see [`crate::Store::key_taken`]).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::connection_lost;

    #[test]
    fn a_lost_connection_is_told_from_a_bad_statement() {
        // MariaDB shutting down (1053) and "server has gone away" are 08S01.
        assert!(connection_lost(Some("08S01")));
        assert!(connection_lost(Some("08004")));
        assert!(!connection_lost(Some("23000")), "duplicate key");
        assert!(!connection_lost(Some("42S02")), "no such table");
        assert!(!connection_lost(None));
    }
}
