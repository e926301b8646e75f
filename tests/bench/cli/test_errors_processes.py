"""What happens around the processes: the nnbench process killed outright (no worker lives
on, no scratch space stays), Ctrl-C while the report is drawn, a terminal that cannot print
nnbench's symbols, and an error nnbench did not foresee (no traceback unless --debug)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.cli.cases import XOR, Case, check, make_run, no_leftovers, run_case
from tests.cli import ROOT, environment, nnbench

FAULT = {"NNBENCH_EXTRA_BACKENDS": "fault=tests.backends.fault_backend:FaultModel"}
CRASHING = {"NNBENCH_EXTRA_TASKS": "crashing=tests.tasks.broken_tasks:CRASHING"}


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def scratch_of(pids: set[int]) -> list[Path]:
    """The scratch directories the janitor processes among `pids` look after."""
    found = []
    for pid in pids:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        found += [Path(a.decode()) for a in args if b"nnbench-" in a and a.startswith(b"/")]
    return found


def test_killing_nnbench_outright_leaves_no_worker_and_no_scratch_space(tmp_path):
    out = tmp_path / "run"
    slow = ("run", "--tasks", "xor", "--recipe", "modern", "--backends", "fault,numpy",
            "--seeds", "4", "--epochs", "200", "--threads", "1", "--out", str(out))
    process = subprocess.Popen([sys.executable, "-m", "bench", *slow], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=environment({**FAULT, "NNBENCH_FAULT": "slow"}))
    deadline = time.monotonic() + 90
    below: set[int] = set()
    while time.monotonic() < deadline:   # servers, the janitor and a forked run are up
        below = descendants(process.pid)
        if len(below) >= 4 and (out / "plan.json").exists():
            break
        time.sleep(0.2)
    scratch = scratch_of(below)
    assert scratch and all(p.is_dir() for p in scratch), below
    process.kill()
    process.wait()
    deadline = time.monotonic() + 20
    while any(alive(p) for p in below) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in below if alive(p)]
    assert not [p for p in scratch if p.exists()]


def test_ctrl_c_while_the_report_is_drawn_says_how_to_write_it_and_leaves_no_half_file(
        tmp_path):
    out = make_run(tmp_path, seeds=3)
    run = subprocess.Popen([sys.executable, "-m", "bench", "report", str(out)], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=environment())
    line = run.stdout.readline()
    while line and not line.startswith("records:"):   # the table is out: plots are next
        line = run.stdout.readline()
    run.send_signal(signal.SIGINT)
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode in (0, 130), stderr
    assert "Traceback" not in stderr
    if run.returncode == 130:   # (on a fast machine the report may already be done)
        assert "nnbench report: interrupted" in stderr
    assert no_leftovers(tmp_path) is None
    assert nnbench("report", str(out)).returncode == 0


def test_ctrl_c_while_a_run_writes_its_report_says_the_records_are_complete(tmp_path):
    out = tmp_path / "run"
    run = subprocess.Popen([sys.executable, "-m", "bench", *XOR, "--seeds", "3", "--out",
                            str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=environment())
    line = run.stdout.readline()
    while line and not line.startswith("records:"):
        line = run.stdout.readline()
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert "Traceback" not in stderr
    if run.returncode == 130:
        assert "interrupted while writing the report; every record is in" in stderr
        assert f"nnbench report {out}" in stderr
    assert len((out / "runs.jsonl").read_text().splitlines()) == 3
    assert no_leftovers(tmp_path) is None


def test_a_terminal_that_cannot_print_the_symbols_gets_ascii_and_the_report_is_written(
        tmp_path):
    case = Case("ascii-terminal", (*XOR, "--seeds", "2", "--out", "{tmp}/run"), 0, "+/-",
                env={"PYTHONIOENCODING": "ascii"})
    result = run_case(case, tmp_path)
    check(case, result, tmp_path)
    assert not re.search(r"[^\x00-\x7f]", result.stdout + result.stderr)
    assert (tmp_path / "run" / "report.html").is_file()
    assert "±" in (tmp_path / "run" / "report.md").read_text()   # files stay UTF-8


def test_an_unforeseen_error_exits_3_without_a_traceback_unless_asked(tmp_path):
    case = Case("internal-error", ("run", "--tasks", "crashing", "--out", "{tmp}/o"), 3,
                "internal error: RuntimeError: a bug in this task's loader. This is a bug in "
                "nnbench; run again with --debug (or NNBENCH_DEBUG=1) to see its traceback",
                env=CRASHING)
    check(case, run_case(case, tmp_path), tmp_path)
    debug = nnbench("run", "--tasks", "crashing", "--debug", "--out", str(tmp_path / "o"),
                    env=CRASHING)
    assert "Traceback" in debug.stderr and "a bug in this task's loader" in debug.stderr
    assert nnbench("run", "--tasks", "crashing", "--out", str(tmp_path / "o"),
                   env={**CRASHING, "NNBENCH_DEBUG": "1"}).stderr.count("Traceback") == 1
