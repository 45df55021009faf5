//! SARIMAX in state-space form, exactly as statsmodels builds it (Harvey
//! representation, differencing kept in the state, approximate diffuse
//! initialisation of the differencing states with variance 1e6, stationary
//! initialisation of the ARMA block, likelihood burn of `d + s·D`
//! observations), so that both give the same likelihood.

use crate::{
    arma_cov::{harvey_covariance, harvey_first_column},
    spec::SarimaxSpec,
};

fn not_stationary() -> BuildError {
    BuildError("the AR part is not stationary (a root on or inside the unit circle)".into())
}

/// Variance of the approximate diffuse initial states (statsmodels' default).
pub const DIFFUSE_VARIANCE: f64 = 1e6;

/// Parameters split by role (statsmodels' order: exog, AR, MA, SAR, SMA, σ²).
#[derive(Debug, Clone, PartialEq)]
pub struct Params<'a> {
    /// Regression coefficients.
    pub exog: &'a [f64],
    /// AR coefficients φ₁..φₚ.
    pub ar: &'a [f64],
    /// MA coefficients θ₁..θ_q.
    pub ma: &'a [f64],
    /// Seasonal AR coefficients.
    pub sar: &'a [f64],
    /// Seasonal MA coefficients.
    pub sma: &'a [f64],
    /// Innovation variance.
    pub sigma2: f64,
}

impl<'a> Params<'a> {
    /// Splits a full parameter vector.
    pub fn split(spec: &SarimaxSpec, k_exog: usize, v: &'a [f64]) -> Params<'a> {
        let (exog, rest) = v.split_at(k_exog);
        let (ar, rest) = rest.split_at(spec.p);
        let (ma, rest) = rest.split_at(spec.q);
        let (sar, rest) = rest.split_at(spec.sp);
        let (sma, rest) = rest.split_at(spec.sq);
        Params {
            exog,
            ar,
            ma,
            sar,
            sma,
            sigma2: rest[0],
        }
    }
}

/// `(1 - Σ a_i L^i)(1 - Σ b_j L^{s j})` as lag coefficients c (y_t = Σ c_k y_{t-k}).
pub fn reduced_ar(ar: &[f64], sar: &[f64], s: usize) -> Vec<f64> {
    let mut a = vec![0.0; ar.len() + 1];
    a[0] = 1.0;
    for (i, v) in ar.iter().enumerate() {
        a[i + 1] = -v;
    }
    let mut b = vec![0.0; sar.len() * s + 1];
    b[0] = 1.0;
    for (j, v) in sar.iter().enumerate() {
        b[(j + 1) * s] = -v;
    }
    polymul(&a, &b)[1..].iter().map(|v| -v).collect()
}

/// `(1 + Σ a_i L^i)(1 + Σ b_j L^{s j})` without its leading 1.
pub fn reduced_ma(ma: &[f64], sma: &[f64], s: usize) -> Vec<f64> {
    let mut a = vec![1.0];
    a.extend_from_slice(ma);
    let mut b = vec![0.0; sma.len() * s + 1];
    b[0] = 1.0;
    for (j, v) in sma.iter().enumerate() {
        b[(j + 1) * s] = *v;
    }
    polymul(&a, &b)[1..].to_vec()
}

fn polymul(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut c = vec![0.0; a.len() + b.len() - 1];
    for (i, x) in a.iter().enumerate() {
        if *x == 0.0 {
            continue;
        }
        for (j, y) in b.iter().enumerate() {
            c[i + j] += x * y;
        }
    }
    c
}

/// A linear Gaussian state-space model with one observation:
/// `y_t = d_t + Z α_t`, `α_{t+1} = T α_t + R η_t`, `η_t ~ N(0, σ²)`.
#[derive(Debug, Clone)]
pub struct StateSpace {
    /// State dimension.
    pub n: usize,
    /// Non-zero entries of T: (row, column, value).
    pub t: Vec<(usize, usize, f64)>,
    /// Non-zero entries of Z: (column, value).
    pub z: Vec<(usize, f64)>,
    /// R (a column).
    pub r: Vec<f64>,
    /// σ².
    pub sigma2: f64,
    /// Initial predicted state.
    pub a0: Vec<f64>,
    /// Initial predicted covariance (row-major n×n).
    pub p0: Vec<f64>,
    /// Observations whose likelihood terms are left out.
    pub burn: usize,
    /// The first `kdiff` states are the (approximately diffuse) differencing
    /// states, the rest the ARMA block.
    pub kdiff: usize,
    split: Split,
}

/// T as a partial shift (`shift[i]` = the column of row i's 1, or
/// `usize::MAX`) plus the other entries grouped by row.
#[derive(Debug, Clone, Default)]
pub(crate) struct Split {
    pub(crate) shift: Vec<usize>,
    /// The shift as runs (first row, first column, length) of consecutive
    /// rows taking consecutive columns: a gather becomes a few copies.
    runs: Vec<(usize, usize, usize)>,
    /// Indices without a 1 in the shift: zero rows, and zero columns of the gather.
    pub(crate) unshifted: Vec<usize>,
    pub(crate) extra: Vec<(usize, Vec<(usize, f64)>)>,
}

impl Split {
    fn new(n: usize, t: &[(usize, usize, f64)]) -> Split {
        let mut shift = vec![usize::MAX; n];
        let mut used = vec![false; n];
        let mut extra: Vec<(usize, Vec<(usize, f64)>)> = Vec::new();
        for &(i, j, v) in t {
            if v == 1.0 && shift[i] == usize::MAX && !used[j] {
                shift[i] = j;
                used[j] = true;
            } else {
                match extra.last_mut() {
                    Some((row, entries)) if *row == i => entries.push((j, v)),
                    _ => extra.push((i, vec![(j, v)])),
                }
            }
        }
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for (i, &j) in shift.iter().enumerate() {
            if j == usize::MAX {
                continue;
            }
            match runs.last_mut() {
                Some((to, from, len)) if *to + *len == i && *from + *len == j => *len += 1,
                _ => runs.push((i, j, 1)),
            }
        }
        let unshifted = (0..n).filter(|&i| shift[i] == usize::MAX).collect();
        Split {
            shift,
            runs,
            unshifted,
            extra,
        }
    }
}

/// The model cannot be written (non-stationary AR part, bad variance).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

impl StateSpace {
    /// The state-space form of `spec` with (constrained) parameters.
    pub fn sarimax(spec: &SarimaxSpec, params: &Params<'_>) -> Result<StateSpace, BuildError> {
        let mut ss = Self::system(spec, params)?;
        let (n, kdiff) = (ss.n, ss.kdiff);
        let r = n - kdiff;
        // Initialisation: diffuse differencing states, stationary ARMA block.
        let s = spec.season().max(1);
        let phi = reduced_ar(params.ar, params.sar, s);
        let theta = reduced_ma(params.ma, params.sma, s);
        let pa = harvey_covariance(&phi, &theta, params.sigma2, r).ok_or_else(not_stationary)?;
        for i in 0..kdiff {
            ss.p0[i * n + i] = DIFFUSE_VARIANCE;
        }
        for i in 0..r {
            for j in 0..r {
                ss.p0[(kdiff + i) * n + kdiff + j] = pa[i * r + j];
            }
        }
        Ok(ss)
    }

