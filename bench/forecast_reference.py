"""Reference values for animov-forecast, computed with statsmodels' SARIMAX.

Writes into tests/fixtures/forecast/:
  goat15.csv      a goat-like 15-minute standing ratio series (7 + 2 days, daily
                  seasonality, missing buckets), with a `feeding` regressor;
  co2_monthly.csv statsmodels' own CO2 dataset (Mauna Loa), monthly means;
  reference.json  per case: spec, statsmodels' fitted params, their
                  log-likelihood, the log-likelihood at fixed test params,
                  forecasts with 80 % / 95 % intervals, fit time.

    bench/.venv/bin/python bench/forecast_reference.py [OUT_DIR]
Versions: statsmodels 0.15.0, numpy 2.4.6, scipy 1.17.1, pandas 3.1.1.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm

warnings.simplefilter("ignore")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "forecast")
os.makedirs(OUT, exist_ok=True)


def goat_series(days=9, seed=7):
    """Standing ratio (%) per 15 min: low at night, peaks when the goats are fed
    (feeding times vary from day to day, so the `feeding` regressor is not
    periodic), noise, gaps."""
    rng = np.random.default_rng(seed)
    n = days * 96
    t = np.arange(n)
    hour = (t % 96) / 4.0
    day = t // 96
    morning = 7.0 + rng.choice(np.arange(-4, 5) / 4.0, days)
    evening = 17.0 + rng.choice(np.arange(-4, 5) / 4.0, days)
    fed_m, fed_e = morning[day], evening[day]
    bump = lambda c, w, h: h * np.exp(-((hour - c) ** 2) / (2 * w * w))
    base = (8 + 22 * ((hour >= 6) & (hour < 21)) + bump(fed_m + 0.5, 0.7, 45) + bump(fed_e + 0.5, 0.8, 45)
            - bump(13.5, 1.0, 10))
    day_level = np.repeat(rng.normal(0, 3, days), 96)
    noise = np.zeros(n)
    for i in range(1, n):  # AR(1) noise
        noise[i] = 0.6 * noise[i - 1] + rng.normal(0, 4)
    y = np.clip(base + day_level + noise, 0, 100)
    # Missing buckets: a camera outage (2 h on day 3) and scattered night gaps.
    y[3 * 96 + 40: 3 * 96 + 48] = np.nan
    for k in rng.choice(np.where(hour < 5)[0], 12, replace=False):
        y[k] = np.nan
    feeding = (((hour >= fed_m) & (hour < fed_m + 1)) | ((hour >= fed_e) & (hour < fed_e + 1))).astype(float)
    ts = pd.date_range("2026-11-01", periods=n, freq="15min", tz="UTC")
    return pd.DataFrame({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "ratio_standing": y, "feeding": feeding})


def case(name, y, order, seasonal, exog=None, exog_future=None, h=96, test_params=None):
    mod = sm.tsa.statespace.SARIMAX(y, order=order, seasonal_order=seasonal, exog=exog)
    t0 = time.perf_counter()
    res = mod.fit(disp=False, maxiter=500)
    fit_s = time.perf_counter() - t0
    fc = res.get_forecast(h, exog=exog_future)
    out = {
        "name": name,
        "order": list(order),
        "seasonal_order": list(seasonal),
        "param_names": list(mod.param_names),
        "params": [float(v) for v in res.params],
        "llf": float(res.llf),
        "aic": float(res.aic),
        "loglikelihood_burn": int(mod.loglikelihood_burn),
        "fit_seconds": fit_s,
        "converged": bool(res.mle_retvals.get("converged", True)),
        "forecast": {
            "mean": [float(v) for v in fc.predicted_mean],
            "lower80": [float(v) for v in fc.conf_int(alpha=0.2)[:, 0]] if isinstance(fc.conf_int(alpha=0.2), np.ndarray) else [float(v) for v in fc.conf_int(alpha=0.2).iloc[:, 0]],
            "upper80": [float(v) for v in np.asarray(fc.conf_int(alpha=0.2))[:, 1]],
            "lower95": [float(v) for v in np.asarray(fc.conf_int(alpha=0.05))[:, 0]],
            "upper95": [float(v) for v in np.asarray(fc.conf_int(alpha=0.05))[:, 1]],
        },
    }
    if test_params is not None:
        out["test_params"] = [float(v) for v in test_params]
        out["test_llf"] = float(mod.loglike(np.asarray(test_params)))
    print(f"{name}: llf {res.llf:.6f} in {fit_s:.1f} s, params {np.round(res.params, 4)}", flush=True)
    return out


def main():
    goat = goat_series()
    goat.to_csv(os.path.join(OUT, "goat15.csv"), index=False, float_format="%.6f")
    train = goat.iloc[: 7 * 96]
    hold = goat.iloc[7 * 96:]
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().ffill()
    co2_df = pd.DataFrame({"timestamp": co2.index.strftime("%Y-%m-%dT00:00:00Z"), "co2": co2.values})
    co2_df.to_csv(os.path.join(OUT, "co2_monthly.csv"), index=False, float_format="%.6f")
    co2_train = co2.values[:-24]
    cases = [
        case("co2_111_011_12", co2_train, (1, 1, 1), (0, 1, 1, 12), h=24,
             test_params=[0.3, -0.6, -0.8, 0.1]),
        case("goat_111_111_96", train["ratio_standing"].values, (1, 1, 1), (1, 1, 1, 96), h=192,
             test_params=[0.5, -0.3, 0.1, -0.7, 30.0]),
        case("goat_exog_101_011_96", train["ratio_standing"].values, (1, 0, 1), (0, 1, 1, 96),
             exog=train[["feeding"]].values, exog_future=hold[["feeding"]].values, h=192,
             test_params=[5.0, 0.6, 0.1, -0.6, 25.0]),
    ]
    meta = {"statsmodels": statsmodels.__version__, "numpy": np.__version__, "cases": cases}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
