//! The forecast model registry and stored forecasts.

use animov_api::ModelStage;

use crate::{Store, StoreError, now_ms, query::Arg};

/// A model version to register.
#[derive(Debug, Clone, PartialEq)]
pub struct NewModel {
    /// Camera (`None`: the bundled model, for every camera).
    pub camera_id: Option<i64>,
    /// `sarimax`, `seasonal_naive`, ...
    pub kind: String,
    /// e.g. `(1,1,1)(1,1,1,96)`.
    pub spec: String,
    /// Fitted parameters (JSON).
    pub params: Vec<u8>,
    /// Training window start, UTC ms.
    pub train_from_ms: Option<i64>,
    /// Training window end, UTC ms.
    pub train_to_ms: Option<i64>,
    /// RMSE on the training window.
    pub train_rmse: Option<f64>,
    /// RMSE on the validation days.
    pub validation_rmse: Option<f64>,
    /// RMSE of the seasonal naive forecast on the same days.
    pub baseline_rmse: Option<f64>,
    /// Initial stage.
    pub stage: ModelStage,
}

/// A registered model version.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    /// Id.
    pub id: i64,
    /// Created at, UTC ms.
    pub created_ms: i64,
    /// Everything registered.
    pub model: NewModel,
}

/// A `forecast_models` row.
#[derive(sqlx_macros::FromRow)]
struct ModelRecord {
    id: i64,
    camera_id: Option<i64>,
    kind: String,
    spec: String,
    params: Vec<u8>,
    train_from_ms: Option<i64>,
    train_to_ms: Option<i64>,
    train_rmse: Option<f64>,
    validation_rmse: Option<f64>,
    baseline_rmse: Option<f64>,
    stage: String,
    created_ms: i64,
}

impl TryFrom<ModelRecord> for ModelRow {
    type Error = StoreError;
    fn try_from(r: ModelRecord) -> Result<ModelRow, StoreError> {
        Ok(ModelRow {
            id: r.id,
            created_ms: r.created_ms,
            model: NewModel {
                camera_id: r.camera_id,
                kind: r.kind,
                spec: r.spec,
                params: r.params,
                train_from_ms: r.train_from_ms,
                train_to_ms: r.train_to_ms,
                train_rmse: r.train_rmse,
                validation_rmse: r.validation_rmse,
                baseline_rmse: r.baseline_rmse,
                stage: r.stage.parse()?,
            },
        })
    }
}

/// One stored forecast point.
#[derive(Debug, Clone, Copy, PartialEq, sqlx_macros::FromRow)]
pub struct ForecastPoint {
    /// Bucket start, UTC ms.
    pub ts_ms: i64,
    /// Predicted standing ratio.
    pub mean: f64,
    /// 80 % interval.
    pub lower80: f64,
    /// 80 % interval.
    pub upper80: f64,
    /// 95 % interval.
    pub lower95: f64,
    /// 95 % interval.
    pub upper95: f64,
}

/// A stored forecast point with where it came from.
#[derive(Debug, Clone, Copy, PartialEq, sqlx_macros::FromRow)]
pub struct StoredForecast {
    /// The point.
    #[sqlx(flatten)]
    pub point: ForecastPoint,
    /// When it was issued, UTC ms.
    pub issued_ms: i64,
    /// The model that made it.
    pub model_id: i64,
}

const MODEL_COLS: &str = "id, camera_id, kind, spec, params, train_from_ms, train_to_ms, train_rmse, \
     validation_rmse, baseline_rmse, stage, created_ms";

impl Store {
    /// Registers a model version; a `production` one archives the camera's previous one.
    pub async fn insert_model(&self, m: &NewModel) -> Result<i64, StoreError> {
        let id = self
            .insert_synced(
                "forecast_models",
                &[
                    "camera_id",
                    "kind",
                    "spec",
                    "params",
                    "train_from_ms",
                    "train_to_ms",
                    "train_rmse",
                    "validation_rmse",
                    "baseline_rmse",
                    "stage",
                    "created_ms",
                ],
                vec![
                    Arg::OptInt(m.camera_id),
                    Arg::Text(m.kind.clone()),
                    Arg::Text(m.spec.clone()),
                    Arg::Blob(Some(m.params.clone())),
                    Arg::OptInt(m.train_from_ms),
                    Arg::OptInt(m.train_to_ms),
                    Arg::OptFloat(m.train_rmse),
                    Arg::OptFloat(m.validation_rmse),
                    Arg::OptFloat(m.baseline_rmse),
                    Arg::Text(ModelStage::Staging.as_str().into()),
                    Arg::Int(now_ms()),
                ],
            )
            .await?;
        if m.stage != ModelStage::Staging {
            self.set_model_stage(id, m.stage).await?;
        }
        Ok(id)
    }

