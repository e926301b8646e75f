"""Every cell a person reads, formatted once: times, accuracies, run counts, notes, provenance.

The terminal table, report.md, report.html, `compare` and the plots' labels all call these,
so a number reads the same wherever it is shown. They return plain text; escaping for a
terminal, Markdown or HTML is the renderer's job (names chosen by users are shown literally).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from bench.execution.dropout import SKIPPED
from bench.execution.peak import Peak
from bench.judge.compare import Change
from bench.plan.scale import AxisKind
from bench.results.provenance import Provenance
from bench.results.scaling import AxisStudy, Crossing, Curve, ScalingStudy, Segment
from bench.results.stats import Summary
from bench.results.summary import GroupSummary, Outcome

DASH = "-"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def clip(text: str, limit: int, where: str = "") -> str:
    """`text` cut at the last word that fits `limit` characters, ending in '…' and, when given,
    where to read the rest ('… (in full: report.md)'); unchanged when it fits."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:(") or text[:limit]
    return f"{cut}…" + (f" ({where})" if where else "")


def seconds(value: float | None) -> str:
    """3 significant digits in µs, ms or s; '-' for no value."""
    if value is None or not math.isfinite(value):
        return DASH
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s" if value < 1000 else f"{value:,.0f} s"


def _iqr(iqr: float, median: float) -> str:
    """The IQR in the unit `seconds` gives the median, without the unit."""
    scale = 1e6 if median < 1e-3 else 1e3 if median < 1 else 1.0
    value = iqr * scale
    return f"{value:.0f}" if value >= 100 else f"{value:.2g}"


#: appended to the training-time cells of a group whose timings cannot be trusted
UNTRUSTED = " !"
#: the phases that mark gets: the timed training, whose figures a busy machine distorts most
MARKED_PHASES = ("fit", "steady_epoch")


def time_cell(s: GroupSummary, phase: str) -> str:
    """`phase`'s time: the seed mean ("12.4 ms"), or with timing repeats the median over every
    ok run and its interquartile range in the median's unit ("12.4 ms (IQR 0.3)"); the
    training phases end in " !" when the group's timings cannot be trusted (`trust_note`)."""
    if not s.ok:
        return DASH
    stats = s.times.of(phase)
    if s.repeats <= 1:
        text = seconds(stats.mean)
    elif not math.isfinite(stats.median):
        return DASH
    else:
        text = f"{seconds(stats.median)} (IQR {_iqr(stats.iqr, stats.median)})"
    return text + UNTRUSTED if phase in MARKED_PHASES and not s.trust.trusted else text


#: what to do when timings cannot be trusted
TRUST_ADVICE = ("close other work and run again (by default every run gets a core of its own: "
                "one single-threaded run per core), or add --repeat 3 to see the spread")


def trust_note(s: GroupSummary) -> str:
    """Why the group's timings cannot be trusted ('' when they can); what fixes it is said
    once, under the table (`TRUST_ADVICE`)."""
    trust = s.trust
    if trust.trusted:
        return ""
    why = []
    if trust.busy:
        why.append(f"{trust.busy_runs}/{trust.runs} runs on a busy machine (load "
                   f"{trust.max_load:.1f} on {trust.cpus} CPUs)")
    if trust.spread:
        why.append(f"steady epochs vary {trust.steady_spread:.0f}x across runs")
    if trust.mixed:
        why.append(f"mixed hosts: times of {len(trust.hosts)} machines "
                   f"({', '.join(trust.hosts)}) averaged; the records name each run's host")
    return f"timings not trustworthy (!): {'; '.join(why)}"


def percent(fraction: float) -> str:
    """0.95 -> '95%', 0.975 -> '97.5%'."""
    return f"{round(fraction * 100, 6):g}%"


def accuracy(value: float | None) -> str:
    return DASH if value is None or not math.isfinite(value) else f"{value:.3f}"


def accuracy_delta(delta: float) -> str:
    """A change of accuracy: '+0.012', '-0.250'; '±0' when exactly none ('+0.000' is a change
    smaller than the last digit)."""
    if not math.isfinite(delta):
        return DASH
    return "±0" if delta == 0 else f"{delta:+.3f}"


