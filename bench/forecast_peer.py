"""statsmodels' SARIMAX on a series, for the forecasting benchmark: fits on
the given values (NaN = missing), forecasts h steps, prints JSON with the fit
time, log-likelihood, parameters and forecast.

    python bench/forecast_peer.py SERIES.json   # {"y": [...], "order": [p,d,q], "seasonal_order": [P,D,Q,s], "h": N}
"""
import json
import sys
import time
import warnings

import numpy as np
import statsmodels.api as sm

warnings.simplefilter("ignore")
spec = json.load(open(sys.argv[1]))
y = np.array([np.nan if v is None else v for v in spec["y"]], dtype=float)
mod = sm.tsa.statespace.SARIMAX(y, order=spec["order"], seasonal_order=spec["seasonal_order"])
t0 = time.perf_counter()
res = mod.fit(disp=False, maxiter=500)
fit_s = time.perf_counter() - t0
fc = res.get_forecast(spec["h"])
json.dump({"fit_seconds": fit_s, "llf": float(res.llf), "params": [float(v) for v in res.params],
           "mean": [float(v) for v in fc.predicted_mean]}, sys.stdout)
