//! What the library says about series it cannot model: too short, all
//! missing, constant, exploding, wrong regressors. Never a panic, never NaN.

use animov_forecast::{ForecastError, Sarimax, SarimaxSpec};

fn model(spec: &str) -> Sarimax {
    Sarimax::new(SarimaxSpec::parse(spec).unwrap())
}

#[test]
fn too_short_and_all_missing_are_refused_with_the_reason() {
    let e = model("(1,1,1)(1,1,1,96)")
        .fit(&[1.0; 50], None)
        .unwrap_err();
    assert!(matches!(e, ForecastError::TooShort { .. }), "{e}");
    assert!(e.to_string().contains("at least"), "{e}");
    let e = model("(1,0,0)").fit(&[f64::NAN; 100], None).unwrap_err();
    assert_eq!(e, ForecastError::AllMissing);
}

#[test]
fn a_constant_series_gives_an_error_or_a_finite_model() {
    // Nothing moves: the innovation variance wants to be zero.
    match model("(1,0,0)(0,1,1,8)").fit(&[42.0; 200], None) {
        Ok(f) => {
            assert!(
                f.llf().is_finite() && f.params().iter().all(|p| p.is_finite()),
                "{:?}",
                f.params()
            );
            let fc = f.forecast(8, None).unwrap();
            assert!(
                fc.mean.iter().all(|m| (m - 42.0).abs() < 1e-3),
                "{:?}",
                fc.mean
            );
        }
        Err(e) => assert!(
            matches!(e, ForecastError::FitFailed(_) | ForecastError::Numerical(_)),
            "{e}"
        ),
    }
}

#[test]
fn an_exploding_series_gives_an_error_or_a_finite_model() {
    let y: Vec<f64> = (0..150).map(|t| 1.08f64.powi(t)).collect();
    match model("(1,0,0)").fit(&y, None) {
        Ok(f) => assert!(
            f.llf().is_finite() && f.params()[0].abs() < 1.0,
            "{:?}",
            f.params()
        ),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    let huge: Vec<f64> = (0..150)
        .map(|t| if t % 2 == 0 { 1e300 } else { -1e300 })
        .collect();
    let r = model("(1,0,0)").fit(&huge, None);
    assert!(r.is_err() || r.unwrap().llf().is_finite());
}

#[test]
fn regressors_must_match_and_parameters_must_be_admissible() {
    let y: Vec<f64> = (0..100).map(|t| (t as f64 * 0.3).sin()).collect();
    let short = vec![vec![1.0; 10]];
    let e = model("(1,0,0)").fit(&y, Some(&short)).unwrap_err();
    assert!(e.to_string().contains("regressor 0 has 10 values"), "{e}");
    let e = model("(1,0,0)").loglike(&y, None, &[1.5, 1.0]).unwrap_err();
    assert!(e.to_string().contains("not stationary"), "{e}");
    let e = model("(1,0,0)").loglike(&y, None, &[0.5]).unwrap_err();
    assert!(e.to_string().contains("1 values for 2 parameters"), "{e}");
    let fitted = model("(1,0,0)").fit(&y, None).unwrap();
    let e = fitted.forecast(4, Some(&[vec![1.0; 4]])).unwrap_err();
    assert!(e.to_string().contains("0 regressors"), "{e}");
}
