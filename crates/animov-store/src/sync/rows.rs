//! Reading a table's changes as wire rows (at the sender) and applying them
//! (at the receiver), for any table of [`TABLES`](super::tables::TABLES).

use std::collections::HashMap;

use animov_api::{RowIdentity, SyncBatch, Tombstone, WireRow};
use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use serde_json::Value;
use sqlx::{Row, any::AnyRow};

use super::tables::{ColType, RowKey, TableSpec};
use crate::{Store, StoreError, query::Arg};

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// How received rows are written.
#[derive(Debug, Clone, Copy)]
pub enum ApplyMode<'a> {
    /// At the central: rows of site `site`, stamped with it; the version
    /// is the site's change sequence.
    Central {
        /// The pushing site.
        site: &'a str,
    },
    /// At a site, rows written at the central (`central` is its id): stamped
    /// with this site, version 0 (never sent back up); a local row changed
    /// since `guard` (the table's up cursor) is left alone, its change wins.
    Down {
        /// The central's id.
        central: &'a str,
        /// The table's up cursor.
        guard: i64,
    },
}

impl ApplyMode<'_> {
    fn sender(&self) -> &str {
        match self {
            ApplyMode::Central { site } => site,
            ApplyMode::Down { central, .. } => central,
        }
    }
}

/// Select list of `spec`: version, identity (tables with ids), then each
/// column; a reference as (origin site, id) of its parent and the raw value.
fn select_sql(spec: &TableSpec) -> String {
    let mut sel = vec!["t.change_seq".to_string()];
    let mut joins = String::new();
    if spec.key == RowKey::Id {
        sel.push("t.origin_site".into());
        sel.push("COALESCE(t.origin_id, t.id)".into());
    }
    for (i, (c, ty)) in spec.cols.iter().enumerate() {
        match ty {
            ColType::Ref(parent) => {
                joins.push_str(&format!(" LEFT JOIN {parent} p{i} ON p{i}.id = t.{c}"));
                sel.push(format!("p{i}.origin_site"));
                sel.push(format!("COALESCE(p{i}.origin_id, p{i}.id)"));
                sel.push(format!("t.{c}"));
            }
            _ => sel.push(format!("t.{c}")),
        }
    }
    format!("SELECT {} FROM {} t{joins}", sel.join(", "), spec.name)
}

/// Reads one row of [`select_sql`]; `None` when a reference points at a row
/// that no longer exists (such a row cannot be placed anywhere).
fn wire_row(spec: &TableSpec, r: &AnyRow) -> Result<Option<WireRow>, StoreError> {
    let mut out: WireRow = Vec::with_capacity(spec.cols.len() + 3);
    let mut i = 0;
    let mut next = || {
        i += 1;
        i - 1
    };
    out.push(Value::from(r.try_get::<i64, _>(next())?));
    if spec.key == RowKey::Id {
        out.push(opt_text(r.try_get::<Option<String>, _>(next())?));
        out.push(Value::from(r.try_get::<i64, _>(next())?));
    }
    for (c, ty) in spec.cols {
        let v = match ty {
            ColType::Int => r.try_get::<Option<i64>, _>(next())?.into(),
            ColType::Real => r
                .try_get::<Option<f64>, _>(next())?
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            ColType::Text => opt_text(r.try_get::<Option<String>, _>(next())?),
            ColType::Blob => opt_text(
                r.try_get::<Option<Vec<u8>>, _>(next())?
                    .map(|b| B64.encode(b)),
            ),
            ColType::Ref(_) => {
                let site = r.try_get::<Option<String>, _>(next())?;
                let id = r.try_get::<Option<i64>, _>(next())?;
                let raw = r.try_get::<Option<i64>, _>(next())?;
                match (id, raw) {
                    (Some(id), _) => Value::Array(vec![opt_text(site), Value::from(id)]),
                    (None, None) => Value::Null,
                    (None, Some(_)) => {
                        tracing::warn!(
                            table = spec.name,
                            column = c,
                            "row refers to a deleted row; not sent"
                        );
                        return Ok(None);
                    }
                }
            }
        };
        out.push(v);
    }
    Ok(Some(out))
}

fn opt_text(s: Option<String>) -> Value {
    s.map_or(Value::Null, Value::String)
}

fn bad(table: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Sync(format!("{table}: {what}"))
}

fn identity_of(table: &str, v: &Value) -> Result<RowIdentity, StoreError> {
    match v {
        Value::Array(a) if a.len() == 2 => Ok(RowIdentity {
            site: match &a[0] {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                _ => return Err(bad(table, "a reference's site is not text")),
            },
            id: a[1]
                .as_i64()
                .ok_or_else(|| bad(table, "a reference's id is not an integer"))?,
        }),
        _ => Err(bad(table, "a reference is not [site, id]")),
    }
}

