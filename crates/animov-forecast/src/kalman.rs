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
///
/// The covariance's rows and columns are relabelled: logical state `i` lives
/// in row and column `slot[i]`. The shift part of T (the lag chains and
/// seasonal cycles, most of it) then moves no data at a prediction — it
/// relabels — and a prediction costs O(n · entries of T outside the shift)
/// instead of an n² gather. Only the upper triangle (in slot order, `p[a * n
/// + b]` with `a ≤ b`) is kept up to date: the update touches half the matrix.
#[derive(Clone)]
pub(crate) struct Dense {
    pub(crate) a: Vec<f64>,
    p: Vec<f64>,
    slot: Vec<usize>,
    slot_next: Vec<usize>,
    taken: Vec<bool>,
    freed: Vec<usize>,
    a_next: Vec<f64>,
    /// (E P) rows by slot, then E P Eᵀ.
    ep: Vec<f64>,
    epe: Vec<f64>,
    /// P Zᵀ by slot, and by logical state.
    pz_slots: Vec<f64>,
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
        Dense::with_p0(ss, ss.p0.clone())
    }

    /// [`Dense::new`] with the initial covariance given (moved, not copied).
    pub(crate) fn with_p0(ss: &StateSpace, p0: Vec<f64>) -> Dense {
        let n = ss.n;
        Dense {
            a: ss.a0.clone(),
            p: p0,
            slot: (0..n).collect(),
            slot_next: vec![0; n],
            taken: vec![false; n],
            freed: Vec::with_capacity(n),
            a_next: vec![0.0; n],
            ep: Vec::new(),
            epe: Vec::new(),
            pz_slots: vec![0.0; n],
            pz: vec![0.0; n],
            nz: Vec::with_capacity(n),
        }
    }

    /// The predicted covariance (row-major, logical order).
    pub(crate) fn covariance(&self) -> Vec<f64> {
        let n = self.slot.len();
        let mut out = vec![0.0; n * n];
        for (i, &si) in self.slot.iter().enumerate() {
            for (x, &sj) in out[i * n..(i + 1) * n].iter_mut().zip(&self.slot) {
                *x = self.at(si, sj);
            }
        }
        out
    }

    /// The covariance of slots `a` and `b`.
    fn at(&self, a: usize, b: usize) -> f64 {
        let n = self.slot.len();
        if a <= b {
            self.p[a * n + b]
        } else {
            self.p[b * n + a]
        }
    }

    /// `out += v ·` (row of slot `s`), by slot.
    fn add_row(&self, s: usize, v: f64, out: &mut [f64]) {
        let n = self.slot.len();
        for (c, x) in out[..s].iter_mut().enumerate() {
            *x += v * self.p[c * n + s];
        }
        for (x, p) in out[s..].iter_mut().zip(&self.p[s * n + s..(s + 1) * n]) {
            *x += v * p;
        }
    }

    /// `self`'s covariance minus `before`'s (row-major, logical order).
    pub(crate) fn covariance_minus(&self, before: &Dense) -> Vec<f64> {
        let n = self.slot.len();
        let mut out = vec![0.0; n * n];
        for (i, (&si, &bi)) in self.slot.iter().zip(&before.slot).enumerate() {
            for ((x, &sj), &bj) in out[i * n..(i + 1) * n]
                .iter_mut()
                .zip(&self.slot)
                .zip(&before.slot)
            {
                *x = self.at(si, sj) - before.at(bi, bj);
            }
        }
        out
    }

    /// The predicted variance of state `i`.
    pub(crate) fn variance(&self, i: usize) -> f64 {
        let s = self.slot[i];
        self.p[s * self.slot.len() + s]
    }

    /// `pz = P Zᵀ`, returns `F = Z P Zᵀ`.
    pub(crate) fn project(&mut self, ss: &StateSpace) -> f64 {
        // P is symmetric: its column j is its row j.
        let mut pz = std::mem::take(&mut self.pz_slots);
        pz.fill(0.0);
        for &(j, zv) in &ss.z {
            self.add_row(self.slot[j], zv, &mut pz);
        }
        self.pz_slots = pz;
        for (x, &s) in self.pz.iter_mut().zip(&self.slot) {
            *x = self.pz_slots[s];
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
            for (a, pz) in self.a.iter_mut().zip(&self.pz) {
                *a += pz * vf;
            }
            let pz = &self.pz_slots;
            self.nz.clear();
            self.nz.extend((0..n).filter(|&i| pz[i] != 0.0));
            // Whole rows (vectorised) beat scattered entries from a third on.
            let dense = self.nz.len() * 3 > n;
            for (at, &i) in self.nz.iter().enumerate() {
                let ki = pz[i] / f;
                let row = &mut self.p[i * n..(i + 1) * n];
                if dense {
                    for (x, pj) in row[i..].iter_mut().zip(&pz[i..]) {
                        *x -= ki * pj;
                    }
                } else {
                    for &j in &self.nz[at..] {
                        row[j] -= ki * pz[j];
                    }
                }
            }
        }
        ss.t_vec(&self.a, &mut self.a_next);
        std::mem::swap(&mut self.a, &mut self.a_next);
        self.predict(ss);
        Ok(Step {
            predicted,
            f: f.max(0.0),
            v,
        })
    }

    /// `P ← T P Tᵀ + σ² R Rᵀ` with `T = S + E` (shift and extra entries):
    /// `S P Sᵀ` by relabelling, `E P Sᵀ`, its transpose and `E P Eᵀ` from
    /// the few rows of `E P`.
    fn predict(&mut self, ss: &StateSpace) {
        const NONE: usize = usize::MAX;
        let n = ss.n;
        let split = ss.split();
        let extra = &split.extra;
        let g_count = extra.len();
        let mut ep_all = std::mem::take(&mut self.ep);
        ep_all.resize(g_count * n, 0.0);
        for ((_, entries), ep) in extra.iter().zip(ep_all.chunks_exact_mut(n)) {
            ep.fill(0.0);
            for &(j, v) in entries {
                self.add_row(self.slot[j], v, ep);
            }
        }
        self.ep = ep_all;
        self.epe.clear();
        for ep in self.ep.chunks_exact(n) {
            for (_, entries) in extra {
                let e: f64 = entries.iter().map(|&(j, v)| v * ep[self.slot[j]]).sum();
                self.epe.push(e);
            }
        }
        // A shifted state takes the slot of the state it copies, the others
        // (zero in S P Sᵀ) the slots of the states no longer copied.
        self.taken.fill(false);
        for (i, &s) in split.shift.iter().enumerate() {
            if s != NONE {
                self.slot_next[i] = self.slot[s];
                self.taken[self.slot[s]] = true;
            }
        }
        self.freed.clear();
        self.freed.extend((0..n).filter(|&c| !self.taken[c]));
        debug_assert_eq!(self.freed.len(), split.unshifted.len());
        for (&i, &c) in split.unshifted.iter().zip(&self.freed) {
            self.slot_next[i] = c;
        }
        for &c in &self.freed {
            self.p[c * n + c..(c + 1) * n].fill(0.0);
            for r in 0..c {
                self.p[r * n + c] = 0.0;
            }
        }
        for (&(i, _), ep) in extra.iter().zip(self.ep.chunks_exact_mut(n)) {
            // (E P Sᵀ)[i][l] = (E P)[i][shift[l]]: nothing at a freed slot.
            for &c in &self.freed {
                ep[c] = 0.0;
            }
            // Its transpose lands on the same upper-triangle entries, the
            // diagonal twice.
            let si = self.slot_next[i];
            for (c, e) in ep[..si].iter().enumerate() {
                self.p[c * n + si] += e;
            }
            self.p[si * n + si] += ep[si];
            for (x, e) in self.p[si * n + si..(si + 1) * n].iter_mut().zip(&ep[si..]) {
                *x += e;
            }
        }
        for (g, &(i, _)) in extra.iter().enumerate() {
            let si = self.slot_next[i];
            for (g2, &(i2, _)) in extra.iter().enumerate() {
                let si2 = self.slot_next[i2];
                if si <= si2 {
                    self.p[si * n + si2] += self.epe[g * g_count + g2];
                }
            }
        }
        for (i, ri) in ss.r.iter().enumerate() {
            if *ri == 0.0 {
                continue;
            }
            let si = self.slot_next[i];
            for (j, rj) in ss.r.iter().enumerate() {
                let sj = self.slot_next[j];
                if *rj != 0.0 && si <= sj {
                    self.p[si * n + sj] += ss.sigma2 * ri * rj;
                }
            }
        }
        std::mem::swap(&mut self.slot, &mut self.slot_next);
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
        p: state.covariance(),
        a: state.a,
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

    /// The textbook filter: full products, no relabelling.
    fn plain_filter(ss: &StateSpace, y: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let n = ss.n;
        let (mut a, mut p) = (ss.a0.clone(), ss.p0.clone());
        let mut llf = 0.0;
        for (t, &yt) in y.iter().enumerate() {
            let pz: Vec<f64> = (0..n)
                .map(|i| ss.z.iter().map(|&(j, zv)| zv * p[i * n + j]).sum())
                .collect();
            let f = ss.z_dot(&pz);
            if yt.is_finite() {
                let v = yt - ss.z_dot(&a);
                if t >= ss.burn {
                    llf += llf_term(f, v);
                }
                for i in 0..n {
                    a[i] += pz[i] * v / f;
                    for j in 0..n {
                        p[i * n + j] -= pz[i] * pz[j] / f;
                    }
                }
            }
            let mut next = vec![0.0; n];
            ss.t_vec(&a, &mut next);
            a = next;
            p = ss.predict_cov_plain(&p);
        }
        (llf, a, p)
    }

    #[test]
    fn relabelled_covariance_equals_the_plain_filter() {
        let cases: [(&str, &[f64]); 5] = [
            ("(1,1,1)(1,1,1,12)", &[0.4, -0.3, 0.2, -0.7, 9.0]),
            ("(2,0,0)(0,1,1,7)", &[0.5, 0.2, -0.6, 8.0]),
            ("(1,2,1)", &[0.6, 0.3, 5.0]),
            ("(0,2,2)(1,1,0,4)", &[-0.5, 0.2, 0.3, 4.0]),
            ("(3,0,1)", &[0.3, 0.2, -0.1, 0.4, 2.0]),
        ];
        for (spec, params) in cases {
            let spec = SarimaxSpec::parse(spec).unwrap();
            let ss = StateSpace::sarimax(&spec, &Params::split(&spec, 0, params)).unwrap();
            let y: Vec<f64> = (0..90)
                .map(|t| {
                    if [3, 4, 20, 50].contains(&t) {
                        f64::NAN
                    } else {
                        (t as f64 * 0.9).sin() * 4.0 + (t % 7) as f64
                    }
                })
                .collect();
            let fast = filter(&ss, &y, None).unwrap();
            let (llf, a, p) = plain_filter(&ss, &y);
            // Twice-differenced series carry κ² = 1e12 terms: rounding
            // differs from the plain products' from the ninth digit.
            assert!(
                (fast.llf - llf).abs() <= 2e-8 * llf.abs(),
                "{spec}: {} vs {llf}",
                fast.llf
            );
            let scale = p.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for (x, e) in fast.p.iter().zip(&p).chain(fast.a.iter().zip(&a)) {
                assert!((x - e).abs() <= 2e-8 * scale, "{spec}: {x} vs {e}");
            }
        }
    }

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
