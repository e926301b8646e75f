"""The Python API: run a suite and read its results without the command line.

    from bench.api import run_suite, load_runs, load_summaries

    rundir = run_suite("quick", tasks=["xor"], backends=["numpy", "torch"], seeds=3)
    runs = load_runs(rundir.path)           # pandas DataFrame, one row per run
    table = load_summaries(rundir.path)     # one row per task x recipe x backend

`run_suite` does what `nnbench run` does (the CLI is a thin layer over `prepare_session` and
`execute`): plan the suite, create the run directory (or resume one), hold its writer lock,
measure the matmul peak, run every planned run in its own worker process, and write the
report. Bad input raises `InputError` (a SuiteError, SpecError, DataError, RunDirError or
PlanError, each with a message that says what is allowed) before anything is created.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.execution import executors
from bench.execution.executors import Callbacks, ExecutorError
from bench.execution.peak import Peak, matmul_peak
from bench.execution.records import Record
from bench.execution.runner import Interrupted
from bench.plan.planner import plan_suite
from bench.plan.runs import Plan, PlanError, PlannedRun
from bench.plan.suite import Suite, SuiteError, load_suite
from bench.present.report.write import write_report, write_summary
from bench.results.rundir import RunDir, RunDirError, StoredPlan
from bench.results.summary import summarize_contents
from bench.spec import SpecError
from bench.spec.threads import default_threads
from tasks.base import DataError

#: every error `run_suite` raises for bad input or an executor that cannot run (the CLI answers
#: them with exit 2)
InputError = (SuiteError, SpecError, DataError, RunDirError, PlanError, ExecutorError)

__all__ = ["Interrupted", "InputError", "Session", "execute", "load_runs", "load_summaries",
           "prepare_session", "run_suite"]


@dataclass
class Session:
    """A suite about to run into a run directory (whose lock is held while it lasts)."""

    rundir: RunDir
    plan: Plan
    todo: list[PlannedRun]
    threads: int
    jobs: int
    peak: Peak | None
    suite: Suite
    notes: list[str] = field(default_factory=list)


def resolve_suite(suite: str | Suite = "quick", **overrides) -> Suite:
    """A built-in suite's name, a TOML file's path or a Suite, with the given overrides
    (None values are left alone)."""
    suite = load_suite(suite) if isinstance(suite, str) else suite
    for key in ("tasks", "backends", "recipes"):
        if isinstance(overrides.get(key), (list, str)):
            value = overrides[key]
            overrides[key] = tuple([value] if isinstance(value, str) else value)
    return suite.with_overrides(**overrides)


@contextlib.contextmanager
def prepare_session(suite: Suite, out: Path | None = None, resume: bool = False,
                    command: str = "nnbench run", retry: tuple[str, ...] = ()
                    ) -> Iterator[Session]:
    """Plan `suite`, make (or reopen, with `resume`) its run directory and hold its lock for
    the block. A new directory gets plan.json with the matmul peak measured now and how the
    runs are executed (`execution`). A resume runs what has no record, and the runs whose
    record has a status in `retry` (their new records replace the old ones in every
    statistic; both stay on disk); it keeps the original threads and jobs unless told, and
    refuses another thread count (timings would mix them)."""
    plan = plan_suite(suite)
    executors.check(suite.executor, suite.address or os.environ.get("RAY_ADDRESS"))
    cores = default_threads()
    if retry and not resume:
        raise RunDirError("--retry re-runs runs of an earlier run: it needs --resume --out DIR")
    if resume:
        if out is None:
            raise RunDirError("--resume needs --out DIR, the directory of the run to continue")
        rundir = RunDir.open(out) if Path(out).is_dir() else RunDir(out)
        if not rundir.plan_file.exists():
            raise RunDirError(f"{rundir.path} is not a resumable nnbench run (no plan.json)")
    else:
        rundir = RunDir.create(out)
    notes = list(plan.notes)
    with rundir.lock(command) as stale:
        if stale:
            notes.append(stale)
        if resume:
            stored = rundir.read_plan()
            threads, jobs = resumed_parallelism(suite, stored.execution, cores, rundir)
            todo, repaired = rundir.resume(plan, retry)
            notes += repaired
            peak = stored.peak
        else:
            threads, jobs = suite.parallelism(cores)
            peak = matmul_peak(threads)
            execution = {"executor": suite.executor, "isolation": suite.isolation,
                         "jobs": jobs, "threads": threads, "cores": cores}
            if suite.executor == "ray":
                execution.update(address=suite.address or os.environ.get("RAY_ADDRESS")
                                 or "embedded", placement=suite.placement)
            rundir.write_plan(StoredPlan(suite.to_dict(), plan, peak, execution))
            todo = list(plan.runs)
        if threads * jobs > cores:
            notes.append(f"{jobs} run(s) at a time x {threads} thread(s) each on {cores} CPUs: "
                         "threads beyond the CPUs wait on one another and every timing "
                         f"suffers; keep --jobs x --threads <= {cores}")
        yield Session(rundir, plan, todo, threads, jobs, peak, suite, notes)


def resumed_parallelism(suite: Suite, execution: dict, cores: int,
                        rundir: RunDir) -> tuple[int, int]:
    """(threads, jobs) for resuming a run executed as `execution` says: its own unless the
    suite names others; RunDirError for another thread count than its records have."""
    stored_threads, stored_jobs = execution.get("threads"), execution.get("jobs")
    if suite.threads is not None and stored_threads and suite.threads != stored_threads:
        raise RunDirError(
            f"cannot resume {rundir.path} with {suite.threads} thread(s) per run: its runs "
            f"used {stored_threads}, and timings of different thread counts do not mix. "
            f"Resume with --threads {stored_threads} (or without --threads), or use a new --out")
    threads = suite.threads or stored_threads
    jobs = suite.jobs or stored_jobs
    if threads is None or jobs is None:  # a plan.json from before `execution` was kept
        return suite.parallelism(cores)
    return threads, jobs


def execute(session: Session, on_start: Callable[[PlannedRun], None] | None = None,
            on_done: Callable[[Record], None] | None = None,
            on_note: Callable[[str], None] | None = None) -> list[Record]:
    """Run the session's remaining runs with the suite's executor; Interrupted on
    Ctrl-C/SIGTERM (records kept), ExecutorError when the executor cannot run."""
    suite = session.suite
    # the ray executor's runs at a time: as asked, else as many as the cluster's CPUs allow
    jobs = session.jobs if suite.executor == "local" or suite.jobs else None
    runner = executors.build(suite.executor, Callbacks(session.rundir.append, on_start,
                                                       on_done, on_note),
                             session.threads, jobs, isolation=suite.isolation,
                             address=suite.address, placement=suite.placement)
    done = session.rundir.read().records if session.todo != list(session.plan.runs) else ()
    return runner.run_all(session.todo, done)


def run_suite(suite: str | Suite = "quick", *, out: str | Path | None = None,
              resume: bool = False, report: bool = True,
              on_done: Callable[[Record], None] | None = None, **overrides) -> RunDir:
    """Run a suite as `nnbench run` does and return its run directory.

    `overrides` are the suite's fields: tasks, backends, recipes (lists of names), seeds,
    repeat, epochs, init, threads, jobs, isolation, timeout, device, executor ("local" or
    "ray"), address (a Ray cluster's), placement. `report=False` skips
    report.md/html and plots (summary.csv is written either way).
    """
    resolved = resolve_suite(suite, **overrides)
    with prepare_session(resolved, Path(out) if out else None, resume,
                         command="bench.api.run_suite") as session:
        execute(session, on_done=on_done)
        if report:
            write_report(session.rundir)
        else:
            write_summary(session.rundir, summarize_contents(session.rundir.read()))
        return session.rundir


def load_runs(path: str | Path):
    """One row per run of a run directory, as a pandas DataFrame (the records that count;
    columns in `bench.results.frames`)."""
    from bench.results.frames import runs_frame  # pandas: only when asked for

    return runs_frame(RunDir.open(Path(path)).read().records)


def load_summaries(path: str | Path):
    """One row per task x recipe x backend of a run directory, as a pandas DataFrame
    (summary.csv's columns, as numbers)."""
    from bench.results.frames import summaries_frame

    return summaries_frame(summarize_contents(RunDir.open(Path(path)).read()))
