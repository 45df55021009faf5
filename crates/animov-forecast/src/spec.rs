//! What model to fit: SARIMAX(p, d, q)(P, D, Q, s) with `k_exog` regressors.

use std::fmt;

/// The orders of a SARIMAX model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SarimaxSpec {
    /// AR order.
    pub p: usize,
    /// Differences.
    pub d: usize,
    /// MA order.
    pub q: usize,
    /// Seasonal AR order.
    pub sp: usize,
    /// Seasonal differences.
    pub sd: usize,
    /// Seasonal MA order.
    pub sq: usize,
    /// Season length (0 or 1: none).
    pub s: usize,
}

/// A spec that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Not of the form `(p,d,q)(P,D,Q,s)`.
    #[error("model spec {0:?} is not of the form (p,d,q)(P,D,Q,s), e.g. (1,1,1)(1,1,1,96)")]
    Syntax(String),
    /// Orders out of the supported range.
    #[error("model spec {spec}: {reason}")]
    Range {
        /// The spec.
        spec: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for SarimaxSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({},{},{})({},{},{},{})",
            self.p, self.d, self.q, self.sp, self.sd, self.sq, self.s
        )
    }
}

impl SarimaxSpec {
    /// Parses `(p,d,q)(P,D,Q,s)` (spaces allowed); `(p,d,q)` alone has no season.
    pub fn parse(text: &str) -> Result<SarimaxSpec, SpecError> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let groups: Vec<Vec<usize>> = t
            .split(')')
            .filter(|g| !g.is_empty())
            .map(|g| {
                g.strip_prefix('(').ok_or(()).and_then(|g| {
                    g.split(',')
                        .map(|n| n.parse::<usize>().map_err(|_| ()))
                        .collect()
                })
            })
            .collect::<Result<_, ()>>()
            .map_err(|_| SpecError::Syntax(text.into()))?;
        let spec = match groups.as_slice() {
            [a] if a.len() == 3 => SarimaxSpec {
                p: a[0],
                d: a[1],
                q: a[2],
                sp: 0,
                sd: 0,
                sq: 0,
                s: 0,
            },
            [a, b] if a.len() == 3 && b.len() == 4 => SarimaxSpec {
                p: a[0],
                d: a[1],
                q: a[2],
                sp: b[0],
                sd: b[1],
                sq: b[2],
                s: b[3],
            },
            _ => return Err(SpecError::Syntax(text.into())),
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks the orders.
    pub fn validate(&self) -> Result<(), SpecError> {
        let err = |reason: &str| {
            Err(SpecError::Range {
                spec: self.to_string(),
                reason: reason.into(),
            })
        };
        if self.p > 5 || self.q > 5 || self.sp > 2 || self.sq > 2 {
            return err("p and q must be at most 5, P and Q at most 2");
        }
        if self.d > 2 || self.sd > 1 {
            return err("d must be at most 2 and D at most 1");
        }
        let seasonal = self.sp + self.sd + self.sq > 0;
        if seasonal && self.s < 2 {
            return err("a seasonal part needs a season length s of at least 2");
        }
        if self.s > 1000 {
            return err("the season length s must be at most 1000");
        }
        Ok(())
    }

    /// Season length used in the polynomials (0 when there is no seasonal part).
    pub fn season(&self) -> usize {
        if self.sp + self.sd + self.sq > 0 {
            self.s
        } else {
            0
        }
    }

    /// AR order of the multiplied-out polynomial.
    pub fn k_ar(&self) -> usize {
        self.p + self.season() * self.sp
    }

    /// MA order of the multiplied-out polynomial.
    pub fn k_ma(&self) -> usize {
        self.q + self.season() * self.sq
    }

    /// Size of the ARMA block of the state.
    pub fn k_order(&self) -> usize {
        self.k_ar().max(self.k_ma() + 1)
    }

    /// Size of the differencing block of the state.
    pub fn k_diff_states(&self) -> usize {
        self.d + self.season() * self.sd
    }

    /// Parameters: exog coefficients, AR, MA, seasonal AR, seasonal MA, σ².
    pub fn k_params(&self, k_exog: usize) -> usize {
        k_exog + self.p + self.q + self.sp + self.sq + 1
    }

    /// Parameter names in statsmodels' style (`x1`, `ar.L1`, `ma.S.L96`, `sigma2`).
    pub fn param_names(&self, k_exog: usize) -> Vec<String> {
        let mut names: Vec<String> = (1..=k_exog).map(|i| format!("x{i}")).collect();
        names.extend((1..=self.p).map(|i| format!("ar.L{i}")));
        names.extend((1..=self.q).map(|i| format!("ma.L{i}")));
        names.extend((1..=self.sp).map(|i| format!("ar.S.L{}", i * self.s)));
        names.extend((1..=self.sq).map(|i| format!("ma.S.L{}", i * self.s)));
        names.push("sigma2".into());
        names
    }

    /// Observations lost to differencing (their likelihood terms are burnt).
    pub fn burn(&self) -> usize {
        self.k_diff_states()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_describes_orders() {
        let s = SarimaxSpec::parse("(1, 1, 1)(1,1,1,96)").unwrap();
        assert_eq!(s.to_string(), "(1,1,1)(1,1,1,96)");
        assert_eq!(
            (s.k_ar(), s.k_ma(), s.k_order(), s.k_diff_states()),
            (97, 97, 98, 97)
        );
        assert_eq!(s.k_params(0), 5);
        assert_eq!(
            s.param_names(1),
            ["x1", "ar.L1", "ma.L1", "ar.S.L96", "ma.S.L96", "sigma2"]
        );
        let ns = SarimaxSpec::parse("(2,0,1)").unwrap();
        assert_eq!((ns.season(), ns.k_order(), ns.burn()), (0, 2, 0));
        assert!(matches!(
            SarimaxSpec::parse("(1,1)(1,1,1,96)"),
            Err(SpecError::Syntax(_))
        ));
        assert!(
            SarimaxSpec::parse("(1,1,1)(1,1,1,1)")
                .unwrap_err()
                .to_string()
                .contains("season length")
        );
        assert!(SarimaxSpec::parse("(9,0,0)").is_err());
    }
}
