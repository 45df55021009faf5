//! Sync between sites and a central: which tables travel ([`tables`]), rows
//! on the wire ([`rows`]), cursors, the central's sites and enrolment codes,
//! and what writes leave for sync (tombstones at a site, the down list at a
//! central).

pub mod rows;
mod sites;
pub mod tables;
mod videos;

use animov_api::{DownEntry, RowIdentity, SyncBatch};

pub use rows::ApplyMode;
pub use sites::{NewSite, SiteRow};
pub use tables::{ColType, RowKey, TABLES, TableSpec, table};
pub use videos::KeptVideo;

use crate::{Store, StoreError, now_ms};

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

impl Store {
    /// A persisted cursor (0 when never moved).
    pub async fn sync_cursor(&self, name: &str) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Self::cursor_on(&mut conn, name).await
    }

    async fn cursor_on(conn: &mut sqlx::AnyConnection, name: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT seq FROM sync_cursors WHERE tbl = ?")
                .bind(name)
                .fetch_optional(conn)
                .await?
                .unwrap_or(0),
        )
    }

    /// Moves a cursor (only forward).
    pub async fn set_sync_cursor(&self, name: &str, seq: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        Self::write_lock(&mut tx).await?;
        Self::set_cursor_tx(&mut tx, self.backend, name, seq).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_cursor_tx(
        tx: &mut Tx<'_>,
        backend: crate::Backend,
        name: &str,
        seq: i64,
    ) -> Result<(), StoreError> {
        let q = backend.upsert(
            "sync_cursors",
            "tbl",
            &["tbl", "seq", "updated_ms"],
            &["seq", "updated_ms"],
        );
        if Self::cursor_on(tx, name).await? < seq {
            sqlx::query(&q)
                .bind(name)
                .bind(seq)
                .bind(now_ms())
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// At the central: applies a site's batch in one transaction (all or
    /// nothing). Applying the same batch twice changes nothing more.
    #[tracing::instrument(skip(self, batch), fields(table = %batch.table, rows = batch.rows.len()))]
    pub async fn sync_apply_up(&self, site: &str, batch: &SyncBatch) -> Result<u64, StoreError> {
        let spec = table(&batch.table)
            .ok_or_else(|| StoreError::Sync(format!("unknown table {}", batch.table)))?;
        let mut tx = self.pool.begin().await?;
        Self::write_lock(&mut tx).await?;
        let n = self
            .sync_apply(&mut tx, spec, batch, ApplyMode::Central { site })
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// At the central: what its users wrote about `site`'s data after entry
    /// `after`, at most `limit` entries, each with the row as it is now.
    pub async fn sync_down_read(
        &self,
        site: &str,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<DownEntry>, bool), StoreError> {
        let list = sqlx::query_as::<_, (i64, String, i64, i64, String, i64)>(
            "SELECT id, tbl, row_id, deleted, origin_site, origin_id FROM sync_down \
             WHERE site_id = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(site)
        .bind(after)
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let more = list.len() as i64 > limit;
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::new();
        for (id, tbl, row_id, deleted, origin_site, origin_id) in
            list.into_iter().take(limit as usize)
        {
            let spec =
                table(&tbl).ok_or_else(|| StoreError::Corrupt(format!("sync table {tbl}")))?;
            let identity = RowIdentity {
                site: (origin_site != self.site_id).then_some(origin_site),
                id: origin_id,
            };
            let (row, deleted) = if deleted != 0 {
                (None, Some(identity))
            } else {
                match Self::sync_row_by_id(&mut tx, spec, row_id).await? {
                    Some(r) => (Some(r), None),
                    // Deleted since: its own entry follows.
                    None => continue,
                }
            };
            out.push(DownEntry {
                id,
                table: tbl,
                row,
                deleted,
            });
        }
        tx.commit().await?;
        Ok((out, more))
    }

    /// At a site: applies the central's entries in order and moves the down
    /// cursor in the same transaction; an acknowledgement, judgement or end
    /// of an alert written at the central changes the alert here too.
    #[tracing::instrument(skip(self, entries), fields(n = entries.len()))]
    pub async fn sync_apply_down(
        &self,
        central: &str,
        entries: &[DownEntry],
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        Self::write_lock(&mut tx).await?;
        let mut applied = 0;
        let mut last = 0;
        for e in entries {
            last = last.max(e.id);
            let spec = table(&e.table)
                .filter(|s| s.down)
                .ok_or_else(|| StoreError::Sync(format!("{} cannot come down", e.table)))?;
            let guard = Self::cursor_on(&mut tx, &format!("up:{}", spec.name)).await?;
            let batch = SyncBatch {
                table: e.table.clone(),
                columns: spec.cols.iter().map(|(c, _)| c.to_string()).collect(),
                rows: e.row.iter().cloned().collect(),
                tombstones: e
                    .deleted
                    .iter()
                    .map(|row| animov_api::Tombstone {
                        seq: 0,
                        row: row.clone(),
                    })
                    .collect(),
                files: Vec::new(),
                last_seq: 0,
            };
            let mode = ApplyMode::Down { central, guard };
            let n = self.sync_apply(&mut tx, spec, &batch, mode).await?;
            applied += n;
            if n > 0
                && spec.name == "alert_events"
                && let Some(row) = &e.row
            {
                self.apply_alert_event(&mut tx, spec, row, mode).await?;
            }
        }
        if last > 0 {
            Self::set_cursor_tx(&mut tx, self.backend, "down", last).await?;
        }
        tx.commit().await?;
        Ok(applied)
    }

    /// What an alert event from the central does to the alert here.
    async fn apply_alert_event(
        &self,
        tx: &mut Tx<'_>,
        spec: &TableSpec,
        row: &animov_api::WireRow,
        mode: ApplyMode<'_>,
    ) -> Result<(), StoreError> {
        let at = |c: &str| &row[3 + spec.col_index(c).unwrap_or_default()];
        let alert: RowIdentity = serde_json::from_value(serde_json::json!({
            "site": at("alert_id").get(0),
            "id": at("alert_id").get(1),
        }))
        .map_err(|e| StoreError::Sync(format!("alert event: {e}")))?;
        let Some((alert_id, _)) = self.sync_local_id(tx, "alerts", &alert, mode).await? else {
            return Ok(());
        };
        let ts = at("ts_ms").as_i64().unwrap_or_else(now_ms);
        let by = at("by_user").as_str().map(str::to_string);
        let comment = at("comment").as_str().map(str::to_string);
        let seq = Self::next_seqs(tx, 1).await?;
        let q = match at("kind").as_str() {
            Some("acknowledged") => {
                "UPDATE alerts SET state = 'acknowledged', ack_by = ?, ack_ms = ?, ack_comment = ?, \
                 change_seq = ? WHERE id = ? AND state = 'open'"
            }
            Some("resolved") => {
                "UPDATE alerts SET state = 'resolved', open_rule = NULL, resolved_by = ?, resolved_ms = ?, \
                 ack_comment = COALESCE(ack_comment, ?), change_seq = ? WHERE id = ? AND state <> 'resolved'"
            }
            Some(kind @ ("false_alarm" | "useful")) => {
                sqlx::query(
                    "UPDATE alerts SET feedback = ?, feedback_by = ?, feedback_ms = ?, change_seq = ? WHERE id = ?",
                )
                .bind(kind)
                .bind(by)
                .bind(ts)
                .bind(seq)
                .bind(alert_id)
                .execute(&mut **tx)
                .await?;
                return Ok(());
            }
            _ => return Ok(()),
        };
        sqlx::query(q)
            .bind(by)
            .bind(ts)
            .bind(comment)
            .bind(seq)
            .bind(alert_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The site whose camera row `id` of `table` is about.
    pub(crate) async fn owner(
        tx: &mut Tx<'_>,
        table: &str,
        id: i64,
    ) -> Result<Option<String>, StoreError> {
        let join = match table {
            "note_versions" => {
                "JOIN notes n ON n.id = x.note_id JOIN cameras c ON c.id = n.camera_id"
            }
            "alert_events" => {
                "JOIN alerts a ON a.id = x.alert_id JOIN cameras c ON c.id = a.camera_id"
            }
            _ => "JOIN cameras c ON c.id = x.camera_id",
        };
        Ok(sqlx::query_scalar(&format!(
            "SELECT c.site_id FROM {table} x {join} WHERE x.id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Inside a write of `table` row `id`: when the row is about another
    /// site's camera (a vet writing at the central), it goes on that site's
    /// down list.
    pub(crate) async fn queue_down(
        &self,
        tx: &mut Tx<'_>,
        table: &str,
        id: i64,
    ) -> Result<(), StoreError> {
        let Some(owner) = Self::owner(tx, table, id).await? else {
            return Ok(());
        };
        if owner == self.site_id {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO sync_down (site_id, tbl, row_id, deleted, origin_site, origin_id, ts_ms) \
             VALUES (?, ?, ?, 0, '', 0, ?)",
        )
        .bind(owner)
        .bind(table)
        .bind(id)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Before deleting `table` row `id`: a tombstone for the central (a row
    /// about this node's cameras) or a deletion on the down list of the site
    /// the row is about (at a central).
    pub(crate) async fn record_delete(
        &self,
        tx: &mut Tx<'_>,
        table: &str,
        id: i64,
    ) -> Result<(), StoreError> {
        Self::write_lock(tx).await?;
        let origin: Option<(Option<String>, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT origin_site, origin_id FROM {table} WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        let (Some((site, oid)), Some(owner)) = (origin, Self::owner(tx, table, id).await?) else {
            return Ok(());
        };
        let site = site.unwrap_or_else(|| self.site_id.clone());
        let oid = oid.unwrap_or(id);
        if owner == self.site_id {
            let seq = Self::next_seqs(tx, 1).await?;
            sqlx::query(
                "INSERT INTO sync_tombstones (seq, tbl, origin_site, origin_id, deleted_ms) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(seq)
            .bind(table)
            .bind(site)
            .bind(oid)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO sync_down (site_id, tbl, row_id, deleted, origin_site, origin_id, ts_ms) \
                 VALUES (?, ?, ?, 1, ?, ?, ?)",
            )
            .bind(owner)
            .bind(table)
            .bind(id)
            .bind(site)
            .bind(oid)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Every synced row here (frames only when `optional`) as comparable text, sorted: the
    /// version left out, "this node" spelled as `me`, picture paths left out.
    /// Two nodes hold the same rows exactly when their dumps are equal (what
    /// the sync tests and an audit compare).
    pub async fn sync_dump(&self, me: &str, optional: bool) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for spec in TABLES.iter().filter(|t| optional || !t.optional) {
            // From -1: rows received from the central carry version 0.
            let batch = self.sync_read(spec, -1, i64::MAX / 2).await?;
            let ids = if spec.key == RowKey::Id { 2 } else { 0 };
            for mut row in batch.rows {
                row.remove(0);
                if ids > 0 && row[0].is_null() {
                    row[0] = serde_json::Value::from(me);
                }
                for v in row.iter_mut() {
                    if let serde_json::Value::Array(a) = v
                        && a.len() == 2
                        && a[0].is_null()
                    {
                        a[0] = serde_json::Value::from(me);
                    }
                }
                for c in spec.paths() {
                    row[ids + c] = serde_json::Value::Null;
                }
                out.push(format!("{} {}", spec.name, serde_json::Value::Array(row)));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes row `id` of synced `table` (a note with its versions);
    /// returns how many rows of `table` went. No trace for sync: see
    /// [`Store::delete_synced`].
    pub(crate) async fn delete_row(
        tx: &mut Tx<'_>,
        table: &str,
        id: i64,
    ) -> Result<u64, StoreError> {
        if table == "notes" {
            sqlx::query("DELETE FROM note_versions WHERE note_id = ?")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        Ok(sqlx::query(&format!("DELETE FROM {table} WHERE id = ?"))
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected())
    }

    /// Deletes row `id` of synced `table` here, leaving the tombstone (or
    /// the central's down entry) that carries the deletion; false when there
    /// was no such row.
    pub(crate) async fn delete_synced(&self, table: &str, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        Self::write_lock(&mut tx).await?;
        self.record_delete(&mut tx, table, id).await?;
        let n = Self::delete_row(&mut tx, table, id).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Drops tombstones the central has committed (every table's cursor is past them).
    pub async fn sync_prune_tombstones(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for spec in TABLES.iter().filter(|t| t.key == RowKey::Id) {
            let cursor = self.sync_cursor(&format!("up:{}", spec.name)).await?;
            n += sqlx::query("DELETE FROM sync_tombstones WHERE tbl = ? AND seq <= ?")
                .bind(spec.name)
                .bind(cursor)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(n)
    }
}
