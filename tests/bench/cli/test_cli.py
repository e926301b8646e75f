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

from backends.registry import BACKENDS
from tests.cli import ROOT, nnbench, recorded_ids, run_records, unreadable_lines

FAULT = {"NNBENCH_EXTRA_BACKENDS": "fault=tests.backends.fault_backend:FaultModel"}


def records(out: Path) -> dict[str, dict]:
    return run_records(out)


def test_list_json_names_tasks_recipes_and_backends():
    result = nnbench("list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"and", "or", "xor", "credit-risk", "digits"} <= set(data["tasks"])
    assert set(data["tasks"]["xor"]["recipes"]) == {"perceptron", "course", "modern",
                                                    "finite-difference"}
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


def test_quiet_run_prints_where_the_results_are_but_no_run_lines_and_no_table(tmp_path):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "xor", "--backends", "numpy", "--seeds", "2",
                     "--recipe", "modern", "--threads", "1", "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(records(out)) == 2 and (out / "report.md").exists()
    assert "xor/modern/numpy/1" not in result.stdout      # no line per run
    assert "95% CI" not in result.stdout                  # no table
    assert "runs.jsonl" in result.stdout and "report.md" in result.stdout


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


@pytest.mark.slow
@pytest.mark.parametrize("fault, status, reason", [
    ("raise", "failed", "RuntimeError: injected failure"),
    ("crash", "failed", "exited with code 3"),
    ("segfault", "failed", "killed by SIGSEGV"),
    ("oom", "failed", "MemoryError"),
    ("oom-kill", "failed", "killed by SIGKILL (out of memory?)"),
    ("hang", "timeout", "timeout of 4 s"),
    ("nan", "diverged", "training loss became nan in epoch 3"),
])
def test_a_faulty_run_becomes_a_record_and_the_suite_carries_on(tmp_path, fault, status, reason):
    out = tmp_path / "run"
    # a short timeout for the hang; room for a slow start (a busy machine) for the others
    timeout = "4" if fault == "hang" else "120"
    result = nnbench("run", "--tasks", "xor", "--recipe", "modern", "--backends", "fault,numpy",
                     "--seeds", "1", "--timeout", timeout, "--out", str(out),
                     env={**FAULT, "NNBENCH_FAULT": fault})
    assert result.returncode == 0, result.stderr
    recs = records(out)
    bad, good = recs["xor/modern/fault/0"], recs["xor/modern/numpy/0"]
    assert (bad["status"], good["status"]) == (status, "ok")
    assert reason in bad["error"]
    assert bad["executor"]["mode"] == good["executor"]["mode"] == "forked"
    if fault == "nan":
        assert len(bad["history"]["loss"]) == 3  # the history up to the divergence is kept
    assert reason[:20] in result.stdout  # the table shows the reason, not just a count


@pytest.mark.slow
def test_resume_runs_only_what_is_missing_and_refuses_another_suite(tmp_path):
    out = tmp_path / "run"
    base = ["run", "--tasks", "xor", "--recipe", "modern", "--backends", "numpy", "--seeds", "2",
            "--out", str(out)]
    assert nnbench(*base).returncode == 0
    lines = (out / "runs.jsonl").read_text().splitlines()
    (out / "runs.jsonl").write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:25])  # torn write
    again = nnbench(*base, "--resume")
    assert again.returncode == 0, again.stderr
    assert "1 run(s) of 2" in again.stdout and "half-written last line" in again.stdout
    assert (out / "runs.jsonl.torn").read_text().strip() == lines[-1][:25]
    assert unreadable_lines(out) == []
    assert sorted(records(out)) == ["xor/modern/numpy/0", "xor/modern/numpy/1"]
    other = nnbench("run", "--tasks", "xor", "--recipe", "modern", "--backends", "numpy",
                    "--seeds", "3", "--out", str(out), "--resume")
    assert other.returncode == 2 and "runs added: xor/modern/numpy/2" in other.stderr


SLOW_SUITE = ("run", "--tasks", "xor", "--recipe", "modern", "--backends", "fault",
              "--seeds", "4", "--epochs", "20")


