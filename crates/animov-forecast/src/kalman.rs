//! The Kalman filter of a [`StateSpace`]: exact Gaussian log-likelihood,
//! missing observations skipped (prediction only), and forecasts.

use crate::ssm::StateSpace;

/// The filter ran into a non-positive prediction variance.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the filter became singular at observation {0} (prediction variance ≤ 0): the model does not fit these data"
)]
pub struct Singular(pub usize);

/// After filtering: the likelihood and the state predicted for the next period.
#[derive(Debug, Clone)]
pub struct Filtered {
    /// Log-likelihood of the non-missing observations after the burn.
    pub llf: f64,
    /// Observations that entered the likelihood.
    pub nobs: usize,
    /// Sum of squared one-step-ahead prediction errors over those observations.
    pub sse: f64,
    /// Predicted state for the period after the last observation.
    pub a: Vec<f64>,
    /// Its covariance (row-major).
    pub p: Vec<f64>,
    /// For each period, the one-step-ahead prediction made before its
    /// observation: (mean, variance).
    pub predictions: Vec<(f64, f64)>,
}

const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// Filters `y` (NaN = missing) with observation intercepts `d` (exogenous effects).
pub fn filter(ss: &StateSpace, y: &[f64], d: Option<&[f64]>) -> Result<Filtered, Singular> {
    let n = ss.n;
    let mut a = ss.a0.clone();
    let mut p = ss.p0.clone();
    let mut a_next = vec![0.0; n];
    let mut tmp = vec![0.0; n * n];
    let mut p_next = vec![0.0; n * n];
    let mut pz = vec![0.0; n];
    let mut llf = 0.0;
    let mut nobs = 0;
    let mut sse = 0.0;
    let mut predictions = Vec::with_capacity(y.len());
    for (t, &yt) in y.iter().enumerate() {
        // pz = P Zᵀ, F = Z P Zᵀ, v = y - d - Z a
        pz.fill(0.0);
        for &(j, zv) in &ss.z {
            for i in 0..n {
                pz[i] += zv * p[i * n + j];
            }
        }
        let f = ss.z_dot(&pz);
        let predicted = d.map_or(0.0, |d| d[t]) + ss.z_dot(&a);
        predictions.push((predicted, f.max(0.0)));
        if yt.is_finite() {
            if f.is_nan() || f <= 0.0 {
                return Err(Singular(t));
            }
            let v = yt - predicted;
            if t >= ss.burn {
                llf -= 0.5 * (LN_2PI + f.ln() + v * v / f);
                nobs += 1;
                sse += v * v;
            }
            // a += K v, P -= K F Kᵀ with K = pz / F
            let vf = v / f;
            for i in 0..n {
                a[i] += pz[i] * vf;
            }
            for i in 0..n {
                let ki = pz[i] / f;
                if ki == 0.0 {
                    continue;
                }
                let row = i * n;
                for j in 0..n {
                    p[row + j] -= ki * pz[j];
                }
            }
        }
        ss.t_vec(&a, &mut a_next);
        std::mem::swap(&mut a, &mut a_next);
        ss.predict_cov(&p, &mut tmp, &mut p_next);
        std::mem::swap(&mut p, &mut p_next);
    }
    Ok(Filtered {
        llf,
        nobs,
        sse,
        a,
        p,
        predictions,
    })
}

/// Forecast of `h` periods from the filtered state: means (plus `d`) and variances.
pub fn forecast(
    ss: &StateSpace,
    from: &Filtered,
    h: usize,
    d: Option<&[f64]>,
) -> (Vec<f64>, Vec<f64>) {
    let n = ss.n;
    let mut a = from.a.clone();
    let mut p = from.p.clone();
    let mut a_next = vec![0.0; n];
    let mut tmp = vec![0.0; n * n];
    let mut p_next = vec![0.0; n * n];
    let mut pz = vec![0.0; n];
    let mut mean = Vec::with_capacity(h);
    let mut var = Vec::with_capacity(h);
    for k in 0..h {
        mean.push(ss.z_dot(&a) + d.map_or(0.0, |d| d[k]));
        pz.fill(0.0);
        for &(j, zv) in &ss.z {
            for i in 0..n {
                pz[i] += zv * p[i * n + j];
            }
        }
        var.push(ss.z_dot(&pz).max(0.0));
        ss.t_vec(&a, &mut a_next);
        std::mem::swap(&mut a, &mut a_next);
        ss.predict_cov(&p, &mut tmp, &mut p_next);
        std::mem::swap(&mut p, &mut p_next);
    }
    (mean, var)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        spec::SarimaxSpec,
        ssm::{Params, StateSpace},
    };

    #[test]
    fn white_noise_likelihood_is_the_normal_density() {
        let spec = SarimaxSpec::parse("(0,0,0)").unwrap();
        let v = [2.0];
        let ss = StateSpace::sarimax(&spec, &Params::split(&spec, 0, &v)).unwrap();
        let y = [1.0, -0.5, f64::NAN, 2.0];
        let f = filter(&ss, &y, None).unwrap();
        let expect: f64 = [1.0f64, -0.5, 2.0]
            .iter()
            .map(|x| -0.5 * ((2.0 * std::f64::consts::PI * 2.0).ln() + x * x / 2.0))
            .sum();
        assert!((f.llf - expect).abs() < 1e-12, "{} vs {expect}", f.llf);
        assert_eq!(f.nobs, 3);
    }

    #[test]
    fn random_walk_forecast_is_flat_with_growing_variance() {
        let spec = SarimaxSpec::parse("(0,1,0)").unwrap();
        let v = [1.0];
        let ss = StateSpace::sarimax(&spec, &Params::split(&spec, 0, &v)).unwrap();
        let f = filter(&ss, &[1.0, 2.0, 3.0, 5.0], None).unwrap();
        // One step ahead, a random walk predicts the previous value with variance σ².
        assert!(
            (f.predictions[3].0 - 3.0).abs() < 1e-5,
            "{:?}",
            f.predictions
        );
        assert!(
            (f.predictions[3].1 - 1.0).abs() < 1e-5,
            "{:?}",
            f.predictions
        );
        let (m, var) = forecast(&ss, &f, 3, None);
        for x in &m {
            assert!((x - 5.0).abs() < 1e-5, "{m:?}");
        }
        assert!(
            (var[0] - 1.0).abs() < 1e-5 && (var[2] - 3.0).abs() < 1e-5,
            "{var:?}"
        );
    }
}
