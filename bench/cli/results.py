"""`nnbench report`, `compare`, `baseline` and `check`: commands on finished run directories."""

from __future__ import annotations

import argparse

from rich.console import Console

from bench.cli.errors import EXIT_FAILED, UsageError
from bench.judge import gate
from bench.judge.baseline import BaselineError, entries_from_run, load_baseline, update_baseline
from bench.judge.compare import RULE, compare_summaries
from bench.present import terminal
from bench.present.report.write import write_report, write_summary
from bench.results.provenance import provenance
from bench.results.rundir import RUNS_FILE, SUMMARY_FILE, RunDir, RunDirError
from bench.results.scaling import scaling_study
from bench.results.summary import summarize_contents


def _open(path) -> RunDir:
    try:
        return RunDir.open(path)
    except RunDirError as exc:
        raise UsageError(str(exc)) from None


def summarize_dir(rundir: RunDir, console: Console) -> int:
    """Write summary.csv for a run directory and print its table."""
    contents = rundir.read()
    if contents.bad_lines:
        console.print(f"warning: skipped unreadable line(s) "
                      f"{[line.number for line in contents.bad_lines]} of {rundir.runs_file} "
                      "(a run interrupted while writing?)", highlight=False, markup=False)
    summaries = summarize_contents(contents)
    write_summary(rundir, summaries)
    study = scaling_study(contents)
    if study is None:
        console.print(terminal.summary_table(
            summaries, f"nnbench — {rundir.path} — test accuracy: mean ± 95% CI over seeds"))
    else:  # a row per point and backend would bury the curves; they are in the report
        for table in terminal.scaling_tables(study):
            console.print(table)
        console.print(f"the table of every point ({len(summaries)} rows) is in the report and "
                      "summary.csv", highlight=False, markup=False)
    console.print(f"records: {rundir.runs_file}   summary: {rundir.path / SUMMARY_FILE}",
                  highlight=False, markup=False)
    return 0


def report_dir(rundir: RunDir, console: Console) -> int:
    """Write report.md, report.html, plots/ and summary.csv of a run directory."""
    report, files = write_report(rundir)
    for warning in report.warnings:
        console.print(f"note: {warning}", highlight=False, markup=False)
    console.print(f"report: {files.markdown}  {files.html}  plots: {files.plots}/",
                  highlight=False, markup=False)
    return 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    rundir = _open(args.dir)
    try:
        with rundir.lock("nnbench report"):
            if not rundir.runs_file.is_file() or not rundir.read().records:
                raise UsageError(f"{rundir.runs_file} holds no readable record (did the run "
                                 "finish any run?)")
            return summarize_dir(rundir, console) or report_dir(rundir, console)
    except RunDirError as exc:
        raise UsageError(str(exc)) from None


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    contents = {side: _open(path).read() for side, path in (("A", args.dir_a),
                                                            ("B", args.dir_b))}
    for c in contents.values():
        if not c.records:
            raise UsageError(f"{c.path / RUNS_FILE} holds no readable record")
    changes = compare_summaries(summarize_contents(contents["A"]),
                                summarize_contents(contents["B"]))
    prov = {side: provenance(c) for side, c in contents.items()}
    for side, c in contents.items():
        console.print(terminal.compare_side(side, c.path, len(c.records), prov[side]))
    for attr, what in (("cpus", "machines"), ("threads", "thread counts")):
        a, b = getattr(prov["A"], attr), getattr(prov["B"], attr)
        if a != b:
            console.print(f"[yellow]warning:[/] A and B used different {what} "
                          f"({', '.join(a)} vs {', '.join(b)}): time ratios compare the "
                          "machines as much as the code", highlight=False)
    console.print(terminal.compare_table(changes, "nnbench compare — B relative to A"))
    flagged = [c for c in changes if c.flagged]
    worse = sum(1 for c in flagged if c.worse)
    console.print(f"{len(changes)} combinations; {len(flagged)} accuracy change(s) beyond the "
                  f"seed spread ({worse} worse, {len(flagged) - worse} better).",
                  highlight=False)
    console.print(RULE, highlight=False, markup=False)
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
    console.print(terminal.verdict_table(verdicts))
    failed = [v for v in verdicts if v.failed]
    if failed:
        console.print(f"[bold red]{len(failed)} regression(s)[/] against {args.baseline}; if a "
                      "change is intended, update the baseline with `nnbench baseline "
                      f"{args.dir}` and commit it", highlight=False)
        return EXIT_FAILED
    console.print(f"no regression against {args.baseline} ({len(verdicts)} entries)",
                  highlight=False, markup=False)
    return 0
