//! Whether a newly trained forecast model replaces the camera's production model.

/// A new model is promoted when, on the same validation days, its error is
/// below the seasonal naive forecast's and the production model's (a score
/// that could not be computed is no bar).
pub fn should_promote(
    candidate_rmse: f64,
    naive_rmse: Option<f64>,
    production_rmse: Option<f64>,
) -> bool {
    candidate_rmse.is_finite()
        && naive_rmse.is_none_or(|n| candidate_rmse < n)
        && production_rmse.is_none_or(|p| candidate_rmse < p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_must_beat_both_the_naive_forecast_and_production() {
        assert!(should_promote(10.0, Some(12.0), Some(11.0)));
        assert!(!should_promote(10.0, Some(9.0), Some(11.0)));
        assert!(!should_promote(10.0, Some(12.0), Some(10.0)));
        assert!(should_promote(10.0, None, None));
        assert!(!should_promote(f64::NAN, None, None));
    }
}
