//! The next 24 h of a camera from its production model, and the observed
//! 15-minute grid forecasts are compared with.

use animov_api::Bucket;
use animov_core::time::{DAY_MS, QUARTER_MS, floor_to};
use animov_forecast::{Sarimax, SarimaxSpec};
use animov_store::{ForecastPoint, ModelRow, StoreError};

use super::{ForecastingError, HISTORY, HORIZON, ModelParams};
use crate::Engine;

/// The 7-day history ending at `end_ms` (exclusive, bucket-aligned): observed
/// ratios where the camera has them; before its first observation, the
/// reference week at the same time of day.
pub fn history(
    observed: &[(i64, Option<f64>)],
    end_ms: i64,
    reference: Option<(&[Option<f64>], i64)>,
) -> Vec<f64> {
    let start = end_ms - HISTORY as i64 * QUARTER_MS;
    let mut y = vec![f64::NAN; HISTORY];
    let first = observed.iter().map(|o| o.0).min();
    for (ts, v) in observed {
        if *ts >= start && *ts < end_ms {
            y[((ts - start) / QUARTER_MS) as usize] = v.unwrap_or(f64::NAN);
        }
    }
    if let Some((profile, profile_start)) = reference
        && profile.len() >= 96
    {
        for (k, slot) in y.iter_mut().enumerate() {
            let ts = start + k as i64 * QUARTER_MS;
            if first.is_some_and(|f| ts >= f) {
                continue;
            }
            // Same day rank and time of day within the reference week.
            let tod = (ts - profile_start).rem_euclid(DAY_MS) / QUARTER_MS;
            let day = (k / 96).min(profile.len() / 96 - 1);
            *slot = profile[day * 96 + tod as usize].unwrap_or(f64::NAN);
        }
    }
    y
}

/// Forecasts the next 24 h for one camera with its production model and stores them.
#[tracing::instrument(skip(engine))]
pub async fn forecast_camera(
    engine: &Engine,
    camera_id: i64,
    now_ms: i64,
) -> Result<usize, ForecastingError> {
    let Some(model) = engine.store.production_model(camera_id).await? else {
        return Ok(0);
    };
    let end = floor_to(now_ms, QUARTER_MS);
    let hists = engine
        .store
        .posture_hists(camera_id, end - HISTORY as i64 * QUARTER_MS, end)
        .await?;
    let observed: Vec<(i64, Option<f64>)> =
        animov_core::series::series(&hists, Bucket::M15.millis())
            .into_iter()
            .map(|p| (p.ts, p.ratio_standing))
            .collect();
    let points = predict(&model, &observed, end)?;
    engine
        .store
        .insert_forecast(camera_id, model.id, now_ms, &points)
        .await?;
    Ok(points.len())
}

/// The 24 h after `end` from `model` run over `observed`.
fn predict(
    model: &ModelRow,
    observed: &[(i64, Option<f64>)],
    end: i64,
) -> Result<Vec<ForecastPoint>, ForecastingError> {
    let bad = |message: String| ForecastingError::Model {
        id: model.id,
        message,
    };
    let params: ModelParams = serde_json::from_slice(&model.model.params)
        .map_err(|e| bad(format!("parameters unreadable: {e}")))?;
    let spec = SarimaxSpec::parse(&model.model.spec).map_err(|e| bad(e.to_string()))?;
    let reference = params.profile.as_deref().zip(params.profile_start_ms);
    let y = history(observed, end, reference);
    let fitted = Sarimax::new(spec)
        .with_params(&y, None, &params.params, 0, true)
        .map_err(|e| bad(e.to_string()))?;
    let f = fitted
        .forecast(HORIZON, None)
        .map_err(|e| bad(e.to_string()))?;
    // A share of the herd: keep it within 0–100 %.
    let c = |v: f64| v.clamp(0.0, 100.0);
    Ok((0..HORIZON)
        .map(|k| ForecastPoint {
            ts_ms: end + k as i64 * QUARTER_MS,
            mean: c(f.mean[k]),
            lower80: c(f.lower80[k]),
            upper80: c(f.upper80[k]),
            lower95: c(f.lower95[k]),
            upper95: c(f.upper95[k]),
        })
        .collect())
}

/// The camera's 15-minute standing ratio over `[from, to)` on a full grid (NaN = missing).
pub async fn observed_grid(
    engine: &Engine,
    camera_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<f64>, StoreError> {
    let hists = engine.store.posture_hists(camera_id, from, to).await?;
    let n = ((to - from) / QUARTER_MS).max(0) as usize;
    let mut y = vec![f64::NAN; n];
    for p in animov_core::series::series(&hists, Bucket::M15.millis()) {
        let k = ((p.ts - from) / QUARTER_MS) as usize;
        if k < n {
            y[k] = p.ratio_standing.unwrap_or(f64::NAN);
        }
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_uses_the_reference_week_before_the_first_observation() {
        let day0 = 1_793_577_600_000i64; // a UTC midnight
        let profile: Vec<Option<f64>> = (0..HISTORY).map(|k| Some((k % 96) as f64)).collect();
        let end = day0 + 7 * DAY_MS + 10 * QUARTER_MS;
        // The camera has data only for the last two buckets.
        let observed = [(end - 2 * QUARTER_MS, Some(50.0)), (end - QUARTER_MS, None)];
        let y = history(&observed, end, Some((&profile, day0)));
        assert_eq!(y.len(), HISTORY);
        // First bucket: 00:00 + 10 buckets on day 0 → time-of-day index 10.
        assert_eq!(y[0], 10.0);
        assert_eq!(y[HISTORY - 2], 50.0);
        assert!(
            y[HISTORY - 1].is_nan(),
            "an observed empty bucket stays missing"
        );
        // Without a reference week, the past is simply missing.
        let y = history(&observed, end, None);
        assert!(y[0].is_nan());
    }
}