def ratio(value: float) -> str:
    """A time ratio: '×0.52', '×2.00', '×35.4', '×135'."""
    if not math.isfinite(value):
        return DASH
    return f"×{value:.2f}" if value < 10 else f"×{value:.1f}" if value < 100 else f"×{value:,.0f}"


def relative_gap(value: float) -> str:
    """How far apart two curves are, relative to one: '0', '3.1e-13', '2.9e-2'."""
    return "0" if value == 0 else re.sub(r"e([+-])0", r"e\1", f"{value:.1e}")


def points_gap(value: float) -> str:
    """How far apart two accuracy curves are, in percentage points: '0', '0.22 points'."""
    return "0" if value == 0 else f"{value * 100:.2g} points"


def coincide_note(members: tuple[str, ...], loss_gap: float | None = None,
                  accuracy_gap: float | None = None) -> str:
    """'numpy = torch = sklearn: one striped line, the curves coincide (largest gap to numpy's
    mean: loss 3.1e-13 relative, accuracy 0)'; a gap left out is a panel they do not share."""
    gaps = []
    if loss_gap is not None:
        gaps.append(f"loss {relative_gap(loss_gap)} relative")
    if accuracy_gap is not None:
        gaps.append(f"accuracy {points_gap(accuracy_gap)}")
    panel = "" if len(gaps) == 2 else "loss: " if loss_gap is not None else "accuracy: "
    return (f"{panel}{' = '.join(members)}: one striped line, the curves coincide (largest gap "
            f"to {members[0]}'s mean: {', '.join(gaps)})")


def mean_ci(summary: Summary) -> str:
    """'0.917 ± 0.359' (mean ± 95% CI half-width), '0.917' for one value, '-' for none."""
    if not summary.n:
        return DASH
    text = accuracy(summary.mean)
    if summary.n > 1 and math.isfinite(summary.ci95):
        text += f" ± {summary.ci95:.3f}"
    return text


def accuracy_cell(s: GroupSummary) -> str:
    return mean_ci(s.accuracy) if s.ok else DASH


def worst_best(s: GroupSummary) -> str:
    return f"{accuracy(s.accuracy.low)}..{accuracy(s.accuracy.high)}" if s.ok else DASH


def train_accuracy(s: GroupSummary) -> str:
    return accuracy(s.train_accuracy) if s.ok else DASH


def runs_cell(s: GroupSummary) -> str:
    """'3/3 ok', or '2/4 ok · timeout 1 · not run 1': every record and planned run counted."""
    others = [f"{status} {n}" for status, n in s.statuses.items() if status != "ok"]
    if s.missing:
        others.append(f"not run {s.missing}")
    return " · ".join([f"{s.ok}/{s.runs + s.missing} ok", *others])


def headline_accuracy(s: GroupSummary) -> str:
    """The accuracy headline's cell: the accuracy, '(2/3 ok)' when some runs were not ok, and
    the statuses ('unsupported ×3') when none was."""
    if s.ok >= s.runs:
        return accuracy_cell(s)
    if s.ok:
        return f"{accuracy_cell(s)} ({s.ok}/{s.runs} ok)"
    return s.status_counts(" ×")


def gflops_cell(s: GroupSummary) -> str:
    """Achieved GFLOP/s of the steady epoch, with the share of the matmul peak when known:
    '12.3 (41%)'; '-' without a throughput."""
    value = s.steady_gflops
    if not s.ok or not math.isfinite(value):
        return DASH
    text = f"{value:.3g}" if value < 100 else f"{value:.0f}"
    share = s.steady_percent_of_peak
    if math.isfinite(share):
        text += f" ({share:.0f}%)" if share >= 10 else f" ({share:.2g}%)"
    return text


def rss_cell(s: GroupSummary) -> str:
    return f"{s.peak_rss_mb:.0f} MB" if s.ok and math.isfinite(s.peak_rss_mb) else DASH


