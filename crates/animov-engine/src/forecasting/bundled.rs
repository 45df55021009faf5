//! Registering the bundled forecast model as every camera's fallback.

use animov_api::ModelStage;
use animov_core::time::DAY_MS;
use animov_store::NewModel;

use super::{ForecastingError, ModelParams};
use crate::{
    Engine,
    models::{BundledModel, ModelFileError},
};

/// Registers the bundled model as the fallback production model, once;
/// returns the fallback's id (`None` when no model is installed).
pub async fn ensure_bundled(engine: &Engine) -> Result<Option<i64>, ForecastingError> {
    if let Some(m) = engine
        .store
        .models(None)
        .await?
        .into_iter()
        .find(|m| m.model.stage == ModelStage::Production)
    {
        return Ok(Some(m.id));
    }
    let bundled = match BundledModel::load() {
        Ok(b) => b,
        Err(ModelFileError::MissingForecast) => {
            tracing::warn!(
                "no bundled forecast model (models/forecast/default.json): forecasts start once a camera has its own model"
            );
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let params = ModelParams {
        params: bundled.params,
        profile: Some(bundled.profile),
        profile_start_ms: Some(bundled.profile_start_ms),
    };
    let id = engine
        .store
        .insert_model(&NewModel {
            camera_id: None,
            kind: "sarimax".into(),
            spec: bundled.spec,
            params: params.to_blob()?,
            train_from_ms: Some(bundled.profile_start_ms),
            train_to_ms: Some(bundled.profile_start_ms + 7 * DAY_MS),
            train_rmse: None,
            validation_rmse: None,
            baseline_rmse: None,
            stage: ModelStage::Production,
        })
        .await?;
    tracing::info!(
        id,
        name = bundled.name,
        trained_on = bundled.trained_on,
        "bundled forecast model registered"
    );
    Ok(Some(id))
}
