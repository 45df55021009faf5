//! AniMOV forecasting: SARIMAX(p,d,q)(P,D,Q,s) with optional regressors as a
//! state-space model, fitted by exact maximum likelihood with a Kalman filter
//! — the same model and likelihood as statsmodels' `SARIMAX` (checked against
//! it in `tests/parity.rs`) — forecasts with 80 % and 95 % intervals, missing
//! observations handled by the filter.
//!
//! ```
//! use animov_forecast::{Sarimax, SarimaxSpec};
//! let y: Vec<f64> = (0..120).map(|t| (t as f64 * 0.7).sin() * 5.0 + t as f64 * 0.1).collect();
//! let fitted = Sarimax::new(SarimaxSpec::parse("(1,1,0)").unwrap()).fit(&y, None).unwrap();
//! let f = fitted.forecast(4, None).unwrap();
//! assert!(f.lower95[0] < f.mean[0] && f.mean[0] < f.upper95[0]);
//! ```

pub mod arma_cov;
pub mod backtest;
pub mod baseline;
pub mod chandrasekhar;
mod css;
pub mod kalman;
pub mod lyapunov;
mod model;
pub mod optim;
pub mod spec;
pub mod ssm;
pub mod transform;

pub use model::{Exog, FittedSarimax, Forecast, ForecastError, Sarimax};
pub use spec::{SarimaxSpec, SpecError};
