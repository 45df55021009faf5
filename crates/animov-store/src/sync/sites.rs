//! At a central: one-time enrolment codes and the sites that joined with
//! them (codes and credentials are kept as hashes only).

use crate::{Store, StoreError};

/// A site joining.
#[derive(Debug, Clone)]
pub struct NewSite {
    /// Its id.
    pub site_id: String,
    /// Name.
    pub name: String,
    /// Farm.
    pub farm: String,
    /// Time zone.
    pub time_zone: String,
    /// App version.
    pub version: String,
    /// Hash of the credential it was given.
    pub credential_hash: String,
}

/// A site as stored at the central.
#[derive(Debug, Clone, PartialEq, sqlx_macros::FromRow)]
pub struct SiteRow {
    /// Its id.
    pub site_id: String,
    /// Name.
    pub name: String,
    /// Farm.
    pub farm: String,
    /// Time zone.
    pub time_zone: String,
    /// App version.
    pub version: String,
    /// When it joined.
    pub enrolled_ms: i64,
    /// Last request.
    pub last_contact_ms: Option<i64>,
    /// Its clock minus the central's, ms.
    pub skew_ms: Option<i64>,
    /// Backlog it reported (JSON object table → rows).
    pub backlog: Option<String>,
    /// When it was revoked.
    pub revoked_ms: Option<i64>,
    /// Its cameras here.
    pub cameras: i64,
}

impl Store {
    /// Saves a one-time enrolment code (its hash).
    pub async fn create_enrolment(
        &self,
        code_hash: &str,
        by: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sync_enrolments (code_hash, created_by, created_ms, expires_ms) VALUES (?, ?, ?, ?)",
        )
        .bind(code_hash)
        .bind(by)
        .bind(now_ms)
        .bind(expires_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Uses a code once: records the site (a site joining again gets a new
    /// credential and is no longer revoked). `Conflict` when the code is
    /// unknown, used or expired.
    pub async fn redeem_enrolment(
        &self,
        code_hash: &str,
        site: &NewSite,
        by_default: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let used = sqlx::query(
            "UPDATE sync_enrolments SET used_ms = ?, used_by_site = ? \
             WHERE code_hash = ? AND used_ms IS NULL AND expires_ms > ?",
        )
        .bind(now_ms)
        .bind(&site.site_id)
        .bind(code_hash)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used == 0 {
            return Err(StoreError::Conflict(
                "this enrolment code is unknown, already used or expired: ask the central's admin for a new one"
                    .into(),
            ));
        }
        if site.site_id == self.site_id {
            return Err(StoreError::Conflict("a central cannot enrol itself".into()));
        }
        let by: String =
            sqlx::query_scalar("SELECT created_by FROM sync_enrolments WHERE code_hash = ?")
                .bind(code_hash)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or_else(|| by_default.to_string());
        let cols = [
            "site_id",
            "name",
            "farm",
            "time_zone",
            "version",
            "credential_hash",
            "enrolled_ms",
            "enrolled_by",
            "revoked_ms",
        ];
        let q = self
            .backend
            .upsert("sync_sites", "site_id", &cols, &cols[1..]);
        sqlx::query(&q)
            .bind(&site.site_id)
            .bind(&site.name)
            .bind(&site.farm)
            .bind(&site.time_zone)
            .bind(&site.version)
            .bind(&site.credential_hash)
            .bind(now_ms)
            .bind(by)
            .bind(None::<i64>)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The site holding credential `hash`, and whether it was revoked.
    pub async fn site_by_credential(
        &self,
        hash: &str,
    ) -> Result<Option<(String, Option<i64>)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT site_id, revoked_ms FROM sync_sites WHERE credential_hash = ?")
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Records a contact: time, clock skew, version, reported backlog.
    pub async fn touch_site(
        &self,
        site_id: &str,
        now_ms: i64,
        skew_ms: Option<i64>,
        version: &str,
        backlog: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sync_sites SET last_contact_ms = ?, skew_ms = COALESCE(?, skew_ms), version = ?, \
             backlog = COALESCE(?, backlog) WHERE site_id = ?",
        )
        .bind(now_ms)
        .bind(skew_ms)
        .bind(version)
        .bind(backlog)
        .bind(site_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every site that joined, by name.
    pub async fn sites(&self) -> Result<Vec<SiteRow>, StoreError> {
        Ok(sqlx::query_as::<_, SiteRow>(
            "SELECT s.site_id, s.name, s.farm, s.time_zone, s.version, s.enrolled_ms, s.last_contact_ms, \
             s.skew_ms, s.backlog, s.revoked_ms, \
             (SELECT COUNT(*) FROM cameras c WHERE c.site_id = s.site_id) AS cameras \
             FROM sync_sites s ORDER BY s.name, s.site_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a site: its credential stops working (its data stays). False
    /// when there is no such site.
    pub async fn revoke_site(&self, site_id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE sync_sites SET revoked_ms = ? WHERE site_id = ? AND revoked_ms IS NULL",
        )
        .bind(now_ms)
        .bind(site_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }
}
