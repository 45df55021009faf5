//! The SARIMAX model: spec → [`Sarimax::fit`] → [`FittedSarimax`] →
//! [`FittedSarimax::forecast`]. Only a fitted model can forecast.

use crate::{
    chandrasekhar, css,
    kalman::{self, Filtered},
    optim,
    spec::SarimaxSpec,
    ssm::{Params, StateSpace},
    transform::{constrain_stationary, unconstrain_stationary},
};

/// Why a model cannot be fitted or used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    /// Not enough observations for the spec.
    #[error("the series is too short for {spec}: {got} observations, at least {need} needed")]
    TooShort {
        /// The spec.
        spec: String,
        /// Needed.
        need: usize,
        /// Given.
        got: usize,
    },
    /// Nothing observed.
    #[error("the series has no observed value (all missing)")]
    AllMissing,
    /// Regressors do not match the series.
    #[error("the regressors do not match: {0}")]
    Exog(String),
    /// Parameters of the wrong length or values.
    #[error("bad parameters: {0}")]
    Params(String),
    /// The model cannot be evaluated there (non-stationary, singular).
    #[error("the model cannot be evaluated: {0}")]
    Numerical(String),
    /// The optimiser found no finite likelihood.
    #[error("the fit failed: {0}")]
    FitFailed(String),
}

/// Regressors, one column per regressor (each as long as the series).
pub type Exog<'a> = &'a [Vec<f64>];

/// Interval multipliers of the normal distribution.
const Z80: f64 = 1.281_551_565_544_600_4;
const Z95: f64 = 1.959_963_984_540_054;

/// A forecast with 80 % and 95 % prediction intervals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Forecast {
    /// Predicted values.
    pub mean: Vec<f64>,
    /// Lower bound, 80 %.
    pub lower80: Vec<f64>,
    /// Upper bound, 80 %.
    pub upper80: Vec<f64>,
    /// Lower bound, 95 %.
    pub lower95: Vec<f64>,
    /// Upper bound, 95 %.
    pub upper95: Vec<f64>,
}

/// An unfitted SARIMAX model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sarimax {
    spec: SarimaxSpec,
    threads: usize,
}

/// A fitted SARIMAX model and the state after its data.
#[derive(Debug, Clone)]
pub struct FittedSarimax {
    spec: SarimaxSpec,
    k_exog: usize,
    params: Vec<f64>,
    llf: f64,
    nobs: usize,
    iterations: usize,
    converged: bool,
    ss: StateSpace,
    filtered: Filtered,
}

fn intercepts(exog: Option<Exog<'_>>, beta: &[f64], len: usize) -> Option<Vec<f64>> {
    exog.filter(|x| !x.is_empty()).map(|cols| {
        (0..len)
            .map(|t| cols.iter().zip(beta).map(|(c, b)| c[t] * b).sum())
            .collect()
    })
}

impl Sarimax {
    /// A model of this spec, fitted with the gradient spread over the
    /// machine's cores.
    pub fn new(spec: SarimaxSpec) -> Sarimax {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Sarimax { spec, threads }
    }

    /// At most `threads` threads for one fit (1: the caller's thread only) —
    /// for a caller that fits several models side by side.
    pub fn with_threads(self, threads: usize) -> Sarimax {
        Sarimax {
            threads: threads.max(1),
            ..self
        }
    }

    /// Its spec.
    pub fn spec(&self) -> SarimaxSpec {
        self.spec
    }

    fn check(&self, y: &[f64], exog: Option<Exog<'_>>) -> Result<usize, ForecastError> {
        let k_exog = exog.map_or(0, <[Vec<f64>]>::len);
        if let Some(cols) = exog {
            for (i, c) in cols.iter().enumerate() {
                if c.len() != y.len() {
                    return Err(ForecastError::Exog(format!(
                        "regressor {i} has {} values, the series {}",
                        c.len(),
                        y.len()
                    )));
                }
                if c.iter().any(|v| !v.is_finite()) {
                    return Err(ForecastError::Exog(format!(
                        "regressor {i} has missing values"
                    )));
                }
            }
        }
        let observed = y.iter().filter(|v| v.is_finite()).count();
        if observed == 0 {
            return Err(ForecastError::AllMissing);
        }
        let need = self.spec.burn() + self.spec.k_params(k_exog) + self.spec.season().max(1) + 2;
        if y.len() < need || observed < self.spec.k_params(k_exog) + 2 {
            return Err(ForecastError::TooShort {
                spec: self.spec.to_string(),
                need,
                got: y.len(),
            });
        }
        Ok(k_exog)
    }

