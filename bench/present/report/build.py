"""The report of a run directory as data: provenance, notes, headline tables, one section per
task x recipe (table, spec, plots), and for a scaling study its own section (per axis: which
backend is fastest where, a table of exponents and crossings, plots). `markdown` and `html`
render a `Report`; `write` writes the files.

Everything comes from the directory's summaries (`bench.results.summary`): every record
appears in the tables whatever its status, statistics use the `ok` seeds, and a run that
failed, timed out, diverged, was unsupported or unavailable shows its status and reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.judge.compare import REFERENCE, overview
from bench.present import format as fmt
from bench.present.report.overview import (
    OVERVIEW_PNG,
    overview_table,
    overview_text,
    overview_title,
)
from bench.present.report.table import Table
from bench.present.report.time_section import time_table, time_text
from bench.results.provenance import provenance
from bench.results.rundir import PLAN_FILE, Contents
from bench.results.scaling import TIE, TOP_POINTS, ScalingStudy, scaling_study
from bench.results.summary import GroupSummary, summarize_contents
from bench.results.time_spent import time_spent

#: longest notes cell in report.md (report.html and summary.csv keep the full text)
MD_NOTE_CHARS = 240
PLOT_TITLES = {"curves": "learning curves (training loss, validation accuracy)",
               "accuracy_vs_time": "accuracy vs fit time",
               "epoch_time": "steady-epoch time",
               "shared_curves": "learning curves (one figure for every task of this recipe "
                                "that only one backend ran ok)"}
OVERVIEW_TITLE = f"steady-epoch time and accuracy of every backend against {REFERENCE} (heat maps)"
SCALING_PLOT_TITLES = {"time": "time and share of the matmul peak against the axis",
                       "rss": "peak RSS against the width"}
#: column names of task-specific metrics (others show under their metric name), in this
#: order, baseline accuracy first, next to the accuracy columns
METRIC_LABELS = {"majority_accuracy": "majority baseline", "test_auc": "AUC", "test_cost": "cost",
                 "test_cost_bayes": "cost at P(bad)≥1/6", "baseline_cost": "baseline cost"}
#: columns shown left-aligned (text); the others are numbers
LEFT_COLUMNS = {"task", "recipe", "backend", "runs", "notes"}
#: the throughput column's heading, with and without a measured matmul peak
GFLOPS_COLUMN = {True: "GFLOP/s (% of peak)", False: "GFLOP/s"}

READING_GUIDE_MD = (
    "*How to read:* **test acc** is the mean over the seeds that finished `ok` ± the half-width "
    "of a Student-t 95% confidence interval (wide with 3 seeds by design); **worst..best** the "
    "lowest and highest seed; **time to N%** the median training time (evaluation excluded) "
    "until the validation accuracy first reached the task's target, with (reached/ok seeds) "
    "when some seeds never did; **fit** the training time, **1st epoch** the first epoch "
    "(warm-up, graph building), **steady epoch** the median of the later epochs, **predict** "
    "one prediction on the test split (time columns: mean over seeds; with timing repeats the "
    "median over every ok run, seeds x repeats, and its interquartile range); **GFLOP/s** the "
    "training matrix-product work of one epoch (see `bench/execution/flops.py`) over the "
    "steady epoch, with its share of the machine's float32 matmul peak measured at the start "
    "of the run; **peak RSS** the largest resident memory of a run's process. Runs that did "
    "not finish `ok` are counted in **runs** and explained in **notes**. Per-seed values are "
    "in `runs.jsonl`, every statistic in `summary.csv`.")


SCALING_GUIDE_MD = (
    "*How to read:* every point is an ordinary run (its own section below, without plots). "
    "Along **width**, **depth** and **batch** the time is **per step** (the steady epoch over "
    "its steps), along **rows** per epoch; each is the median over the point's ok runs. "
    "**k** is the exponent of time ~ value^k fitted by least squares on log-log, over every "
    "point and over the largest ones: about 0 where fixed per-step overhead dominates, 1 "
    "where time grows with the rows or the batch, 2 where it grows with width squared. "
    "**% of peak** is the steady epoch's GFLOP/s over the machine's float32 matmul peak; "
    "**half of best % from** is the value from which a backend reaches half its best share: "
    "below it, its steps are overhead-bound. **vs {reference}** says whether the "
    "backend is faster than {reference} at the largest value both ran, and since which value; "
    "there and in **Fastest**, an order changes only when one backend is more than {tie:.0%} "
    "faster than the other, so that noise between near-equal backends is not named a "
    "crossover. "
    "In the plots the dashed line is the roofline, the time at 100% of the peak; hollow "
    "markers are points that ran a single epoch (no steady epoch). A point is stopped after "
    "the epoch crossing the budget, and once a point's epoch takes half the budget or more, "
    "that backend's costlier points on the axis are not run (status timeout, with the reason "
    "in notes).")


@dataclass
class Group:
    """One task x recipe section."""

    task: str
    recipe: str
    target: float | None
    spec: str
    table: Table
    summaries: list[GroupSummary]
    plots: dict[str, Path] = field(default_factory=dict)
    plot_note: str = ""   # why the group has fewer plots than usual, or none


@dataclass
class ScalingAxis:
    """One task x axis of a scaling study: its title, who is fastest where, its table and
    plots ({"time": path, "rss": path})."""

    title: str
    fastest: str
    table: Table
    plots: dict[str, Path] = field(default_factory=dict)


@dataclass
class ScalingSection:
    intro: str
    axes: list[ScalingAxis]
    guide: str


@dataclass
class Report:
    title: str
    summaries: list[GroupSummary]
    groups: list[Group]
    accuracy: Table
    epoch_time: Table
    provenance: list[tuple[str, str]]
    warnings: list[str]
    written_at: str
    overview: Table | None = None        # every backend against NumPy (None: nothing to compare)
    overview_title: str = ""
    overview_text: str = ""
    overview_plot: Path | None = None
    #: the scaling study's section; None for a run directory without one
    scaling: ScalingSection | None = None
    #: where the suite's time went (`time_section`); None without records
    time_table: Table | None = None
    time_text: str = ""

    @property
    def backends(self) -> list[str]:
        return list(dict.fromkeys(s.backend for s in self.summaries))

    @property
    def epoch_time_title(self) -> str:
        """The heading of the steady-epoch headline table (what its cells are)."""
        if any(s.repeats > 1 for s in self.summaries):
            return ("Steady-epoch time (median over seeds x timing repeats, with IQR; median "
                    "epoch after the first)")
        return "Steady-epoch time (mean over seeds; median epoch after the first)"


def anchor(task: str, recipe: str) -> str:
    """The link target of a task x recipe section."""
    return "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in f"{task}-{recipe}").lower()


def group_table(summaries: list[GroupSummary], has_peak: bool = False) -> Table:
    """The table of one task x recipe: one row per backend, every record accounted for."""
    target = next((s.target for s in summaries if s.target is not None), None)
    names = {n for s in summaries for n in s.task_metrics}
    metric_names = [n for n in METRIC_LABELS if n in names] + sorted(names - set(METRIC_LABELS))
    columns = ["backend", "runs", "test acc (95% CI)", "worst..best",
               *(METRIC_LABELS.get(n, n) for n in metric_names),
               *([f"time to {fmt.percent(target)}"] if target is not None else []),
               "fit", "1st epoch", "steady epoch", GFLOPS_COLUMN[has_peak], "predict",
               "peak RSS", "params", "notes"]
    rows = []
    for s in summaries:
        metrics = [fmt.metric_cell(s.task_metrics.get(n)) if s.ok else fmt.DASH
                   for n in metric_names]
        rows.append([s.backend, fmt.runs_cell(s), fmt.accuracy_cell(s), fmt.worst_best(s),
                     *metrics, *([fmt.target_cell(s)] if target is not None else []),
                     fmt.time_cell(s, "fit"), fmt.time_cell(s, "first_epoch"),
                     fmt.time_cell(s, "steady_epoch"), fmt.gflops_cell(s),
                     fmt.time_cell(s, "predict"), fmt.rss_cell(s), fmt.params_cell(s),
                     fmt.notes(s)])
    return Table(columns, rows, [s.all_ok for s in summaries])


def headline(summaries: list[GroupSummary], cell) -> Table:
    """task x recipe rows, one column per backend, `cell(summary)` in each ('-' where a
    backend has no such group)."""
    backends = list(dict.fromkeys(s.backend for s in summaries))
    by_key = {s.key: s for s in summaries}
    rows = []
    for task, recipe in dict.fromkeys((s.task, s.recipe) for s in summaries):
        rows.append([task, recipe, *(cell(by_key[(task, recipe, b)])
                                     if (task, recipe, b) in by_key else fmt.DASH
                                     for b in backends)])
    return Table(["task", "recipe", *backends], rows)


def warnings_of(contents: Contents, summaries: list[GroupSummary]) -> list[str]:
    """What a reader must know before trusting the tables."""
    out = []
    if contents.plan_problem:
        out.append(f"{contents.plan_problem}; every record is reported")
    if contents.bad_lines:
        out.append(f"{contents.runs_name}: skipped unreadable line(s) "
                   f"{', '.join(str(line.number) for line in contents.bad_lines)} "
                   f"({'; '.join(dict.fromkeys(line.problem for line in contents.bad_lines))})")
    if contents.duplicates:
        ids = ", ".join(f"{d.run_id} (lines {', '.join(map(str, d.lines))})"
                        for d in contents.duplicates[:3])
        more = f" and {len(contents.duplicates) - 3} more" if len(contents.duplicates) > 3 else ""
        out.append(f"{fmt.plural(len(contents.duplicates), 'run')} recorded more than once: "
                   f"{ids}{more}; the last record of each counts")
    if contents.foreign:
        ids = ", ".join(f"{f.run_id} (line {f.line})" for f in contents.foreign[:3])
        more = f" and {len(contents.foreign) - 3} more" if len(contents.foreign) > 3 else ""
        out.append(f"{fmt.plural(len(contents.foreign), 'record')} of {contents.runs_name} "
                   f"{'is' if len(contents.foreign) == 1 else 'are'} not in {PLAN_FILE} and "
                   f"not counted: {ids}{more}")
    if contents.missing:
        n = len(contents.missing)
        out.append(f"{fmt.plural(n, 'planned run')} of {PLAN_FILE} "
                   f"{'has' if n == 1 else 'have'} no record (interrupted? "
                   "finish with `nnbench run ... --resume --out DIR`)")
    untrusted = [s for s in summaries if s.ok and not s.trust.trusted]
    if untrusted:
        n = len(untrusted)
        out.append(f"{fmt.plural(n, 'row')} {'has' if n == 1 else 'have'} timings that cannot "
                   f"be trusted (marked !; the notes column says why): "
                   f"{', '.join('/'.join(s.key) for s in untrusted[:4])}"
                   f"{' and more' if n > 4 else ''}; {fmt.TRUST_ADVICE}")
    return out + outcome_warnings(summaries)


#: the kinds of runs that are not ok, as a reader tells them apart: (statuses, what they mean,
#: whether running them again can help)
NOT_OK = ((("unsupported",), "unsupported by design: the backend cannot train that recipe "
                             "(or on that device), so nothing was run", False),
          (("unavailable",), "unavailable on this machine: a framework, its data or the "
                             "device asked for is missing here", False),
          (("diverged",), "diverged: the training loss or the outputs stopped being finite (a "
                          "result of the recipe, not a fault)", False),
          (("failed", "timeout"), "did not finish ok", True))


def outcome_warnings(summaries: list[GroupSummary]) -> list[str]:
    """One note per kind of run that is not ok (`NOT_OK`), saying where the reasons are and,
    for runs that did not finish, how to run them again."""
    counts = Counter()
    for s in summaries:
        counts.update({status: n for status, n in s.statuses.items() if status != "ok"})
    out = []
    for statuses, meaning, retry in NOT_OK:
        seen = [status for status in statuses if counts[status]]
        if not seen:
            continue
        text = f"{fmt.plural(sum(counts[s] for s in seen), 'run')} {meaning}"
        if len(statuses) > 1 or not meaning.startswith(statuses[0]):
            text += f" ({', '.join(f'{counts[s]} {s}' for s in seen)})"
        text += "; the notes column gives each reason"
        if retry:
            text += f"; run them again with `nnbench run ... --resume --retry {','.join(seen)} " \
                    "--out DIR`"
        out.append(text)
    return out


def scaling_section(study: ScalingStudy, plots_dir: Path | None = None,
                    colours: dict[str, str] | None = None) -> ScalingSection:
    """The study's tables and texts (and, when `plots_dir` is given, its plots)."""
    plots = {}
    if plots_dir is not None:
        from bench.present import scaling_plots  # matplotlib: only when drawing

        plots = scaling_plots.plot_study(study, plots_dir, colours)
    axes = []
    for axis in study.axes:
        table = Table(fmt.scaling_columns(axis, TOP_POINTS),
                      [fmt.scaling_row(axis, curve) for curve in axis.curves],
                      [not curve.dropped for curve in axis.curves])
        axes.append(ScalingAxis(fmt.axis_title(axis), fmt.fastest_text(axis), table,
                                plots.get((axis.task, axis.axis), {})))
    reference = next((a.reference for a in study.axes if a.reference), "numpy")
    return ScalingSection(fmt.scaling_intro(study), axes,
                          SCALING_GUIDE_MD.format(reference=reference, tie=TIE))