def interrupt_after_first_record(out: Path, sig: signal.Signals) -> tuple[int, str]:
    """Start a slow suite, send `sig` once a run has finished; (exit code, stdout)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench", *SLOW_SUITE, "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **FAULT, "NNBENCH_FAULT": "slow"})
    deadline = time.monotonic() + 60
    while not records(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(sig)
    stdout, _ = process.communicate(timeout=60)
    return process.returncode, stdout


@pytest.mark.slow
def test_interrupt_keeps_finished_records_and_says_how_to_resume(tmp_path):
    out = tmp_path / "run"
    code, stdout = interrupt_after_first_record(out, signal.SIGTERM)
    assert code == 130
    done = records(out)
    assert 1 <= len(done) < 4 and all(r["status"] == "ok" for r in done.values())
    assert "--resume --out" in stdout
    assert unreadable_lines(out) == []


BROKEN = {"NNBENCH_EXTRA_TASKS": ",".join(
    f"{name}=tests.tasks.broken_tasks:{attr}" for name, attr in (
        ("nan-data", "NAN_DATA"), ("inf-data", "INF_DATA"),
        ("labels-out-of-range", "LABELS_OUT_OF_RANGE"),
        ("labels-wrong-shape", "LABELS_WRONG_SHAPE"),
        ("labels-not-integer", "LABELS_NOT_INTEGER")))}


@pytest.mark.parametrize("task, message", [
    ("nan-data", "X_train holds 4 NaN or infinite value(s)"),
    ("inf-data", "X_train holds 4 NaN or infinite value(s)"),
    ("labels-out-of-range", "y_train labels span 0..2, expected 0..1"),
    ("labels-wrong-shape", "y_train has shape (2, 2), expected (4,) class labels"),
    ("labels-not-integer", "y_train must hold integer class labels"),
])
def test_bad_data_is_refused_before_anything_runs(tmp_path, task, message):
    out = tmp_path / "never"
    result = nnbench("run", "--tasks", task, "--out", str(out), env=BROKEN)
    assert result.returncode == 2 and f"task {task}: {message}" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("recipe, message", [
    ("lr = -0.5", "lr=-0.5 is not allowed; it must be a finite number > 0"),
    ("epochs = 0", "epochs=0 is not allowed"),
    ("batch_size = 0", "batch_size=0 is not allowed"),
    ('activation = "swish"', "activation='swish' is not allowed; choose one of: step, sigmoid"),
    ('loss = "hinge"', "loss='hinge' is not allowed"),
    ('optimizer = "rmsprop"', "optimizer='rmsprop' is not allowed"),
    ("layers = [3, 4, 1]", "layers [3, 4, 1] do not fit task xor: it has 2 inputs and takes "
                           "1 or 2 outputs"),
    ("learning_rate = 0.1", "unknown key(s) learning_rate"),
])
def test_bad_custom_recipes_in_a_suite_file_exit_2(tmp_path, recipe, message):
    suite = tmp_path / "suite.toml"
    suite.write_text(f'tasks = ["xor"]\nrecipes = ["mine"]\n[recipe.mine]\n{recipe}\n')
    out = tmp_path / "never"
    result = nnbench("run", "--suite", str(suite), "--out", str(out))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not out.exists()


def test_a_real_divergence_stops_early_and_keeps_its_history(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text('tasks = ["xor"]\nbackends = ["numpy"]\nrecipes = ["hot"]\nseeds = 1\n'
                     '[recipe.hot]\n'
                     'hidden = [8]\noutput = "linear"\nloss = "mse"\nlr = 50.0\n'
                     'batch_size = "full"\nepochs = 2000\n')
    result = nnbench("run", "--suite", str(suite), "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    (record,) = records(tmp_path / "run").values()
    assert record["status"] == "diverged" and "training loss became" in record["error"]
    assert 1 <= record["epochs_run"] < 2000 == record["train"]["epochs"]
    assert len(record["history"]["loss"]) == record["epochs_run"]


def test_a_backend_whose_framework_is_missing_is_unavailable_with_the_fix(tmp_path):
    result = nnbench("run", "--tasks", "xor", "--recipe", "modern", "--backends", "ghost,numpy",
                     "--seeds", "1", "--out", str(tmp_path / "run"),
                     env={"NNBENCH_EXTRA_BACKENDS": "ghost=nosuchframework.backend:Model"})
    assert result.returncode == 0, result.stderr
    ghost = records(tmp_path / "run")["xor/modern/ghost/0"]
    assert ghost["status"] == "unavailable"
    assert ghost["error"] == "nosuchframework is not installed; pip install nosuchframework"


def test_same_seed_gives_identical_results_on_numpy(tmp_path):
    args = ("run", "--tasks", "xor,digits", "--recipe", "modern", "--backends", "numpy",
            "--seeds", "1", "--epochs", "5")
    for name in ("a", "b"):
        assert nnbench(*args, "--out", str(tmp_path / name)).returncode == 0
    a, b = records(tmp_path / "a"), records(tmp_path / "b")
    for run_id in a:
        assert a[run_id]["metrics"] == b[run_id]["metrics"]
        assert a[run_id]["history"]["loss"] == b[run_id]["history"]["loss"]


@pytest.mark.slow
def test_same_seed_gives_identical_results_on_every_backend_forked_or_fresh(tmp_path):
    """Bit-identical losses and metrics for the same seed on every installed backend (float32
    digits and float64 xor, one thread as in the gate), in processes forked from each
    backend's pre-imported server and in fresh interpreters alike."""
    names = [n for n, e in BACKENDS.items() if e.unavailable_reason() is None and n != "numpy"]
    args = ("run", "--tasks", "xor,digits", "--recipe", "modern", "--backends", ",".join(names),
            "--seeds", "1", "--epochs", "3", "--threads", "1", "--jobs", "2")
    for name, isolation in (("a", "forked"), ("b", "fresh")):
        done = nnbench(*args, "--isolation", isolation, "--out", str(tmp_path / name),
                       timeout=900)
        assert done.returncode == 0, done.stderr
    a, b = records(tmp_path / "a"), records(tmp_path / "b")
    assert len(a) == 2 * len(names) and all(r["status"] == "ok" for r in a.values())
    assert {r["executor"]["mode"] for r in a.values()} == {"forked"}
    assert {r["executor"]["mode"] for r in b.values()} == {"fresh"}
    for run_id in a:
        assert a[run_id]["history"]["loss"] == b[run_id]["history"]["loss"], run_id
        assert a[run_id]["metrics"] == b[run_id]["metrics"], run_id


