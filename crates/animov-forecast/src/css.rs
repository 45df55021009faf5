//! The conditional sum of squares of an ARMA model on an (already
//! differenced) series: residuals by the recursion, no filter. Cheap, so it
//! gives the exact likelihood's optimiser its starting point.

use crate::{
    arma_cov::nonzero,
    spec::SarimaxSpec,
    ssm::{Params, reduced_ar, reduced_ma},
};

/// Mean squared one-step residual of `w` (NaN = missing: no residual, the
/// value taken as its prediction) under the ARMA part of `params`; the first
/// `p` values only start the recursion. `∞` when nothing is left to score.
pub fn mean_square(spec: &SarimaxSpec, params: &Params<'_>, w: &[f64]) -> f64 {
    let s = spec.season().max(1);
    let phi: Vec<(usize, f64)> = nonzero(&reduced_ar(params.ar, params.sar, s));
    let theta: Vec<(usize, f64)> = nonzero(&reduced_ma(params.ma, params.sma, s));
    let start = phi.iter().map(|&(k, _)| k).max().unwrap_or(0);
    let mut filled = w.to_vec();
    let mut e = vec![0.0; w.len()];
    let mut sum = 0.0;
    let mut count = 0usize;
    for t in 0..w.len() {
        let ar: f64 = phi
            .iter()
            .filter(|&&(k, _)| k <= t)
            .map(|&(k, f)| f * filled[t - k])
            .sum();
        let ma: f64 = theta
            .iter()
            .filter(|&&(k, _)| k <= t)
            .map(|&(k, th)| th * e[t - k])
            .sum();
        let predicted = ar + ma;
        if t < start || !filled[t].is_finite() {
            if !filled[t].is_finite() {
                filled[t] = predicted;
            }
            continue;
        }
        e[t] = filled[t] - predicted;
        sum += e[t] * e[t];
        count += 1;
    }
    if count == 0 || !sum.is_finite() {
        f64::INFINITY
    } else {
        sum / count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ar1_series_is_best_explained_by_its_coefficient() {
        let spec = SarimaxSpec::parse("(1,0,0)").unwrap();
        let mut seed = 3u64;
        let mut w = vec![0.0; 2000];
        for t in 1..w.len() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let e = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            w[t] = 0.7 * w[t - 1] + e;
        }
        w[500] = f64::NAN;
        let at = |phi: f64| mean_square(&spec, &Params::split(&spec, 0, &[phi, 1.0]), &w);
        assert!(
            at(0.7) < at(0.5) && at(0.7) < at(0.9),
            "{} {} {}",
            at(0.5),
            at(0.7),
            at(0.9)
        );
        // Uniform(-0.5, 0.5) innovations: variance 1/12.
        assert!((at(0.7) - 1.0 / 12.0).abs() < 0.01, "{}", at(0.7));
    }
}