def build_report(contents: Contents, plots_dir: Path | None = None) -> Report:
    """Tables (and, when `plots_dir` is given, the plots) of a run directory's contents."""
    summaries = summarize_contents(contents)
    has_peak = contents.peak is not None
    study = scaling_study(contents)
    plotted: dict[tuple[str, str], dict[str, Path]] = {}
    colours = None
    if plots_dir is not None:
        from bench.present import plots  # matplotlib: only when drawing

        colours = plots.palette(s.backend for s in summaries)
        # a scaling point's few epochs make no learning curve: the study's plots show them
        drawn = [s for s in summaries if study is None or s.recipe not in study.recipes]
        plotted = plots.plot_report(drawn, plots_dir, colours) if drawn else {}
    shared = {}  # a shared figure's path: the tasks it shows
    for (task, _), kinds in plotted.items():
        for path in kinds.values():
            shared.setdefault(path, []).append(task)
    groups = []
    for task, recipe in dict.fromkeys((s.task, s.recipe) for s in summaries):
        members = [s for s in summaries if (s.task, s.recipe) == (task, recipe)]
        spec = next((fmt.spec_line(s.net, s.train) for s in members
                     if fmt.spec_line(s.net, s.train)), "")
        group = Group(task, recipe, members[0].target, spec, group_table(members, has_peak),
                      members)
        is_point = study is not None and recipe in study.recipes   # drawn by the study
        if plots_dir is not None and any(s.runs for s in members) and not is_point:
            group.plots = plotted.get((task, recipe), {})
            group.plot_note = fmt.plot_note(members, [t for p in group.plots.values()
                                                      for t in shared[p]])
        groups.append(group)
    report = Report(f"nnbench report — {contents.path.name}", summaries, groups,
                    headline(summaries, fmt.headline_accuracy),
                    headline(summaries, lambda s: fmt.time_cell(s, "steady_epoch")),
                    fmt.provenance_lines(provenance(contents), contents.runs_name, PLAN_FILE),
                    warnings_of(contents, summaries),
                    datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    scaling=scaling_section(study, plots_dir, colours) if study else None)
    if contents.records:
        spent = time_spent(contents.records, contents.plan.execution if contents.plan else {})
        report.time_table, report.time_text = time_table(spent), time_text(spent)
    relative = overview(summaries)
    if relative is not None:
        report.overview = overview_table(relative)
        report.overview_title, report.overview_text = (overview_title(relative),
                                                       overview_text(relative))
        if plots_dir is not None:
            from bench.present.overview_plot import plot_overview

            report.overview_plot = plot_overview(relative, plots_dir / OVERVIEW_PNG)
    return report
