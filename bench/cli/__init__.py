"""The `nnbench` command line (also `python -m bench`): list, run, report, compare, baseline,
check and fetch.

Every bad argument exits 2 with a message that says what is allowed, and is caught before an
output directory is created, so a mistyped command leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backends.registry import BACKENDS
from bench.execution.peak import matmul_peak, peak_text, plan_peak
from bench.execution.runner import Interrupted, Runner
from bench.judge import gate
from bench.judge import verify as verification
from bench.judge.baseline import DEFAULT_PATH as DEFAULT_BASELINE
from bench.judge.baseline import entries_from_run, load_baseline, update_baseline
from bench.plan.suite import INIT_MODES, Suite, SuiteError, load_suite, plan_runs, suggest
from bench.results.records import RUNS_FILE, cut_torn_tail, read_records
from bench.results.summary import SUMMARY_FILE, print_summary, summarize_records, write_summary_csv
from bench.spec import SpecError, threads
from tasks.base import DataError
from tasks.registry import TASKS, get_task

PLAN_FILE = "plan.json"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the user: exit 2 with this message."""


def _names(kind: str, text: str | None, known) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise UsageError(f"--{kind} needs at least one name; available: {', '.join(known)}")
    for name in names:
        if known is not None and name not in known:
            raise UsageError(f"unknown {kind[:-1]} {name!r}{suggest(name, known)}; "
                             f"available: {', '.join(known)}")
    return names


def _positive(kind: type):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnbench", description="Train the same neural network on several frameworks "
        "and compare accuracy, loss curves and time.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="tasks, recipes and backends")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    run = commands.add_parser("run", help="run a benchmark suite")
    run.add_argument("--suite", default="quick",
                     help="built-in suite (quick, full) or a suite TOML file (default: quick)")
    run.add_argument("--tasks", help=f"comma-separated tasks ({', '.join(TASKS)})")
    run.add_argument("--backends", help=f"comma-separated backends ({', '.join(BACKENDS)})")
    run.add_argument("--recipe", help="comma-separated recipes (perceptron, course, modern, "
                     "or a suite's custom recipes)")
    run.add_argument("--seeds", type=_positive(int), help="seeds per combination (default 3)")
    run.add_argument("--repeat", type=_positive(int),
                     help="timing repeats: run every task/recipe/backend/seed N times; times "
                          "are then reported as median (IQR) over the repeats (default 1)")
    run.add_argument("--epochs", type=_positive(int), help="override every recipe's epochs")
    run.add_argument("--init", choices=INIT_MODES,
                     help="shared: same initial weights on every backend (default); "
                          "native: each framework's own initialisers")
    run.add_argument("--threads", type=_positive(int),
                     help="compute threads per run (default: all cores / jobs)")
    run.add_argument("--timeout", type=_positive(float), help="seconds per run (default 600)")
    run.add_argument("--jobs", type=_positive(int), default=1, help="runs at once (default 1)")
    run.add_argument("--out", type=Path, help="output directory "
                     "(default: results/runs/<UTC timestamp>)")
    run.add_argument("--resume", action="store_true",
                     help="continue the run in --out, running only what is missing")

    report = commands.add_parser("report", help="(re)write DIR/report.md, DIR/report.html, "
                                 "DIR/plots/ and DIR/summary.csv from DIR/runs.jsonl")
    report.add_argument("dir", type=Path, metavar="DIR", help="output directory of a run")

    compare = commands.add_parser("compare", help="accuracy and time changes from run A to B")
    compare.add_argument("dir_a", type=Path, metavar="DIR_A", help="the reference run")
    compare.add_argument("dir_b", type=Path, metavar="DIR_B", help="the run to compare with it")

    baseline = commands.add_parser("baseline", help="write or update the accuracy baseline "
                                   "from a run")
    baseline.add_argument("dir", type=Path, metavar="DIR", help="output directory of a run")
    baseline.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE,
                          help=f"baseline file to write or update (default {DEFAULT_BASELINE})")

    check = commands.add_parser("check", help="exit 1 if a run's accuracy regressed against "
                                "the baseline")
    check.add_argument("dir", type=Path, metavar="DIR", help="output directory of a run")
    check.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE,
                       help=f"baseline file (default {DEFAULT_BASELINE})")

    verify = commands.add_parser("verify", help="prove every backend trains the same network: "
                                 "losses and weights against the NumPy backend")
    verify.add_argument("--backends", help="comma-separated backends (default: every "
                        "available one)")
    verify.add_argument("--cases", help=f"comma-separated cases ({', '.join(verification.CASES)};"
                        " default: all)")
    verify.add_argument("--threads", type=_positive(int),
                        help="compute threads per backend process (default: all cores)")

    fetch = commands.add_parser("fetch", help="download a task's data into the data directory "
                                "($NNBENCH_DATA_DIR) and verify its checksums")
    fetch.add_argument("name", metavar="NAME|all", help="a task with downloadable data, or all")
    return parser


