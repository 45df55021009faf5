//! Query helpers shared by the tables: the id of an insert, reading rows by
//! id or by camera and window, inserting a synced row, and telling which
//! unique constraint an insert broke.

use sqlx::{
    Any, AnyConnection, Executor, FromRow,
    any::{AnyArguments, AnyRow},
    query::{Query, QueryAs},
};

use crate::{Store, StoreError, error::is_unique_violation};

/// A query with its arguments bound.
pub(crate) type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// A query whose rows are read as `R`.
pub(crate) type AnyQueryAs<'q, R> = QueryAs<'q, Any, R, AnyArguments<'q>>;

/// A value to bind.
pub(crate) enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    OptFloat(Option<f64>),
    Text(String),
    Blob(Option<Vec<u8>>),
}

impl Arg {
    /// The integer this holds, if it holds one.
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Arg::Int(v) => Some(*v),
            Arg::OptInt(v) => *v,
            _ => None,
        }
    }

    /// `q` with this value bound next.
    pub(crate) fn bind_to(self, q: AnyQuery<'_>) -> AnyQuery<'_> {
        match self {
            Arg::Int(v) => q.bind(v),
            Arg::OptInt(v) => q.bind(v),
            Arg::OptFloat(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Blob(v) => q.bind(v),
        }
    }
}

impl Store {
    /// Runs an INSERT of one row and returns the id the database gave it,
    /// read on the same connection (never another writer's row).
    pub(crate) async fn insert_one(
        conn: &mut AnyConnection,
        insert: AnyQuery<'_>,
    ) -> Result<i64, sqlx::Error> {
        let done = insert.execute(&mut *conn).await?;
        match done.last_insert_id() {
            Some(id) => Ok(id),
            // sqlx's `Any` driver drops SQLite's rowid: ask the connection.
            None => {
                sqlx::query_scalar("SELECT last_insert_rowid()")
                    .fetch_one(&mut *conn)
                    .await
            }
        }
    }

    /// Maps an insert's failure. The drivers say that *a* unique constraint
    /// was broken, not which one: when it was one and `key` (a `SELECT` of
    /// the constraint's own key, bound to the values inserted) finds the key
    /// taken, the insert broke that constraint and the answer is `taken`;
    /// otherwise the error stays what it was.
    pub(crate) async fn key_taken<'c, E>(
        e: sqlx::Error,
        key: AnyQuery<'_>,
        exec: E,
        taken: StoreError,
    ) -> StoreError
    where
        E: Executor<'c, Database = Any>,
    {
        if !is_unique_violation(&e) {
            return e.into();
        }
        match key.fetch_optional(exec).await {
            Ok(Some(_)) => taken,
            Ok(None) => e.into(),
            Err(check) => check.into(),
        }
    }

    /// Inserts one row of a synced table (stamping `site_id` and a new change
    /// sequence); returns its id.
    pub(crate) async fn insert_synced(
        &self,
        table: &str,
        cols: &[&str],
        args: Vec<Arg>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        let q = format!(
            "INSERT INTO {table} ({}, site_id, change_seq) VALUES ({}?, ?)",
            cols.join(", "),
            "?, ".repeat(cols.len())
        );
        let mut query = sqlx::query(&q);
        for a in args {
            query = a.bind_to(query);
        }
        let id = Self::insert_one(&mut tx, query.bind(self.site()).bind(seq)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every row of `q`, each checked into a `T` (a stored name that is no
    /// value of its enum is [`StoreError::Corrupt`]).
    pub(crate) async fn rows_of<R, T>(&self, q: AnyQueryAs<'_, R>) -> Result<Vec<T>, StoreError>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        T: TryFrom<R, Error = StoreError>,
    {
        q.fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(T::try_from)
            .collect()
    }

    /// The row of `q`, if any, checked into a `T`.
    pub(crate) async fn row_of<R, T>(&self, q: AnyQueryAs<'_, R>) -> Result<Option<T>, StoreError>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
        T: TryFrom<R, Error = StoreError>,
    {
        q.fetch_optional(&self.pool)
            .await?
            .map(T::try_from)
            .transpose()
    }

    /// The row of `sql` (which selects by one id).
    pub(crate) async fn one_by_id<T>(&self, sql: &str, id: i64) -> Result<Option<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as::<_, T>(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Rows of `sql`, which filters on an optional camera then a time window.
    pub(crate) async fn list_rows<T>(
        &self,
        sql: &str,
        camera_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as::<_, T>(sql)
            .bind(camera_id)
            .bind(camera_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&self.pool)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreConfig;

    /// Regression: a unique violation used to be reported as the caller's
    /// constraint whichever constraint the row broke.
    #[tokio::test]
    async fn a_unique_violation_is_named_only_after_the_constraint_it_broke() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreConfig::sqlite(dir.path().join("t.sqlite")))
            .await
            .unwrap();
        sqlx::raw_sql("CREATE TABLE t (a TEXT UNIQUE, b TEXT UNIQUE)")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t (a, b) VALUES ('x', 'y')")
            .execute(&store.pool)
            .await
            .unwrap();
        let insert = |a: &'static str, b: &'static str| {
            let pool = store.pool.clone();
            async move {
                sqlx::query("INSERT INTO t (a, b) VALUES (?, ?)")
                    .bind(a)
                    .bind(b)
                    .execute(&pool)
                    .await
                    .unwrap_err()
            }
        };
        let a_taken = |a: &'static str| sqlx::query("SELECT 1 FROM t WHERE a = ?").bind(a);
        // The row breaks `b`, not `a`: not "a is taken".
        let e = Store::key_taken(
            insert("x2", "y").await,
            a_taken("x2"),
            &store.pool,
            StoreError::SourceTaken,
        )
        .await;
        assert!(matches!(e, StoreError::Db(_)), "{e:?}");
        // The row breaks `a`.
        let e = Store::key_taken(
            insert("x", "y2").await,
            a_taken("x"),
            &store.pool,
            StoreError::SourceTaken,
        )
        .await;
        assert!(matches!(e, StoreError::SourceTaken), "{e:?}");
    }
}
