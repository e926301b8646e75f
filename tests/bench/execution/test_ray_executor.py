"""The Ray executor on real Ray, no mocks: an embedded local Ray gives the local executor's
accuracies (CI); a real two-node cluster on this machine runs a representative part of the
gate suite and survives the loss of a node (slow); Ctrl-C and --resume behave as locally
(slow). Every loop is bounded in count and time, and every Ray process a test starts is
stopped, by pid, on success and failure alike (`ray_cluster.LocalCluster`)."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from bench.api import run_suite
from tests.bench.execution.ray_cluster import MARKER, LocalCluster, marked_pids, node_ip
from tests.cli import ROOT, environment, nnbench, recorded_ids, run_records

# not imported here: the executor sets Ray's variables before its first import
pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                                reason="the Ray executor's tests need nnbench[ray]")

#: a representative part of the gate suite: its tasks on NumPy, scikit-learn and PyTorch
GATE_PART = ("--suite", "gate", "--tasks", "and,xor,credit-risk,digits",
             "--backends", "numpy,sklearn,torch", "--seeds", "1", "--jobs", "2",
             "--threads", "1")
#: runs of a few seconds each (about 4 ms an epoch on an idle core): long enough to be cut by
#: a lost node or a Ctrl-C also on an idle machine (40 epochs, 0.2 s, ended before the kill)
SECONDS_RUNS = ("--tasks", "digits", "--recipe", "modern", "--backends", "numpy",
                "--epochs", "1000", "--threads", "1")


def accuracies(out: Path) -> dict[str, tuple[str, float | None]]:
    return {run_id: (r["status"], r["metrics"].get("test_accuracy"))
            for run_id, r in run_records(out).items()}


@pytest.fixture
def ray_env(monkeypatch):
    """A short temp dir of its own for an embedded Ray (Ray's socket paths live under it),
    removed afterwards; the variables the executor sets are restored."""
    temp = tempfile.mkdtemp(prefix="nnray-", dir="/tmp")
    monkeypatch.setenv("RAY_TMPDIR", temp)
    names = ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "RAY_USAGE_STATS_ENABLED", "RAY_ADDRESS")
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", environment()["PYTHONPATH"])
    yield temp
    # the executor sets some of them in this process (os.environ.setdefault), where
    # monkeypatch, which saw them unset, would leave them for the tests that follow
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    subprocess.run(["rm", "-rf", temp], check=False)


def test_embedded_ray_gives_the_local_executors_records(tmp_path, ray_env):
    suite = dict(tasks=["xor", "digits"], backends=["numpy", "sklearn"], recipes=["modern"],
                 seeds=2, threads=1, report=False)
    local = run_suite(out=tmp_path / "local", **suite)
    # one run at a time on the one node (the pack placement runs on the cluster below)
    ray = run_suite(out=tmp_path / "ray", executor="ray", placement="one-per-node", **suite)
    assert accuracies(ray.path) == accuracies(local.path)
    assert all(status == "ok" for status, _ in accuracies(ray.path).values())
    for record in run_records(ray.path).values():
        assert record["executor"]["name"] == "ray"
        assert record["executor"]["attempts"] == 1
        assert record["executor"]["address"] == "embedded"
        assert record["executor"]["placement"] == "one-per-node"
        # the fast path on the node: a fork of the Ray worker's pre-imported server
        assert record["executor"]["mode"] == "forked"
        assert record["executor"]["node_ip"] == "127.0.0.1"
        assert record["env"]["host"] == socket.gethostname()
        assert record["env"]["cpu"] and record["env"]["cores"]
    assert ray.read_plan().execution["executor"] == "ray"


def test_ray_executor_refuses_an_unreachable_cluster_with_exit_2(tmp_path, ray_env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]   # nothing listens there once the socket is closed
    result = nnbench("run", "--tasks", "xor", "--backends", "numpy", "--executor", "ray",
                     "--address", f"127.0.0.2:{port}", "--out", str(tmp_path / "o"),
                     timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"cannot join the Ray cluster at 127.0.0.2:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_address_without_the_ray_executor_is_refused(tmp_path):
    result = nnbench("run", "--tasks", "xor", "--address", "127.0.0.2:1", "--out",
                     str(tmp_path / "o"))
    assert result.returncode == 2
    assert "--address and --placement are options of --executor ray" in result.stderr


# --- a real two-node cluster on this machine ---------------------------------------------------

@pytest.fixture
def cluster():
    with LocalCluster(nodes=2, cpus=1) as started:
        yield started


def cluster_env(cluster: LocalCluster) -> dict[str, str]:
    return {k: v for k, v in cluster.env.items() if k.startswith(("RAY_", MARKER))}


@pytest.mark.slow
def test_two_node_cluster_runs_the_gate_as_the_local_executor_does(tmp_path, cluster):
    local = nnbench("run", *GATE_PART, "--quiet", "--out", str(tmp_path / "local"),
                    timeout=900)
    assert local.returncode == 0, local.stderr
    remote = nnbench("run", *GATE_PART, "--quiet", "--executor", "ray", "--address",
                     cluster.address, "--out", str(tmp_path / "ray"),
                     env=cluster_env(cluster), timeout=900)
    assert remote.returncode == 0, remote.stderr
    got, want = accuracies(tmp_path / "ray"), accuracies(tmp_path / "local")
    assert got == want
    records = run_records(tmp_path / "ray").values()
    assert {r["status"] for r in records if r["executor"]["mode"] != "decided without a "
            "process"} == {"ok"}
    assert {r["executor"]["node_ip"] for r in records} == {node_ip(0), node_ip(1)}
    assert {r["env"]["host"] for r in records} == {socket.gethostname()}
    assert all(r["executor"]["attempts"] == 1 for r in records)


@pytest.mark.slow
def test_a_node_without_a_data_set_gives_failure_rows_naming_it_and_the_fix(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    lacking = {"NNBENCH_DATA_DIR": str(empty), "NNBENCH_OFFLINE": "1"}
    with LocalCluster(nodes=2, cpus=1, node_env={1: lacking}) as cluster:
        result = nnbench("run", "--tasks", "german-credit", "--recipe", "modern",
                         "--backends", "numpy", "--seeds", "6", "--epochs", "200",
                         "--threads", "1", "--executor", "ray", "--address", cluster.address,
                         "--out", str(tmp_path / "run"), env=cluster_env(cluster), timeout=600)
    records = run_records(tmp_path / "run").values()
    assert len(records) == 6, result.stdout + result.stderr
    by_node = {ip: [r for r in records if r["executor"]["node_ip"] == ip]
               for ip in (node_ip(0), node_ip(1))}
    assert by_node[node_ip(0)] and by_node[node_ip(1)], "both nodes should have had runs"
    assert {r["status"] for r in by_node[node_ip(0)]} == {"ok"}
    for record in by_node[node_ip(1)]:
        assert record["status"] == "failed"
        assert "nnbench fetch german-credit" in record["error"]
        assert f"on Ray node {socket.gethostname()}, {node_ip(1)}" in record["error"]
    assert all(r["executor"]["attempts"] == 1 for r in records)  # a result, never retried
    assert "Traceback" not in result.stderr


def interrupt_after_first_record(run: subprocess.Popen, out: Path, act, seconds: float,
                                 delay: float = 0.0) -> str:
    """Once `out` has a record and `delay` seconds more, `act()` (e.g. kill a node); then
    `run`'s output, within `seconds`. `run` is killed if it outlives them."""
    try:
        wait_for_records(out, 1, 180)
        time.sleep(delay)
        act()
        return run.communicate(timeout=seconds)[0]
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


def wait_for_records(out: Path, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (out / "runs.jsonl").exists() and len(recorded_ids(out)) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} record(s) in {out} after {seconds:g} s")


@pytest.mark.slow
def test_a_node_lost_mid_suite_has_its_runs_retried_on_the_other(tmp_path, cluster):
    out = tmp_path / "run"
    run = subprocess.Popen(
        [sys.executable, "-m", "bench", "run", *SECONDS_RUNS, "--seeds", "6", "--executor",
         "ray", "--address", cluster.address, "--out", str(out)], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment(cluster_env(cluster)))
    # the first runs of both nodes end together (runs of equal length); a second later each
    # node is well into its next run, so the kill always finds one in flight
    stdout = interrupt_after_first_record(run, out, lambda: cluster.kill_node(1), 600,
                                          delay=1.0)
    assert run.returncode == 0, stdout
    ids = recorded_ids(out)
    assert len(ids) == 6 and len(set(ids)) == 6, ids
    records = run_records(out).values()
    assert {r["status"] for r in records} == {"ok"}
    retried = [r for r in records if r["executor"]["attempts"] > 1]
    assert retried, stdout
    assert all(r["executor"]["node_ip"] == node_ip(0) and r["executor"]["lost"]
               for r in retried)
    assert "Ray lost it (attempt 1 of 3" in stdout


@pytest.mark.slow
def test_ctrl_c_and_resume_on_the_ray_executor(tmp_path, ray_env):
    out = tmp_path / "run"
    marker = uuid.uuid4().hex      # marks every process the embedded Ray starts
    args = ("run", *SECONDS_RUNS, "--seeds", "4", "--jobs", "1", "--executor", "ray")
    run = subprocess.Popen([sys.executable, "-m", "bench", *args, "--out", str(out)],
                           cwd=ROOT, text=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=environment({MARKER: marker}))
    stdout = interrupt_after_first_record(run, out, lambda: run.send_signal(signal.SIGINT), 120)
    assert run.returncode == 130, stdout
    assert "interrupted after" in stdout and "--resume --out" in stdout
    assert "Traceback" not in stdout
    done = recorded_ids(out)
    assert 1 <= len(done) < 4
    deadline = time.monotonic() + 30
    while marked_pids(marker) and time.monotonic() < deadline:  # Ray's processes end
        time.sleep(0.5)
    assert marked_pids(marker) == []
    resumed = nnbench(*args, "--resume", "--out", str(out), timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    ids = recorded_ids(out)
    assert ids[:len(done)] == done and len(ids) == 4 and len(set(ids)) == 4
