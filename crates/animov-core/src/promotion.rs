//! Whether a newly trained forecast model replaces the camera's production model.

/// A new model is promoted when, on the same backtest, its error is below
/// every bar's — the baselines' and the production model's (a score that
/// could not be computed is no bar).
pub fn should_promote(candidate_rmse: f64, bars: &[Option<f64>]) -> bool {
    candidate_rmse.is_finite() && bars.iter().all(|b| b.is_none_or(|b| candidate_rmse < b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_must_beat_every_baseline_and_production() {
        assert!(should_promote(10.0, &[Some(12.0), Some(10.5), Some(11.0)]));
        assert!(!should_promote(10.0, &[Some(9.0), Some(12.0), Some(11.0)]));
        assert!(!should_promote(10.0, &[Some(12.0), Some(9.9), Some(11.0)]));
        assert!(!should_promote(10.0, &[Some(12.0), Some(12.0), Some(10.0)]));
        assert!(should_promote(10.0, &[None, None, None]));
        assert!(!should_promote(f64::NAN, &[None]));
    }
}
