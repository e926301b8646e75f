"""A scaling study's maths: fitted exponents of known power laws, who is fastest where, where
two backends cross, where a backend stops being overhead-bound, and values read from specs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.execution.records import Record
from bench.plan.planner import plan_suite
from bench.plan.scale import ScaleSpec
from bench.plan.suite import Suite
from bench.results.scaling import (
    crossing,
    fastest_segments,
    fit_exponent,
    half_peak_value,
    scale_spec,
    study_of,
)

WIDTHS = [16, 32, 64, 128, 256, 512, 1024]
SPEC = ScaleSpec.from_dict({"budget": 10, "base": {"width": 16, "depth": 2, "batch_size": 64,
                                                   "rows": 1024},
                            "width": {"values": WIDTHS}, "batch": {"values": [1, 8, 64]}})
PEAK = 100.0   # GFLOP/s


def record(backend: str, recipe: str, width: int, steady: float, batch: int = 64,
           rows: int = 1024, flops: int = 10**9, status: str = "ok", repeat: int = 0,
           epochs: int = 5, error: str | None = None) -> Record:
    r = Record(run_id=f"synthetic/{recipe}/{backend}/0/r{repeat}", task="synthetic",
               recipe=recipe, backend=backend, seed=0, repeat=repeat,
               net={"layers": [784, width, width, 10]},
               train={"batch_size": batch, "rows": rows, "time_budget": 10}, status=status,
               error=error)
    if status == "ok":
        r.metrics = {"test_accuracy": 0.5}
        r.timing.steady_epoch_seconds = steady
        r.throughput.rows, r.throughput.flops_per_epoch = rows, flops
        r.throughput.steady_gflops = flops / steady / 1e9
        r.epochs_run, r.peak_rss_mb = epochs, 100.0 + width / 10
    return r


@pytest.mark.parametrize("k", [2.0, 1.0, 0.5, 0.0, -1.0])
def test_the_fitted_exponent_of_an_exact_power_law_is_its_exponent(k):
    x = np.array(WIDTHS, dtype=float)
    assert fit_exponent(x, 3e-4 * x ** k) == pytest.approx(k, abs=1e-9)


def test_the_fitted_exponent_survives_noise_and_needs_two_values():
    x = np.array(WIDTHS, dtype=float)
    noise = np.random.default_rng(0).uniform(0.9, 1.1, x.size)
    assert fit_exponent(x, 2e-6 * x ** 2 * noise) == pytest.approx(2.0, abs=0.05)
    assert math.isnan(fit_exponent([64, 64], [1.0, 2.0]))
    assert math.isnan(fit_exponent([64], [1.0]))


def overhead_and_compute():
    """numpy: 1 ms a step whatever the width (overhead-bound); torch: 10 µs per unit of
    width (compute-bound), so torch is faster below width 100 and numpy from 128 on."""
    records = []
    for w in WIDTHS:
        records += [record("numpy", f"width-{w}", w, 16 * 1e-3, flops=w * w * 10**5),
                    record("torch", f"width-{w}", w, 16 * 1e-5 * w, flops=w * w * 10**5)]
    return records


def test_fastest_segments_and_crossings_name_where_the_lines_cross():
    study = study_of(SPEC, overhead_and_compute(), peak_gflops=PEAK)
    (width,) = [a for a in study.axes if a.axis == "width"]
    assert [(s.backend, s.first, s.last) for s in width.fastest] == [("torch", 16, 64),
                                                                     ("numpy", 128, 1024)]
    (torch_vs_numpy,) = width.crossings
    assert (torch_vs_numpy.backend, torch_vs_numpy.reference) == ("torch", "numpy")
    assert (torch_vs_numpy.faster_at_end, torch_vs_numpy.since) == (False, 128)
    curves = {c.backend: c for c in width.curves}
    assert curves["numpy"].slope == pytest.approx(0.0, abs=1e-9)   # per-step time flat
    assert curves["torch"].slope == pytest.approx(1.0)             # and linear in the width
    assert curves["torch"].top_slope == pytest.approx(1.0)


def test_a_crossing_counts_every_change_of_order_and_says_throughout_when_none():
    def curve(backend, times):
        records = [record(backend, f"width-{w}", w, t) for w, t in zip(WIDTHS, times)]
        (axis,) = study_of(SPEC, records).axes
        return axis.curves[0]

    numpy = curve("numpy", [1.0] * 7)
    zigzag = curve("keras", [0.5, 2.0, 0.5, 2.0, 2.0, 0.5, 0.5])
    c = crossing(zigzag, numpy)
    assert (c.faster_at_end, c.since, c.changes) == (True, 512, 4)
    always = crossing(curve("jax", [0.1] * 7), numpy)
    assert (always.faster_at_end, always.since, always.changes) == (True, None, 0)


def test_a_lead_changes_hands_only_beyond_a_tie_of_ten_percent():
    def axis(times_a, times_b):
        records = [record(b, f"width-{w}", w, t) for w, ta, tb in zip(WIDTHS, times_a, times_b)
                   for b, t in (("numpy", ta), ("torch", tb))]
        (width,) = study_of(SPEC, records).axes
        return width

    noisy = axis([1.0] * 7, [1.05, 0.95, 1.05, 0.95, 0.92, 0.8, 0.5])
    assert [(s.backend, s.first, s.last) for s in noisy.fastest] == [("numpy", 16, 256),
                                                                     ("torch", 512, 1024)]
    (c,) = noisy.crossings
    assert (c.faster_at_end, c.since, c.changes) == (True, 512, 1)
    even = axis([1.0] * 7, [1.05, 0.95] * 3 + [1.0])
    assert [s.backend for s in even.fastest] == ["numpy"] and even.crossings[0].changes == 0
    assert fastest_segments(even.curves, tie=0.0)[1].backend == "torch"


def test_half_of_the_best_share_of_the_peak_is_where_overhead_stops_dominating():
    study = study_of(SPEC, overhead_and_compute(), peak_gflops=PEAK)
    curves = {c.backend: c for c in study.axes[0].curves}
    shares = [p.percent_of_peak for p in curves["numpy"].points]
    # numpy's share grows with w^2 (flops) at a constant time: best at 1024, half from 1024/√2
    assert shares == pytest.approx([100 * w * w * 1e5 / 16e-3 / 1e9 / PEAK for w in WIDTHS])
    assert curves["numpy"].half_peak == 1024 and half_peak_value(curves["numpy"].points) == 1024
    assert curves["torch"].half_peak == 512     # share ∝ w: half the best from 512


def test_points_read_their_value_from_the_specs_time_per_step_and_the_roofline():
    # the recipe says width-16, the specs say 20: the specs decide
    r = record("numpy", "width-16", 20, steady=0.16, rows=1000, batch=64, flops=8 * 10**9)
    (axis,) = study_of(SPEC, [r], peak_gflops=PEAK).axes
    (point,) = axis.curves[0].points
    assert point.value == 20
    assert point.time.median == pytest.approx(0.16 / 16)     # ceil(1000 / 64) = 16 steps
    assert point.roofline == pytest.approx(8e9 / (PEAK * 1e9) / 16)
    assert point.percent_of_peak == pytest.approx(100 * 8e9 / 0.16 / 1e9 / PEAK)


def test_repeats_give_a_median_and_a_spread_and_missing_points_say_why():
    records = [record("numpy", "width-16", 16, s, repeat=i) for i, s in enumerate((1, 2, 9))]
    records.append(record("numpy", "width-32", 32, 0, status="timeout",
                          error="not run: too slow"))
    records.append(record("numpy", "width-64", 64, 0.5, epochs=1))
    missing = [r for r in plan_suite(Suite(tasks=("synthetic",), backends=("numpy",),
                                           seeds=1, scale=SPEC)).runs
               if r.recipe == "width-128"]
    (width,) = study_of(SPEC, records, missing).axes   # no batch point planned or recorded
    curve = width.curves[0]
    first = curve.points[0]
    assert (first.time.median, first.time.low, first.time.high, first.time.n) == (
        pytest.approx(2 / 16), pytest.approx(1 / 16), pytest.approx(9 / 16), 3)
    assert curve.points[1].epochs == 1                       # one epoch: no steady epoch
    assert [(d.value, d.status) for d in curve.dropped] == [(32, "timeout"), (128, "missing")]
    assert curve.dropped[0].reason == "not run: too slow"
    assert width.values == tuple(WIDTHS)


def test_a_run_directory_without_a_study_has_none():
    assert scale_spec({"name": "quick", "seeds": 3}) is None and scale_spec(None) is None
    assert scale_spec({"scale": SPEC.to_dict()}) == SPEC
    assert fastest_segments([]) == ()
