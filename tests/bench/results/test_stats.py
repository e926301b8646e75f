import math

import pytest
from scipy import stats as scipy_stats

from bench.results.stats import summarize


def test_mean_std_and_t_interval():
    s = summarize([0.9, 0.95, 1.0])
    assert s.n == 3 and s.mean == pytest.approx(0.95)
    assert s.std == pytest.approx(0.05)
    # t(0.975, df=2) = 4.303: the interval is wide with three seeds, as it should be
    assert s.ci95 == pytest.approx(4.302653 * 0.05 / math.sqrt(3), rel=1e-5)
    assert (s.low, s.high) == (0.9, 1.0)


def test_interval_matches_scipy_for_many_values():
    values = [0.97, 0.975, 0.98, 0.972, 0.978, 0.981]
    low, high = scipy_stats.t.interval(0.95, len(values) - 1, loc=sum(values) / len(values),
                                       scale=scipy_stats.sem(values))
    assert summarize(values).ci95 == pytest.approx((high - low) / 2)


def test_zero_spread_and_degenerate_inputs():
    assert summarize([1.0, 1.0, 1.0]).ci95 == 0.0
    one = summarize([0.5])
    assert one.std == 0.0 and math.isnan(one.ci95)
    none = summarize([None, float("nan")])
    assert none.n == 0 and math.isnan(none.mean)


def test_the_mean_of_equal_values_is_that_value():
    value = 2000 / 2100  # three seeds at the drug-trial ceiling: their float mean is an ulp lower
    summary = summarize([value] * 3)
    assert summary.low == summary.mean == summary.high == value