def params_cell(s: GroupSummary) -> str:
    return f"{s.n_params:,}" if s.ok and s.n_params else DASH


def target_cell(s: GroupSummary) -> str:
    """The median time to the task's target, '(2/3)' when only some seeds reached it."""
    if not s.ok:
        return DASH
    reached = s.target_reached or 0
    if reached == 0:
        return f"not reached (0/{s.ok_seeds})"
    text = seconds(s.time_to_target)
    return text if reached == s.ok_seeds else f"{text} ({reached}/{s.ok_seeds})"


def metric_cell(summary: Summary | None) -> str:
    return DASH if summary is None else mean_ci(summary)


def seeds(values: tuple[Any, ...]) -> str:
    return ("seed " if len(values) == 1 else "seeds ") + ", ".join(str(s) for s in values)


def _outcome(outcome: Outcome, label: str) -> str:
    return f"{label} ({seeds(outcome.seeds)}): {outcome.reason}"


def notes(s: GroupSummary) -> str:
    """Deviations, then each non-ok outcome with its seeds and reason, then early stops."""
    parts = []
    if s.deviations:
        parts.append(f"deviations: {'; '.join(s.deviations)}")
    parts += [_outcome(o, o.status) for o in s.outcomes]
    parts += [_outcome(o, "stopped early") for o in s.early_stops]
    if s.ok and not s.trust.trusted:
        parts.append(trust_note(s))
    return "; ".join(parts)


def reference_cell(s: GroupSummary | None) -> str:
    """The overview's cell of the reference backend: its own steady epoch (marked when its
    timings cannot be trusted) and mean accuracy, '6.70 ms · 0.983'."""
    if s is None or not s.ok:
        return s.status_counts(" ×") if s is not None and s.runs else DASH
    mark = "" if s.trust.trusted else UNTRUSTED
    return f"{seconds(s.time('steady_epoch'))}{mark} · {accuracy(s.accuracy.mean)}"


def relative_cell(change: Change | None) -> str:
    """The overview's cell of a backend against the reference: steady epoch as a multiple of the
    reference's (marked when either side's timings cannot be trusted) and the difference of
    mean accuracy, '×2.29 · +0.002'; the statuses when the backend has no ok run."""
    if change is None or change.b is None:
        return DASH
    if not change.b.ok:
        return change.b.status_counts(" ×")
    if change.a is None or not change.a.ok:
        return DASH
    mark = "" if change.trusted else UNTRUSTED
    return f"{ratio(change.steady_ratio)}{mark} · {accuracy_delta(change.delta)}"


def plot_note(summaries: list[GroupSummary], plotted_tasks: list[str]) -> str:
    """Why a task x recipe has no plots of its own ('' when it has): only one backend ran it
    ok (its learning curves share a figure with the other tasks of that recipe, listed in
    `plotted_tasks`), or none did."""
    ok = [s.backend for s in summaries if s.ok]
    if len(ok) > 1:
        return ""
    if not ok:
        return "No plots: no backend finished an ok run (the table says why)."
    tasks = ", ".join(dict.fromkeys(plotted_tasks))
    return (f"Only {ok[0]} finished an ok run, so there is nothing to compare in a plot: its "
            f"accuracy and times are in the table, and one figure holds the learning curves of "
            f"every {summaries[0].recipe} task only {ok[0]} ran ok ({tasks}).")


def spec_line(net: dict[str, Any], train: dict[str, Any]) -> str:
    """The recipe in one line: layers, activations, loss, optimizer, lr, batch, epochs, dtype."""
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
    rows = f", first {train['rows']:,} rows" if train.get("rows") else ""
    return (f"network {layers} ({hidden}{net.get('output')}, {net.get('loss')}, "
            f"init {net.get('init')}); {optimizer} lr {train.get('lr', 0):g}, {batch}, "
            f"{train.get('epochs')} epochs{extra}, {train.get('dtype')}{rows}")


