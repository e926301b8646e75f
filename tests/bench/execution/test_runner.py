"""The local executor: which runs need no process, forked and fresh runs alike, parallel
refits, a worker killed from outside, and the measurements it makes of each worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from bench.execution.runner import Runner
from bench.plan.planner import plan_runs
from bench.plan.suite import Suite
from bench.results.rundir import RunDir
from tests.cli import ROOT, environment

FAULT = {"NNBENCH_EXTRA_BACKENDS": "fault=tests.backends.fault_backend:FaultModel"}


def runs(task="xor", recipe="modern", backends=("numpy",), seeds=1, epochs=None):
    return plan_runs(Suite(recipes=(recipe,), seeds=seeds, epochs=epochs), [task],
                     list(backends))


def test_peak_memory_is_the_workers_own_not_its_parents(tmp_path):
    # Linux carries ru_maxrss over fork+exec; a worker of a big parent must not inherit it.
    ballast = np.ones(600 * 2**20 // 8)  # 600 MB, touched, in this (the parent) process
    for isolation in ("fresh", "forked"):
        (run,) = runs("and", "perceptron", epochs=1)
        rundir = RunDir.create(tmp_path / isolation)
        (record,) = Runner(rundir.append, threads=1, isolation=isolation).run_all([run])
        assert record.status == "ok" and record.executor["mode"] == isolation
        assert 10 < record.peak_rss_mb < 400, (isolation, record.peak_rss_mb)
        assert rundir.read().records[0].run_id == run.run_id
    assert ballast[-1] == 1.0


def test_unsupported_runs_need_no_process_and_import_no_framework(tmp_path):
    code = """
import json, sys
from bench.execution.runner import Runner
from bench.plan.planner import plan_runs
from bench.plan.suite import Suite
plan = plan_runs(Suite(recipes=("perceptron",), seeds=3), ["xor"],
                 ["sklearn", "torch", "keras"])
got = []
Runner(got.append, threads=1).run_all(plan)
print(json.dumps([len(got), sorted({r.status for r in got}),
                  sorted({r.executor["mode"] for r in got}),
                  [m for m in ("sklearn", "torch", "tensorflow", "keras") if m in sys.modules]]))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=environment())
    assert done.returncode == 0, done.stderr
    n, statuses, modes, imported = json.loads(done.stdout)
    assert n == 9 and statuses == ["unsupported"]
    assert modes == ["decided without a process"] and imported == []
    records = []   # (what it costs is measured in benchmarks/test_harness_overhead.py)
    Runner(records.append, threads=1).run_all(runs("xor", "perceptron", ("sklearn",), 3))
    assert records[0].error.startswith("sklearn's MLPClassifier trains by backpropagation")
    assert records[0].env["framework"] == "sklearn" and records[0].timing.import_seconds is None


def test_forked_and_fresh_runs_give_the_same_record(tmp_path):
    plan = runs("digits", "modern", ("numpy", "torch"), epochs=3)
    got = {}
    for isolation in ("forked", "fresh"):
        records = []
        Runner(records.append, threads=1, jobs=2, isolation=isolation).run_all(plan)
        got[isolation] = {r.run_id: r for r in records}
    for run_id, forked in got["forked"].items():
        fresh = got["fresh"][run_id]
        assert (forked.executor["mode"], fresh.executor["mode"]) == ("forked", "fresh")
        assert forked.metrics == fresh.metrics and forked.history.loss == fresh.history.loss
        # the forked run carries the import its server paid once
        assert forked.timing.import_seconds > 0


def test_kept_servers_serve_later_calls_until_closed():
    records = []
    runner = Runner(records.append, threads=1, jobs=1, keep_servers=True)
    try:
        runner.run_all(runs(seeds=1))
        server = runner.servers["numpy"]
        runner.run_all(runs(seeds=2)[1:])
        assert runner.servers["numpy"] is server and server.process.poll() is None
    finally:
        runner.close()
    assert runner.servers == {} and server.process.poll() is not None
    assert [r.executor["mode"] for r in records] == ["forked", "forked"]
    # the import paid once by that server, carried in both records
    assert records[0].timing.import_seconds == records[1].timing.import_seconds > 0


def test_a_backend_whose_server_cannot_start_runs_fresh_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("NNBENCH_EXTRA_BACKENDS", "broken=tests.no_such_module:Model")
    # the registry reads the variable at import: run it in a process of its own
    code = """
from bench.execution.runner import Runner
from bench.plan.planner import plan_runs
from bench.plan.suite import Suite
got = []
Runner(got.append, threads=1).run_all(plan_runs(Suite(recipes=("modern",), seeds=1), ["xor"],
                                                 ["broken", "numpy"]))
for r in got:
    print(r.backend, r.status, r.executor["mode"], r.executor.get("note", "-"), "|", r.error)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=environment())
    assert done.returncode == 0, done.stderr
    broken, numpy = done.stdout.strip().splitlines()
    assert broken.startswith("broken failed fresh its fork server did not start: "
                             "ModuleNotFoundError")
    assert "No module named 'tests.no_such_module'" in broken
    assert numpy.startswith("numpy ok forked -")


def test_refits_in_parallel_give_the_sequential_result(tmp_path):
    plan = runs("credit-risk", "modern", ("numpy",))
    got = {}
    for threads in (1, 2):
        records = []
        Runner(records.append, threads=threads).run_all(plan)
        got[threads] = records[0]
    one, two = got[1], got[2]
    assert (one.env["refit_workers"], two.env["refit_workers"]) == (1, 2)
    assert one.metrics == two.metrics and one.metrics["folds"] == 14
    assert two.timing.cross_validation_seconds > 0


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def test_a_forked_run_killed_from_outside_mid_training_is_a_record(tmp_path, monkeypatch):
    monkeypatch.setenv("NNBENCH_EXTRA_BACKENDS", FAULT["NNBENCH_EXTRA_BACKENDS"])
    monkeypatch.setenv("NNBENCH_FAULT", "slow")
    code = """
import json, sys
from bench.execution.runner import Runner
from bench.plan.planner import plan_runs
from bench.plan.suite import Suite
plan = plan_runs(Suite(recipes=("modern",), seeds=2, epochs=200), ["xor"], ["fault"])
got = []
runner = Runner(got.append, threads=1, on_start=lambda run: print("start", run.run_id,
                                                                  flush=True))
runner.run_all(plan)
for r in got:
    print("record", json.dumps([r.run_id, r.status, r.error, r.executor["mode"]]), flush=True)
"""
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=environment())
    try:
        assert child.stdout.readline().startswith("start xor/modern/fault/0")
        deadline, victims = time.monotonic() + 60, []
        while not victims and time.monotonic() < deadline:  # runner -> fork server -> run
            victims = [run for server in _children_of(child.pid) for run in
                       _children_of(server)]
            time.sleep(0.1)
        time.sleep(1.0)  # mid-training: 200 epochs of 0.2 s
        os.kill(victims[0], signal.SIGKILL)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 0, err
    records = [json.loads(line.split(" ", 1)[1]) for line in out.splitlines()
               if line.startswith("record ")]
    assert records[0] == ["xor/modern/fault/0", "failed",
                          "worker process killed by SIGKILL (out of memory?)", "forked"]
    assert records[1][:2] == ["xor/modern/fault/1", "ok"]   # and the suite went on


@pytest.fixture(autouse=True)
def _no_leftover_threads():
    before = threading.active_count()
    yield
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