@pytest.mark.slow
def test_ctrl_c_behaves_like_sigterm_and_resume_completes_without_duplicates(tmp_path):
    out = tmp_path / "run"
    code, stdout = interrupt_after_first_record(out, signal.SIGINT)
    assert code == 130 and "--resume --out" in stdout
    resumed = nnbench(*SLOW_SUITE, "--out", str(out), "--resume",
                      env={**FAULT, "NNBENCH_FAULT": ""})
    assert resumed.returncode == 0, resumed.stderr
    ids = recorded_ids(out)
    assert sorted(ids) == [f"xor/modern/fault/{s}" for s in range(4)]  # none twice, none lost


def test_repeats_peak_and_throughput_end_to_end(tmp_path):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "xor", "--recipe", "modern", "--backends", "numpy",
                     "--seeds", "1", "--repeat", "2", "--epochs", "5", "--threads", "1",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "(1 seed x 2 repeats), 2 at a time, 1 thread each" in result.stdout
    assert "float32 matmul peak:" in result.stdout
    recs = records(out)
    assert sorted(recs) == ["xor/modern/numpy/0/r0", "xor/modern/numpy/0/r1"]
    assert [recs[i]["repeat"] for i in sorted(recs)] == [0, 1]
    r = recs["xor/modern/numpy/0/r1"]
    assert r["throughput"]["rows"] == 4
    assert r["throughput"]["flops_per_epoch"] == 4 * (4 * 2 * 8 + 6 * 8 * 1)  # 2-8-1
    assert r["throughput"]["steady_gflops"] == pytest.approx(
        r["throughput"]["flops_per_epoch"] / r["timing"]["steady_epoch_seconds"] / 1e9)
    plan = json.loads((out / "plan.json").read_text())
    assert plan["suite"]["repeat"] == 2 and plan["peak"]["gflops"] > 0
    assert plan["peak"]["threads"] == 1
    md = (out / "report.md").read_text()
    assert "**Matmul peak**: " in md and "1 thread" in md
    assert "(IQR " in md and "GFLOP/s (% of peak)" in md and "1/1 ok" not in md


def test_resume_accepts_a_plan_written_before_repeats_existed(tmp_path):
    out = tmp_path / "run"
    base = ["run", "--tasks", "xor", "--recipe", "perceptron", "--backends", "numpy",
            "--seeds", "2", "--threads", "1", "--out", str(out)]
    assert nnbench(*base).returncode == 0
    plan = json.loads((out / "plan.json").read_text())
    for run in plan["runs"]:
        del run["repeat"]  # as an older nnbench wrote it
    del plan["peak"]
    (out / "plan.json").write_text(json.dumps(plan))
    lines = (out / "runs.jsonl").read_text().splitlines()
    (out / "runs.jsonl").write_text(lines[0] + "\n")  # one run still to do
    again = nnbench(*base, "--resume")
    assert again.returncode == 0, again.stderr
    assert "1 run(s) of 2" in again.stdout
    assert sorted(records(out)) == ["xor/perceptron/numpy/0", "xor/perceptron/numpy/1"]
    assert "not measured (no peak in plan.json)" in (out / "report.md").read_text()
