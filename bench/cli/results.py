"""`nnbench report`, `compare`, `reference`, `baseline` and `check`: commands on finished run
directories."""

from __future__ import annotations

import argparse
from collections import Counter

from rich.console import Console

from bench.cli.errors import EXIT_FAILED, UsageError
from bench.judge import gate
from bench.judge.baseline import BaselineError, entries_from_run, load_baseline, update_baseline
from bench.judge.compare import RULE, compare_summaries
from bench.present import terminal
from bench.present.format import TRUST_ADVICE, plural
from bench.present.report.write import write_report, write_summary
from bench.results.compact import write_reference
from bench.results.provenance import Provenance, provenance
from bench.results.rundir import (
    COMPACT_RUNS_FILE,
    PLAN_FILE,
    SUMMARY_FILE,
    RunDir,
    RunDirError,
)
from bench.results.scaling import scaling_study
from bench.results.summary import summarize_contents

#: the most a committed compact reference run should weigh (plan.json + runs.jsonl.gz)
REFERENCE_BYTES = 1_500_000


def _open(path, reference_ok: bool = False) -> RunDir:
    """The run directory at `path` (with `reference_ok`, the repository's results/ opens its
    committed reference run); a UsageError says why not."""
    try:
        return RunDir.open_run_or_reference(path) if reference_ok else RunDir.open(path)
    except RunDirError as exc:
        raise UsageError(str(exc)) from None


def summarize_dir(rundir: RunDir, console: Console, tables: bool = True) -> int:
    """Write summary.csv for a run directory and print its tables (unless `tables` is False)."""
    contents = rundir.read()
    if contents.bad_lines:
        console.print(f"warning: skipped unreadable line(s) "
                      f"{[line.number for line in contents.bad_lines]} of {rundir.records_file} "
                      "(a run interrupted while writing?)", highlight=False, markup=False,
                      soft_wrap=True)
    summaries = summarize_contents(contents)
    write_summary(rundir, summaries)
    if tables:
        _print_tables(contents, summaries, rundir, console)
    console.print(f"records: {rundir.records_file}   summary: {rundir.path / SUMMARY_FILE}",
                  highlight=False, markup=False, soft_wrap=True)
    return 0


def _print_tables(contents, summaries, rundir: RunDir, console: Console) -> None:
    study = scaling_study(contents)
    if study is None:
        for part in terminal.summary_output(
                summaries, f"nnbench — {rundir.path} — test accuracy: mean ± 95% CI over seeds",
                console.width):
            console.print(part)
        return
    # a row per point and backend would bury the curves; they are in the report
    for table in terminal.scaling_tables(study):
        console.print(table)
    console.print(f"the table of every point ({len(summaries)} rows) is in the report and "
                  "summary.csv", highlight=False, markup=False)


def report_dir(rundir: RunDir, console: Console) -> int:
    """Write report.md, report.html, plots/ and summary.csv of a run directory."""
    report, files = write_report(rundir)
    for warning in report.warnings:
        console.print(f"note: {warning}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"report: {files.markdown}  {files.html}  plots: {files.plots}/",
                  highlight=False, markup=False, soft_wrap=True)
    return 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    rundir = _open(args.dir)
    try:
        with rundir.lock("nnbench report"):
            if not rundir.records_file.is_file() or not rundir.read().records:
                raise UsageError(f"{rundir.records_file} holds no readable record (did the run "
                                 "finish any run?)")
            return summarize_dir(rundir, console) or report_dir(rundir, console)
    except RunDirError as exc:
        raise UsageError(str(exc)) from None


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    dirs = {side: _open(path, reference_ok=True) for side, path in (("A", args.dir_a),
                                                                    ("B", args.dir_b))}
    contents = {side: rundir.read() for side, rundir in dirs.items()}
    for c in contents.values():
        if not c.records:
            raise UsageError(f"{c.path / c.runs_name} holds no readable record")
    for side, path in (("A", args.dir_a), ("B", args.dir_b)):
        if dirs[side].path != path:
            console.print(f"{side}: {path} holds the committed reference run: comparing "
                          f"{dirs[side].path}", highlight=False, markup=False)
    changes = compare_summaries(summarize_contents(contents["A"]),
                                summarize_contents(contents["B"]))
    prov = {side: provenance(c) for side, c in contents.items()}
    for side, c in contents.items():
        console.print(terminal.compare_side(side, c.path, len(c.records), prov[side]))
    for what, (a, b) in _differences(prov["A"], prov["B"]):
        console.print(f"[yellow]warning:[/] A and B used different {what} "
                      f"({', '.join(a)} vs {', '.join(b)}): time ratios compare the "
                      "machines as much as the code", highlight=False, soft_wrap=True)
    console.print(terminal.compare_table(changes, "nnbench compare — B relative to A"))
    flagged = [c for c in changes if c.flagged]
    worse = sum(1 for c in flagged if c.worse)
    console.print(f"{len(changes)} combinations; {len(flagged)} accuracy change(s) beyond the "
                  f"seed spread ({worse} worse, {len(flagged) - worse} better).",
                  highlight=False, soft_wrap=True)
    untrusted = sum(1 for c in changes if not c.trusted)
    if untrusted:
        console.print(f"note: {plural(untrusted, 'row')} {'has' if untrusted == 1 else 'have'} "
                      "time ratios that cannot be trusted (marked !; the notes column says "
                      f"why): {TRUST_ADVICE}", highlight=False, markup=False, soft_wrap=True)
    console.print(RULE, highlight=False, markup=False, soft_wrap=True)
    return 0


