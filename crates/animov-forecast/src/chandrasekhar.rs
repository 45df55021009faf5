//! The likelihood of [`crate::kalman::filter`] without its dense covariance
//! work: Chandrasekhar-type recursions (Morf, Sidhu & Kailath 1974; Herbst
//! 2015) carry the *change* of the predicted covariance, `ΔP_t = P_{t+1} - P_t
//! = W C Wᵀ`, which for a time-invariant model stays of low rank: a few
//! columns instead of an n×n matrix (n = 195 for (1,1,1)(1,1,1,96)). A
//! missing observation adds a column on each side of a gap; columns whose
//! contribution has died away are dropped by a periodic re-factorisation, and
//! when none is left the filter has reached its steady state and only the mean
//! is updated.
//!
//! The initial change is written in low rank from the structure of the
//! SARIMAX initialisation (approximately diffuse differencing states,
//! stationary ARMA block whose `T P Tᵀ + Q - P` vanishes), so no n×n matrix is
//! ever formed. Same likelihood as the dense filter to rounding (tests).

use std::collections::BTreeMap;

use crate::{
    kalman::{Dense, Singular, llf_term},
    ssm::{DIFFUSE_VARIANCE, StateSpace},
};

/// Eigenvalues of the covariance change below this share of the largest, or
/// of the prediction variance, are dropped at a re-factorisation.
const RELATIVE_DROP: f64 = 1e-13;
/// Rounding of the dense filter, relative to the diffuse variance.
const DENSE_NOISE: f64 = 100.0 * f64::EPSILON;
/// Steps between re-factorisations when no gap forced one.
const REFACTOR_EVERY: usize = 192;
/// Columns gaps may add before a re-factorisation merges them.
const GROWTH_BEFORE_REFACTOR: usize = 4;

/// The log-likelihood (after the burn) of `y` (NaN = missing) with
/// intercepts `d`, for a SARIMAX system built by
/// [`StateSpace::sarimax_fast`] with `pa_col` the first column of the ARMA
/// block's stationary covariance (and `p0` when [`dense_until`] is not 0).
pub fn loglike(
    mut ss: StateSpace,
    pa_col: &[f64],
    y: &[f64],
    d: Option<&[f64]>,
) -> Result<f64, Singular> {
    let n = ss.n;
    if y.is_empty() {
        return Ok(0.0);
    }
    let first = dense_until(ss.kdiff, y);
    let mut llf = 0.0;
    let mut k = vec![0.0; n];
    let (mut a, mut f, mut low);
    let mut start = 0;
    if first == 0 {
        let (pz, init) = initial(&ss, pa_col);
        low = init;
        f = ss.z_dot(&pz);
        ss.t_vec(&pz, &mut k);
        if y[0].is_finite() {
            low.push(&k, -1.0 / f);
        }
        a = ss.a0.clone();
    } else {
        // A gap while the diffuse states are being resolved: the low-rank
        // recursion would carry its ±κ-sized terms with too much rounding,
        // so those periods go through the dense filter.
        let p0 = std::mem::take(&mut ss.p0);
        let mut dense = Dense::with_p0(&ss, p0);
        let resolved = |d: &Dense| (0..n).all(|i| d.variance(i) < 1e-3 * DIFFUSE_VARIANCE);
        // Dense through the gap and on until no diffuse variance is left.
        while start + 1 < y.len() && (start < first || !resolved(&dense)) {
            let t = start;
            let step = dense.step(&ss, t, y[t], d.map_or(0.0, |d| d[t]))?;
            if let Some(v) = step.v
                && t >= ss.burn
            {
                llf += llf_term(step.f, v);
            }
            start += 1;
        }
        f = dense.project(&ss);
        ss.t_vec(&dense.pz, &mut k);
        let gaps = y[..start].iter().filter(|v| !v.is_finite()).count();
        let mut next = dense.clone();
        next.step(&ss, start, y[start], d.map_or(0.0, |d| d[start]))?;
        low = LowRank::from_change(n, &next.covariance_minus(&dense), gaps);
        // What the dense filter's rounding left at the diffuse scale is noise.
        low.refactor(f, DENSE_NOISE * DIFFUSE_VARIANCE * (n as f64).sqrt());
        a = dense.a;
    }
    low.refactor(f, 0.0);
    let mut a_next = vec![0.0; n];
    let mut k_next = vec![0.0; n];
    let mut since_refactor = 0;
    let mut width_at_refactor = low.m;
    for (t, &yt) in y.iter().enumerate().skip(start) {
        let observed = yt.is_finite();
        let mut v = 0.0;
        if observed {
            if f.is_nan() || f <= 0.0 {
                return Err(Singular(t));
            }
            v = yt - d.map_or(0.0, |d| d[t]) - ss.z_dot(&a);
            if t >= ss.burn {
                llf += llf_term(f, v);
            }
        }
        // a_{t+1} = T a_t + k_t v_t / F_t
        ss.t_vec(&a, &mut a_next);
        if observed {
            let vf = v / f;
            for (x, ki) in a_next.iter_mut().zip(&k) {
                *x += ki * vf;
            }
        }
        std::mem::swap(&mut a, &mut a_next);
        let Some(&y_next) = y.get(t + 1) else { break };
        // With no columns left (the steady state) this only carries k and F
        // and notes the start or end of a gap.
        let f_next = low.advance(&ss, &k, &mut k_next, f, observed, y_next.is_finite());
        std::mem::swap(&mut k, &mut k_next);
        f = f_next;
        since_refactor += 1;
        if low.m > width_at_refactor + GROWTH_BEFORE_REFACTOR || since_refactor >= REFACTOR_EVERY {
            low.refactor(f, 0.0);
            width_at_refactor = low.m;
            since_refactor = 0;
        }
    }
    Ok(llf)
}