    /// Log-likelihood at (constrained) `params` — statsmodels' order: exog, AR, MA, SAR, SMA, σ².
    pub fn loglike(
        &self,
        y: &[f64],
        exog: Option<Exog<'_>>,
        params: &[f64],
    ) -> Result<f64, ForecastError> {
        let k_exog = self.check(y, exog)?;
        Ok(self.evaluate(y, exog, k_exog, params)?.1.llf)
    }

    fn evaluate(
        &self,
        y: &[f64],
        exog: Option<Exog<'_>>,
        k_exog: usize,
        params: &[f64],
    ) -> Result<(StateSpace, Filtered), ForecastError> {
        if params.len() != self.spec.k_params(k_exog) {
            return Err(ForecastError::Params(format!(
                "{} values for {} parameters",
                params.len(),
                self.spec.k_params(k_exog)
            )));
        }
        let p = Params::split(&self.spec, k_exog, params);
        let ss = StateSpace::sarimax(&self.spec, &p).map_err(|e| ForecastError::Numerical(e.0))?;
        let d = intercepts(exog, p.exog, y.len());
        let f = kalman::filter(&ss, y, d.as_deref())
            .map_err(|e| ForecastError::Numerical(e.to_string()))?;
        if !f.llf.is_finite() {
            return Err(ForecastError::Numerical(
                "the likelihood is not finite".into(),
            ));
        }
        Ok((ss, f))
    }

    /// The log-likelihood alone, by the low-rank filter
    /// ([`crate::chandrasekhar`]): what the optimiser calls.
    fn fast_llf(
        &self,
        y: &[f64],
        exog: Option<Exog<'_>>,
        k_exog: usize,
        params: &[f64],
    ) -> Result<f64, ForecastError> {
        let p = Params::split(&self.spec, k_exog, params);
        let with_p0 = chandrasekhar::dense_until(self.spec.k_diff_states(), y) > 0;
        let (ss, col) = StateSpace::sarimax_fast(&self.spec, &p, with_p0)
            .map_err(|e| ForecastError::Numerical(e.0))?;
        let d = intercepts(exog, p.exog, y.len());
        let llf = chandrasekhar::loglike(ss, &col, y, d.as_deref())
            .map_err(|e| ForecastError::Numerical(e.to_string()))?;
        if llf.is_finite() {
            Ok(llf)
        } else {
            Err(ForecastError::Numerical(
                "the likelihood is not finite".into(),
            ))
        }
    }

    /// Free-parameter vector → constrained parameters.
    fn constrain(&self, k_exog: usize, x: &[f64]) -> Vec<f64> {
        let s = &self.spec;
        let mut out = Vec::with_capacity(x.len());
        let mut i = 0;
        out.extend_from_slice(&x[i..i + k_exog]);
        i += k_exog;
        out.extend(constrain_stationary(&x[i..i + s.p]));
        i += s.p;
        out.extend(constrain_stationary(&x[i..i + s.q]).iter().map(|v| -v));
        i += s.q;
        out.extend(constrain_stationary(&x[i..i + s.sp]));
        i += s.sp;
        out.extend(constrain_stationary(&x[i..i + s.sq]).iter().map(|v| -v));
        i += s.sq;
        out.push(x[i].exp());
        out
    }

    /// Constrained parameters → free vector (`None` outside the admissible region).
    fn unconstrain(&self, k_exog: usize, p: &[f64]) -> Option<Vec<f64>> {
        let s = &self.spec;
        let mut out = Vec::with_capacity(p.len());
        let mut i = 0;
        out.extend_from_slice(&p[i..i + k_exog]);
        i += k_exog;
        out.extend(unconstrain_stationary(&p[i..i + s.p])?);
        i += s.p;
        let ma: Vec<f64> = p[i..i + s.q].iter().map(|v| -v).collect();
        out.extend(unconstrain_stationary(&ma)?);
        i += s.q;
        out.extend(unconstrain_stationary(&p[i..i + s.sp])?);
        i += s.sp;
        let sma: Vec<f64> = p[i..i + s.sq].iter().map(|v| -v).collect();
        out.extend(unconstrain_stationary(&sma)?);
        i += s.sq;
        (p[i] > 0.0).then(|| out.push(p[i].ln()))?;
        Some(out)
    }

