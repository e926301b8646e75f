"""Resuming: a run that failed or timed out can be run again (with a longer timeout) while
every ok record is kept; a resume with another thread count is refused; the printed resume
command is shell-quoted and works."""

import json
import os
import signal
import subprocess
import sys
import time

from tests.bench.cli.cases import XOR, Case, check, run_case
from tests.cli import ROOT, environment, nnbench, recorded_ids, run_records

FAULT = {"NNBENCH_EXTRA_BACKENDS": "fault=tests.backends.fault_backend:FaultModel"}
FAULTY = ("run", "--tasks", "xor", "--recipe", "modern", "--backends", "fault,numpy",
          "--seeds", "1", "--epochs", "20", "--threads", "1")


def test_a_run_that_timed_out_runs_again_with_a_longer_timeout_and_replaces_its_record(
        tmp_path):
    out = tmp_path / "run"
    first = nnbench(*FAULTY, "--timeout", "4", "--out", str(out),
                    env={**FAULT, "NNBENCH_FAULT": "hang"})
    assert first.returncode == 0, first.stderr
    assert run_records(out)["xor/modern/fault/0"]["status"] == "timeout"
    plain = nnbench(*FAULTY, "--timeout", "4", "--out", str(out), "--resume", env=FAULT)
    assert "0 run(s) of 2" in plain.stdout     # without --retry a recorded run is done
    again = nnbench(*FAULTY, "--timeout", "120", "--out", str(out), "--resume", "--retry",
                    "timeout,failed", env={**FAULT, "NNBENCH_FAULT": ""})
    assert again.returncode == 0, again.stderr
    assert "1 run(s) of 2" in again.stdout and "re-running 1 run(s) recorded as timeout" \
        in again.stdout
    assert "timeouts changed" in again.stdout
    records = run_records(out)                 # the last record of each run counts
    assert records["xor/modern/fault/0"]["status"] == "ok"
    assert recorded_ids(out).count("xor/modern/fault/0") == 2   # both stay on disk
    assert "xor,modern,fault,1,1,ok:1," in (out / "summary.csv").read_text()
    plan = json.loads((out / "plan.json").read_text())
    assert {r["timeout"] for r in plan["runs"]} == {120.0}


def test_a_resume_with_another_thread_count_is_refused_and_without_one_keeps_the_first(
        tmp_path):
    out = tmp_path / "run"
    assert nnbench(*XOR[:-2], "--threads", "2", "--seeds", "2", "--out", str(out)).returncode \
        == 0
    lines = (out / "runs.jsonl").read_text().splitlines()
    (out / "runs.jsonl").write_text(lines[0] + "\n")          # as if stopped after one run
    case = Case("resume-other-threads", (*XOR[:-2], "--threads", "1", "--seeds", "2",
                                         "--resume", "--out", "{tmp}/run"), 2,
                "cannot resume {tmp}/run with 1 thread(s) per run: its runs used 2, and "
                "timings of different thread counts do not mix. Resume with --threads 2")
    check(case, run_case(case, tmp_path), tmp_path)
    same = nnbench(*XOR[:-2], "--seeds", "2", "--resume", "--out", str(out))
    assert same.returncode == 0, same.stderr
    assert "1 at a time, 2 threads each" in same.stdout
    assert {r["env"]["threads"] for r in run_records(out).values()} == {2}


def test_the_printed_resume_command_is_quoted_and_finishes_the_run(tmp_path):
    out = tmp_path / "a dir; with spaces"
    slow = ("run", "--tasks", "xor", "--recipe", "modern", "--backends", "fault", "--seeds",
            "3", "--epochs", "20", "--threads", "1")
    process = subprocess.Popen([sys.executable, "-m", "bench", *slow, "--out", str(out)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=environment({**FAULT, "NNBENCH_FAULT": "slow"}))
    deadline = time.monotonic() + 60
    while not (out / "runs.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 130
    command = stdout.strip().splitlines()[-1].strip()
    assert command.startswith("nnbench run ") and "'" in command
    finish = subprocess.run(command.replace("nnbench", f"{sys.executable} -m bench", 1),
                            shell=True, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=environment({**FAULT, "NNBENCH_FAULT": ""}))
    assert finish.returncode == 0, finish.stderr
    assert sorted(recorded_ids(out)) == [f"xor/modern/fault/{s}" for s in range(3)]
    assert os.path.isdir(out)