    /// The system of [`StateSpace::sarimax`] and the first column of the
    /// ARMA block's stationary covariance — all the fast filter needs; its
    /// initial covariance `p0` only `with_p0` (else left empty).
    pub fn sarimax_fast(
        spec: &SarimaxSpec,
        params: &Params<'_>,
        with_p0: bool,
    ) -> Result<(StateSpace, Vec<f64>), BuildError> {
        if with_p0 {
            let ss = Self::sarimax(spec, params)?;
            let r = ss.n - ss.kdiff;
            let col = (0..r)
                .map(|i| ss.p0[(ss.kdiff + i) * ss.n + ss.kdiff])
                .collect();
            return Ok((ss, col));
        }
        let mut ss = Self::system(spec, params)?;
        ss.p0 = Vec::new();
        let s = spec.season().max(1);
        let phi = reduced_ar(params.ar, params.sar, s);
        let theta = reduced_ma(params.ma, params.sma, s);
        let col = harvey_first_column(&phi, &theta, params.sigma2, ss.n - ss.kdiff)
            .ok_or_else(not_stationary)?;
        Ok((ss, col))
    }

    fn system(spec: &SarimaxSpec, params: &Params<'_>) -> Result<StateSpace, BuildError> {
        if !(params.sigma2 > 0.0 && params.sigma2.is_finite()) {
            return Err(BuildError(format!(
                "the innovation variance must be positive, got {}",
                params.sigma2
            )));
        }
        let s = spec.season();
        let kd = spec.d;
        let ksd = spec.sd;
        let kdiff = spec.k_diff_states();
        let r = spec.k_order();
        let n = kdiff + r;
        let phi = reduced_ar(params.ar, params.sar, s.max(1));
        let theta = reduced_ma(params.ma, params.sma, s.max(1));
        let mut t: Vec<(usize, usize, f64)> = Vec::new();
        // Differencing: upper-triangular ones, the seasonal states' last element, the ARMA state.
        for i in 0..kd {
            for j in i..kd {
                t.push((i, j, 1.0));
            }
            for k in 0..ksd {
                t.push((i, kd + k * s + s - 1, 1.0));
            }
            t.push((i, kdiff, 1.0));
        }
        // Seasonal differencing blocks: a cyclic shift that adds the ARMA state.
        for k in 0..ksd {
            let start = kd + k * s;
            t.push((start, start + s - 1, 1.0));
            for i in 1..s {
                t.push((start + i, start + i - 1, 1.0));
            }
            if k + 1 < ksd {
                t.push((start, start + 2 * s - 1, 1.0));
            }
            t.push((start, kdiff, 1.0));
        }
        // ARMA block (Harvey): AR coefficients in the first column, ones above the diagonal.
        for (i, c) in phi.iter().enumerate() {
            if *c != 0.0 {
                t.push((kdiff + i, kdiff, *c));
            }
        }
        for i in 0..r.saturating_sub(1) {
            t.push((kdiff + i, kdiff + i + 1, 1.0));
        }
        // Merge duplicates (the ARMA first column can meet the differencing ones).
        t.sort_by_key(|e| (e.0, e.1));
        t.dedup_by(|b, a| {
            if a.0 == b.0 && a.1 == b.1 {
                a.2 += b.2;
                true
            } else {
                false
            }
        });
        let mut z: Vec<(usize, f64)> = (0..kd).map(|i| (i, 1.0)).collect();
        for k in 0..ksd {
            z.push((kd + k * s + s - 1, 1.0));
        }
        z.push((kdiff, 1.0));
        let mut rvec = vec![0.0; n];
        rvec[kdiff] = 1.0;
        for (i, c) in theta.iter().enumerate() {
            rvec[kdiff + 1 + i] = *c;
        }
        Ok(StateSpace {
            n,
            z,
            r: rvec,
            sigma2: params.sigma2,
            a0: vec![0.0; n],
            p0: vec![0.0; n * n],
            burn: spec.burn(),
            kdiff,
            split: Split::new(n, &t),
            t,
        })
    }

