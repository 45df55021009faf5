//! Settings kept as JSON blobs: a camera's vision settings, a camera's alert
//! rules, and small named settings of the site (e.g. alert delivery). The
//! engine reads and checks the JSON; the store keeps the bytes.

use crate::{Store, StoreError, now_ms};

impl Store {
    /// A camera's vision settings (JSON), if any were saved.
    pub async fn camera_settings(&self, camera_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT settings FROM camera_settings WHERE camera_id = ?")
                .bind(camera_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Saves a camera's vision settings (JSON).
    pub async fn set_camera_settings(&self, camera_id: i64, json: &[u8]) -> Result<(), StoreError> {
        self.set_camera_json("camera_settings", camera_id, json)
            .await
    }

    /// A camera's alert rule settings (JSON), if saved.
    pub async fn alert_rules(&self, camera_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT settings FROM alert_rules WHERE camera_id = ?")
                .bind(camera_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Saves a camera's alert rule settings (JSON).
    pub async fn set_alert_rules(&self, camera_id: i64, json: &[u8]) -> Result<(), StoreError> {
        self.set_camera_json("alert_rules", camera_id, json).await
    }

    /// Saves a camera's JSON settings row of `table` (a synced table).
    async fn set_camera_json(
        &self,
        table: &str,
        camera_id: i64,
        json: &[u8],
    ) -> Result<(), StoreError> {
        let q = self.backend.upsert(
            table,
            "camera_id",
            &[
                "camera_id",
                "settings",
                "updated_ms",
                "site_id",
                "change_seq",
            ],
            &["settings", "updated_ms", "change_seq"],
        );
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seqs(&mut tx, 1).await?;
        sqlx::query(&q)
            .bind(camera_id)
            .bind(json.to_vec())
            .bind(now_ms())
            .bind(self.site())
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A named site setting (JSON), if saved.
    pub async fn app_setting(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM app_settings WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Saves a named site setting (JSON).
    pub async fn set_app_setting(&self, name: &str, json: &[u8]) -> Result<(), StoreError> {
        let q = self.backend.upsert(
            "app_settings",
            "name",
            &["name", "value", "updated_ms"],
            &["value", "updated_ms"],
        );
        sqlx::query(&q)
            .bind(name)
            .bind(json.to_vec())
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Backend;

    #[test]
    fn upserts_speak_each_dialect() {
        let cols = ["name", "value", "updated_ms"];
        let upd = ["value", "updated_ms"];
        assert_eq!(
            Backend::Sqlite.upsert("app_settings", "name", &cols, &upd),
            "INSERT INTO app_settings (name, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET \
             value = excluded.value, updated_ms = excluded.updated_ms"
        );
        assert_eq!(
            Backend::MySql.upsert("app_settings", "name", &cols, &upd),
            "INSERT INTO app_settings (name, value, updated_ms) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE \
             value = VALUES(value), updated_ms = VALUES(updated_ms)"
        );
    }
}
