//! The stationary covariance of a state: `P = A P Aᵀ + Q`, by doubling.

/// `a · b` for row-major n×n matrices.
fn matmul(a: &[f64], b: &[f64], n: usize, out: &mut [f64]) {
    out.fill(0.0);
    for i in 0..n {
        for k in 0..n {
            let x = a[i * n + k];
            if x == 0.0 {
                continue;
            }
            let (row_b, row_o) = (&b[k * n..(k + 1) * n], i * n);
            for j in 0..n {
                out[row_o + j] += x * row_b[j];
            }
        }
    }
}

/// Solves `P = A P Aᵀ + Q` (row-major n×n) with the doubling algorithm:
/// `P = Σ_k A^k Q (Aᵀ)^k`. `None` when A is not stable (the sum diverges).
pub fn discrete_lyapunov(a: &[f64], q: &[f64], n: usize) -> Option<Vec<f64>> {
    if n == 0 {
        return Some(Vec::new());
    }
    let mut p = q.to_vec();
    let mut ak = a.to_vec();
    let mut t1 = vec![0.0; n * n];
    let mut t2 = vec![0.0; n * n];
    let mut at = vec![0.0; n * n];
    for _ in 0..64 {
        // P += A_k P A_kᵀ
        for i in 0..n {
            for j in 0..n {
                at[j * n + i] = ak[i * n + j];
            }
        }
        matmul(&ak, &p, n, &mut t1);
        matmul(&t1, &at, n, &mut t2);
        let scale = p.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let added = t2.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (x, y) in p.iter_mut().zip(&t2) {
            *x += y;
        }
        if !added.is_finite() || scale > 1e300 {
            return None;
        }
        if added <= 1e-15 * scale {
            let norm = ak.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            // A vanishing increment with A_k still large means A barely acts on Q's range:
            // keep going only if A_k is not small yet.
            if norm < 1e-6 {
                return Some(p);
            }
        }
        // A_{k+1} = A_k²
        matmul(&ak, &ak, n, &mut t1);
        std::mem::swap(&mut ak, &mut t1);
        if ak.iter().any(|v| !v.is_finite()) {
            return None;
        }
    }
    let norm = ak.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    (norm < 1e-6).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_known_two_by_two() {
        // AR(2) companion [[0.5, 1], [0.2, 0]] with Q = e1 e1ᵀ: check the fixed point.
        let a = [0.5, 1.0, 0.2, 0.0];
        let q = [1.0, 0.0, 0.0, 0.0];
        let p = discrete_lyapunov(&a, &q, 2).unwrap();
        let mut ap = [0.0; 4];
        let mut apa = [0.0; 4];
        matmul(&a, &p, 2, &mut ap);
        let at = [0.5, 0.2, 1.0, 0.0];
        matmul(&ap, &at, 2, &mut apa);
        for i in 0..4 {
            assert!((p[i] - apa[i] - q[i]).abs() < 1e-12, "{p:?}");
        }
    }

    #[test]
    fn refuses_an_explosive_system() {
        assert!(discrete_lyapunov(&[1.01], &[1.0], 1).is_none());
        assert!(discrete_lyapunov(&[1.0], &[1.0], 1).is_none());
    }
}
