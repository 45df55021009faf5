//! Test support: a fresh store on every backend the test run has.
//!
//! SQLite always; MySQL/MariaDB from `ANIMOV_TEST_MYSQL_URL`
//! (`mysql://user:pass@127.0.0.1:3307/`, a server account allowed to create
//! databases; the test command starts one). Without it the tests fail, unless
//! `ANIMOV_TEST_SKIP_MYSQL=1` says to run on SQLite alone.

use std::str::FromStr;

use sqlx::{AnyConnection, Connection};

use crate::{Store, StoreConfig};

/// A store for one test, with what keeps it alive.
pub struct TestStore {
    /// `sqlite` or `mysql`.
    pub backend: &'static str,
    /// The store.
    pub store: Store,
    /// How to open the same database again (restart tests).
    pub config: StoreConfig,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite store in a temporary folder.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = StoreConfig::sqlite(dir.path().join("animov.sqlite"));
    let store = Store::open(&config).await.expect("open sqlite");
    TestStore {
        backend: "sqlite",
        store,
        config,
        _dir: Some(dir),
    }
}

/// A new empty MySQL database (no tables), or `None` when MySQL tests are
/// explicitly skipped.
pub async fn empty_mysql() -> Option<StoreConfig> {
    let Ok(admin) = std::env::var("ANIMOV_TEST_MYSQL_URL") else {
        if std::env::var("ANIMOV_TEST_SKIP_MYSQL").as_deref() == Ok("1") {
            return None;
        }
        panic!(
            "ANIMOV_TEST_MYSQL_URL is not set: run the tests with the README's test command \
             (it starts MariaDB), or set ANIMOV_TEST_SKIP_MYSQL=1 to test on SQLite only"
        );
    };
    sqlx::any::install_default_drivers();
    let db = format!("animov_t_{}", uuid::Uuid::new_v4().simple());
    let opts = sqlx::any::AnyConnectOptions::from_str(&admin).expect("ANIMOV_TEST_MYSQL_URL");
    let mut conn = AnyConnection::connect_with(&opts)
        .await
        .expect("connect to test MariaDB");
    sqlx::raw_sql(&format!("CREATE DATABASE {db} CHARACTER SET utf8mb4"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    Some(StoreConfig::MySql {
        url: format!("{}/{db}", admin.trim_end_matches('/')),
        password: None,
        tls: crate::MysqlTls::default(),
    })
}

/// A fresh, empty MySQL database, or `None` when MySQL tests are explicitly skipped.
pub async fn mysql() -> Option<TestStore> {
    let config = empty_mysql().await?;
    let store = Store::open(&config).await.expect("open mysql");
    Some(TestStore {
        backend: "mysql",
        store,
        config,
        _dir: None,
    })
}

impl TestStore {
    /// Runs SQL on the store's database as it is (what another program,
    /// e.g. a newer AniMOV, would have written).
    pub async fn execute(&self, sql: &str) {
        sqlx::raw_sql(sql)
            .execute(&self.store.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Runs SQL on the database `config` names without opening a [`Store`]
/// (no migration): what a person with a database client would do.
pub async fn execute_on(config: &StoreConfig, sql: &str) {
    sqlx::any::install_default_drivers();
    let url = config.url().expect("database URL");
    let opts = sqlx::any::AnyConnectOptions::from_str(&url).expect("database URL");
    let mut conn = AnyConnection::connect_with(&opts).await.expect("connect");
    sqlx::raw_sql(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.ok();
}

/// `SELECT COUNT(*) FROM table` on the database `config` names.
pub async fn count_rows(config: &StoreConfig, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let url = config.url().expect("database URL");
    let opts = sqlx::any::AnyConnectOptions::from_str(&url).expect("database URL");
    let mut conn = AnyConnection::connect_with(&opts).await.expect("connect");
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("counting {table}: {e}"));
    conn.close().await.ok();
    n
}

/// A database with no tables yet, on one backend.
pub struct EmptyDb {
    /// `sqlite` or `mysql`.
    pub backend: &'static str,
    /// How to open it.
    pub config: StoreConfig,
    _dir: Option<tempfile::TempDir>,
}

/// One empty database per available backend.
pub async fn empty_dbs() -> Vec<EmptyDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut v = vec![EmptyDb {
        backend: "sqlite",
        config: StoreConfig::sqlite(dir.path().join("animov.sqlite")),
        _dir: Some(dir),
    }];
    if let Some(config) = empty_mysql().await {
        v.push(EmptyDb {
            backend: "mysql",
            config,
            _dir: None,
        });
    }
    v
}

/// Brings an empty database to schema `version` the way the AniMOV that
/// had that schema left it: one migration at a time, with `seed(v)` (SQL
/// written for schema `v`, e.g. what that version stored) run after
/// migration `v`.
pub async fn migrate_stepwise(
    config: &StoreConfig,
    version: i64,
    seed: impl Fn(i64) -> Option<String>,
) {
    sqlx::any::install_default_drivers();
    let backend = match config {
        StoreConfig::Sqlite { .. } => crate::Backend::Sqlite,
        StoreConfig::MySql { .. } => crate::Backend::MySql,
    };
    let url = config.url().expect("URL");
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("connect");
    let all = crate::migrate::migrator(backend);
    for v in 1..=version {
        let mut upto = crate::migrate::migrator(backend);
        upto.migrations = std::borrow::Cow::Owned(
            all.migrations
                .iter()
                .filter(|m| m.version <= v)
                .cloned()
                .collect(),
        );
        upto.run(&pool)
            .await
            .unwrap_or_else(|e| panic!("migration {v}: {e}"));
        if let Some(sql) = seed(v) {
            sqlx::raw_sql(&sql)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("seed of schema {v}: {e}"));
        }
    }
    pool.close().await;
}

/// One fresh store per available backend.
pub async fn all() -> Vec<TestStore> {
    let mut v = vec![sqlite().await];
    v.extend(mysql().await);
    v
}