/// Periods to filter densely first: up to the last gap met before `kdiff`
/// observations have resolved the diffuse states (0 when there is none).
pub fn dense_until(kdiff: usize, y: &[f64]) -> usize {
    let mut seen = 0;
    let mut last_gap = None;
    for (t, v) in y.iter().enumerate() {
        if seen >= kdiff {
            break;
        }
        if v.is_finite() {
            seen += 1;
        } else {
            last_gap = Some(t);
        }
    }
    last_gap.map_or(0, |g| (g + 1).min(y.len() - 1))
}

/// `P₁ Zᵀ` and `ΔP₀ = T P₁ Tᵀ + Q - P₁` in low rank (before the first
/// observation's update).
fn initial(ss: &StateSpace, pa_col: &[f64]) -> (Vec<f64>, LowRank) {
    let n = ss.n;
    let kd = ss.kdiff;
    let mut pz = vec![0.0; n];
    for &(j, zv) in &ss.z {
        if j < kd {
            pz[j] += DIFFUSE_VARIANCE * zv;
        } else if j == kd {
            for (i, p) in pa_col.iter().enumerate() {
                pz[kd + i] += zv * p;
            }
        }
    }
    let mut low = LowRank::new(n);
    if kd == 0 {
        return (pz, low);
    }
    // T = [[A, b e₀ᵀ], [0, T_a]]: ΔP₀ = [[κ(AAᵀ - I) + p₀₀ b bᵀ, b cᵀ], [c bᵀ, 0]], c = T_a P_a e₀.
    let mut by_col: BTreeMap<usize, Vec<(usize, f64)>> = BTreeMap::new();
    let mut b = vec![0.0; n];
    let mut c = vec![0.0; n];
    for &(i, j, v) in &ss.t {
        if i < kd && j < kd {
            by_col.entry(j).or_default().push((i, v));
        } else if i < kd && j == kd {
            b[i] += v;
        } else if i >= kd && j >= kd {
            // (T_a P_a e₀)_i needs P_a's column 0 only.
            c[i] += v * pa_col[j - kd];
        }
    }
    let mut aat: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for rows in by_col.values() {
        for &(i, vi) in rows {
            for &(l, vl) in rows {
                *aat.entry((i, l)).or_default() += vi * vl;
            }
        }
    }
    for i in 0..kd {
        *aat.entry((i, i)).or_default() -= 1.0;
    }
    aat.retain(|_, v| *v != 0.0);
    let support: Vec<usize> = {
        let mut s: Vec<usize> = aat.keys().map(|&(i, _)| i).collect();
        s.dedup();
        s
    };
    for &i in &support {
        let mut e = vec![0.0; n];
        e[i] = 1.0;
        low.push_col(&e);
    }
    low.push_col(&b);
    low.push_col(&c);
    let m = low.m;
    let mut cm = vec![0.0; m * m];
    for (&(i, l), v) in &aat {
        let (pi, pl) = (
            support.binary_search(&i).unwrap_or_default(),
            support.binary_search(&l).unwrap_or_default(),
        );
        cm[pi * m + pl] = DIFFUSE_VARIANCE * v;
    }
    let (ib, ic) = (m - 2, m - 1);
    cm[ib * m + ib] = pa_col[0];
    cm[ib * m + ic] = 1.0;
    cm[ic * m + ib] = 1.0;
    low.c = cm;
    (pz, low)
}