    /// Starting values: [`Sarimax::start_plain`], then the ARMA coefficients
    /// that minimise the conditional sum of squares of the differenced
    /// residual series (cheap: no filter) and its residual variance — fewer
    /// iterations of the exact likelihood afterwards.
    fn start(&self, y: &[f64], exog: Option<Exog<'_>>, k_exog: usize) -> Vec<f64> {
        let plain = self.start_plain(y, exog, k_exog);
        let s = &self.spec;
        let k_arma = s.p + s.q + s.sp + s.sq;
        let Some(x_plain) = self.unconstrain(k_exog, &plain) else {
            return plain;
        };
        if k_arma == 0 {
            return plain;
        }
        let w = self.differenced(y, exog, &plain[..k_exog]);
        let full = |sub: &[f64]| -> Vec<f64> {
            let mut x = x_plain.clone();
            x[k_exog..k_exog + k_arma].copy_from_slice(sub);
            self.constrain(k_exog, &x)
        };
        let sse = |sub: &[f64]| -> f64 {
            let p = full(sub);
            css::mean_square(&self.spec, &Params::split(&self.spec, k_exog, &p), &w)
        };
        let min = optim::minimize(sse, &x_plain[k_exog..k_exog + k_arma], 200);
        if !(min.f.is_finite() && min.f > 0.0) {
            return plain;
        }
        let mut p = full(&min.x);
        if let Some(last) = p.last_mut() {
            *last = min.f;
        }
        p
    }

    /// `y` less the regressors' effect, differenced as the spec says.
    fn differenced(&self, y: &[f64], exog: Option<Exog<'_>>, beta: &[f64]) -> Vec<f64> {
        let mut z: Vec<f64> = match intercepts(exog, beta, y.len()) {
            Some(d) => y.iter().zip(&d).map(|(a, b)| a - b).collect(),
            None => y.to_vec(),
        };
        for _ in 0..self.spec.d {
            z = (1..z.len()).map(|t| z[t] - z[t - 1]).collect();
        }
        let s = self.spec.season();
        for _ in 0..self.spec.sd {
            z = (s..z.len()).map(|t| z[t] - z[t - s]).collect();
        }
        z
    }

    /// Starting values: least squares for the regressors, zero ARMA
    /// coefficients, and the variance of the differenced residual series.
    fn start_plain(&self, y: &[f64], exog: Option<Exog<'_>>, k_exog: usize) -> Vec<f64> {
        let beta = exog.map(|cols| ols(y, cols)).unwrap_or_default();
        let z = self.differenced(y, exog, &beta);
        let vals: Vec<f64> = z.into_iter().filter(|v| v.is_finite()).collect();
        let mean = vals.iter().sum::<f64>() / vals.len().max(1) as f64;
        let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len().max(1) as f64;
        let mut p = beta;
        p.resize(k_exog, 0.0);
        p.extend(std::iter::repeat_n(
            0.0,
            self.spec.p + self.spec.q + self.spec.sp + self.spec.sq,
        ));
        p.push(if var > 0.0 { var } else { 1.0 });
        p
    }

    /// Iterations the optimiser may take.
    pub const MAX_ITER: usize = 300;

    /// Fits by exact maximum likelihood (the likelihood statsmodels maximises).
    #[tracing::instrument(level = "debug", skip_all, fields(spec = %self.spec, n = y.len()))]
    pub fn fit(&self, y: &[f64], exog: Option<Exog<'_>>) -> Result<FittedSarimax, ForecastError> {
        self.fit_observed(y, exog, &mut |_, _| {})
    }

    /// [`Sarimax::fit`], telling `observe` (iteration, log-likelihood) as
    /// the optimiser goes (progress for long fits).
    pub fn fit_observed(
        &self,
        y: &[f64],
        exog: Option<Exog<'_>>,
        observe: &mut dyn FnMut(usize, f64),
    ) -> Result<FittedSarimax, ForecastError> {
        let k_exog = self.check(y, exog)?;
        let start = self.start(y, exog, k_exog);
        let x0 = self
            .unconstrain(k_exog, &start)
            .ok_or_else(|| ForecastError::FitFailed("no admissible starting point".into()))?;
        let nobs = y.iter().filter(|v| v.is_finite()).count().max(1) as f64;
        let objective = |x: &[f64]| -> f64 {
            let p = self.constrain(k_exog, x);
            match self.fast_llf(y, exog, k_exog, &p) {
                Ok(llf) => -llf / nobs,
                Err(_) => f64::INFINITY,
            }
        };
        let min = optim::minimize_observed(
            objective,
            &x0,
            Self::MAX_ITER,
            self.threads,
            &mut |it, f| observe(it, -f * nobs),
        );
        if !min.f.is_finite() {
            return Err(ForecastError::FitFailed(
                "no parameters give a finite likelihood (the series may be constant or explode)"
                    .into(),
            ));
        }
        let params = self.constrain(k_exog, &min.x);
        self.with_params(y, exog, &params, min.iterations, min.converged)
    }

