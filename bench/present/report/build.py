"""`nnbench report DIR`: summary.csv, plots/, report.md and report.html from runs.jsonl alone.

Everything is rebuilt from the run directory (`runs.jsonl`, plus `plan.json` for the suite and
the runs that never produced a record), so the report can be re-run on old results. Every
record appears in the tables whatever its status: statistics use the `ok` seeds, and a run that
failed, timed out, diverged, was unsupported or unavailable shows its status and reason.

report.md is meant to be pasted into a pull-request comment (tables and plot links, no per-seed
detail); report.html is one self-contained file (inline CSS, plots as base64 data URIs, no
script, no network).
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bench.execution.peak import peak_text, plan_peak
from bench.results.records import RUNS_FILE, read_records
from bench.results.summary import (
    SUMMARY_FILE,
    format_seconds,
    gflops_cell,
    summarize_records,
    target_accuracy,
    timing_cell,
    write_summary_csv,
)

REPORT_MD = "report.md"
REPORT_HTML = "report.html"
PLOTS_DIR = "plots"
PLAN_FILE = "plan.json"
#: longest notes cell in report.md (report.html and summary.csv keep the full text)
MD_NOTE_CHARS = 240
PLOT_TITLES = {"curves": "learning curves (training loss, validation accuracy)",
               "accuracy_vs_time": "accuracy vs fit time",
               "epoch_time": "steady-epoch time"}


class ReportError(Exception):
    """The directory cannot be reported on (missing, not a run directory, no records)."""


@dataclass
class RunData:
    """What a run directory holds: its records, unreadable lines and plan (None if absent)."""

    path: Path
    records: list[dict[str, Any]]
    bad_lines: list[int] = field(default_factory=list)
    plan: dict[str, Any] | None = None


def load_run(path: Path) -> RunData:
    """Read a run directory; ReportError with a clear message when it is not one."""
    path = Path(path)
    if not path.is_dir():
        raise ReportError(f"{path} is not a directory")
    runs = path / RUNS_FILE
    if not runs.is_file():
        raise ReportError(f"{path} has no {RUNS_FILE}: not an nnbench run directory "
                          "(give the --out directory of `nnbench run`)")
    contents = read_records(runs)
    if not contents.records:
        raise ReportError(f"{runs} holds no readable record (did the run finish any run?)")
    plan = None
    if (path / PLAN_FILE).is_file():
        try:
            plan = json.loads((path / PLAN_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            plan = None
    return RunData(path, contents.records, contents.bad_lines, plan)


# ---------------------------------------------------------------------------------- formatting

def percent(fraction: float) -> str:
    """0.95 -> '95%', 0.975 -> '97.5%'."""
    return f"{round(fraction * 100, 6):g}%"


def _acc(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.3f}"


def accuracy_cell(row: dict[str, Any]) -> str:
    """'0.917 ± 0.359' (mean ± 95% CI half-width), '0.917' for one seed, '-' for none."""
    if not row.get("ok"):
        return "-"
    text = _acc(row["test_accuracy_mean"])
    ci = row["test_accuracy_ci95"]
    if row.get("ok_seeds", row["ok"]) > 1 and ci is not None and math.isfinite(ci):
        text += f" ± {ci:.3f}"
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _seeds(seeds: list[Any]) -> str:
    seeds = sorted(set(seeds), key=lambda s: (str(type(s)), s))  # repeats share their seed
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(str(s) for s in seeds)


def spec_line(record: dict[str, Any]) -> str:
    """The recipe in one line: layers, activations, loss, optimizer, lr, batch, epochs, dtype."""
    net, train = record.get("net") or {}, record.get("train") or {}
    if not net or not train:
        return ""
    layers = "-".join(str(n) for n in net.get("layers", []))
    batch = train.get("batch_size")
    batch = "full batch" if batch is None else ("online" if batch == 1 else f"batch {batch}")
    optimizer = train.get("optimizer", "?")
    if optimizer == "momentum":
        optimizer += f" {train.get('momentum')}"
    extra = f", l2 {train['l2']:g}" if train.get("l2") else ""
    hidden = f"{net.get('activation')}→" if len(net.get("layers", [])) > 2 else ""
    return (f"network {layers} ({hidden}{net.get('output')}, {net.get('loss')}, "
            f"init {net.get('init')}); {optimizer} lr {train.get('lr', 0):g}, {batch}, "
            f"{train.get('epochs')} epochs{extra}, {train.get('dtype')}")


# ---------------------------------------------------------------------------------- the tables

def task_protocol(task: str) -> str | None:
    """The task's evaluation protocol from the registry; None for a task it does not know."""
    try:
        from tasks.registry import get_task

        return get_task(task).protocol
    except (KeyError, ImportError, AttributeError, ValueError):
        return None


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per record with its scalar fields (status, accuracy, times, RSS, params)."""
    rows = []
    for r in records:
        timing, metrics = r.get("timing") or {}, r.get("metrics") or {}
        rows.append({
            "task": r["task"], "recipe": r["recipe"], "backend": r["backend"],
            "seed": r.get("seed"), "status": r.get("status", "failed"),
            "error": r.get("error"), "test_accuracy": metrics.get("test_accuracy"),
            "fit_seconds": timing.get("fit_seconds"),
            "steady_epoch_seconds": timing.get("steady_epoch_seconds"),
            "stop_reason": r.get("stop_reason")})
    return pd.DataFrame(rows, columns=["task", "recipe", "backend", "seed", "status", "error",
                                       "test_accuracy", "fit_seconds", "steady_epoch_seconds",
                                       "stop_reason"])


def missing_runs(run: RunData) -> pd.DataFrame:
    """Planned runs without a record (an interrupted run): task, recipe, backend, seed."""
    planned = (run.plan or {}).get("runs") or []
    done = {r["run_id"] for r in run.records}
    rows = [{k: p.get(k) for k in ("task", "recipe", "backend", "seed")}
            for p in planned if isinstance(p, dict) and p.get("run_id") not in done]
    return pd.DataFrame(rows, columns=["task", "recipe", "backend", "seed"])


def _runs_cell(frame: pd.DataFrame, n_missing: int) -> str:
    counts = Counter(frame["status"])
    total = len(frame) + n_missing
    text = f"{counts.pop('ok', 0)}/{total} ok"
    parts = [f"{status} {n}" for status, n in sorted(counts.items())]
    if n_missing:
        parts.append(f"not run {n_missing}")
    return " · ".join([text, *parts])


def _notes(frame: pd.DataFrame, row: dict[str, Any] | None) -> str:
    """Deviations, then each non-ok outcome with its seeds and reason, then stop reasons."""
    notes = []
    if row and row.get("deviations"):
        notes.append(f"deviations: {row['deviations']}")
    bad = frame[frame["status"] != "ok"]
    for (status, error), part in bad.groupby(["status", bad["error"].fillna("no reason given")],
                                             sort=True):
        notes.append(f"{status} ({_seeds(list(part['seed']))}): {error}")
    for reason, part in frame[frame["stop_reason"].notna() & (frame["status"] == "ok")] \
            .groupby("stop_reason"):
        notes.append(f"stopped early ({_seeds(list(part['seed']))}): {reason}")
    return "; ".join(notes)


def _target_cell(row: dict[str, Any]) -> str:
    if not row.get("ok"):
        return "-"
    reached, ok = row.get("target_reached") or 0, row.get("ok_seeds", row["ok"])
    if reached == 0:
        return f"not reached (0/{ok})"
    text = format_seconds(row["time_to_target_seconds_median"])
    return text if reached == ok else f"{text} ({reached}/{ok})"


#: the throughput column's heading, with and without a measured matmul peak
GFLOPS_COLUMN = {True: "GFLOP/s (% of peak)", False: "GFLOP/s"}


def group_table(task: str, recipe: str, rows: list[dict[str, Any]], frame: pd.DataFrame,
                missing: pd.DataFrame, target: float | None,
                has_peak: bool = False) -> pd.DataFrame:
    """The table of one task x recipe: one row per backend, every record accounted for.

    Time cells are seed means, or with timing repeats medians over every ok run with their
    IQR (`bench.results.summary.timing_cell`); the throughput cell is the steady epoch's GFLOP/s, with
    its share of the measured matmul peak when `has_peak`."""
    backends = list(dict.fromkeys([r["backend"] for r in rows] + list(missing["backend"])))
    by_backend = {r["backend"]: r for r in rows}
    target_column = f"time to {percent(target)}" if target is not None else None
    names = {n for r in rows for n in r.get("task_metric_summaries", {})}
    metric_names = [n for n in METRIC_LABELS if n in names] + sorted(names - set(METRIC_LABELS))
    out = []
    for backend in backends:
        row = by_backend.get(backend)
        part = frame[frame["backend"] == backend]
        n_missing = int((missing["backend"] == backend).sum())
        if row is None:  # planned, never run
            row = {"ok": 0}
        cells = {
            "backend": backend,
            "runs": _runs_cell(part, n_missing),
            "test acc (95% CI)": accuracy_cell(row),
            "worst..best": (f"{_acc(row['test_accuracy_worst'])}.."
                            f"{_acc(row['test_accuracy_best'])}" if row["ok"] else "-"),
        }
        for name in metric_names:
            summary = row.get("task_metric_summaries", {}).get(name)
            cells[METRIC_LABELS.get(name, name)] = (
                "-" if summary is None or not summary.n else
                f"{summary.mean:.3f}" + (f" ± {summary.ci95:.3f}" if summary.n > 1 else ""))
        if target_column:
            cells[target_column] = _target_cell(row)
        ok = bool(row["ok"])
        cells.update({
            "fit": timing_cell(row, "fit_seconds") if ok else "-",
            "1st epoch": timing_cell(row, "first_epoch_seconds") if ok else "-",
            "steady epoch": timing_cell(row, "steady_epoch_seconds") if ok else "-",
            GFLOPS_COLUMN[has_peak]: gflops_cell(row) if ok else "-",
            "predict": timing_cell(row, "predict_seconds") if ok else "-",
            "peak RSS": (f"{row['peak_rss_mb_max']:.0f} MB"
                         if ok and math.isfinite(row["peak_rss_mb_max"]) else "-"),
            "params": f"{row['n_params']:,}" if ok and row.get("n_params") else "-",
            "notes": _notes(part, row if ok or row.get("deviations") else None),
        })
        out.append(cells)
    return pd.DataFrame(out)


def all_ok(table: pd.DataFrame) -> list[bool]:
    """Per row of a group table: did every planned run of that backend finish ok?"""
    return [runs.split(" ")[0].split("/")[0] == runs.split(" ")[0].split("/")[1]
            for runs in table["runs"]]


def headline(rows: list[dict[str, Any]], value: str) -> pd.DataFrame:
    """task x recipe rows, one column per backend: accuracy cells or steady-epoch times."""
    cells = []
    for row in rows:
        if value == "accuracy":
            text = accuracy_cell(row)
            if row["ok"] < row["runs"]:
                text = (text + f" ({row['ok']}/{row['runs']} ok)") if row["ok"] else \
                    " ".join(s.replace(":", " ×") for s in row["statuses"].split())
        else:
            text = timing_cell(row, "steady_epoch_seconds") if row["ok"] else "-"
        cells.append({"task": row["task"], "recipe": row["recipe"], "backend": row["backend"],
                      "cell": text})
    frame = pd.DataFrame(cells, columns=["task", "recipe", "backend", "cell"])
    order = list(dict.fromkeys(zip(frame["task"], frame["recipe"])))
    wide = frame.pivot(index=["task", "recipe"], columns="backend", values="cell")
    wide = wide.reindex(pd.MultiIndex.from_tuples(order, names=["task", "recipe"]))
    wide = wide[list(dict.fromkeys(frame["backend"]))].fillna("-").reset_index()
    wide.columns.name = None
    return wide


# ---------------------------------------------------------------------------------- provenance

def _distinct(values) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v not in (None, "")))


def _date_range(records: list[dict[str, Any]]) -> str:
    stamps = []
    for r in records:
        try:
            stamps.append(datetime.fromisoformat(r["started_at"]).astimezone(UTC))
        except (KeyError, TypeError, ValueError):
            continue
    if not stamps:
        return "unknown"
    first, last = min(stamps), max(stamps)
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M}–{last:%H:%M} UTC"
    return f"{first:%Y-%m-%d %H:%M} – {last:%Y-%m-%d %H:%M} UTC"


def _suite_text(plan: dict[str, Any] | None) -> str:
    suite = (plan or {}).get("suite")
    if not isinstance(suite, dict):
        return f"unknown (no readable {PLAN_FILE})"
    parts = [f"{suite.get('seeds', '?')} seeds", f"init {suite.get('init', 'shared')}"]
    if (suite.get("repeat") or 1) > 1:
        parts.insert(1, f"{suite['repeat']} timing repeats")
    if suite.get("epochs"):
        parts.append(f"epochs {suite['epochs']} (override)")
    if suite.get("timeout"):
        parts.append(f"timeout {suite['timeout']:g} s per run")
    for key in ("tasks", "recipes", "backends"):
        parts.append(f"{key}: {', '.join(suite[key]) if suite.get(key) else 'all'}")
    if suite.get("skip"):
        parts.append(f"skipped: {', '.join(suite['skip'])}")
    if suite.get("custom"):
        parts.append(f"custom recipes: {', '.join(suite['custom'])}")
    return f"{suite.get('name', 'custom')} ({'; '.join(parts)})"


def provenance(run: RunData) -> list[tuple[str, str]]:
    """(label, text) pairs: machine, threads, matmul peak, versions, commit, suite, date,
    records."""
    envs = [r.get("env") or {} for r in run.records]
    cores = _distinct(e.get("cores") for e in envs)
    machine = "; ".join(_distinct(e.get("cpu") for e in envs)) or "unknown CPU"
    if cores:
        machine += f", {' / '.join(cores)} logical cores"
    platforms = _distinct(e.get("platform") for e in envs)
    if platforms:
        machine += f" ({'; '.join(platforms)})"
    blas = _distinct(f"{b.get('api')} {b.get('threads')}" for e in envs
                     for b in (e.get("blas") or []) if isinstance(b, dict))
    threads = " / ".join(_distinct(e.get("threads") for e in envs)) or "unknown"
    threads += " per run" + (f" (BLAS pools seen: {', '.join(blas)})" if blas else "")
    frameworks = []
    for backend in dict.fromkeys(r["backend"] for r in run.records):
        versions = _distinct(f"{e.get('framework') or backend} {e.get('framework_version')}"
                             if e.get("framework_version") else None
                             for r, e in zip(run.records, envs) if r["backend"] == backend)
        frameworks.append(f"{backend}: {', '.join(versions) or 'version unknown'}")
    python = ", ".join(_distinct(e.get("python") for e in envs)) or "unknown"
    numpy = ", ".join(_distinct(e.get("numpy") for e in envs))
    commits = _distinct(e.get("nnbench_commit") for e in envs)
    commit_text = ", ".join(c[:12] + (" (with uncommitted changes)" if c.endswith("+dirty")
                                      else "") for c in commits) or "unknown"
    if len(commits) > 1:
        commit_text += " — records come from several commits"
    statuses = Counter(r.get("status") for r in run.records)
    records = f"{len(run.records)} in {RUNS_FILE} (" + ", ".join(
        f"{n} {s}" for s, n in statuses.most_common()) + ")"
    if run.bad_lines:
        records += f"; unreadable line(s) skipped: {', '.join(map(str, run.bad_lines))}"
    peak = plan_peak(run.plan)
    return [
        ("Machine", machine),
        ("Threads", threads),
        ("Matmul peak", peak_text(peak) + ", measured once at the start of the run"
         if peak else f"not measured (no peak in {PLAN_FILE})"),
        ("Python", python + (f", NumPy {numpy}" if numpy else "")),
        ("Frameworks", "; ".join(frameworks)),
        ("nnbench commit", commit_text),
        ("Suite", _suite_text(run.plan)),
        ("Date", _date_range(run.records)),
        ("Records", records),
    ]


# ---------------------------------------------------------------------------------- the report

@dataclass
class Group:
    task: str
    recipe: str
    target: float | None
    spec: str
    table: pd.DataFrame
    plots: dict[str, Path] = field(default_factory=dict)


@dataclass
class Report:
    run: RunData
    rows: list[dict[str, Any]]
    groups: list[Group]
    accuracy: pd.DataFrame
    epoch_time: pd.DataFrame
    provenance: list[tuple[str, str]]
    warnings: list[str]
    written_at: str

    @property
    def epoch_time_title(self) -> str:
        """The heading of the steady-epoch headline table (what its cells are)."""
        if any(r.get("repeats", 1) > 1 for r in self.rows):
            return ("Steady-epoch time (median over seeds x timing repeats, with IQR; median "
                    "epoch after the first)")
        return "Steady-epoch time (mean over seeds; median epoch after the first)"


def build_report(run: RunData, plots_dir: Path | None = None) -> Report:
    """Tables (and, when `plots_dir` is given, the plots) of a run directory."""
    targets: dict[str, float | None] = {}

    def target_of(task: str) -> float | None:
        if task not in targets:
            targets[task] = target_accuracy(task)
        return targets[task]

    peak = plan_peak(run.plan)
    rows = summarize_records(run.records, targets=target_of,
                             peak_gflops=peak["gflops"] if peak else None)
    frame = records_frame(run.records)
    missing = missing_runs(run)
    order = list(dict.fromkeys(list(zip(frame["task"], frame["recipe"]))
                               + list(zip(missing["task"], missing["recipe"]))))
    colours = None
    if plots_dir is not None:
        from bench.present import plots

        colours = plots.palette(list(frame["backend"]) + list(missing["backend"]))
    groups = []
    for task, recipe in order:
        group_rows = [r for r in rows if (r["task"], r["recipe"]) == (task, recipe)]
        part = frame[(frame["task"] == task) & (frame["recipe"] == recipe)]
        records = [r for r in run.records if (r["task"], r["recipe"]) == (task, recipe)]
        table = group_table(task, recipe, group_rows, part,
                            missing[(missing["task"] == task) & (missing["recipe"] == recipe)],
                            target_of(task), has_peak=peak is not None)
        spec = next((spec_line(r) for r in records if spec_line(r)), "")
        group = Group(task, recipe, target_of(task), spec, table)
        if plots_dir is not None and records:
            group.plots = plots.plot_group(task, recipe, records, plots_dir, colours,
                                           task_protocol(task))
        groups.append(group)
    warnings = []
    if run.bad_lines:
        warnings.append(f"{RUNS_FILE}: skipped unreadable line(s) "
                        f"{', '.join(map(str, run.bad_lines))} (a run interrupted while "
                        "writing?)")
    if len(missing):
        warnings.append(f"{_plural(len(missing), 'planned run')} of {PLAN_FILE} "
                        f"{'has' if len(missing) == 1 else 'have'} no record (interrupted? "
                        "finish with `nnbench run ... --resume --out DIR`)")
    not_ok = frame[frame["status"] != "ok"]
    if len(not_ok):
        warnings.append(f"{_plural(len(not_ok), 'run')} did not finish ok: " + ", ".join(
            f"{n} {s}" for s, n in Counter(not_ok["status"]).most_common())
            + " (reasons in the notes column)")
    return Report(run, rows, groups, headline(rows, "accuracy"), headline(rows, "epoch_time"),
                  provenance(run), warnings,
                  datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


#: column names of task-specific metrics (others show under their metric name)
#: (in this order, baseline accuracy first, next to the accuracy columns)
METRIC_LABELS = {"majority_accuracy": "majority baseline", "test_auc": "AUC", "test_cost": "cost",
                 "test_cost_bayes": "cost at P(bad)≥1/6", "baseline_cost": "baseline cost"}

#: columns shown left-aligned (text); the others are numbers
LEFT_COLUMNS = {"task", "recipe", "backend", "runs", "notes"}


def anchor(task: str, recipe: str) -> str:
    """The link target of a task x recipe section."""
    return "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in f"{task}-{recipe}").lower()


READING_GUIDE_MD = (
    "*How to read:* **test acc** is the mean over the seeds that finished `ok` ± the half-width "
    "of a Student-t 95% confidence interval (wide with 3 seeds by design); **worst..best** the "
    "lowest and highest seed; **time to N%** the median training time (evaluation excluded) "
    "until the validation accuracy first reached the task's target, with (reached/ok seeds) "
    "when some seeds never did; **fit** the training time, **1st epoch** the first epoch "
    "(warm-up, graph building), **steady epoch** the median of the later epochs, **predict** "
    "one prediction on the test split (time columns: mean over seeds; with timing repeats the "
    "median over every ok run, seeds x repeats, and its interquartile range); **GFLOP/s** the "
    "training matrix-product work of one epoch (see `bench/flops.py`) over the steady epoch, "
    "with its share of the machine's float32 matmul peak measured at the start of the run; "
    "**peak RSS** the largest resident memory of a run's process. Runs that did not finish "
    "`ok` are counted in **runs** and explained in **notes**. Per-seed values are in "
    "`runs.jsonl`, every statistic in `summary.csv`.")


# ---------------------------------------------------------------------------------- writing

def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_report(path: Path) -> tuple[Report, dict[str, Path]]:
    """(Re)write summary.csv, plots/, report.md and report.html of a run directory.

    Plots of an earlier report that this one does not redraw are removed.
    """
    from bench.present.report.html import render_html  # the renderers import this module
    from bench.present.report.markdown import render_markdown

    run = load_run(path)
    plots_dir = run.path / PLOTS_DIR
    old = set(plots_dir.glob("*__*__*.png")) if plots_dir.is_dir() else set()
    report = build_report(run, plots_dir)
    for stale in old - {p for g in report.groups for p in g.plots.values()}:
        stale.unlink(missing_ok=True)
    write_summary_csv(report.rows, run.path / SUMMARY_FILE)
    files = {"summary": run.path / SUMMARY_FILE, "markdown": run.path / REPORT_MD,
             "html": run.path / REPORT_HTML, "plots": plots_dir}
    _write_text(files["markdown"], render_markdown(report))
    _write_text(files["html"], render_html(report))
    return report, files
