//! Baselines a model must beat, and the error measure used to compare them.
//!
//! (Evaluated before writing these: the `augurs` crates offer ETS without
//! seasonal models and MSTL + ETS, at the cost of nalgebra and rand; for a
//! daily profile of 96 buckets, a seasonal mean of recent days is as strong a
//! yardstick and needs nothing.)

use crate::model::ForecastError;

/// The last season repeated: `ŷ_{n+k} = y_{n+k-s·m}` with the smallest m ≥ 1
/// that has an observed value (missing values look further back).
pub fn seasonal_naive(y: &[f64], s: usize, h: usize) -> Result<Vec<f64>, ForecastError> {
    if s == 0 || y.len() < s {
        return Err(ForecastError::TooShort {
            spec: format!("seasonal naive (s = {s})"),
            need: s.max(1),
            got: y.len(),
        });
    }
    let n = y.len();
    (0..h)
        .map(|k| {
            let mut idx = n + k;
            loop {
                if idx < s {
                    return Err(ForecastError::AllMissing);
                }
                idx -= s;
                if idx < n && y[idx].is_finite() {
                    return Ok(y[idx]);
                }
            }
        })
        .collect()
}

/// Mean of the same phase over the last `k` seasons (missing values skipped).
pub fn seasonal_mean(y: &[f64], s: usize, k: usize, h: usize) -> Result<Vec<f64>, ForecastError> {
    if s == 0 || y.len() < s {
        return Err(ForecastError::TooShort {
            spec: format!("seasonal mean (s = {s})"),
            need: s.max(1),
            got: y.len(),
        });
    }
    let n = y.len();
    (0..h)
        .map(|j| {
            let vals: Vec<f64> = (1..=k.max(1))
                .filter_map(|m| (n + j).checked_sub(m * s).filter(|i| *i < n))
                .map(|i| y[i])
                .filter(|v| v.is_finite())
                .collect();
            if vals.is_empty() {
                seasonal_naive(y, s, j + 1).map(|f| f[j])
            } else {
                Ok(vals.iter().sum::<f64>() / vals.len() as f64)
            }
        })
        .collect()
}

/// Root mean squared error over the periods where `observed` has a value.
pub fn rmse(predicted: &[f64], observed: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = predicted
        .iter()
        .zip(observed)
        .filter(|(p, o)| p.is_finite() && o.is_finite())
        .map(|(p, o)| (*p, *o))
        .collect();
    (!pairs.is_empty()).then(|| {
        (pairs.iter().map(|(p, o)| (p - o).powi(2)).sum::<f64>() / pairs.len() as f64).sqrt()
    })
}

/// Mean absolute error over the periods where `observed` has a value.
pub fn mae(predicted: &[f64], observed: &[f64]) -> Option<f64> {
    let pairs: Vec<f64> = predicted
        .iter()
        .zip(observed)
        .filter(|(p, o)| p.is_finite() && o.is_finite())
        .map(|(p, o)| (p - o).abs())
        .collect();
    (!pairs.is_empty()).then(|| pairs.iter().sum::<f64>() / pairs.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_repeats_the_last_season_and_looks_past_gaps() {
        let y = [1.0, 2.0, 3.0, 10.0, f64::NAN, 30.0];
        assert_eq!(
            seasonal_naive(&y, 3, 4).unwrap(),
            vec![10.0, 2.0, 30.0, 10.0]
        );
        assert!(seasonal_naive(&y, 7, 1).is_err());
    }

    #[test]
    fn seasonal_mean_averages_recent_seasons() {
        let y = [1.0, 2.0, 3.0, 10.0, f64::NAN, 30.0];
        assert_eq!(seasonal_mean(&y, 3, 2, 3).unwrap(), vec![5.5, 2.0, 16.5]);
    }

    #[test]
    fn errors_skip_missing_observations() {
        assert_eq!(
            rmse(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 6.0]),
            Some((4.5f64).sqrt())
        );
        assert_eq!(mae(&[1.0, 2.0], &[2.0, 4.0]), Some(1.5));
        assert_eq!(rmse(&[1.0], &[f64::NAN]), None);
    }
}
