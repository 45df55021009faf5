//! Autocovariances of an ARMA process and the first column of the stationary
//! covariance of its Harvey state, in O(r·k) for sparse (seasonal)
//! polynomials — what the fast filter needs instead of a dense Lyapunov
//! solve, which costs O(r³) per iteration of the doubling.
//!
//! Harvey's state (Durbin & Koopman §3.4) is, for i = 1..r,
//! `α_i,t = Σ_{k≥i} φ_k y_{t+i-1-k} + Σ_{k≥i-1} θ_k ε_{t+i-1-k}` (θ₀ = 1),
//! so `Cov(α_i, y_t) = Σ_{k≥i} φ_k γ(k-i+1) + σ² Σ_{k≥i-1} θ_k ψ_{k-i+1}`.

/// Non-zero coefficients of a lag polynomial: (lag ≥ 1, value).
pub(crate) fn nonzero(c: &[f64]) -> Vec<(usize, f64)> {
    c.iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(i, v)| (i + 1, *v))
        .collect()
}

/// MA(∞) weights ψ₀..ψ_len-1 of `y_t = Σ φ_k y_{t-k} + ε_t + Σ θ_k ε_{t-k}`.
fn psi_weights(phi: &[(usize, f64)], theta: &[f64], len: usize) -> Vec<f64> {
    let mut psi = vec![0.0; len];
    for j in 0..len {
        let mut v = if j == 0 {
            1.0
        } else {
            theta.get(j - 1).copied().unwrap_or(0.0)
        };
        for &(k, f) in phi {
            if k <= j {
                v += f * psi[j - k];
            }
        }
        psi[j] = v;
    }
    psi
}

/// Solves `a x = b` (dense, row-major, partial pivoting); `None` when singular.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let piv = (c..n).max_by(|&i, &j| a[i * n + c].abs().total_cmp(&a[j * n + c].abs()))?;
        if a[piv * n + c].abs() < 1e-14 {
            return None;
        }
        if piv != c {
            for j in 0..n {
                a.swap(c * n + j, piv * n + j);
            }
            b.swap(c, piv);
        }
        let d = a[c * n + c];
        for r in c + 1..n {
            let f = a[r * n + c] / d;
            if f == 0.0 {
                continue;
            }
            for j in c..n {
                a[r * n + j] -= f * a[c * n + j];
            }
            b[r] -= f * b[c];
        }
    }
    for c in (0..n).rev() {
        let s: f64 = (c + 1..n).map(|j| a[c * n + j] * b[j]).sum();
        b[c] = (b[c] - s) / a[c * n + c];
    }
    b.iter().all(|v| v.is_finite()).then_some(b)
}

/// Autocovariances γ(0..=r) and MA(∞) weights ψ(0..=r) of the ARMA process
/// with lag coefficients `phi` (y_t = Σ φ_k y_{t-k} + …), MA coefficients
/// `theta` and innovation variance `sigma2`; the state's terms by lag.
struct Moments {
    gamma: Vec<f64>,
    psi: Vec<f64>,
    phi: Vec<(usize, f64)>,
    /// (lag, θ) with θ₀ = 1.
    theta: Vec<(usize, f64)>,
    sigma2: f64,
}

impl Moments {
    /// `None` when the AR part is not stationary.
    fn new(phi: &[f64], theta: &[f64], sigma2: f64, r: usize) -> Option<Moments> {
        let p = phi.len();
        let q = theta.len();
        let nz_phi = nonzero(phi);
        let psi = psi_weights(&nz_phi, theta, r.max(q) + 1);
        let mut nz_theta = vec![(0, 1.0)];
        nz_theta.extend(nonzero(theta));
        // σ² Σ_{j≥k} θ_j ψ_{j-k}
        let ma_term = |k: usize| -> f64 {
            sigma2
                * nz_theta
                    .iter()
                    .filter(|&&(j, _)| j >= k)
                    .map(|&(j, th)| th * psi[j - k])
                    .sum::<f64>()
        };
        // γ(0..p) from γ(k) - Σ φ_j γ(|k-j|) = σ² Σ_{j≥k} θ_j ψ_{j-k}.
        let m = p + 1;
        let mut a = vec![0.0; m * m];
        let mut b = vec![0.0; m];
        for k in 0..m {
            a[k * m + k] += 1.0;
            for &(j, f) in &nz_phi {
                a[k * m + k.abs_diff(j)] -= f;
            }
            b[k] = ma_term(k);
        }
        let mut gamma = solve(a, b)?;
        if gamma[0].is_nan() || gamma[0] <= 0.0 {
            return None;
        }
        for k in m..=r {
            let g = nz_phi.iter().map(|&(j, f)| f * gamma[k - j]).sum::<f64>() + ma_term(k);
            gamma.push(g);
        }
        Some(Moments {
            gamma,
            psi,
            phi: nz_phi,
            theta: nz_theta,
            sigma2,
        })
    }