/// `W C Wᵀ` with W's `m` columns stored one after the other.
struct LowRank {
    n: usize,
    m: usize,
    w: Vec<f64>,
    c: Vec<f64>,
    g: Vec<f64>,
    zw: Vec<f64>,
    cw: Vec<f64>,
}

impl LowRank {
    fn new(n: usize) -> LowRank {
        LowRank {
            n,
            m: 0,
            w: Vec::new(),
            c: Vec::new(),
            g: Vec::new(),
            zw: Vec::new(),
            cw: Vec::new(),
        }
    }

    /// Adds a column with a zero block in C.
    fn push_col(&mut self, col: &[f64]) {
        let m = self.m;
        let mut c = vec![0.0; (m + 1) * (m + 1)];
        for i in 0..m {
            c[i * (m + 1)..i * (m + 1) + m].copy_from_slice(&self.c[i * m..(i + 1) * m]);
        }
        self.c = c;
        self.w.extend_from_slice(col);
        self.m += 1;
    }

    /// Adds `coef · col colᵀ`.
    fn push(&mut self, col: &[f64], coef: f64) {
        self.push_col(col);
        let m = self.m;
        self.c[(m - 1) * m + m - 1] = coef;
    }

    /// From ΔP_t to ΔP_{t+1}: fills `k_next` = T P_{t+1} Zᵀ, returns F_{t+1}.
    fn advance(
        &mut self,
        ss: &StateSpace,
        k: &[f64],
        k_next: &mut [f64],
        f: f64,
        observed: bool,
        observed_next: bool,
    ) -> f64 {
        let (n, m) = (self.n, self.m);
        self.zw.clear();
        for col in self.w.chunks_exact(n) {
            self.zw.push(ss.z_dot(col));
        }
        self.cw.clear();
        for i in 0..m {
            let row = &self.c[i * m..(i + 1) * m];
            self.cw
                .push(row.iter().zip(&self.zw).map(|(a, b)| a * b).sum());
        }
        self.g.resize(m * n, 0.0);
        for (col, out) in self.w.chunks_exact(n).zip(self.g.chunks_exact_mut(n)) {
            ss.t_vec(col, out);
        }
        let f_next = f + self
            .zw
            .iter()
            .zip(&self.cw)
            .map(|(a, b)| a * b)
            .sum::<f64>();
        k_next.copy_from_slice(k);
        for (gc, bc) in self.g.chunks_exact(n).zip(&self.cw) {
            for (x, gi) in k_next.iter_mut().zip(gc) {
                *x += gi * bc;
            }
        }
        std::mem::swap(&mut self.w, &mut self.g);
        match (observed, observed_next) {
            (true, true) => {
                // W ← T W - k_{t+1} (Z W) / F_{t+1}, C ← C + (C w)(C w)ᵀ / F_t
                for (col, zw) in self.w.chunks_exact_mut(n).zip(&self.zw) {
                    let s = zw / f_next;
                    for (x, ki) in col.iter_mut().zip(k_next.iter()) {
                        *x -= ki * s;
                    }
                }
                for i in 0..m {
                    for j in 0..m {
                        self.c[i * m + j] += self.cw[i] * self.cw[j] / f;
                    }
                }
            }
            (true, false) => self.push(k, 1.0 / f),
            (false, true) => self.push(k_next, -1.0 / f_next),
            (false, false) => {}
        }
        f_next
    }

