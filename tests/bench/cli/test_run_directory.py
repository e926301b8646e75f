"""What a user sees when a run directory holds more, or other, records than its plan: every
case the run-directory issue found, through the real command line."""

from __future__ import annotations

import json
import time

from tests.cli import nnbench, recorded_ids, run_records, start_nnbench

FAULT = {"NNBENCH_EXTRA_BACKENDS": "fault=tests.backends.fault_backend:FaultModel"}
XOR = ("run", "--tasks", "xor", "--recipe", "modern", "--backends", "numpy", "--threads", "1")


def summary_row(out, backend="numpy"):
    return next(line for line in (out / "summary.csv").read_text().splitlines()
                if line.startswith(f"xor,modern,{backend},"))


def test_a_name_given_twice_on_the_command_line_runs_once(tmp_path):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "xor,xor", "--backends", "numpy,numpy", "--recipe",
                     "modern,modern", "--seeds", "2", "--threads", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "note: tasks names 'xor' 2 times; it is planned once" in result.stdout
    assert "note: backends names 'numpy' 2 times" in result.stdout
    assert "2 run(s) of 2" in result.stdout
    assert sorted(recorded_ids(out)) == ["xor/modern/numpy/0", "xor/modern/numpy/1"]
    assert summary_row(out).startswith("xor,modern,numpy,2,2,ok:2,")


def test_a_duplicated_line_is_counted_once_by_resume_and_report(tmp_path):
    out = tmp_path / "run"
    assert nnbench(*XOR, "--seeds", "2", "--out", str(out)).returncode == 0
    lines = (out / "runs.jsonl").read_text().splitlines()
    (out / "runs.jsonl").write_text("\n".join([*lines, lines[0]]) + "\n")
    first = json.loads(lines[0])["run_id"]   # whichever of the two runs finished first
    resumed = nnbench(*XOR, "--seeds", "2", "--out", str(out), "--resume")
    assert resumed.returncode == 0 and "0 run(s) of 2" in resumed.stdout
    assert "2/2 ok" in resumed.stdout and "3/3" not in resumed.stdout
    assert f"1 run recorded more than once: {first} (lines 1, 3); the last record of each " \
        "counts" in resumed.stdout
    report = nnbench("report", str(out))
    assert report.returncode == 0 and "recorded more than once" in report.stdout
    assert summary_row(out).startswith("xor,modern,numpy,2,2,ok:2,")
    assert "recorded more than once" in (out / "report.md").read_text()


def test_a_second_writer_on_one_directory_exits_2_at_once_naming_the_first(tmp_path):
    out = tmp_path / "run"
    slow = ("run", "--tasks", "xor", "--recipe", "modern", "--backends", "fault", "--seeds",
            "3", "--epochs", "40", "--threads", "1", "--out", str(out))
    first = start_nnbench(*slow, env={**FAULT, "NNBENCH_FAULT": "slow"})
    try:
        deadline = time.monotonic() + 60
        while not (out / "plan.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        started = time.monotonic()
        second = nnbench(*slow, "--resume", env={**FAULT, "NNBENCH_FAULT": "slow"})
        assert time.monotonic() - started < 30
        assert second.returncode == 2
        assert f"is in use by process {first.pid}" in second.stderr
        assert "one process writes a run directory at a time" in second.stderr
        report = nnbench("report", str(out))
        assert report.returncode == 2 and f"process {first.pid}" in report.stderr
    finally:
        first.kill()
        first.communicate()
    # the first is gone without releasing its lock: the next writer takes over, with a note
    again = nnbench(*slow, "--resume", env={**FAULT, "NNBENCH_FAULT": ""})
    assert again.returncode == 0, again.stderr
    assert f"took over the lock of process {first.pid}" in again.stdout
    assert sorted(recorded_ids(out)) == [f"xor/modern/fault/{s}" for s in range(3)]


def test_runs_started_in_the_same_second_get_their_own_directory(tmp_path):
    args = (*XOR, "--seeds", "1", "--epochs", "2")
    runs = [start_nnbench(*args, cwd=tmp_path) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    made = sorted((tmp_path / "results" / "runs").iterdir())
    assert len(made) == 2
    assert all(len(run_records(d)) == 1 for d in made)


def test_records_of_another_run_are_reported_and_not_counted(tmp_path):
    out, other = tmp_path / "run", tmp_path / "other"
    assert nnbench(*XOR, "--seeds", "1", "--out", str(out)).returncode == 0
    assert nnbench("run", "--tasks", "and", "--recipe", "modern", "--backends", "numpy",
                   "--seeds", "1", "--threads", "1", "--out", str(other)).returncode == 0
    with open(out / "runs.jsonl", "a") as fh:
        fh.write((other / "runs.jsonl").read_text())
    report = nnbench("report", str(out))
    assert report.returncode == 0, report.stderr
    assert "1 record of runs.jsonl is not in plan.json and not counted: " \
        "and/modern/numpy/0 (line 2)" in report.stdout
    md = (out / "report.md").read_text()
    assert "## and / modern" not in md and "not in plan.json" in md
    assert "and,modern" not in (out / "summary.csv").read_text()
    assert json.loads((out / "plan.json").read_text())["runs"][0]["task"] == "xor"