impl Store {
    /// The changes of `spec` after `after`: at most about `limit` rows and
    /// deletions (never splitting one change sequence), oldest first.
    #[tracing::instrument(skip(self, spec), fields(table = spec.name))]
    pub async fn sync_read(
        &self,
        spec: &TableSpec,
        after: i64,
        limit: i64,
    ) -> Result<SyncBatch, StoreError> {
        let bound: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT s FROM (SELECT change_seq AS s FROM {} WHERE change_seq > ? \
             UNION ALL SELECT seq AS s FROM sync_tombstones WHERE tbl = ? AND seq > ?) u \
             ORDER BY s LIMIT 1 OFFSET ?",
            spec.name
        ))
        .bind(after)
        .bind(spec.name)
        .bind(after)
        .bind(limit.max(1) - 1)
        .fetch_optional(&self.pool)
        .await?;
        let upto = bound.unwrap_or(i64::MAX);
        let q = format!(
            "{} WHERE t.change_seq > ? AND t.change_seq <= ? ORDER BY t.change_seq",
            select_sql(spec)
        );
        let mut rows = Vec::new();
        let mut last = after;
        for r in sqlx::query(&q)
            .bind(after)
            .bind(upto)
            .fetch_all(&self.pool)
            .await?
        {
            last = last.max(r.try_get::<i64, _>(0)?);
            if let Some(w) = wire_row(spec, &r)? {
                rows.push(w);
            }
        }
        let mut tombstones = Vec::new();
        for (seq, site, id) in sqlx::query_as::<_, (i64, String, i64)>(
            "SELECT seq, origin_site, origin_id FROM sync_tombstones WHERE tbl = ? AND seq > ? \
             AND seq <= ? ORDER BY seq",
        )
        .bind(spec.name)
        .bind(after)
        .bind(upto)
        .fetch_all(&self.pool)
        .await?
        {
            last = last.max(seq);
            let site = (site != self.site_id).then_some(site);
            tombstones.push(Tombstone {
                seq,
                row: RowIdentity { site, id },
            });
        }
        Ok(SyncBatch {
            table: spec.name.into(),
            columns: spec.cols.iter().map(|(c, _)| c.to_string()).collect(),
            rows,
            tombstones,
            files: Vec::new(),
            last_seq: last,
        })
    }

    /// How many changes of `spec` come after `after`.
    pub async fn sync_pending(&self, spec: &TableSpec, after: i64) -> Result<i64, StoreError> {
        let q = format!(
            "SELECT (SELECT COUNT(*) FROM {} WHERE change_seq > ?) + \
             (SELECT COUNT(*) FROM sync_tombstones WHERE tbl = ? AND seq > ?)",
            spec.name
        );
        Ok(sqlx::query_scalar::<_, i64>(&q)
            .bind(after)
            .bind(spec.name)
            .bind(after)
            .fetch_one(&self.pool)
            .await?)
    }

    /// One row of `spec` by its id here, as a wire row (for the down list).
    pub(crate) async fn sync_row_by_id(
        tx: &mut Tx<'_>,
        spec: &TableSpec,
        id: i64,
    ) -> Result<Option<WireRow>, StoreError> {
        let q = format!("{} WHERE t.id = ?", select_sql(spec));
        match sqlx::query(&q).bind(id).fetch_optional(&mut **tx).await? {
            Some(r) => wire_row(spec, &r),
            None => Ok(None),
        }
    }

    /// Applies `batch` (rows and deletions in change order) inside `tx`.
    /// Returns how many rows were written or deleted.
    pub(crate) async fn sync_apply(
        &self,
        tx: &mut Tx<'_>,
        spec: &TableSpec,
        batch: &SyncBatch,
        mode: ApplyMode<'_>,
    ) -> Result<u64, StoreError> {
        let names: Vec<&str> = batch.columns.iter().map(String::as_str).collect();
        let want: Vec<&str> = spec.cols.iter().map(|(c, _)| *c).collect();
        if names != want {
            return Err(bad(
                spec.name,
                "the columns differ from this node's: run the same AniMOV version on the site and the central",
            ));
        }
        let mut refs = RefCache::default();
        let mut applied = 0;
        let mut tombs = batch.tombstones.iter().peekable();
        let width = spec.cols.len() + if spec.key == RowKey::Id { 3 } else { 1 };
        let mut natural: Vec<(i64, Vec<Arg>)> = Vec::new();
        for row in &batch.rows {
            if row.len() != width {
                return Err(bad(spec.name, "a row has the wrong number of values"));
            }
            let seq = row[0]
                .as_i64()
                .ok_or_else(|| bad(spec.name, "a row's version is not an integer"))?;
            while let Some(t) = tombs.next_if(|t| t.seq < seq) {
                applied += self.sync_delete(tx, spec, &t.row, mode).await?;
            }
            let offset = width - spec.cols.len();
            let mut args = Vec::with_capacity(spec.cols.len());
            for ((_, ty), v) in spec.cols.iter().zip(&row[offset..]) {
                args.push(self.sync_arg(tx, &mut refs, spec, *ty, v, mode).await?);
            }
            match spec.key {
                RowKey::Natural(_) => natural.push((seq, args)),
                RowKey::Id => {
                    let site = row[1].as_str().map(str::to_string);
                    let id = row[2]
                        .as_i64()
                        .ok_or_else(|| bad(spec.name, "a row's id is not an integer"))?;
                    applied += self
                        .sync_upsert_id(tx, spec, &RowIdentity { site, id }, seq, args, mode)
                        .await?;
                }
            }
        }
        if !natural.is_empty() {
            applied += self.sync_upsert_natural(tx, spec, natural, mode).await?;
        }
        for t in tombs {
            applied += self.sync_delete(tx, spec, &t.row, mode).await?;
        }
        Ok(applied)
    }

    async fn sync_arg(
        &self,
        tx: &mut Tx<'_>,
        refs: &mut RefCache,
        spec: &TableSpec,
        ty: ColType,
        v: &Value,
        mode: ApplyMode<'_>,
    ) -> Result<Arg, StoreError> {
        if v.is_null() {
            return Ok(match ty {
                ColType::Real => Arg::OptFloat(None),
                ColType::Text | ColType::Blob => Arg::Blob(None),
                ColType::Int | ColType::Ref(_) => Arg::OptInt(None),
            });
        }
        Ok(match ty {
            ColType::Int => Arg::Int(
                v.as_i64()
                    .ok_or_else(|| bad(spec.name, "a value is not an integer"))?,
            ),
            ColType::Real => Arg::OptFloat(Some(
                v.as_f64()
                    .ok_or_else(|| bad(spec.name, "a value is not a number"))?,
            )),
            ColType::Text => Arg::Text(
                v.as_str()
                    .ok_or_else(|| bad(spec.name, "a value is not text"))?
                    .to_string(),
            ),
            ColType::Blob => Arg::Blob(Some(
                B64.decode(
                    v.as_str()
                        .ok_or_else(|| bad(spec.name, "bytes are not base64 text"))?,
                )
                .map_err(|e| bad(spec.name, e))?,
            )),
            ColType::Ref(parent) => {
                let identity = identity_of(spec.name, v)?;
                Arg::Int(refs.resolve(self, tx, parent, &identity, mode).await?)
            }
        })
    }

    /// The local id of the row `identity` names, if it is here.
    pub(crate) async fn sync_local_id(
        &self,
        tx: &mut Tx<'_>,
        table: &str,
        identity: &RowIdentity,
        mode: ApplyMode<'_>,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let origin = identity.site.as_deref().unwrap_or(mode.sender());
        if let ApplyMode::Central { site } = mode {
            // A site names only its own rows and rows the central wrote about it.
            if origin != site && origin != self.site_id {
                return Err(bad(table, "a site may only send its own rows"));
            }
            if origin == self.site_id
                && let Some(owner) = Self::owner(tx, table, identity.id).await?
                && owner != site
            {
                return Err(bad(table, "this row is about another site"));
            }
        }
        let q = if origin == self.site_id {
            format!("SELECT id, change_seq FROM {table} WHERE id = ?")
        } else {
            format!("SELECT id, change_seq FROM {table} WHERE origin_site = ? AND origin_id = ?")
        };
        let mut query = sqlx::query_as::<_, (i64, i64)>(&q);
        if origin != self.site_id {
            query = query.bind(origin);
        }
        Ok(query.bind(identity.id).fetch_optional(&mut **tx).await?)
    }

    async fn sync_upsert_id(
        &self,
        tx: &mut Tx<'_>,
        spec: &TableSpec,
        identity: &RowIdentity,
        seq: i64,
        args: Vec<Arg>,
        mode: ApplyMode<'_>,
    ) -> Result<u64, StoreError> {
        let (site, version, guard) = match mode {
            ApplyMode::Central { site } => (site, seq, None),
            ApplyMode::Down { guard, .. } => (self.site_id.as_str(), 0, Some(guard)),
        };
        let origin = identity.site.as_deref().unwrap_or(mode.sender());
        let existing = self.sync_local_id(tx, spec.name, identity, mode).await?;
        let cols: Vec<&str> = spec.cols.iter().map(|(c, _)| *c).collect();
        let q = match existing {
            Some((_, local_seq)) if guard.is_some_and(|g| local_seq > g) => return Ok(0),
            Some((id, _)) => {
                let set: Vec<String> = cols.iter().map(|c| format!("{c} = ?")).collect();
                let q = format!(
                    "UPDATE {} SET {}, site_id = ?, change_seq = ? WHERE id = ?",
                    spec.name,
                    set.join(", ")
                );
                bind_all(sqlx::query(&q), args)
                    .bind(site)
                    .bind(version)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                return Ok(1);
            }
            // A row of this node deleted here since: it stays deleted.
            None if origin == self.site_id => return Ok(0),
            None => format!(
                "INSERT INTO {} ({}, site_id, change_seq, origin_site, origin_id) VALUES ({}?, ?, ?, ?)",
                spec.name,
                cols.join(", "),
                "?, ".repeat(cols.len())
            ),
        };
        bind_all(sqlx::query(&q), args)
            .bind(site)
            .bind(version)
            .bind(origin)
            .bind(identity.id)
            .execute(&mut **tx)
            .await?;
        Ok(1)
    }

    async fn sync_upsert_natural(
        &self,
        tx: &mut Tx<'_>,
        spec: &TableSpec,
        rows: Vec<(i64, Vec<Arg>)>,
        mode: ApplyMode<'_>,
    ) -> Result<u64, StoreError> {
        let RowKey::Natural(key) = spec.key else {
            unreachable!("natural upsert of a table with ids")
        };
        let site = match mode {
            ApplyMode::Central { site } => site,
            ApplyMode::Down { .. } => self.site_id.as_str(),
        };
        let mut cols: Vec<&str> = spec.cols.iter().map(|(c, _)| *c).collect();
        cols.extend(["site_id", "change_seq"]);
        let updates: Vec<&str> = cols.iter().copied().filter(|c| !key.contains(c)).collect();
        let n = rows.len() as u64;
        if spec.name == "minute_stats" {
            // Received minutes: their hours' rollups are made again.
            let minutes: Vec<(i64, i64)> = rows
                .iter()
                .filter_map(|(_, a)| Some((a.first()?.as_int()?, a.get(1)?.as_int()?)))
                .collect();
            self.mark_hours(tx, minutes).await?;
        }
        let per_row = cols.len();
        let chunk = (30_000 / per_row).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let part: Vec<_> = rows.by_ref().take(chunk).collect();
            let sql =
                self.backend
                    .upsert_many(spec.name, &key.join(", "), &cols, &updates, part.len());
            let mut q = sqlx::query(&sql);
            for (seq, args) in part {
                let version = if matches!(mode, ApplyMode::Central { .. }) {
                    seq
                } else {
                    0
                };
                q = bind_all(q, args).bind(site).bind(version);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(n)
    }

    async fn sync_delete(
        &self,
        tx: &mut Tx<'_>,
        spec: &TableSpec,
        identity: &RowIdentity,
        mode: ApplyMode<'_>,
    ) -> Result<u64, StoreError> {
        if spec.key != RowKey::Id {
            return Ok(0);
        }
        let Some((id, _)) = self.sync_local_id(tx, spec.name, identity, mode).await? else {
            return Ok(0);
        };
        Self::delete_row(tx, spec.name, id).await
    }
}

fn bind_all<'q>(mut q: crate::query::AnyQuery<'q>, args: Vec<Arg>) -> crate::query::AnyQuery<'q> {
    for a in args {
        q = a.bind_to(q);
    }
    q
}

/// Local ids of parents already looked up in this batch.
#[derive(Default)]
struct RefCache(HashMap<(&'static str, Option<String>, i64), i64>);

impl RefCache {
    async fn resolve(
        &mut self,
        store: &Store,
        tx: &mut Tx<'_>,
        parent: &'static str,
        identity: &RowIdentity,
        mode: ApplyMode<'_>,
    ) -> Result<i64, StoreError> {
        let key = (parent, identity.site.clone(), identity.id);
        if let Some(id) = self.0.get(&key) {
            return Ok(*id);
        }
        let Some((id, _)) = store.sync_local_id(tx, parent, identity, mode).await? else {
            return Err(StoreError::MissingParent(format!(
                "{parent} {}/{}",
                identity.site.as_deref().unwrap_or(mode.sender()),
                identity.id
            )));
        };
        self.0.insert(key, id);
        Ok(id)
    }
}