    /// `P_{t+1} - P_t` (`diff`, n×n) in low rank, found in the range of
    /// `diff Ω` for a fixed pseudo-random Ω wider than its rank (`gaps`
    /// missing observations so far add to that rank).
    fn from_change(n: usize, diff: &[f64], gaps: usize) -> LowRank {
        let width = (12 + 2 * gaps).min(n);
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut omega = vec![0.0; n * width];
        for x in omega.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *x = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        }
        let y = times_columns(diff, n, &omega, width);
        let (q, _, rank) = orthonormalize(&y, n, width);
        // C = Qᵀ D Q
        let dq = times_columns(diff, n, &q, rank);
        let mut c = vec![0.0; rank * rank];
        for i in 0..rank {
            for j in 0..rank {
                c[i * rank + j] = dot(&q[i * n..(i + 1) * n], &dq[j * n..(j + 1) * n]);
            }
        }
        let mut low = LowRank::new(n);
        low.w = q;
        low.c = c;
        low.m = rank;
        low
    }

    /// Re-factorises `W C Wᵀ = Q U Λ Uᵀ Qᵀ` and keeps the eigen-directions that
    /// still matter (relative to the largest and to the prediction variance
    /// `f`, and above `floor`).
    fn refactor(&mut self, f: f64, floor: f64) {
        let (n, m) = (self.n, self.m);
        if m == 0 {
            return;
        }
        let (q, r, rank) = orthonormalize(&self.w, n, m);
        // S = R C Rᵀ (rank × rank)
        let mut rc = vec![0.0; rank * m];
        for i in 0..rank {
            for j in 0..m {
                rc[i * m + j] = (0..m).map(|l| r[i * m + l] * self.c[l * m + j]).sum();
            }
        }
        let mut s = vec![0.0; rank * rank];
        for i in 0..rank {
            for j in 0..rank {
                s[i * rank + j] = (0..m).map(|l| rc[i * m + l] * r[j * m + l]).sum();
            }
        }
        let (vals, vecs) = jacobi_eigen(s, rank);
        let largest = vals.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let floor = (RELATIVE_DROP * largest).max(floor);
        let keep: Vec<usize> = (0..rank)
            .filter(|&i| vals[i].abs() > floor && vals[i].abs() > RELATIVE_DROP * f.abs())
            .collect();
        let mut w = vec![0.0; keep.len() * n];
        for (slot, &e) in keep.iter().enumerate() {
            let out = &mut w[slot * n..(slot + 1) * n];
            for i in 0..rank {
                let u = vecs[i * rank + e];
                if u == 0.0 {
                    continue;
                }
                for (x, qv) in out.iter_mut().zip(&q[i * n..(i + 1) * n]) {
                    *x += u * qv;
                }
            }
        }
        let k = keep.len();
        let mut c = vec![0.0; k * k];
        for (slot, &e) in keep.iter().enumerate() {
            c[slot * k + slot] = vals[e];
        }
        self.w = w;
        self.c = c;
        self.m = k;
    }
}