def _differences(a: Provenance, b: Provenance
                 ) -> list[tuple[str, tuple[tuple[str, ...], tuple[str, ...]]]]:
    """What A and B ran on that differs: the CPU models, else the machines by name (the same
    model on two hosts, or a cluster's several), and the thread counts."""
    found = []
    if a.cpus != b.cpus:
        found.append(("machines", (a.cpus, b.cpus)))
    elif a.host_names and b.host_names and a.host_names != b.host_names:
        found.append(("hosts", (a.host_names, b.host_names)))
    if a.threads != b.threads:
        found.append(("thread counts", (a.threads, b.threads)))
    return found


def cmd_reference(args: argparse.Namespace, console: Console) -> int:
    try:
        written = write_reference(args.dir, args.out)
    except RunDirError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"{written.path}: {written.records} records of {args.dir} in compact form "
                  f"({PLAN_FILE} {written.plan_bytes / 1e3:,.0f} kB, {COMPACT_RUNS_FILE} "
                  f"{written.runs_bytes / 1e3:,.0f} kB); compare a run with it: nnbench "
                  f"compare {written.path} RUN_DIR", highlight=False, markup=False)
    if written.total_bytes > REFERENCE_BYTES:
        console.print(f"[yellow]warning:[/] {written.total_bytes / 1e6:.1f} MB is more than "
                      f"the {REFERENCE_BYTES / 1e6:.1f} MB a committed reference should take",
                      highlight=False)
    return 0


def cmd_baseline(args: argparse.Namespace, console: Console) -> int:
    try:
        baseline, keys = update_baseline(args.dir, args.baseline)
    except (OSError, BaselineError, RunDirError) as exc:
        raise UsageError(str(exc)) from None
    console.print(f"{args.baseline}: {len(keys)} entr{'y' if len(keys) == 1 else 'ies'} "
                  f"written from {args.dir}, {len(baseline.entries)} in all", highlight=False,
                  markup=False)
    return 0


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    try:
        baseline = load_baseline(args.baseline)
        current = entries_from_run(args.dir)
    except (OSError, BaselineError, RunDirError) as exc:
        raise UsageError(str(exc)) from None
    verdicts = gate.check(baseline, current)
    shown = verdicts if args.all else [v for v in verdicts if v.outcome != "ok"]
    if shown:
        console.print(terminal.verdict_table(shown))
    counts = Counter(v.outcome for v in verdicts)
    console.print("verdicts: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
                  + ("" if args.all else " (every entry: --all)"), highlight=False,
                  markup=False, soft_wrap=True)
    failed = [v for v in verdicts if v.failed]
    if failed:
        console.print(f"[bold red]{len(failed)} regression(s)[/] against {args.baseline}; if a "
                      "change is intended, update the baseline with `nnbench baseline "
                      f"{args.dir}` and commit it", highlight=False, soft_wrap=True)
        return EXIT_FAILED
    console.print(f"no regression against {args.baseline} ({len(verdicts)} entries)",
                  highlight=False, markup=False, soft_wrap=True)
    return 0
