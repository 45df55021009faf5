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

/// The dense filter's state between periods: predicted mean and covariance.
pub(crate) struct Dense {
    pub(crate) a: Vec<f64>,
    pub(crate) p: Vec<f64>,
    a_next: Vec<f64>,
    tmp: Vec<f64>,
    p_next: Vec<f64>,
    pub(crate) pz: Vec<f64>,
    nz: Vec<usize>,
}

/// What one period gave: its prediction before the observation, and the
/// observation's error when there was one.
pub(crate) struct Step {
    pub(crate) predicted: f64,
    pub(crate) f: f64,
    pub(crate) v: Option<f64>,
}

impl Dense {
    pub(crate) fn new(ss: &StateSpace) -> Dense {
        let n = ss.n;
        Dense {
            a: ss.a0.clone(),
            p: ss.p0.clone(),
            a_next: vec![0.0; n],
            tmp: vec![0.0; n * n],
            p_next: vec![0.0; n * n],
            pz: vec![0.0; n],
            nz: Vec::with_capacity(n),
        }
    }

    /// `pz = P Zᵀ`, returns `F = Z P Zᵀ`.
    pub(crate) fn project(&mut self, ss: &StateSpace) -> f64 {
        let n = ss.n;
        // P is symmetric: its column j is its row j.
        self.pz.fill(0.0);
        for &(j, zv) in &ss.z {
            for (x, p) in self.pz.iter_mut().zip(&self.p[j * n..(j + 1) * n]) {
                *x += zv * p;
            }
        }
        ss.z_dot(&self.pz)
    }

    /// Period `t`: prediction, update by `yt` (NaN = missing), then the
    /// prediction of the next period.
    pub(crate) fn step(
        &mut self,
        ss: &StateSpace,
        t: usize,
        yt: f64,
        dt: f64,
    ) -> Result<Step, Singular> {
        let n = ss.n;
        let f = self.project(ss);
        let predicted = dt + ss.z_dot(&self.a);
        let mut v = None;
        if yt.is_finite() {
            if f.is_nan() || f <= 0.0 {
                return Err(Singular(t));
            }
            let e = yt - predicted;
            v = Some(e);
            // a += K v, P -= K F Kᵀ with K = pz / F — over pz's non-zero
            // entries only (few while diffuse states are still untouched).
            let vf = e / f;
            for i in 0..n {
                self.a[i] += self.pz[i] * vf;
            }
            self.nz.clear();
            self.nz.extend((0..n).filter(|&i| self.pz[i] != 0.0));
            let dense = self.nz.len() * 4 > n * 3;
            for &i in &self.nz {
                let ki = self.pz[i] / f;
                let row = &mut self.p[i * n..(i + 1) * n];
                if dense {
                    for (x, pj) in row.iter_mut().zip(&self.pz) {
                        *x -= ki * pj;
                    }
                } else {
                    for &j in &self.nz {
                        row[j] -= ki * self.pz[j];
                    }
                }
            }
        }
        ss.t_vec(&self.a, &mut self.a_next);
        std::mem::swap(&mut self.a, &mut self.a_next);
        ss.predict_cov(&self.p, &mut self.tmp, &mut self.p_next);
        std::mem::swap(&mut self.p, &mut self.p_next);
        Ok(Step {
            predicted,
            f: f.max(0.0),
            v,
        })
    }
}

/// The log-likelihood term of one observation.
pub(crate) fn llf_term(f: f64, v: f64) -> f64 {
    -0.5 * (LN_2PI + f.ln() + v * v / f)
}

/// Filters `y` (NaN = missing) with observation intercepts `d` (exogenous effects).
pub fn filter(ss: &StateSpace, y: &[f64], d: Option<&[f64]>) -> Result<Filtered, Singular> {
    let mut state = Dense::new(ss);
    let mut llf = 0.0;
    let mut nobs = 0;
    let mut sse = 0.0;
    let mut predictions = Vec::with_capacity(y.len());
    for (t, &yt) in y.iter().enumerate() {
        let step = state.step(ss, t, yt, d.map_or(0.0, |d| d[t]))?;
        predictions.push((step.predicted, step.f));
        if let Some(v) = step.v
            && t >= ss.burn
        {
            llf += llf_term(step.f, v);
            nobs += 1;
            sse += v * v;
        }
    }
    Ok(Filtered {
        llf,
        nobs,
        sse,
        a: state.a,
        p: state.p,
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