/// `D X` for a symmetric n×n `d` (row-major) and the `k` columns of `x`
/// (each `n` long, stored one after the other), in the same layout: one pass
/// over D, each row j adding `D[j][·] x[j]` to every output column (no
/// reductions, so it vectorises).
fn times_columns(d: &[f64], n: usize, x: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * k];
    for (j, row) in d.chunks_exact(n).enumerate() {
        for (c, col) in out.chunks_exact_mut(n).take(k).enumerate() {
            let xj = x[c * n + j];
            if xj != 0.0 {
                for (o, dv) in col.iter_mut().zip(row) {
                    *o += dv * xj;
                }
            }
        }
    }
    out
}

/// `a · b` with four running sums (a plain sum does not vectorise).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    acc[0] + acc[1] + acc[2] + acc[3] + tail
}

/// Modified Gram–Schmidt, twice: the `m` columns of `w` (each `n` long) =
/// Q R, Q with `rank` orthonormal columns, R (`r[i * m + c]`, i < rank).
/// Columns (nearly) in the span of the previous ones add none.
fn orthonormalize(w: &[f64], n: usize, m: usize) -> (Vec<f64>, Vec<f64>, usize) {
    let mut q: Vec<f64> = Vec::with_capacity(m * n);
    let mut r = vec![0.0; m * m];
    let mut rank = 0;
    for c in 0..m {
        let mut v = w[c * n..(c + 1) * n].to_vec();
        let norm0 = dot(&v, &v).sqrt();
        for _ in 0..2 {
            for i in 0..rank {
                let qi = &q[i * n..(i + 1) * n];
                let p = dot(qi, &v);
                r[i * m + c] += p;
                for (x, qv) in v.iter_mut().zip(qi) {
                    *x -= p * qv;
                }
            }
        }
        let norm = dot(&v, &v).sqrt();
        if norm > 1e-12 * norm0 && norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
            q.extend_from_slice(&v);
            r[rank * m + c] = norm;
            rank += 1;
        }
    }
    (q, r, rank)
}