def peak_text(peak: Peak) -> str:
    """'153.2 GFLOP/s float32 (NumPy matmul 2048x2048, best of 5, 1 thread, openblas 0.3.27)'."""
    details = [f"NumPy matmul {peak.n}x{peak.n}", f"best of {peak.repeats}",
               plural(peak.threads, "thread")]
    if peak.blas:
        details.append(peak.blas)
    return f"{peak.gflops:,.1f} GFLOP/s {peak.dtype} ({', '.join(details)})"


def suite_text(suite: dict[str, Any] | None, plan_file: str = "plan.json") -> str:
    if not isinstance(suite, dict):
        return f"unknown (no readable {plan_file})"
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
    if isinstance(suite.get("scale"), dict):
        parts.append(f"scaling study: {scale_text(suite['scale'])}")
    return f"{suite.get('name', 'custom')} ({'; '.join(parts)})"


def date_range(first: datetime | None, last: datetime | None) -> str:
    if first is None or last is None:
        return "unknown"
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M}–{last:%H:%M} UTC"
    return f"{first:%Y-%m-%d %H:%M} – {last:%Y-%m-%d %H:%M} UTC"


def commit_text(commit: str) -> str:
    return commit[:12] + (" (with uncommitted changes)" if commit.endswith("+dirty") else "")


def short_commit(commit: str) -> str:
    return commit[:12] + ("+dirty" if commit.endswith("+dirty") else "")


#: what each `executor.mode` means, for the provenance
MODE_TEXT = {"forked": "forked from a pre-imported process per backend",
             "fresh": "in a fresh process each",
             "decided without a process": "decided without a process (unsupported or "
                                          "unavailable: no framework imported)",
             SKIPPED: "not run (scaling points after one over its budget)",
             "lost": "lost by Ray (no node returned a record)"}


def execution_text(p: Provenance) -> str:
    """'local executor, 2 runs at a time, 1 thread each; 120 runs forked from ... (imports
    paid once per backend: numpy 0.05 s, ...), 66 decided without a process (...)'."""
    e = p.execution
    parts = []
    if e.get("executor") == "ray":
        parts.append(f"ray executor ({e.get('address') or 'embedded'}, placement "
                     f"{e.get('placement', 'pack')}), "
                     f"{plural(e.get('threads') or 0, 'thread')} per run")
    elif e:
        parts.append(f"{e.get('executor', 'local')} executor, {e.get('jobs', '?')} runs at a "
                     f"time, {plural(e.get('threads') or 0, 'thread')} each on "
                     f"{e.get('cores', '?')} cores")
    modes = [f"{n} {MODE_TEXT.get(mode, mode)}" for mode, n in p.modes]
    if p.imports_once:
        once = ", ".join(f"{backend} {seconds(s)}" for backend, s in p.imports_once)
        modes = [m + (f" (imports paid once per backend: {once})"
                      if m.endswith(MODE_TEXT["forked"]) else "") for m in modes]
    if modes:
        parts.append("runs: " + ", ".join(modes))
    return "; ".join(parts)


def provenance_lines(p: Provenance, runs_file: str = "runs.jsonl",
                     plan_file: str = "plan.json") -> list[tuple[str, str]]:
    """(label, text) pairs: machine, threads, matmul peak, versions, commit, suite, date,
    records."""
    machine = "; ".join(p.cpus) or "unknown CPU"
    if p.cores:
        machine += f", {' / '.join(p.cores)} logical cores"
    if p.platforms:
        machine += f" ({'; '.join(p.platforms)})"
    threads = (" / ".join(p.threads) or "unknown") + " per run"
    if p.blas_pools:
        threads += f" (BLAS pools seen: {', '.join(p.blas_pools)})"
    frameworks = "; ".join(f"{backend}: {', '.join(versions) or 'version unknown'}"
                           for backend, versions in p.frameworks)
    python = ", ".join(p.pythons) or "unknown"
    if p.numpys:
        python += f", NumPy {', '.join(p.numpys)}"
    commits = ", ".join(commit_text(c) for c in p.commits) or "unknown"
    if len(p.commits) > 1:
        commits += " — records come from several commits"
    records = f"{p.n_records} in {runs_file} (" + ", ".join(
        f"{n} {status}" for status, n in p.statuses) + ")"
    if p.bad_lines:
        records += f"; unreadable line(s) skipped: {', '.join(map(str, p.bad_lines))}"
    peak = (peak_text(p.peak) + ", measured once at the start of the run" if p.peak
            else f"not measured (no peak in {plan_file})")
    lines = [("Machine", machine), ("Threads", threads)]
    if len(p.hosts) > 1 or p.execution.get("executor") == "ray":
        lines.append(("Hosts", "; ".join(p.hosts) or "unknown"))
    if p.execution or p.modes:
        lines.append(("Execution", execution_text(p)))
    return [*lines, ("Matmul peak", peak),
            ("Python", python), ("Frameworks", frameworks), ("nnbench commit", commits),
            ("Suite", suite_text(p.suite, plan_file)),
            ("Date", date_range(p.first_started, p.last_started)), ("Records", records)]


