"""The runner's measurements of each worker process."""

from __future__ import annotations

import numpy as np

from bench.execution.runner import Runner
from bench.plan.planner import plan_runs
from bench.plan.suite import Suite
from bench.results.rundir import RunDir


def test_peak_memory_is_the_workers_own_not_its_parents(tmp_path):
    # Linux carries ru_maxrss over fork+exec; a worker of a big parent must not inherit it.
    ballast = np.ones(600 * 2**20 // 8)  # 600 MB, touched, in this (the parent) process
    (run,) = plan_runs(Suite(recipes=("perceptron",), seeds=1, epochs=1), ["and"], ["numpy"])
    (record,) = Runner(RunDir(tmp_path).append, threads=1).run_all([run])
    assert record.status == "ok"
    assert 10 < record.peak_rss_mb < 400, record.peak_rss_mb
    assert RunDir(tmp_path).read().records[0].run_id == run.run_id
    assert ballast[-1] == 1.0