def _selected_backends(suite: Suite) -> tuple[str, ...]:
    if suite.backends is not None:
        return suite.backends
    return tuple(n for n, e in BACKENDS.items() if e.unavailable_reason() is None)


def _plan(args: argparse.Namespace) -> tuple[Suite, list[dict[str, Any]]]:
    """The suite and its runs after command-line overrides; UsageError on any bad input."""
    try:
        suite = load_suite(args.suite)
        suite = suite.with_overrides(
            tasks=_names("tasks", args.tasks, list(TASKS)),
            backends=_names("backends", args.backends, list(BACKENDS)),
            recipes=_names("recipes", args.recipe, None),
            seeds=args.seeds, repeat=args.repeat, epochs=args.epochs, init=args.init,
            threads=args.threads, timeout=args.timeout)
        for kind, names, known in (("task", suite.tasks, TASKS), ("backend", suite.backends,
                                                                   BACKENDS)):
            for name in names or ():
                if name not in known:
                    raise UsageError(f"suite {suite.name}: unknown {kind} {name!r}"
                                     f"{suggest(name, known)}; available: {', '.join(known)}")
        task_names = suite.tasks or tuple(TASKS)
        runs = plan_runs(suite, task_names, _selected_backends(suite), get_task)
        for name in task_names:  # bad or missing data is bad input: refuse it before any run
            get_task(name).split(0)
    except (SuiteError, SpecError, DataError) as exc:
        raise UsageError(str(exc)) from None
    return suite, runs


def _plan_difference(old: list[dict], new: list[dict]) -> str:
    # plans written before timing repeats existed carry no "repeat": it was 0
    old_ids = {r["run_id"]: {"repeat": 0, **r} for r in old}
    new_ids = {r["run_id"]: r for r in new}
    parts = []
    added, removed = sorted(set(new_ids) - set(old_ids)), sorted(set(old_ids) - set(new_ids))
    changed = sorted(i for i in set(old_ids) & set(new_ids) if old_ids[i] != new_ids[i])
    for label, ids in (("runs added", added), ("runs removed", removed),
                       ("runs with other settings", changed)):
        if ids:
            more = f" (+{len(ids) - 3} more)" if len(ids) > 3 else ""
            parts.append(f"{label}: {', '.join(ids[:3])}{more}")
    return "; ".join(parts)


