"""Output directories and files that cannot be used: a path of the wrong kind, a read-only
file system, a disk that fills up while runs.jsonl or the report is written, a broken
plan.json, a directory where a data file should be. Each exits 2 saying what and what to do;
what was recorded stays readable and no temporary file is left behind."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.bench.cli.cases import (
    XOR,
    Case,
    check,
    kept,
    make_run,
    no_leftovers,
    records_of,
    run_case,
)
from tests.cli import ROOT, environment, nnbench


def file_at(name: str):
    return lambda tmp: (tmp / name).write_text("not a directory")


CASES = [
    Case("out-is-a-file", (*XOR, "--out", "{tmp}/f"), 2,
         "output directory {tmp}/f is a file; choose another --out", file_at("f")),
    Case("out-under-a-file", (*XOR, "--out", "{tmp}/f/run"), 2,
         "cannot create output directory {tmp}/f/run: Not a directory", file_at("f")),
    Case("out-under-proc", (*XOR, "--out", "/proc/nnbench-test/run"), 2,
         "cannot create output directory /proc/nnbench-test/run: No such file or directory"),
    Case("resume-plan-not-json", (*XOR, "--seeds", "2", "--resume", "--out", "{tmp}/run"), 2,
         "{tmp}/run/plan.json cannot be read: ",
         lambda tmp: (make_run(tmp) / "plan.json").write_text("{not json"), keeps=kept("run", 2)),
    Case("resume-plan-a-list", (*XOR, "--seeds", "2", "--resume", "--out", "{tmp}/run"), 2,
         "plan.json cannot be read: the top level is a JSON list, not an object",
         lambda tmp: (make_run(tmp) / "plan.json").write_text("[]"), keeps=kept("run", 2)),
    Case("resume-plan-without-runs", (*XOR, "--seeds", "2", "--resume", "--out", "{tmp}/run"),
         2, "plan.json cannot be read: it has no list of runs",
         lambda tmp: (make_run(tmp) / "plan.json").write_text('{"suite": {}}'),
         keeps=kept("run", 2)),
    Case("data-file-is-a-directory", ("run", "--tasks", "german-credit", "--out", "{tmp}/o"), 2,
         "{tmp}/data/german-credit/german.data is a directory, where the data file german.data "
         "of german-credit should be: remove it and run `nnbench fetch german-credit`",
         lambda tmp: (tmp / "data" / "german-credit" / "german.data").mkdir(parents=True),
         env={"NNBENCH_DATA_DIR": "{tmp}/data"}),
]


def _with_tmp(case: Case, tmp: Path) -> Case:
    env = {k: v.replace("{tmp}", str(tmp)) for k, v in case.env.items()}
    return Case(case.id, case.args, case.exit, case.says, case.setup, env, case.keeps,
                case.file_limit)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_directory_or_file_that_cannot_be_used_exits_2(case, tmp_path):
    case = _with_tmp(case, tmp_path)
    check(case, run_case(case, tmp_path), tmp_path)


def test_a_report_over_a_broken_plan_reports_every_record_and_says_so(tmp_path):
    out = make_run(tmp_path)
    (out / "plan.json").write_text("[]")
    result = nnbench("report", str(out))
    assert result.returncode == 0, result.stderr
    assert "plan.json cannot be read: the top level is a JSON list, not an object; every " \
        "record is reported" in result.stdout


def test_the_disk_filling_up_while_records_are_written_keeps_every_complete_record(tmp_path):
    # every file nnbench writes may grow to 60 kB: plan.json and each run's result fit,
    # runs.jsonl does not for long (a record of 500 epochs is about 20 kB)
    case = Case("disk-full-records", (*XOR, "--seeds", "6", "--out", "{tmp}/run"), 2,
                "cannot append to {tmp}/run/runs.jsonl: File too large; the records written so "
                "far are intact. Once that is fixed, finish the run with:", file_limit=60_000)
    result = run_case(case, tmp_path)
    check(case, result, tmp_path)
    complete = records_of_complete_lines(tmp_path / "run")
    assert 1 <= len(complete) < 6
    resume = result.stderr.strip().splitlines()[-1].strip()
    done = subprocess.run(resume, shell=True, cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=environment())
    assert done.returncode == 0, done.stderr
    assert "removed a half-written last line" in done.stdout
    ids = [r["run_id"] for r in records_of(tmp_path / "run")]
    assert sorted(ids) == [f"xor/modern/numpy/{s}" for s in range(6)]  # none lost, none twice


def records_of_complete_lines(out: Path) -> list[str]:
    return [line for line in (out / "runs.jsonl").read_text().split("\n")[:-1] if line]


def test_the_disk_filling_up_while_the_report_is_written_keeps_the_records(tmp_path):
    out = make_run(tmp_path)
    shutil.rmtree(out / "plots")
    for name in ("report.md", "report.html", "summary.csv"):
        (out / name).unlink()
    case = Case("disk-full-report", ("report", "{tmp}/run"), 2, "error: cannot write "
                "{tmp}/run/", file_limit=8_000, keeps=kept("run", 2))
    result = run_case(case, tmp_path)
    check(case, result, tmp_path)
    assert no_leftovers(tmp_path) is None
    again = nnbench("report", str(out))                   # room again: the report is written
    assert again.returncode == 0 and (out / "report.html").stat().st_size > 8_000


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"),
                    reason="mounting a read-only file system needs root")
def test_a_read_only_file_system_exits_2(tmp_path):
    target = tmp_path / "ro"
    target.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"could not mount a read-only tmpfs here: {mounted.stderr.strip()}")
    try:
        case = Case("read-only-fs", (*XOR, "--out", "{tmp}/ro/run"), 2,
                    "cannot create output directory {tmp}/ro/run: Read-only file system")
        check(case, run_case(case, tmp_path), tmp_path)
    finally:
        subprocess.run(["umount", str(target)], check=False)


