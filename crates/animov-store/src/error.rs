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
    Migrate(#[from] sqlx::migrate::MigrateError),
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
    /// Any other database error.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    /// True when `e` is a violation of the unique constraint named `name`.
    pub(crate) fn is_unique_violation(e: &sqlx::Error, name: &str) -> bool {
        match e {
            sqlx::Error::Database(db) => {
                db.is_unique_violation()
                    || db.message().contains(name)
                    || db.message().contains("UNIQUE")
            }
            _ => false,
        }
    }
}
