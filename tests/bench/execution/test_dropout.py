"""A scaling study's slow backend drops out of its costlier points: a point waits for the one
before it, and is not run (with a record that says why) once that one was over its budget."""

from __future__ import annotations

from bench.execution.dropout import SKIPPED, reason_to_skip
from bench.execution.records import Record
from bench.execution.runner import Runner
from bench.plan.planner import plan_suite
from bench.plan.suite import suite_from_toml

STUDY = """
tasks = ["synthetic"]
backends = ["numpy"]
seeds = 1

[scale]
budget = {budget}

[scale.base]
width = 8
depth = 1
batch_size = 64
rows = 256
epochs = 3

[scale.width]
values = [8, 16, 32]
"""


def chain(budget: float):
    return list(plan_suite(suite_from_toml(STUDY.format(budget=budget), "s.toml")).runs)


def record(status="ok", steady=None, budget=1.0, mode="forked", error=None) -> Record:
    r = Record(run_id="t/width-8/numpy/0", task="t", recipe="width-8", backend="numpy",
               seed=0, net={}, train={"time_budget": budget}, status=status, error=error)
    r.timing.steady_epoch_seconds = steady
    r.executor = {"mode": mode}
    return r


def test_a_point_is_skipped_after_one_whose_steady_epoch_took_half_the_budget_or_more():
    assert reason_to_skip(record(steady=0.49)) is None
    reason = reason_to_skip(record(steady=0.5))
    assert reason == ("not run: one epoch of width-8 took 0.5 s, half or more of the budget "
                      "of 1 s per point, and this point does more work")
    assert reason_to_skip(record(steady=5.0, budget=None)) is None      # no budget, no limit
    assert reason_to_skip(record("failed", error="MemoryError")) == (
        "not run: the point before it (width-8) ended failed: MemoryError")
    assert reason_to_skip(record("unsupported", error="no mse")) is None
    skipped = record("timeout", mode=SKIPPED, error="not run: the first reason")
    assert reason_to_skip(skipped) == "not run: the first reason"   # passed on down the axis


def test_an_over_budget_point_ends_its_backends_axis_even_with_a_free_slot():
    records = []
    got = Runner(records.append, threads=1, jobs=2).run_all(chain(budget=1e-6))
    by = {r.recipe: r for r in got}
    assert [r.recipe for r in records] == ["width-8", "width-16", "width-32"]
    assert by["width-8"].status == "ok" and by["width-8"].epochs_run == 1
    assert "time budget" in by["width-8"].stop_reason
    for later in ("width-16", "width-32"):   # waited, although a second job slot was free
        assert by[later].status == "timeout" and by[later].executor["mode"] == SKIPPED
        assert by[later].error.startswith("not run: one epoch of width-8 took ")
        assert by[later].epochs_run == 0 and by[later].timing.fit_seconds is None
        assert by[later].net["layers"][1] == int(later.split("-")[1])   # the axis value


def test_points_within_the_budget_all_run():
    got = Runner([].append, threads=1, jobs=2).run_all(chain(budget=60))
    assert [r.status for r in got] == ["ok"] * 3 and all(r.epochs_run == 3 for r in got)


def test_a_resumed_study_skips_after_an_earlier_sessions_over_budget_point():
    first, *rest = chain(budget=1e-6)
    (done,) = Runner([].append, threads=1).run_all([first])
    got = Runner([].append, threads=1).run_all(rest, done=[done])
    assert [r.executor["mode"] for r in got] == [SKIPPED, SKIPPED]
