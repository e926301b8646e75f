"""The harness's own cost per run, per backend: process start to the run's record, the old way
(a fresh interpreter per run, which imports the framework every time) next to the new way (a
fork of the backend's pre-imported server, `bench.execution.forkserver`).

Each round is one whole run of a one-epoch recipe (xor `modern` cut to 1 epoch: training takes
well under a millisecond), so nearly all of its time is overhead: starting the process (or
forking it), importing (fresh only), building, one epoch, predicting, evaluating and writing
the record. The server's own start-up (the one import of the framework) happens once, before
the rounds, as it does once per suite. Both share a pytest-benchmark group per backend, so
they print side by side; `extra_info` holds the mode and the run's own phase timings.
"""

from __future__ import annotations

import itertools
import json

import pytest
from conftest import AVAILABLE

from backends.registry import get_entry
from bench.execution import process
from bench.execution.forkserver import ForkServer
from bench.execution.runner import PREPARE_TARGET, RUN_TARGET
from bench.plan.planner import plan_runs
from bench.plan.suite import Suite
from bench.spec.threads import requested_threads


def one_epoch_run(backend: str):
    (run,) = plan_runs(Suite(recipes=("modern",), seeds=1, epochs=1), ["xor"], [backend])
    return run


@pytest.mark.parametrize("mode", ["fresh", "forked"])
@pytest.mark.parametrize("backend", AVAILABLE)
def test_overhead_per_run(benchmark, tmp_path, backend, mode):
    benchmark.group = f"harness overhead per run: {backend}"
    run = one_epoch_run(backend)
    payload = {"run": run.to_dict()}
    env = process.child_environment(requested_threads(), get_entry(backend).env)
    counter = itertools.count()
    server = None
    if mode == "forked":
        server = ForkServer(PREPARE_TARGET, {"backend": backend, "splits": [["xor", 0]]}, env,
                            tmp_path / "server.log")
        server.wait_ready()
    last: dict = {}

    def one_run() -> None:
        k = next(counter)
        result, log = tmp_path / f"{k}.json", tmp_path / f"{k}.log"
        if server is not None:
            child = server.fork(str(k), RUN_TARGET, payload, result, log)
            child.wait(300)
        else:
            job = tmp_path / f"{k}.job.json"
            job.write_text(json.dumps(payload))
            with open(log, "wb") as out:
                process.start(["-m", "bench.execution.child", RUN_TARGET, str(job), str(result)],
                              env, stdout=out, stderr=out).wait(300)
        last.update(json.loads(result.read_text()))

    try:
        benchmark.pedantic(one_run, rounds=5, warmup_rounds=1)
    finally:
        if server is not None:
            server.close()
    assert last["status"] == "ok", last.get("error")
    benchmark.extra_info.update(mode=mode, backend=backend, threads=requested_threads(),
                                timing=last["timing"], wall_seconds=last["wall_seconds"])


@pytest.mark.parametrize("backend", [b for b in AVAILABLE if b != "numpy"])
def test_unsupported_run(benchmark, backend):
    """A run the backend cannot follow (the perceptron rule), decided in the executor's own
    process from the backend's framework-free `capabilities`: no process, no import."""
    from bench.execution.precheck import decide

    benchmark.group = "unsupported run: decided without a process"
    (run,) = plan_runs(Suite(recipes=("perceptron",), seeds=1), ["xor"], [backend])
    record = benchmark(decide, run, 1)
    assert record is not None and record.status == "unsupported"
