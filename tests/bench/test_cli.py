"""The `nnbench` command end to end: real worker processes, real NumPy training, real faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.records import read_records

ROOT = Path(__file__).resolve().parents[2]
FAULT = {"NNBENCH_EXTRA_BACKENDS": "fault=tests.backends.fault_backend:FaultModel"}


def nnbench(*args: str, env: dict | None = None, timeout: float = 300):
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def records(out: Path) -> dict[str, dict]:
    return {r["run_id"]: r for r in read_records(out / "runs.jsonl").records}


def test_list_json_names_tasks_recipes_and_backends():
    result = nnbench("list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"and", "or", "xor", "credit-risk", "digits"} <= set(data["tasks"])
    assert set(data["tasks"]["xor"]["recipes"]) == {"perceptron", "course", "modern"}
    assert data["backends"]["numpy"]["available"] is True


def test_run_writes_records_summary_and_table(tmp_path):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "xor", "--backends", "numpy", "--seeds", "2",
                     "--recipe", "perceptron,modern", "--threads", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    recs = records(out)
    assert len(recs) == 4 and all(r["status"] == "ok" for r in recs.values())
    r = recs["xor/modern/numpy/1"]
    assert r["metrics"]["test_accuracy"] == 1.0 and r["env"]["threads"] == 1
    assert r["epochs_run"] == len(r["history"]["loss"]) == len(r["history"]["epoch_seconds"])
    assert r["history"]["val_accuracy"][-1] == 1.0
    assert all(r["timing"][k] is not None and r["timing"][k] >= 0 for k in r["timing"])
    assert r["n_params"] == r["net"]["layers"][0] * r["net"]["layers"][1] + 2 * \
        r["net"]["layers"][1] + 1
    assert (out / "summary.csv").exists() and (out / "plan.json").exists()
    assert "xor" in result.stdout and "perceptron" in result.stdout and "95% CI" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--tasks", "xr"], "unknown task 'xr' (did you mean 'xor'?); available: and, or, xor"),
    (["--backends", "numpi"], "unknown backend 'numpi' (did you mean 'numpy'?)"),
    (["--recipe", "modrn"], "recipe 'modrn' (did you mean 'modern'?) is not offered"),
    (["--seeds", "0"], "must be greater than 0"),
    (["--epochs", "many"], "is not a number"),
    (["--init", "random"], "invalid choice"),
    (["--suite", "nope.toml"], "neither a built-in suite"),
    (["--resume"], "is not a resumable nnbench run (no plan.json)"),
])
def test_bad_arguments_exit_2_and_leave_nothing_behind(tmp_path, args, message):
    out = tmp_path / "never"
    result = nnbench("run", "--tasks", "xor", *args, "--out", str(out)) if "--tasks" not in args \
        else nnbench("run", *args, "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_resume_needs_an_output_directory():
    result = nnbench("run", "--tasks", "xor", "--resume")
    assert result.returncode == 2 and "--resume needs --out DIR" in result.stderr


def test_bad_suite_file_is_reported_with_its_line(tmp_path):
    suite = tmp_path / "s.toml"
    suite.write_text('tasks = ["xor"]\nseeds = \n')
    result = nnbench("run", "--suite", str(suite), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "line 2" in result.stderr


def test_existing_output_directory_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = nnbench("run", "--tasks", "xor", "--out", str(tmp_path))
    assert result.returncode == 2 and "already exists" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("fault, status, reason", [
    ("raise", "failed", "RuntimeError: injected failure"),
    ("crash", "failed", "exited with code 3"),
    ("segfault", "failed", "killed by SIGSEGV"),
    ("hang", "timeout", "timeout of 4 s"),
    ("nan", "diverged", "training loss became nan in epoch 3"),
])
def test_a_faulty_run_becomes_a_record_and_the_suite_carries_on(tmp_path, fault, status, reason):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "xor", "--recipe", "modern", "--backends", "fault,numpy",
                     "--seeds", "1", "--timeout", "4", "--out", str(out),
                     env={**FAULT, "NNBENCH_FAULT": fault})
    assert result.returncode == 0, result.stderr
    recs = records(out)
    bad, good = recs["xor/modern/fault/0"], recs["xor/modern/numpy/0"]
    assert (bad["status"], good["status"]) == (status, "ok")
    assert reason in bad["error"]
    if fault == "nan":
        assert len(bad["history"]["loss"]) == 3  # the history up to the divergence is kept
    assert reason[:20] in result.stdout  # the table shows the reason, not just a count


def test_resume_runs_only_what_is_missing_and_refuses_another_suite(tmp_path):
    out = tmp_path / "run"
    base = ["run", "--tasks", "xor", "--recipe", "modern", "--seeds", "2", "--out", str(out)]
    assert nnbench(*base).returncode == 0
    lines = (out / "runs.jsonl").read_text().splitlines()
    (out / "runs.jsonl").write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:25])  # torn write
    again = nnbench(*base, "--resume")
    assert again.returncode == 0, again.stderr
    assert "1 run(s) of 2" in again.stdout and "half-written last line" in again.stdout
    assert (out / "runs.jsonl.torn").read_text().strip() == lines[-1][:25]
    assert read_records(out / "runs.jsonl").bad_lines == []
    assert sorted(records(out)) == ["xor/modern/numpy/0", "xor/modern/numpy/1"]
    other = nnbench("run", "--tasks", "xor", "--recipe", "modern", "--seeds", "3",
                    "--out", str(out), "--resume")
    assert other.returncode == 2 and "runs added: xor/modern/numpy/2" in other.stderr


def test_interrupt_keeps_finished_records_and_says_how_to_resume(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "bench", "run", "--tasks", "xor", "--recipe", "modern",
         "--backends", "fault", "--seeds", "4", "--epochs", "20", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **FAULT, "NNBENCH_FAULT": "slow"})
    deadline = time.monotonic() + 60
    while not records(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 130
    done = records(out)
    assert 1 <= len(done) < 4 and all(r["status"] == "ok" for r in done.values())
    assert "--resume --out" in stdout
    assert read_records(out / "runs.jsonl").bad_lines == []