    /// Models of a camera (`None`: the bundled ones), newest first.
    pub async fn models(&self, camera_id: Option<i64>) -> Result<Vec<ModelRow>, StoreError> {
        let q = format!(
            "SELECT {MODEL_COLS} FROM forecast_models WHERE (camera_id = ? OR (? IS NULL AND camera_id IS NULL)) \
             ORDER BY id DESC"
        );
        self.rows_of::<ModelRecord, _>(sqlx::query_as(&q).bind(camera_id).bind(camera_id))
            .await
    }

    /// One model version.
    pub async fn model(&self, id: i64) -> Result<Option<ModelRow>, StoreError> {
        let q = format!("SELECT {MODEL_COLS} FROM forecast_models WHERE id = ?");
        self.row_of::<ModelRecord, _>(sqlx::query_as(&q).bind(id))
            .await
    }

    /// The camera's production model, or the bundled production model when it has none.
    pub async fn production_model(&self, camera_id: i64) -> Result<Option<ModelRow>, StoreError> {
        let q = format!(
            "SELECT {MODEL_COLS} FROM forecast_models WHERE stage = 'production' \
             AND (camera_id = ? OR camera_id IS NULL) ORDER BY camera_id IS NULL, id DESC"
        );
        self.row_of::<ModelRecord, _>(sqlx::query_as(&q).bind(camera_id))
            .await
    }

    /// Moves a model to `stage`; promoting archives the camera's other
    /// production model, in one transaction. False if there is no such model.
    pub async fn set_model_stage(&self, id: i64, stage: ModelStage) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        Self::write_lock(&mut tx).await?;
        let camera: Option<Option<i64>> =
            sqlx::query_scalar("SELECT camera_id FROM forecast_models WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(camera) = camera else {
            return Ok(false);
        };
        let seq = Self::next_seqs(&mut tx, 2).await?;
        if stage == ModelStage::Production {
            sqlx::query(
                "UPDATE forecast_models SET stage = 'archived', change_seq = ? WHERE stage = 'production' \
                 AND id <> ? AND (camera_id = ? OR (? IS NULL AND camera_id IS NULL))",
            )
            .bind(seq)
            .bind(id)
            .bind(camera)
            .bind(camera)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE forecast_models SET stage = ?, change_seq = ? WHERE id = ?")
            .bind(stage.as_str())
            .bind(seq + 1)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Stores the points of one forecast issue.
    pub async fn insert_forecast(
        &self,
        camera_id: i64,
        model_id: i64,
        issued_ms: i64,
        points: &[ForecastPoint],
    ) -> Result<(), StoreError> {
        if points.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let first = Self::next_seqs(&mut tx, points.len() as i64).await?;
        let q = format!(
            "{} INTO forecasts (camera_id, issued_ms, ts_ms, model_id, mean, lower80, upper80, lower95, upper95, \
             site_id, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.backend.insert_ignore()
        );
        for (i, p) in points.iter().enumerate() {
            sqlx::query(&q)
                .bind(camera_id)
                .bind(issued_ms)
                .bind(p.ts_ms)
                .bind(model_id)
                .bind(p.mean)
                .bind(p.lower80)
                .bind(p.upper80)
                .bind(p.lower95)
                .bind(p.upper95)
                .bind(self.site())
                .bind(first + i as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// For each bucket in `[from_ms, to_ms)`, the newest forecast issued no
    /// later than `lead_ms` after the bucket began (what was expected of it
    /// as it started).
    pub async fn forecasts_as_issued(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
        lead_ms: i64,
    ) -> Result<Vec<StoredForecast>, StoreError> {
        self.newest_forecasts(camera_id, from_ms, to_ms, "f.ts_ms + ?", lead_ms)
            .await
    }

    /// For each bucket in `[from_ms, to_ms)`, the newest forecast issued at or
    /// before `as_of_ms` (the prediction as it stood then).
    pub async fn forecasts(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
        as_of_ms: i64,
    ) -> Result<Vec<StoredForecast>, StoreError> {
        self.newest_forecasts(camera_id, from_ms, to_ms, "?", as_of_ms)
            .await
    }

    /// Per bucket, the newest forecast issued at or before `issued_limit`
    /// (an SQL expression with one parameter, `bound`).
    async fn newest_forecasts(
        &self,
        camera_id: i64,
        from_ms: i64,
        to_ms: i64,
        issued_limit: &str,
        bound: i64,
    ) -> Result<Vec<StoredForecast>, StoreError> {
        let q = format!(
            "SELECT f.ts_ms, f.issued_ms, f.model_id, f.mean, f.lower80, f.upper80, f.lower95, f.upper95 \
             FROM forecasts f WHERE f.camera_id = ? AND f.ts_ms >= ? AND f.ts_ms < ? AND f.issued_ms = \
             (SELECT MAX(g.issued_ms) FROM forecasts g WHERE g.camera_id = f.camera_id AND g.ts_ms = f.ts_ms \
              AND g.issued_ms <= {issued_limit}) ORDER BY f.ts_ms"
        );
        Ok(sqlx::query_as(&q)
            .bind(camera_id)
            .bind(from_ms)
            .bind(to_ms)
            .bind(bound)
            .fetch_all(&self.pool)
            .await?)
    }
}
