//! Unconstrained ↔ constrained parameters, so the optimiser searches freely
//! while AR polynomials stay stationary and MA polynomials invertible
//! (partial autocorrelations and Durbin–Levinson, after Jones 1980), and the
//! variance stays positive.

/// Coefficients φ of a stationary AR polynomial `1 - Σ φ_i L^i` from free values.
pub fn constrain_stationary(x: &[f64]) -> Vec<f64> {
    let mut phi: Vec<f64> = Vec::with_capacity(x.len());
    for (k, xk) in x.iter().enumerate() {
        let r = xk / (1.0 + xk * xk).sqrt();
        let prev = phi.clone();
        for i in 0..k {
            phi[i] = prev[i] - r * prev[k - 1 - i];
        }
        phi.push(r);
    }
    phi
}

/// The inverse of [`constrain_stationary`]; `None` if φ is not stationary.
pub fn unconstrain_stationary(phi: &[f64]) -> Option<Vec<f64>> {
    let n = phi.len();
    let mut cur = phi.to_vec();
    let mut r = vec![0.0; n];
    for k in (0..n).rev() {
        let rk = cur[k];
        if rk.abs() >= 1.0 {
            return None;
        }
        r[k] = rk;
        let prev: Vec<f64> = (0..k)
            .map(|i| (cur[i] + rk * cur[k - 1 - i]) / (1.0 - rk * rk))
            .collect();
        cur = prev;
    }
    Some(r.iter().map(|r| r / (1.0 - r * r).sqrt()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_stays_stationary() {
        let x = [0.8, -1.5, 0.3];
        let phi = constrain_stationary(&x);
        let back = unconstrain_stationary(&phi).unwrap();
        for (a, b) in x.iter().zip(&back) {
            assert!((a - b).abs() < 1e-10, "{back:?}");
        }
        // AR(1): φ = x / sqrt(1 + x²), always inside (-1, 1).
        assert!((constrain_stationary(&[1e6])[0] - 1.0).abs() < 1e-9);
        assert!(unconstrain_stationary(&[1.2]).is_none());
    }
}