    /// State element i (1-based) as terms (is_y, relative time, coefficient).
    fn terms(&self, i: usize) -> Vec<(bool, isize, f64)> {
        let at = |k: usize| (i as isize) - 1 - (k as isize);
        let ar = self
            .phi
            .iter()
            .filter(|&&(k, _)| k >= i)
            .map(|&(k, f)| (true, at(k), f));
        let ma = self
            .theta
            .iter()
            .filter(|&&(k, _)| k + 1 >= i)
            .map(|&(k, th)| (false, at(k), th));
        ar.chain(ma).collect()
    }

    fn cov(&self, a: (bool, isize), b: (bool, isize)) -> f64 {
        match (a.0, b.0) {
            (true, true) => self.gamma[a.1.abs_diff(b.1)],
            (true, false) => self.cross(a.1, b.1),
            (false, true) => self.cross(b.1, a.1),
            (false, false) => {
                if a.1 == b.1 {
                    self.sigma2
                } else {
                    0.0
                }
            }
        }
    }

    /// `E[y_s ε_u] = σ² ψ_{s-u}` (zero for a future shock).
    fn cross(&self, s: isize, u: isize) -> f64 {
        if s >= u {
            self.sigma2 * self.psi.get((s - u) as usize).copied().unwrap_or(0.0)
        } else {
            0.0
        }
    }

    fn entry(&self, ti: &[(bool, isize, f64)], tj: &[(bool, isize, f64)]) -> f64 {
        let mut sum = 0.0;
        for &(ya, sa, ca) in ti {
            for &(yb, sb, cb) in tj {
                sum += ca * cb * self.cov((ya, sa), (yb, sb));
            }
        }
        sum
    }
}

/// `Cov(α_t, y_t)` for the Harvey state of size `r` of the ARMA process with
/// lag coefficients `phi` (y_t = Σ φ_k y_{t-k} + …), MA coefficients `theta`
/// and innovation variance `sigma2` — the first column of its stationary
/// covariance. `None` when the AR part is not stationary.
pub fn harvey_first_column(phi: &[f64], theta: &[f64], sigma2: f64, r: usize) -> Option<Vec<f64>> {
    let m = Moments::new(phi, theta, sigma2, r)?;
    let t1 = m.terms(1);
    Some((1..=r).map(|i| m.entry(&m.terms(i), &t1)).collect())
}

/// The whole stationary covariance of the Harvey state (row-major r×r), in
/// O(r²) for sparse polynomials. `None` when the AR part is not stationary.
pub fn harvey_covariance(phi: &[f64], theta: &[f64], sigma2: f64, r: usize) -> Option<Vec<f64>> {
    let m = Moments::new(phi, theta, sigma2, r)?;
    let terms: Vec<_> = (1..=r).map(|i| m.terms(i)).collect();
    let mut p = vec![0.0; r * r];
    for i in 0..r {
        for j in i..r {
            let v = m.entry(&terms[i], &terms[j]);
            p[i * r + j] = v;
            p[j * r + i] = v;
        }
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{lyapunov::discrete_lyapunov, ssm};

    /// The dense stationary covariance of the Harvey state, by the doubling algorithm.
    fn dense(phi: &[f64], theta: &[f64], sigma2: f64) -> (Vec<f64>, usize) {
        let r = phi.len().max(theta.len() + 1);
        let mut t = vec![0.0; r * r];
        for (i, f) in phi.iter().enumerate() {
            t[i * r] = *f;
        }
        for i in 0..r - 1 {
            t[i * r + i + 1] = 1.0;
        }
        let mut rv = vec![1.0];
        rv.extend_from_slice(theta);
        rv.resize(r, 0.0);
        let q: Vec<f64> = (0..r * r).map(|k| sigma2 * rv[k / r] * rv[k % r]).collect();
        (discrete_lyapunov(&t, &q, r).unwrap(), r)
    }

    #[test]
    fn covariance_equals_the_lyapunov_solution() {
        let cases: Vec<(Vec<f64>, Vec<f64>)> = vec![
            (vec![0.5], vec![]),
            (vec![], vec![0.4]),
            (vec![0.6, -0.2], vec![0.3]),
            (
                ssm::reduced_ar(&[0.4], &[0.7], 12),
                ssm::reduced_ma(&[-0.3], &[-0.8], 12),
            ),
            (
                ssm::reduced_ar(&[], &[0.9], 24),
                ssm::reduced_ma(&[0.2, 0.1], &[], 24),
            ),
        ];
        for (phi, theta) in cases {
            let (p, r) = dense(&phi, &theta, 2.5);
            let col = harvey_first_column(&phi, &theta, 2.5, r).unwrap();
            let full = harvey_covariance(&phi, &theta, 2.5, r).unwrap();
            for i in 0..r {
                let want = p[i * r];
                assert!(
                    (col[i] - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "φ {phi:?} θ {theta:?} row {i}: {} vs {want}",
                    col[i]
                );
                for j in 0..r {
                    let want = p[i * r + j];
                    let got = full[i * r + j];
                    assert!(
                        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                        "φ {phi:?} θ {theta:?} ({i},{j}): {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn refuses_a_unit_root() {
        assert!(harvey_first_column(&[1.0], &[], 1.0, 1).is_none());
    }
}
