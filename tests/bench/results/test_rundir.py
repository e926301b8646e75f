"""`RunDir`: the one owner of a run directory's files, its lock, and how it is read back."""

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from bench.execution.records import Record
from bench.plan.runs import Plan, PlannedRun
from bench.results.rundir import LOCK_FILE, RunDir, RunDirError, StoredPlan
from bench.spec import NetSpec, TrainSpec
from tests.cli import ROOT

NET, TRAIN = NetSpec((2, 3, 1), "tanh", "sigmoid", "binary_crossentropy"), TrainSpec()


def planned(seed: int, backend: str = "numpy") -> PlannedRun:
    return PlannedRun(f"xor/modern/{backend}/{seed}", "xor", "modern", backend, seed, NET,
                      TRAIN.replace(seed=seed))


def ok(run: PlannedRun, acc: float = 1.0) -> Record:
    record = Record.for_run(run)
    record.status, record.metrics = "ok", {"test_accuracy": acc}
    return record


@pytest.fixture
def rundir(tmp_path):
    rd = RunDir.create(tmp_path / "run")
    rd.write_plan(StoredPlan({"name": "t"}, Plan(tuple(planned(s) for s in range(3)))))
    return rd


def test_default_directories_of_runs_started_together_differ(tmp_path):
    made = [RunDir.create(None, root=tmp_path) for _ in range(3)]
    assert len({d.path for d in made}) == 3
    assert made[1].path.name == made[0].path.name + "-2"


def test_an_existing_directory_is_refused_unless_empty(tmp_path, rundir):
    with pytest.raises(RunDirError, match="already exists and is not empty.*--resume"):
        RunDir.create(rundir.path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunDirError, match="is a file"):
        RunDir.create(tmp_path / "file")
    assert RunDir.create(tmp_path / "empty").path.is_dir()


def test_a_duplicated_record_counts_once_and_is_reported(rundir):
    first, second = ok(planned(0), 0.5), ok(planned(1))
    for record in (first, second, first):       # a line appended twice
        rundir.append(record)
    rundir.append(ok(planned(1), 0.25))          # a second, different record of run 1
    contents = rundir.read()
    assert [r.run_id for r in contents.records] == ["xor/modern/numpy/0", "xor/modern/numpy/1"]
    assert [r.test_accuracy for r in contents.records] == [0.5, 0.25]  # the last counts
    by_id = {d.run_id: d for d in contents.duplicates}
    assert by_id["xor/modern/numpy/0"].lines == (1, 3) and by_id["xor/modern/numpy/0"].identical
    assert by_id["xor/modern/numpy/1"].counted == 4 and not by_id["xor/modern/numpy/1"].identical
    assert [r.run_id for r in contents.missing] == ["xor/modern/numpy/2"]


def test_records_the_plan_does_not_hold_are_reported_not_counted(rundir):
    rundir.append(ok(planned(0)))
    rundir.append(ok(planned(0, backend="other")))          # another run's record
    stray = ok(planned(1))
    stray.task = "and"                                      # an id of the plan, another task
    rundir.append(stray)
    contents = rundir.read()
    assert [r.run_id for r in contents.records] == ["xor/modern/numpy/0"]
    assert [(f.run_id, f.line) for f in contents.foreign] == \
        [("xor/modern/other/0", 2), ("xor/modern/numpy/1", 3)]
    assert "plans no run" in contents.foreign[0].reason
    assert "not those plan.json plans" in contents.foreign[1].reason


def test_without_a_plan_every_record_counts(tmp_path):
    rd = RunDir.create(tmp_path / "bare")
    rd.append(ok(planned(0, backend="anything")))
    contents = RunDir.open(rd.path).read()
    assert len(contents.records) == 1 and not contents.foreign and contents.plan is None


def test_resume_runs_what_has_no_record_and_refuses_another_plan(rundir):
    rundir.append(ok(planned(1)))
    todo, notes = rundir.resume(Plan(tuple(planned(s) for s in range(3))))
    assert [r.seed for r in todo] == [0, 2] and notes == []
    with pytest.raises(RunDirError, match="runs added: xor/modern/numpy/3"):
        rundir.resume(Plan(tuple(planned(s) for s in range(4))))


def _hold_lock(path, seconds: float) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys, time
        from bench.results.rundir import RunDir
        with RunDir({str(path)!r}).lock("holder"):
            print("held", flush=True)
            time.sleep({seconds})
    """)
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_second_writer_is_refused_at_once_naming_the_holder(rundir):
    holder = _hold_lock(rundir.path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(RunDirError, match=rf"in use by process {holder.pid} .*holder"):
            with rundir.lock("second"):
                pass
        assert time.monotonic() - started < 1
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_is_taken_over_with_a_note(rundir):
    holder = _hold_lock(rundir.path, 30)
    holder.kill()          # dies holding it: the kernel frees the lock, the file remains
    holder.wait()
    assert json.loads((rundir.path / LOCK_FILE).read_text())["pid"] == holder.pid
    with rundir.lock("me") as note:
        assert f"process {holder.pid} (holder)" in note and "ended without releasing" in note
        assert json.loads((rundir.path / LOCK_FILE).read_text())["pid"] == os.getpid()
    with rundir.lock("again") as note:      # released cleanly: no note the next time
        assert note is None
