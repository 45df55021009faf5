//! AniMOV storage: one [`Store`] over SQLite (embedded, default) or
//! MySQL/MariaDB (remote), through sqlx's `Any` driver.
//!
//! The same SQL serves both backends wherever it can; where the dialects
//! differ (`INSERT OR IGNORE` / `INSERT IGNORE`, upserts) [`Backend`] picks the
//! text. Migrations are embedded, one set per backend with the same version
//! numbers. Synced tables carry the site's id and a change sequence.
//!
//! ```no_run
//! # async fn demo() -> Result<(), animov_store::StoreError> {
//! use animov_store::{Store, StoreConfig};
//! let store = Store::open(&StoreConfig::sqlite("/tmp/animov.sqlite")).await?;
//! let cam = store.ensure_source("cam-1", animov_api::SourceKind::Ingest).await?;
//! # Ok(()) }
//! ```

mod alerts;
mod cameras;
mod error;
mod forecast;
mod frames;
mod migrate;
mod stats;
#[cfg(feature = "testing")]
pub mod testing;
mod users;
mod vision;

use std::{path::PathBuf, str::FromStr, time::Duration};

use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
};

pub use alerts::{AlertFilter, AlertRow, NewAlert, NewNotification, NotificationRow};
pub use cameras::CameraRow;
pub use error::StoreError;
pub use forecast::{ForecastPoint, ModelRow, NewModel, Stage, StoredForecast};
pub use frames::{DirtyMinute, NewFrame};
pub use users::{ApiKeyRow, UserRow};
pub use vision::{BoutRow, RecordingRow, SnapshotRow};

/// Which database holds the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// One SQLite file (created if missing), WAL mode.
    Sqlite {
        /// Path of the database file.
        path: PathBuf,
    },
    /// A MySQL or MariaDB server.
    MySql {
        /// `mysql://user@host:3306/database` (the password is kept apart).
        url: String,
        /// Password, from the OS keyring; `None` when the URL needs none.
        password: Option<String>,
    },
}

impl StoreConfig {
    /// SQLite at `path`.
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        StoreConfig::Sqlite { path: path.into() }
    }

    fn url(&self) -> String {
        match self {
            StoreConfig::Sqlite { path } => {
                let p = path.to_string_lossy();
                let mut enc = String::with_capacity(p.len());
                for c in p.chars() {
                    match c {
                        '%' => enc.push_str("%25"),
                        '?' => enc.push_str("%3F"),
                        '#' => enc.push_str("%23"),
                        ' ' => enc.push_str("%20"),
                        c => enc.push(c),
                    }
                }
                format!("sqlite://{enc}?mode=rwc")
            }
            StoreConfig::MySql { url, password } => match password {
                Some(pw) => with_password(url, pw),
                None => url.clone(),
            },
        }
    }

    /// Where the data lives, without any secret (for logs and messages).
    pub fn describe(&self) -> String {
        match self {
            StoreConfig::Sqlite { path } => format!("SQLite {}", path.display()),
            StoreConfig::MySql { url, .. } => format!("MySQL {}", redact(url)),
        }
    }
}

/// Inserts a percent-encoded password into `mysql://user@host/...`.
fn with_password(url: &str, password: &str) -> String {
    let enc: String = password
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) => {
                let user = user.split(':').next().unwrap_or(user);
                format!("{scheme}://{user}:{enc}@{host}")
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// `mysql://user:secret@host/db` → `mysql://user:***@host/db`.
fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, rest)), Some(_)) => {
            let (cred, host) = rest.rsplit_once('@').unwrap_or(("", rest));
            let user = cred.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}

/// The SQL dialect in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite 3.
    Sqlite,
    /// MySQL 8 / MariaDB 10.
    MySql,
}

impl Backend {
    fn insert_ignore(self) -> &'static str {
        match self {
            Backend::Sqlite => "INSERT OR IGNORE",
            Backend::MySql => "INSERT IGNORE",
        }
    }
}

/// The database: cameras, frames, minute statistics, users and keys, and
/// what the vision pipeline keeps (settings, recordings, snapshots, lying bouts).
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    site_id: String,
}

impl Store {
    /// Connects, creates the database file if needed, applies migrations and
    /// reads (or creates) this site's id.
    #[tracing::instrument(skip_all, fields(db = %config.describe()))]
    pub async fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = match config {
            StoreConfig::Sqlite { path } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| StoreError::Connect {
                        target: config.describe(),
                        reason: format!("cannot create folder {}: {e}", dir.display()),
                    })?;
                }
                Backend::Sqlite
            }
            StoreConfig::MySql { .. } => Backend::MySql,
        };
        let options =
            AnyConnectOptions::from_str(&config.url()).map_err(|e| StoreError::Connect {
                target: config.describe(),
                reason: e.to_string(),
            })?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                             PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    } else {
                        conn.execute("SET time_zone = '+00:00'").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Connect {
                target: config.describe(),
                reason: e.to_string(),
            })?;
        if backend == Backend::Sqlite {
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        migrate::run(&pool, backend).await?;
        let site_id = Self::load_site_id(&pool).await?;
        tracing::info!(site_id, "store ready");
        Ok(Store {
            pool,
            backend,
            site_id,
        })
    }

    async fn load_site_id(pool: &AnyPool) -> Result<String, StoreError> {
        let existing: Option<String> = sqlx::query_scalar("SELECT site_id FROM site WHERE id = 1")
            .fetch_optional(pool)
            .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id = uuid::Uuid::new_v4().to_string();
        let q = "INSERT INTO site (id, site_id, created_ms) VALUES (1, ?, ?)";
        // Two engines starting at once: one insert wins, both read the winner.
        let _ = sqlx::query(q).bind(&id).bind(now_ms()).execute(pool).await;
        Ok(sqlx::query_scalar("SELECT site_id FROM site WHERE id = 1")
            .fetch_one(pool)
            .await?)
    }

    /// This barn PC's id, stamped on every synced row.
    pub fn site_id(&self) -> &str {
        &self.site_id
    }

    /// The SQL dialect behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (after pending work).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Reserves `n` consecutive change sequence numbers inside `tx`; returns the first.
    async fn next_seqs(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        n: i64,
    ) -> Result<i64, StoreError> {
        sqlx::query("UPDATE change_counter SET value = value + ? WHERE id = 1")
            .bind(n)
            .execute(&mut **tx)
            .await?;
        let end: i64 = sqlx::query_scalar("SELECT value FROM change_counter WHERE id = 1")
            .fetch_one(&mut **tx)
            .await?;
        Ok(end - n + 1)
    }
}

/// Wall-clock time, UTC ms.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_encoded_and_redacted() {
        let url = with_password("mysql://animov@db.local:3306/animov", "p@ss:w/rd");
        assert_eq!(url, "mysql://animov:p%40ss%3Aw%2Frd@db.local:3306/animov");
        assert_eq!(redact(&url), "mysql://animov:***@db.local:3306/animov");
        let cfg = StoreConfig::MySql {
            url: "mysql://a@h/d".into(),
            password: Some("x".into()),
        };
        assert!(!cfg.describe().contains('x'));
    }

    #[test]
    fn sqlite_paths_are_url_safe() {
        let cfg = StoreConfig::sqlite("/tmp/my data/a#b?.sqlite");
        assert_eq!(
            cfg.url(),
            "sqlite:///tmp/my%20data/a%23b%3F.sqlite?mode=rwc"
        );
    }
}