/// Eigenvalues and eigenvectors (columns, row-major) of a symmetric matrix by
/// cyclic Jacobi rotations (small matrices only).
fn jacobi_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _ in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        let diag: f64 = (0..n).map(|i| a[i * n + i] * a[i * n + i]).sum();
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                // Below rounding of both diagonal entries (Rutishauser): a
                // zero, not a rotation — else eigenvalues far apart in scale
                // keep every sweep busy.
                let tiny = 100.0 * apq.abs();
                if a[p * n + p].abs() + tiny == a[p * n + p].abs()
                    && a[q * n + q].abs() + tiny == a[q * n + q].abs()
                {
                    a[p * n + q] = 0.0;
                    a[q * n + p] = 0.0;
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        kalman,
        spec::SarimaxSpec,
        ssm::{Params, StateSpace},
    };

    fn series(len: usize, s: usize, gaps: &[std::ops::Range<usize>]) -> Vec<f64> {
        let mut seed = 7u64;
        (0..len)
            .map(|t| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = ((seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 6.0;
                let phase = (t % s.max(1)) as f64 / s.max(1) as f64;
                let v =
                    40.0 + 25.0 * (phase * std::f64::consts::TAU).sin() + noise + t as f64 * 0.01;
                if gaps.iter().any(|g| g.contains(&t)) {
                    f64::NAN
                } else {
                    v
                }
            })
            .collect()
    }

    fn both(spec: &str, params: &[f64], y: &[f64], d: Option<&[f64]>, k_exog: usize) -> (f64, f64) {
        let spec = SarimaxSpec::parse(spec).unwrap();
        let p = Params::split(&spec, k_exog, params);
        let dense = kalman::filter(&StateSpace::sarimax(&spec, &p).unwrap(), y, d)
            .unwrap()
            .llf;
        let early = dense_until(spec.k_diff_states(), y) > 0;
        let (ss, col) = StateSpace::sarimax_fast(&spec, &p, early).unwrap();
        (dense, loglike(ss, &col, y, d).unwrap())
    }

    #[test]
    fn equals_the_dense_filter_with_and_without_gaps() {
        type Gaps = Vec<std::ops::Range<usize>>;
        let cases: Vec<(&str, Vec<f64>, Gaps)> = vec![
            ("(1,1,1)(1,1,1,24)", vec![0.4, -0.3, 0.2, -0.7, 9.0], vec![]),
            (
                "(1,1,1)(1,1,1,24)",
                vec![0.4, -0.3, 0.2, -0.7, 9.0],
                vec![0..3, 50..60, 61..62, 130..131, 200..260],
            ),
            (
                "(2,0,0)(0,1,1,24)",
                vec![0.5, 0.2, -0.6, 8.0],
                vec![10..14, 99..100],
            ),
            ("(1,0,1)", vec![0.6, 0.3, 5.0], vec![5..9, 12..13]),
            ("(0,2,1)", vec![-0.5, 4.0], vec![1..2, 40..41]),
            (
                "(1,1,1)(1,1,1,96)",
                vec![0.3, -0.5, 0.1, -0.9, 12.0],
                vec![300..340, 500..503],
            ),
        ];
        for (spec, params, gaps) in cases {
            let s = SarimaxSpec::parse(spec).unwrap().season();
            let y = series(700, s, &gaps);
            let (dense, fast) = both(spec, &params, &y, None, 0);
            assert!(
                (dense - fast).abs() <= 1e-9 * dense.abs(),
                "{spec} gaps {gaps:?}: dense {dense} fast {fast}"
            );
        }
    }

    #[test]
    fn equals_the_dense_filter_with_a_regressor() {
        let y = series(400, 24, &[10..11, 30..40]);
        let x: Vec<f64> = (0..400).map(|t| f64::from(u8::from(t % 24 == 7))).collect();
        let d: Vec<f64> = x.iter().map(|v| v * 3.0).collect();
        let (dense, fast) = both(
            "(1,0,1)(0,1,1,24)",
            &[3.0, 0.5, 0.2, -0.5, 7.0],
            &y,
            Some(&d),
            1,
        );
        assert!(
            (dense - fast).abs() <= 1e-9 * dense.abs(),
            "{dense} vs {fast}"
        );
    }

    #[test]
    fn is_smooth_in_the_parameters_with_gaps_while_the_diffuse_states_resolve() {
        // Gaps at 4 and 17 leave two seasonal states diffuse until a season
        // later: the optimiser's finite differences need a likelihood without
        // rounding jumps there (the low-rank recursion alone had 1e-5 ones).
        let y = series(400, 24, &[4..5, 17..18, 200..203]);
        let spec = SarimaxSpec::parse("(1,1,1)(1,1,1,24)").unwrap();
        let at = |sma: f64| {
            let v = [0.4, -0.3, 0.0, sma, 9.0];
            let p = Params::split(&spec, 0, &v);
            let with_p0 = dense_until(spec.k_diff_states(), &y) > 0;
            let (ss, col) = StateSpace::sarimax_fast(&spec, &p, with_p0).unwrap();
            loglike(ss, &col, &y, None).unwrap()
        };
        for sma in [-0.5, -0.99] {
            let l: Vec<f64> = (0..4).map(|i| at(sma + i as f64 * 1e-6)).collect();
            for w in l.windows(3) {
                let d2 = w[2] - 2.0 * w[1] + w[0];
                assert!(
                    d2.abs() < 1e-7,
                    "sma {sma}: second difference {d2:e} ({l:?})"
                );
            }
        }
    }

    #[test]
    fn eigen_decomposes_a_small_symmetric_matrix() {
        let (vals, vecs) = jacobi_eigen(vec![2.0, 1.0, 1.0, 2.0], 2);
        let mut sorted = vals.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-12 && (sorted[1] - 3.0).abs() < 1e-12);
        // A v = λ v for each column.
        for e in 0..2 {
            let (x, y) = (vecs[e], vecs[2 + e]);
            assert!((2.0 * x + y - vals[e] * x).abs() < 1e-12);
        }
    }
}
