"""`nnbench run`: plan the suite, run it with a progress bar, print the table, write the report."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from backends.registry import BACKENDS
from bench.api import InputError, Interrupted, execute, prepare_session, resolve_suite
from bench.cli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, UsageError, stderr
from bench.cli.parser import RETRYABLE
from bench.cli.results import report_dir, summarize_dir
from bench.execution.records import Record
from bench.plan.planner import check_names
from bench.plan.runs import PlannedRun
from bench.plan.suite import SuiteError
from bench.present.format import clip, peak_text, plural
from bench.results.rundir import RUNS_FILE, RunDirError
from tasks.registry import TASKS

#: longest reason in a progress line (the table's and the report's notes give it in full)
PROGRESS_REASON_CHARS = 120


def names(kind: str, text: str | None, known=None, what: str | None = None
          ) -> tuple[str, ...] | None:
    """A comma-separated list from --`kind`, each name (a `what`, default: `kind` without its
    plural s) checked against `known`."""
    if text is None:
        return None
    found = tuple(n.strip() for n in text.split(",") if n.strip())
    if not found:
        raise UsageError(f"--{kind} needs at least one name"
                         + (f"; available: {', '.join(known)}" if known else ""))
    if known is not None:
        try:
            check_names(what or kind[:-1], found, known)
        except SuiteError as exc:
            raise UsageError(str(exc)) from None
    return found


def describe(record: Record) -> str:
    if record.ok:
        return f"test acc {record.test_accuracy:.3f}"
    return clip(f"{record.status}: {record.error or ''}", PROGRESS_REASON_CHARS,
                "in full: the notes column")


def original_args() -> list[str]:
    """The run command's own arguments, without --out/--resume (for the resume hint)."""
    args, skip = [], False
    for arg in sys.argv[2:]:
        if skip:
            skip = False
        elif arg == "--out":
            skip = True
        elif arg != "--resume" and not arg.startswith("--out="):
            args.append(arg)
    return args


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    try:
        suite = resolve_suite(
            args.suite, tasks=names("tasks", args.tasks, list(TASKS)),
            backends=names("backends", args.backends, list(BACKENDS)),
            recipes=names("recipes", args.recipe), seeds=args.seeds, repeat=args.repeat,
            epochs=args.epochs, init=args.init, threads=args.threads, jobs=args.jobs,
            isolation=args.isolation, timeout=args.timeout, max_runs=args.max_runs,
            device=args.device, executor=args.executor, address=args.address,
            placement=args.placement)
        if suite.executor != "ray" and (args.address or args.placement):
            raise UsageError("--address and --placement are options of --executor ray; add "
                             "--executor ray (or executor = \"ray\" in the suite file)")
        retry = names("retry", args.retry, list(RETRYABLE), what="status") or ()
        with prepare_session(suite, args.out, args.resume, retry=retry,
                             command=shlex.join(["nnbench", *sys.argv[1:]])) as session:
            return _run(session, console, quiet=args.quiet)
    except InputError as exc:
        raise UsageError(str(exc)) from None


def _run(session, console: Console, quiet: bool = False) -> int:
    out, todo = session.rundir.path, session.todo
    for note in session.notes:
        console.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)
    repeats = f" x {session.suite.repeat} repeats" if session.suite.repeat > 1 else ""
    suite = session.suite
    if suite.executor == "ray":
        where = suite.address or os.environ.get("RAY_ADDRESS") or "an embedded local Ray"
        at_a_time = (f"on {where} ({suite.jobs or 'as many as its CPUs allow'} at a time, "
                     f"placement {suite.placement})")
    else:
        at_a_time = f"{session.jobs} at a time"
    console.print(f"nnbench: {len(todo)} run(s) of {len(session.plan.runs)} "
                  f"({plural(suite.seeds, 'seed')}{repeats}), "
                  f"{at_a_time}, {plural(session.threads, 'thread')} each -> {out}",
                  highlight=False, markup=False, soft_wrap=True)
    if session.peak:
        console.print(f"float32 matmul peak: {peak_text(session.peak)}",
                      highlight=False, soft_wrap=True)
    # Both stop the suite gracefully. SIGINT explicitly too: a process started from a
    # non-interactive shell in the background inherits SIGINT as *ignored*, and Python then
    # installs no handler of its own.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.default_int_handler)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True,
                        disable=not console.is_terminal)
    bar = progress.add_task("starting", total=len(todo))
    finished = [0]

    def on_start(run: PlannedRun) -> None:
        progress.update(bar, description=run.run_id)

    def on_done(record: Record) -> None:
        finished[0] += 1
        progress.advance(bar)
        if not console.is_terminal and not quiet:
            console.print(f"[{finished[0]}/{len(todo)}] {record.run_id}: {describe(record)} "
                          f"({record.wall_seconds or 0:.1f} s)",
                              highlight=False, markup=False, soft_wrap=True)

    def on_note(text: str) -> None:
        console.print(f"note: {text}", highlight=False, markup=False, soft_wrap=True)

    resume = shlex.join(["nnbench", "run", *original_args(), "--resume", "--out", str(out)])
    try:
        with progress:
            execute(session, on_start, on_done, on_note)
    except Interrupted as stop:
        console.print(f"[bold red]interrupted[/] after {stop.done} of {stop.total} runs; the "
                      f"finished records are in {out / RUNS_FILE}. Resume with:\n  {resume}",
                      highlight=False, soft_wrap=True)
        return EXIT_INTERRUPTED
    except RunDirError as exc:  # e.g. the disk filled up: what was recorded stays recorded
        print(f"nnbench run: error: {exc}. Once that is fixed, finish the run with:\n  "
              f"{resume}", file=stderr())
        return EXIT_BAD_INPUT
    try:
        return (summarize_dir(session.rundir, console, tables=not quiet)
                or report_dir(session.rundir, console))
    except KeyboardInterrupt:
        print(f"nnbench run: interrupted while writing the report; every record is in "
              f"{out / RUNS_FILE}. Write the report with:\n  "
              f"{shlex.join(['nnbench', 'report', str(out)])}", file=stderr())
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"nnbench run: error: cannot write the report ({exc.filename or out}: "
              f"{exc.strerror or exc}); every record is in {out / RUNS_FILE}. Once that is "
              f"fixed, write the report with:\n  {shlex.join(['nnbench', 'report', str(out)])}",
              file=stderr())
        return EXIT_BAD_INPUT