# --- scaling studies ---------------------------------------------------------------------------

def scale_text(scale: dict[str, Any]) -> str:
    """'width 16..4,096 (9 points), batch 1..1,024 (11 points); budget 5 s per point'."""
    axes = []
    for name, table in scale.items():
        values = table.get("values") if isinstance(table, dict) else None
        if values:
            axes.append(f"{name} {min(values):,}..{max(values):,} ({plural(len(values), 'point')})")
    budget = scale.get("budget")
    return ", ".join(axes) + (f"; budget {budget:g} s per point" if budget else "")


def scaling_intro(study: ScalingStudy) -> str:
    """What the study measured: its axes, the budget per point and the yardstick."""
    axes = ", ".join(f"{a.axis} ({a.task}, {plural(len(a.values), 'point')})" for a in study.axes)
    budget = (f"a budget of {study.budget:g} s of training per point" if study.budget
              else "no budget per point")
    peak = (f"the roofline and % of peak use the float32 matmul peak of "
            f"{study.peak_gflops:,.1f} GFLOP/s measured at the start" if study.peak_gflops
            else "no matmul peak was measured, so there is no roofline")
    return f"Axes: {axes}; {budget}; {peak}."


def axis_value(kind: AxisKind, value: int) -> str:
    """'width 256', 'batch 1 (online)', 'rows 60,000'."""
    return f"{kind.label} {value:,}" + (" (online)" if kind.name == "batch" and value == 1 else "")


def measure_name(kind: AxisKind) -> str:
    return "per-epoch time" if kind.measure == "epoch" else "per-step time"


def exponent(k: float) -> str:
    return DASH if not math.isfinite(k) else f"{k:.2f}"


def share(percent: float) -> str:
    """A share of the matmul peak: '41%', '0.52%'."""
    if not math.isfinite(percent):
        return DASH
    return f"{percent:.0f}%" if percent >= 10 else f"{percent:.2g}%"


def axis_title(axis: AxisStudy) -> str:
    """'synthetic: width — per-step time; network 784-W-W-10, batch 64, first 1,024 rows'."""
    layers = [str(n) for n in axis.net.get("layers", [])]
    symbol = {"width": "W", "depth": "D"}.get(axis.axis)
    if axis.axis == "width":
        layers = [layers[0], *["W"] * (len(layers) - 2), layers[-1]] if layers else []
    elif axis.axis == "depth" and layers:
        layers = [layers[0], f"{layers[1]} x D", layers[-1]]
    fixed = [f"network {'-'.join(layers)}" + (f" ({symbol} = {axis.axis})" if symbol else "")]
    if axis.axis != "batch":
        fixed.append(f"batch {axis.train.get('batch_size')}")
    if axis.axis != "rows" and axis.train.get("rows"):
        fixed.append(f"first {axis.train['rows']:,} rows")
    return f"{axis.task}: {axis.axis} — {measure_name(axis.kind)}; {', '.join(fixed)}"


