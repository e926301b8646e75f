"""Seed-aware statistics: mean, spread and a Student-t 95% confidence interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    std: float        # sample standard deviation (ddof=1); 0 for one value
    ci95: float       # half-width of the 95% interval of the mean; nan for fewer than 2 values
    low: float        # smallest value (worst seed for accuracy)
    high: float       # largest value (best seed)


def summarize(values) -> Summary:
    """Summary of finite values (NaN/None are dropped); n=0 gives all-NaN fields."""
    arr = np.array([v for v in values if v is not None], dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    n = arr.size
    if n == 0:
        nan = float("nan")
        return Summary(0, nan, nan, nan, nan, nan)
    mean = float(arr.mean())
    if n == 1:
        return Summary(1, mean, 0.0, float("nan"), mean, mean)
    std = float(arr.std(ddof=1))
    half = float(stats.t.ppf(0.975, df=n - 1) * std / math.sqrt(n))
    low, high = float(arr.min()), float(arr.max())
    # the rounded mean of equal values can fall an ulp outside them (3 x 2000/2100: one below),
    # and a plot's error bar mean - low must not be negative
    return Summary(n, min(max(mean, low), high), std, half, low, high)
