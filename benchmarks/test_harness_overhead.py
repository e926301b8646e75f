"""The harness's own cost per run: a fresh worker process, its imports and the record write.

The run trains the perceptron on AND for one epoch, so nearly all of the time is overhead.
"""

from __future__ import annotations

import itertools

from bench.execution.runner import Runner
from bench.plan.planner import plan_runs
from bench.plan.suite import Suite
from bench.results.rundir import RunDir


def test_overhead_per_run(benchmark, tmp_path):
    (run,) = plan_runs(Suite(recipes=("perceptron",), seeds=1, epochs=1), ["and"], ["numpy"])
    counter = itertools.count()

    def one_run():
        rundir = RunDir.create(tmp_path / str(next(counter)))
        (record,) = Runner(rundir.append, threads=1).run_all([run])
        assert record.status == "ok"

    benchmark.pedantic(one_run, rounds=5, warmup_rounds=1)