def _segment(segment: Segment, kind: AxisKind, lowest: int, highest: int) -> str:
    first, last = f"{segment.first:,}", f"{segment.last:,}"
    if segment.first == segment.last:
        return f"at {kind.label} {first}"
    if segment.first == lowest:
        return f"up to {kind.label} {last}"
    if segment.last == highest:
        return f"from {kind.label} {first}"
    return f"from {kind.label} {first} to {last}"


def fastest_text(axis: AxisStudy) -> str:
    """'numpy is fastest up to width 256; keras from width 512 to 2,048; keras-jax at width
    4,096' (over the backends that ran each value)."""
    segments = axis.fastest
    if not segments:
        return "no backend finished a point ok"
    lowest, highest = segments[0].first, segments[-1].last
    if len(segments) == 1 and lowest == highest:
        return (f"{segments[0].backend} is fastest at {axis.kind.label} {lowest:,}, the only "
                "value that ran")
    if len(segments) == 1:
        return (f"{segments[0].backend} is fastest at every {axis.kind.label} that ran "
                f"({lowest:,} to {highest:,})")
    parts = [_segment(s, axis.kind, lowest, highest) for s in segments]
    return "; ".join(f"{s.backend} {'is fastest ' if i == 0 else ''}{part}"
                     for i, (s, part) in enumerate(zip(segments, parts)))


def crossing_cell(c: Crossing | None, kind: AxisKind) -> str:
    """'faster from width 512', 'slower throughout', '... (order changes 3 times)'."""
    if c is None:
        return DASH
    word = "faster" if c.faster_at_end else "slower"
    text = f"{word} throughout" if c.since is None else f"{word} from {kind.label} {c.since:,}"
    return text + (f" (order changes {c.changes} times)" if c.changes > 1 else "")


def half_peak_cell(curve: Curve, kind: AxisKind) -> str:
    if kind.measure == "epoch" or curve.half_peak is None:
        return DASH
    return axis_value(kind, curve.half_peak)


def time_range_cell(curve: Curve) -> str:
    """'12.1 µs (16) → 4.2 ms (4,096)': the median time at the smallest and largest point."""
    if not curve.points:
        return DASH
    first, last = curve.points[0], curve.points[-1]
    if first is last:
        return f"{seconds(first.time.median)} ({first.value:,})"
    return (f"{seconds(first.time.median)} ({first.value:,}) → {seconds(last.time.median)} "
            f"({last.value:,})")


def dropped_cell(curve: Curve, kind: AxisKind) -> str:
    """The values without an ok point, by reason: 'width 1,024, 2,048: timeout: not run: ...'."""
    by_reason: dict[tuple[str, str], list[int]] = {}
    for d in curve.dropped:
        by_reason.setdefault((d.status, d.reason), []).append(d.value)
    parts = [f"{kind.label} {', '.join(f'{v:,}' for v in values)}: {status}: {reason}"
             for (status, reason), values in by_reason.items()]
    single = [p.value for p in curve.points if p.epochs < 2]
    if single:
        parts.append(f"one epoch only (no steady epoch) at {kind.label} "
                     f"{', '.join(f'{v:,}' for v in single)}")
    return "; ".join(parts)


def scaling_row(axis: AxisStudy, curve: Curve) -> list[str]:
    """One backend's row of an axis's table (the columns of `scaling_columns`)."""
    kind = axis.kind
    cross = next((c for c in axis.crossings if c.backend == curve.backend), None)
    versus = "reference" if curve.backend == axis.reference else crossing_cell(cross, kind)
    return [curve.backend, f"{len(curve.points)}/{len(curve.points) + len(curve.dropped)}",
            time_range_cell(curve), exponent(curve.slope), exponent(curve.top_slope),
            share(curve.best_percent), half_peak_cell(curve, kind), versus,
            dropped_cell(curve, kind)]


def scaling_columns(axis: AxisStudy, top: int) -> list[str]:
    """The columns of an axis's table: `top` is how many of the largest points the second
    exponent is fitted over."""
    reference = axis.reference or "numpy"
    return ["backend", "points", f"{measure_name(axis.kind)} (smallest → largest)",
            "k, all points", f"k, largest {top}", "best % of peak", "half of best % from",
            f"vs {reference}", "notes"]