def _prepare_out(args: argparse.Namespace, suite: Suite, runs: list[dict],
                 n_threads: int) -> tuple[Path, list]:
    """Create or reopen the output directory; return it and the runs still to do.

    A new directory's plan.json also gets the machine's float32 matmul peak, measured here
    once at `n_threads` threads (`bench.execution.peak`); a resumed run keeps the peak it measured.
    """
    out = args.out or Path("results/runs") / datetime.now(UTC).strftime(
        "%Y%m%dT%H%M%SZ")
    plan_path = out / PLAN_FILE
    if args.resume:
        if args.out is None:
            raise UsageError("--resume needs --out DIR, the directory of the run to continue")
        if not plan_path.exists():
            raise UsageError(f"{out} is not a resumable nnbench run (no {PLAN_FILE})")
        old = json.loads(plan_path.read_text())["runs"]
        difference = _plan_difference(old, runs)
        if difference:
            raise UsageError(f"cannot resume {out}: its suite differs from this one ({difference})."
                             " Repeat the original command with --resume, or use a new --out.")
        if cut_torn_tail(out / RUNS_FILE):
            print(f"note: removed a half-written last line from {out / RUNS_FILE} "
                  f"(kept in {RUNS_FILE}.torn); that run will be repeated")
        done = read_records(out / RUNS_FILE).run_ids
        return out, [r for r in runs if r["run_id"] not in done]
    if out.exists() and any(out.iterdir()):
        hint = " (add --resume to continue it)" if plan_path.exists() else ""
        raise UsageError(f"output directory {out} already exists and is not empty{hint}; "
                         "choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    peak = matmul_peak(n_threads).to_dict()
    plan_path.write_text(json.dumps({"suite": suite.to_dict(), "peak": peak, "runs": runs},
                                    indent=1))
    return out, runs


def _describe(record: dict[str, Any]) -> str:
    if record["status"] == "ok":
        return f"test acc {record['metrics']['test_accuracy']:.3f}"
    return f"{record['status']}: {record.get('error') or ''}"[:100]


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    suite, runs = _plan(args)
    n_threads = suite.threads or max(1, threads.default_threads() // args.jobs)
    out, todo = _prepare_out(args, suite, runs, n_threads)
    repeats = f" x {suite.repeat} repeats" if suite.repeat > 1 else ""
    console.print(f"nnbench: {len(todo)} run(s) of {len(runs)} "
                  f"({suite.seeds} seed(s){repeats}), {n_threads} thread(s) each -> {out}")
    peak = plan_peak(json.loads((out / PLAN_FILE).read_text(encoding="utf-8")))
    if peak:
        console.print(f"float32 matmul peak: {peak_text(peak)}", highlight=False)
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

    def on_start(run: dict) -> None:
        progress.update(bar, description=run["run_id"])

    def on_done(record: dict) -> None:
        finished[0] += 1
        progress.advance(bar)
        if not console.is_terminal:
            console.print(f"[{finished[0]}/{len(todo)}] {record['run_id']}: {_describe(record)} "
                          f"({record.get('wall_seconds') or 0:.1f} s)", highlight=False)

    runner = Runner(out, n_threads, args.jobs, on_start=on_start, on_done=on_done)
    try:
        with progress:
            runner.run_all(todo)
    except Interrupted as stop:
        console.print(f"[bold red]interrupted[/] after {stop.done} of {stop.total} runs; the "
                      f"finished records are in {out / RUNS_FILE}. Resume with:\n  nnbench run "
                      f"{' '.join(_original_args())} --resume --out {out}", highlight=False)
        return EXIT_INTERRUPTED
    return summarize_dir(out, console) or report_dir(out, console)


def _original_args() -> list[str]:
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


def summarize_dir(out: Path, console: Console) -> int:
    """Write summary.csv for a run directory and print its table."""
    contents = read_records(out / RUNS_FILE)
    if contents.bad_lines:
        console.print(f"warning: skipped unreadable line(s) {contents.bad_lines} of "
                      f"{out / RUNS_FILE} (a run interrupted while writing?)")
    try:
        peak = plan_peak(json.loads((out / PLAN_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        peak = None
    rows = summarize_records(contents.records, peak_gflops=peak["gflops"] if peak else None)
    write_summary_csv(rows, out / SUMMARY_FILE)
    print_summary(rows, f"nnbench — {out} — test accuracy: mean ± 95% CI over seeds", console)
    console.print(f"records: {out / RUNS_FILE}   summary: {out / SUMMARY_FILE}")
    return 0


def report_dir(out: Path, console: Console) -> int:
    """Write report.md, report.html, plots/ and summary.csv of a run directory."""
    from bench.present.report.build import ReportError, write_report  # pandas and matplotlib: lazy

    try:
        report, files = write_report(out)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    for warning in report.warnings:
        console.print(f"note: {warning}", highlight=False)
    console.print(f"report: {files['markdown']}  {files['html']}  plots: {files['plots']}/",
                  highlight=False)
    return 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from bench.present.report.build import ReportError, load_run

    try:
        load_run(args.dir)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    return summarize_dir(args.dir, console) or report_dir(args.dir, console)


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    from bench.judge.compare import compare_dirs
    from bench.present.report.build import ReportError

    try:
        return compare_dirs(args.dir_a, args.dir_b, console)
    except ReportError as exc:
        raise UsageError(str(exc)) from None


def cmd_baseline(args: argparse.Namespace, console: Console) -> int:
    try:
        data, keys = update_baseline(args.dir, args.baseline)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    console.print(f"{args.baseline}: {len(keys)} entr{'y' if len(keys) == 1 else 'ies'} "
                  f"written from {args.dir}, {len(data['entries'])} in all", highlight=False)
    return 0


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    try:
        baseline = load_baseline(args.baseline)
        current = entries_from_run(args.dir)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    verdicts = gate.check(baseline, current)
    console.print(gate.verdict_table(verdicts))
    failed = [v for v in verdicts if v.failed]
    if failed:
        console.print(f"[bold red]{len(failed)} regression(s)[/] against {args.baseline}; if a "
                      "change is intended, update the baseline with `nnbench baseline "
                      f"{args.dir}` and commit it", highlight=False)
        return 1
    console.print(f"no regression against {args.baseline} ({len(verdicts)} entries)",
                  highlight=False)
    return 0


def _gap(value: float) -> str:
    return "" if value != value else f"{value:.1e}"


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    backends = _names("backends", args.backends, list(BACKENDS)) or \
        _selected_backends(Suite())
    cases = list(_names("cases", args.cases, list(verification.CASES)) or verification.CASES)
    n_threads = args.threads or threads.default_threads()
    console.print(f"nnbench verify: {len(cases)} case(s) on {len(backends)} backend(s), float64, "
                  f"shared initial weights; tolerance {verification.TOLERANCE:g} against "
                  f"{verification.REFERENCE}", highlight=False)
    rows = verification.verify(
        list(backends), cases, n_threads,
        on_backend=None if console.is_terminal else lambda b: console.print(f"  {b} ..."))
    table = Table(title="agreement with the NumPy backend (largest relative gap)")
    for column in ("backend", "case", "epochs", "n_params", "loss gap", "weight gap", "verdict"):
        table.add_column(column, justify="right" if column in ("epochs", "n_params") else "left")
    for row in rows:
        verdict = row.verdict if row.status == "ok" else f"{row.status}: {row.reason}"
        style = "green" if row.agrees else ("red" if row.status in ("ok", "failed") else "yellow")
        table.add_row(row.backend, row.case, str(row.epochs or ""), str(row.n_params or ""),
                      _gap(row.loss_gap), _gap(row.weight_gap), f"[{style}]{verdict}[/]")
    console.print(table)
    deviations = {(r.backend, d) for r in rows for d in r.deviations}
    for backend, text in sorted(deviations):
        console.print(f"  deviation ({backend}): {text}", highlight=False)
    bad = [r for r in rows if not r.agrees and r.status not in ("unsupported", "unavailable")]
    if bad:
        console.print(f"[bold red]{len(bad)} case(s) disagree or failed[/]", highlight=False)
        return 1
    console.print("every supported case agrees", highlight=False)
    return 0


def cmd_fetch(args: argparse.Namespace, console: Console) -> int:
    from tasks.datadir import data_dir, data_set_of, fetch

    of_task = {n: d for n in TASKS if (d := data_set_of(get_task(n))) is not None}
    data_sets = {d.name: d for d in of_task.values()}  # tasks may share one (mnist-small)
    if args.name in of_task:
        args.name = of_task[args.name].name
    if args.name != "all" and args.name not in data_sets:
        raise UsageError(f"no data to fetch for {args.name!r}{suggest(args.name, data_sets)}; "
                         f"choose all or one of: {', '.join(data_sets)}")
    failed = 0
    for name in data_sets if args.name == "all" else [args.name]:
        try:
            paths = fetch(data_sets[name])
        except DataError as exc:
            failed += 1
            print(f"nnbench fetch: {name}: {exc}", file=sys.stderr)
            continue
        console.print(f"{name}: {len(paths)} file(s) present and verified in "
                      f"{data_dir() / data_sets[name].name}", highlight=False)
    return 1 if failed else 0


def list_data() -> dict[str, Any]:
    tasks = {}
    for name in TASKS:
        task = get_task(name)
        tasks[name] = {"description": task.description, "protocol": task.protocol,
                       "features": task.n_features, "classes": list(task.classes),
                       "source": task.source,
                       "recipes": {r: recipe.to_dict() for r, recipe in task.recipes.items()}}
    backends = {}
    for name, entry in BACKENDS.items():
        reason = entry.unavailable_reason()
        backends[name] = {"framework": entry.framework, "available": reason is None,
                          "version": entry.framework_version(), "reason": reason}
    return {"tasks": tasks, "backends": backends}


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    data = list_data()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    tasks = Table(title="tasks", title_justify="left", header_style="bold")
    for column in ("task", "protocol", "inputs", "classes", "recipes", "description"):
        tasks.add_column(column)
    for name, t in data["tasks"].items():
        tasks.add_row(name, t["protocol"], str(t["features"]), str(len(t["classes"])),
                      ", ".join(t["recipes"]), t["description"])
    backends = Table(title="backends", title_justify="left", header_style="bold")
    for column in ("backend", "framework", "version / why unavailable"):
        backends.add_column(column)
    for name, b in data["backends"].items():
        backends.add_row(name, b["framework"], b["version"] if b["available"]
                         else f"[red]unavailable:[/] {b['reason']}")
    console.print(tasks)
    console.print(backends)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Logs and pipes get a wide table rather than rich's 80-column default.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    try:
        command = {"list": cmd_list, "run": cmd_run, "report": cmd_report,
                   "compare": cmd_compare, "baseline": cmd_baseline, "check": cmd_check,
                   "fetch": cmd_fetch, "verify": cmd_verify}[args.command]
        return command(args, console)
    except UsageError as exc:
        print(f"nnbench {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
