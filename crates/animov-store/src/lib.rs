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
mod dataset;
mod error;
mod forecast;
mod frames;
mod migrate;
mod mysql_tls;
mod notes;
mod outbox;
mod query;
mod rollups;
mod settings;
mod stats;
pub mod sync;
#[cfg(feature = "testing")]
pub mod testing;
mod users;
mod vision;

use std::{path::PathBuf, str::FromStr, time::Duration};

use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
};

pub use alerts::{AlertFilter, AlertRow, NewAlert};
pub use cameras::CameraRow;
pub use dataset::{DatasetFrameRow, NewDatasetFrame};
pub use error::StoreError;
pub use forecast::{ForecastPoint, ModelRow, NewModel, StoredForecast};
pub use frames::{DirtyMinute, NewFrame};
pub use migrate::SCHEMA_VERSION;
pub use mysql_tls::MysqlTls;
pub use notes::{NoteFields, NoteFilter, NoteRow};
pub use outbox::{NewNotification, NotificationRow};
pub use users::{ApiKeyListRow, ApiKeyRow, UserRow};
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
        /// Encryption of the connection, and whether the server's
        /// certificate is checked.
        tls: MysqlTls,
    },
}

impl StoreConfig {
    /// SQLite at `path`.
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        StoreConfig::Sqlite { path: path.into() }
    }

    fn url(&self) -> Result<String, StoreError> {
        match self {
            StoreConfig::Sqlite { path } => {
                // A file URL percent-encodes each path segment (`%`, `#`, `?`,
                // spaces...); sqlx decodes the path back.
                let bad = |reason: String| StoreError::Connect {
                    target: self.describe(),
                    reason,
                };
                let path = std::path::absolute(path).map_err(|e| bad(e.to_string()))?;
                let file = url::Url::from_file_path(&path)
                    .map_err(|()| bad(format!("{} is not a file path", path.display())))?;
                Ok(format!("sqlite://{}?mode=rwc", file.path()))
            }
            StoreConfig::MySql { url, password, tls } => {
                let mut u = parse_mysql_url(url).map_err(|e| StoreError::Connect {
                    target: self.describe(),
                    reason: format!("{e}: the URL must read mysql://user@host:3306/database"),
                })?;
                tls.apply(&mut u);
                if let Some(pw) = password {
                    u.set_password(Some(pw)).map_err(|()| StoreError::Connect {
                        target: self.describe(),
                        reason: "this URL cannot carry a password".into(),
                    })?;
                }
                Ok(u.into())
            }
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

/// Why the first connection failed, with what to check when it is the
/// encryption (a certificate refused, a server without TLS).
fn connect_failure(config: &StoreConfig, e: &sqlx::Error) -> StoreError {
    let mut reason = e.to_string();
    let lower = reason.to_lowercase();
    let tls = ["certificate", "ssl", "tls"]
        .iter()
        .any(|w| lower.contains(w));
    if tls && matches!(config, StoreConfig::MySql { .. }) {
        reason.push_str(
            " — the encrypted connection failed: with [database] tls = \"verify\", ca_file must be \
             the CA that signed the server's certificate and the URL's host a name that certificate \
             was made for; tls = \"required\" or \"verify\" need a server with TLS turned on",
        );
    }
    StoreError::Connect {
        target: config.describe(),
        reason,
    }
}

fn parse_mysql_url(url: &str) -> Result<url::Url, url::ParseError> {
    url::Url::parse(url)
}

/// `mysql://user:secret@host/db` → `mysql://user:***@host/db` (a URL that
/// cannot be read is not shown at all).
fn redact(url: &str) -> String {
    match parse_mysql_url(url) {
        Ok(mut u) => {
            if !u.username().is_empty() {
                let _ = u.set_password(Some("***"));
            }
            u.into()
        }
        Err(_) => "(unreadable URL)".into(),
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
    /// The SQL type a cast to a 64-bit integer names (MySQL sums are decimals).
    fn integer(self) -> &'static str {
        match self {
            Backend::Sqlite => "INTEGER",
            Backend::MySql => "SIGNED",
        }
    }

    fn insert_ignore(self) -> &'static str {
        match self {
            Backend::Sqlite => "INSERT OR IGNORE",
            Backend::MySql => "INSERT IGNORE",
        }
    }

    /// `INSERT ... (cols) VALUES (...)` that updates `updates` when `key` exists.
    pub(crate) fn upsert(self, table: &str, key: &str, cols: &[&str], updates: &[&str]) -> String {
        self.upsert_many(table, key, cols, updates, 1)
    }

    /// The same for `rows` rows at once.
    pub(crate) fn upsert_many(
        self,
        table: &str,
        key: &str,
        cols: &[&str],
        updates: &[&str],
        rows: usize,
    ) -> String {
        let one = format!("({})", vec!["?"; cols.len()].join(", "));
        let values = vec![one; rows.max(1)].join(", ");
        let (head, set) = match self {
            Backend::Sqlite => (
                format!("ON CONFLICT ({key}) DO UPDATE SET"),
                updates
                    .iter()
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect::<Vec<_>>(),
            ),
            Backend::MySql => (
                "ON DUPLICATE KEY UPDATE".to_string(),
                updates
                    .iter()
                    .map(|c| format!("{c} = VALUES({c})"))
                    .collect::<Vec<_>>(),
            ),
        };
        format!(
            "INSERT INTO {table} ({}) VALUES {values} {head} {}",
            cols.join(", "),
            set.join(", ")
        )
    }
}

/// The database: cameras, frames, minute statistics, users and keys, and
/// what the vision pipeline keeps (settings, recordings, snapshots, lying bouts).
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// This database's own site id.
    site_id: String,
}