    /// The reference `T P Tᵀ + σ² R Rᵀ` by two sparse products (tests).
    #[cfg(test)]
    pub(crate) fn predict_cov_plain(&self, p: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut tmp = vec![0.0; n * n];
        for &(i, j, v) in &self.t {
            for k in 0..n {
                tmp[i * n + k] += v * p[j * n + k];
            }
        }
        let mut out = vec![0.0; n * n];
        for k in 0..n {
            for &(i, j, v) in &self.t {
                out[k * n + i] += v * tmp[k * n + j];
            }
        }
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] += self.sigma2 * self.r[i] * self.r[j];
            }
        }
        out
    }

    /// `out = T x` (the shift's runs copied, the other entries added).
    pub fn t_vec(&self, x: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for &(to, from, len) in &self.split.runs {
            out[to..to + len].copy_from_slice(&x[from..from + len]);
        }
        for (i, entries) in &self.split.extra {
            out[*i] += entries.iter().map(|&(j, v)| v * x[j]).sum::<f64>();
        }
    }

    /// `out = T P Tᵀ + σ² R Rᵀ` for a symmetric P (row-major n×n; `tmp`
    /// scratch of at least n·(rows of T beyond a shift) values). T is split
    /// into a partial shift S (one 1 per row and column) and a few other
    /// entries E: `S P Sᵀ` is a gather, `E P` a few rows, and
    /// `T P Tᵀ = S P Sᵀ + E P Sᵀ + (E P Sᵀ)ᵀ + E P Eᵀ`.
    pub fn predict_cov(&self, p: &[f64], tmp: &mut [f64], out: &mut [f64]) {
        let n = self.n;
        let split = &self.split;
        const NONE: usize = usize::MAX;
        for i in 0..n {
            let row = &mut out[i * n..(i + 1) * n];
            let si = split.shift[i];
            if si == NONE {
                row.fill(0.0);
                continue;
            }
            let src = &p[si * n..(si + 1) * n];
            for &(to, from, len) in &split.runs {
                row[to..to + len].copy_from_slice(&src[from..from + len]);
            }
            for &l in &split.unshifted {
                row[l] = 0.0;
            }
        }
        // ep_g = (E P)[row g]
        for (g, (_, entries)) in split.extra.iter().enumerate() {
            let ep = &mut tmp[g * n..(g + 1) * n];
            ep.fill(0.0);
            for &(j, v) in entries {
                for (x, pj) in ep.iter_mut().zip(&p[j * n..(j + 1) * n]) {
                    *x += v * pj;
                }
            }
        }
        for (g, &(i, _)) in split.extra.iter().enumerate() {
            let ep = &tmp[g * n..(g + 1) * n];
            for (l, &sl) in split.shift.iter().enumerate() {
                if sl != NONE {
                    let v = ep[sl];
                    out[i * n + l] += v;
                    out[l * n + i] += v;
                }
            }
            for &(i2, ref entries) in &split.extra {
                out[i * n + i2] += entries.iter().map(|&(j, v)| v * ep[j]).sum::<f64>();
            }
        }
        for i in 0..n {
            if self.r[i] == 0.0 {
                continue;
            }
            for j in 0..n {
                out[i * n + j] += self.sigma2 * self.r[i] * self.r[j];
            }
        }
    }

    /// T as a partial shift plus a few entries.
    pub(crate) fn split(&self) -> &Split {
        &self.split
    }

    /// `Z x`.
    pub fn z_dot(&self, x: &[f64]) -> f64 {
        self.z.iter().map(|&(j, v)| v * x[j]).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduced_polynomials_multiply_out() {
        // (1 - 0.5L)(1 - 0.3L^4): y_t = 0.5 y_{t-1} + 0.3 y_{t-4} - 0.15 y_{t-5}
        let c = reduced_ar(&[0.5], &[0.3], 4);
        assert_eq!(c.len(), 5);
        let expect = [0.5, 0.0, 0.0, 0.3, -0.15];
        for (a, b) in c.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{c:?}");
        }
        let m = reduced_ma(&[0.4], &[-0.6], 4);
        let expect = [0.4, 0.0, 0.0, -0.6, -0.24];
        for (a, b) in m.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{m:?}");
        }
    }

    #[test]
    fn split_covariance_prediction_equals_the_plain_product() {
        for spec in [
            "(1,1,1)(1,1,1,12)",
            "(2,2,1)(2,1,2,4)",
            "(1,0,0)",
            "(0,1,2)(1,0,1,6)",
        ] {
            let spec = SarimaxSpec::parse(spec).unwrap();
            let v: Vec<f64> = (0..spec.k_params(0))
                .map(|i| {
                    if i + 1 == spec.k_params(0) {
                        2.0
                    } else {
                        0.3 - 0.1 * i as f64
                    }
                })
                .collect();
            let ss = StateSpace::sarimax(&spec, &Params::split(&spec, 0, &v)).unwrap();
            let n = ss.n;
            // A symmetric P with every entry distinct.
            let p: Vec<f64> = (0..n * n)
                .map(|k| {
                    let (i, j) = (k / n, k % n);
                    ((i.min(j) * 7 + i.max(j) * 3) % 11) as f64 + 0.5
                })
                .collect();
            let (mut tmp, mut out) = (vec![0.0; n * n], vec![0.0; n * n]);
            ss.predict_cov(&p, &mut tmp, &mut out);
            let want = ss.predict_cov_plain(&p);
            for k in 0..n * n {
                assert!(
                    (out[k] - want[k]).abs() < 1e-9,
                    "{spec} entry {k}: {} vs {}",
                    out[k],
                    want[k]
                );
            }
        }
    }

    #[test]
    fn ar1_has_its_stationary_variance() {
        let spec = SarimaxSpec::parse("(1,0,0)").unwrap();
        let v = [0.5, 2.0];
        let ss = StateSpace::sarimax(&spec, &Params::split(&spec, 0, &v)).unwrap();
        // σ² / (1 - φ²) = 2 / 0.75
        assert!((ss.p0[0] - 2.0 / 0.75).abs() < 1e-9, "{:?}", ss.p0);
        let bad = [1.2, 1.0];
        assert!(StateSpace::sarimax(&spec, &Params::split(&spec, 0, &bad)).is_err());
    }
}