    /// A fitted model from known parameters (a stored or bundled model) and data.
    pub fn with_params(
        &self,
        y: &[f64],
        exog: Option<Exog<'_>>,
        params: &[f64],
        iterations: usize,
        converged: bool,
    ) -> Result<FittedSarimax, ForecastError> {
        let k_exog = self.check(y, exog)?;
        let (ss, filtered) = self.evaluate(y, exog, k_exog, params)?;
        Ok(FittedSarimax {
            spec: self.spec,
            k_exog,
            params: params.to_vec(),
            llf: filtered.llf,
            nobs: filtered.nobs,
            iterations,
            converged,
            ss,
            filtered,
        })
    }
}

/// Least-squares coefficients of `y` on the columns (rows with a missing `y` skipped).
fn ols(y: &[f64], cols: &[Vec<f64>]) -> Vec<f64> {
    let k = cols.len();
    let mut xtx = vec![0.0; k * k];
    let mut xty = vec![0.0; k];
    for (t, &yt) in y.iter().enumerate() {
        if !yt.is_finite() {
            continue;
        }
        for i in 0..k {
            xty[i] += cols[i][t] * yt;
            for j in 0..k {
                xtx[i * k + j] += cols[i][t] * cols[j][t];
            }
        }
    }
    // Ridge-regularised Gauss–Jordan (regressors may be collinear).
    for i in 0..k {
        xtx[i * k + i] += 1e-9;
    }
    let mut a = xtx;
    let mut b = xty;
    for c in 0..k {
        let piv = a[c * k + c];
        if piv.abs() < 1e-300 {
            continue;
        }
        for j in 0..k {
            a[c * k + j] /= piv;
        }
        b[c] /= piv;
        for r in 0..k {
            if r != c {
                let f = a[r * k + c];
                for j in 0..k {
                    a[r * k + j] -= f * a[c * k + j];
                }
                b[r] -= f * b[c];
            }
        }
    }
    b
}

impl FittedSarimax {
    /// The spec.
    pub fn spec(&self) -> SarimaxSpec {
        self.spec
    }

    /// Constrained parameters (exog, AR, MA, SAR, SMA, σ²).
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// Log-likelihood.
    pub fn llf(&self) -> f64 {
        self.llf
    }

    /// Akaike's information criterion (`2k - 2 llf`).
    pub fn aic(&self) -> f64 {
        2.0 * self.params.len() as f64 - 2.0 * self.llf
    }

    /// Observations in the likelihood.
    pub fn nobs(&self) -> usize {
        self.nobs
    }

    /// RMSE of the one-step-ahead predictions over the fitted data (in-sample).
    pub fn train_rmse(&self) -> Option<f64> {
        (self.filtered.nobs > 0).then(|| (self.filtered.sse / self.filtered.nobs as f64).sqrt())
    }

    /// Optimiser iterations (0 for a model built from parameters).
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Whether the optimiser met its convergence test.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// For each fitted period, the prediction made from the periods before it
    /// (one step ahead), with 80 % and 95 % intervals: what a forecast issued
    /// just before each period said.
    pub fn one_step_ahead(&self) -> Forecast {
        let (mean, var): (Vec<f64>, Vec<f64>) = self.filtered.predictions.iter().copied().unzip();
        bands(mean, &var)
    }

    /// The next `h` values with 80 % and 95 % intervals; `exog` gives the
    /// regressors over those `h` periods.
    pub fn forecast(&self, h: usize, exog: Option<Exog<'_>>) -> Result<Forecast, ForecastError> {
        if self.k_exog != exog.map_or(0, <[Vec<f64>]>::len)
            || exog.is_some_and(|c| c.iter().any(|c| c.len() < h))
        {
            return Err(ForecastError::Exog(format!(
                "the model has {} regressors; give each for the {h} forecast periods",
                self.k_exog
            )));
        }
        let beta = &self.params[..self.k_exog];
        let d = intercepts(exog, beta, h);
        let (mean, var) = kalman::forecast(&self.ss, &self.filtered, h, d.as_deref());
        Ok(bands(mean, &var))
    }
}

/// Means and variances to a forecast with its intervals.
fn bands(mean: Vec<f64>, var: &[f64]) -> Forecast {
    let band = |z: f64, sign: f64| -> Vec<f64> {
        mean.iter()
            .zip(var)
            .map(|(m, v)| m + sign * z * v.sqrt())
            .collect()
    };
    Forecast {
        lower80: band(Z80, -1.0),
        upper80: band(Z80, 1.0),
        lower95: band(Z95, -1.0),
        upper95: band(Z95, 1.0),
        mean,
    }
}