tokio::task_local! {
    /// At a central: the site a request is about (its lists and writes are
    /// that site's); see [`Store::site_scope`].
    static SITE_SCOPE: String;
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
            AnyConnectOptions::from_str(&config.url()?).map_err(|e| StoreError::Connect {
                target: config.describe(),
                reason: e.to_string(),
            })?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            // SQLite: a writer may hold the file a while. A server that is
            // away: answer 503 soon rather than hold every request.
            .acquire_timeout(Duration::from_secs(if backend == Backend::Sqlite {
                10
            } else {
                3
            }))
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
            // A connection handed back still inside a transaction is closed,
            // not reused. SQLite rolls a transaction back by itself on some
            // errors (SQLITE_FULL: the disk full), after which sqlx's ROLLBACK
            // fails and its count of open transactions stays one too high:
            // the next `begin` on that connection would open a SAVEPOINT,
            // its `commit` release only that, and what it wrote stay
            // uncommitted behind a write lock held for ever — acknowledged
            // and then lost (found by bench/disk-full.sh).
            .after_release(|conn, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
            })
            .connect_with(options)
            .await
            .map_err(|e| connect_failure(config, &e))?;
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

    /// Runs `fut` with every list and write of this store about site
    /// `site_id` instead of this node's own (at a central: a request about
    /// one of its sites).
    pub async fn site_scope<F: std::future::Future>(site_id: String, fut: F) -> F::Output {
        SITE_SCOPE.scope(site_id, fut).await
    }

    /// The site lists and writes are about: the scope's, else this node's.
    pub(crate) fn site(&self) -> String {
        SITE_SCOPE
            .try_with(Clone::clone)
            .unwrap_or_else(|_| self.site_id.clone())
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

    /// Takes the write lock at the start of `tx`: on SQLite (WAL) a
    /// transaction that reads first and writes later fails at once ("database
    /// is locked") if another writer committed in between.
    async fn write_lock(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        sqlx::query("UPDATE change_counter SET value = value WHERE id = 1")
            .execute(&mut **tx)
            .await?;
        Ok(())
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

    /// Caps the database file at its size (or lifts the cap) on every
    /// connection of the pool: SQLite then answers SQLITE_FULL, as on a full disk.
    async fn cap(store: &Store, pages: Option<i64>) {
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut c = store.pool.acquire().await.unwrap();
            let n = pages.unwrap_or(1 << 30);
            sqlx::query(&format!("PRAGMA max_page_count = {n}"))
                .execute(&mut *c)
                .await
                .unwrap();
            held.push(c);
        }
    }

    #[tokio::test]
    async fn a_connection_whose_transaction_sqlite_ended_by_itself_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreConfig::sqlite(dir.path().join("t.sqlite")))
            .await
            .unwrap();
        for _ in 0..4 {
            let mut tx = store.pool.begin().await.unwrap();
            // What SQLite does by itself on SQLITE_FULL in the middle of a
            // write: the transaction ends, sqlx still counts it open (its
            // ROLLBACK at drop then fails).
            sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
            drop(tx);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        for _ in 0..8 {
            let c = store.pool.acquire().await.unwrap();
            assert!(
                !sqlx::Connection::is_in_transaction(&*c),
                "a connection out of step with SQLite was handed out again"
            );
        }
        store.close().await;
    }

    #[tokio::test]
    async fn a_full_disk_refuses_writes_and_what_is_acknowledged_after_is_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full.sqlite");
        let store = Store::open(&StoreConfig::sqlite(&path)).await.unwrap();
        let cam = store
            .ensure_source("pen", animov_api::SourceKind::Ingest)
            .await
            .unwrap();
        let frames = |from: i64, n: i64| -> Vec<NewFrame> {
            (0..n)
                .map(|i| NewFrame {
                    ts_ms: from + i * 100,
                    lying: 1,
                    standing: 2,
                    detections: Some(vec![7u8; 2000]),
                })
                .collect()
        };
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        cap(&store, Some(pages)).await;
        let e = store.insert_frames(cam, &frames(0, 400)).await;
        assert!(
            matches!(e, Err(StoreError::DiskFull(_))),
            "a full disk is told as such: {e:?}"
        );
        cap(&store, None).await;
        // Room again: every write acknowledged from now on is committed, on
        // whichever connection it ran (seen by another connection).
        for k in 0..16 {
            store
                .insert_frames(cam, &frames(100_000_000 + k * 1_000_000, 5))
                .await
                .unwrap();
        }
        let other = Store::open(&StoreConfig::sqlite(&path)).await.unwrap();
        let seen = other
            .frames(cam, 100_000_000, i64::MAX)
            .await
            .unwrap()
            .len();
        assert_eq!(seen, 16 * 5, "acknowledged frames committed");
        store.close().await;
        other.close().await;
    }

    #[test]
    fn passwords_are_encoded_and_redacted() {
        let cfg = StoreConfig::MySql {
            url: "mysql://animov@db.local:3306/animov".into(),
            password: Some("p@ss:w/rd".into()),
            tls: MysqlTls::default(),
        };
        let url = cfg.url().unwrap();
        assert_eq!(url, "mysql://animov:p%40ss%3Aw%2Frd@db.local:3306/animov");
        assert_eq!(redact(&url), "mysql://animov:***@db.local:3306/animov");
        let cfg = StoreConfig::MySql {
            url: "mysql://a@h/d".into(),
            password: Some("x".into()),
            tls: MysqlTls::default(),
        };
        assert!(!cfg.describe().contains('x'));
        // A password already in the URL is replaced, never shown.
        let cfg = StoreConfig::MySql {
            url: "mysql://a:old@h/d".into(),
            password: Some("new".into()),
            tls: MysqlTls::default(),
        };
        assert_eq!(cfg.url().unwrap(), "mysql://a:new@h/d");
        assert_eq!(cfg.describe(), "MySQL mysql://a:***@h/d");
        assert!(
            StoreConfig::MySql {
                url: "not a url".into(),
                password: None,
                tls: MysqlTls::default(),
            }
            .url()
            .is_err()
        );
    }

    #[test]
    fn sqlite_paths_are_url_safe() {
        let cfg = StoreConfig::sqlite("/tmp/my data/a#b?%.sqlite");
        assert_eq!(
            cfg.url().unwrap(),
            "sqlite:///tmp/my%20data/a%23b%3F%25.sqlite?mode=rwc"
        );
        let relative = StoreConfig::sqlite("relative.sqlite").url().unwrap();
        assert!(
            relative.starts_with("sqlite:///") && relative.ends_with("/relative.sqlite?mode=rwc")
        );
    }
}
