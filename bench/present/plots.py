"""The report's plots: PNGs drawn with matplotlib's non-interactive Agg backend.

Per task x recipe that at least two backends ran ok (from `ok` records only):
- `<task>__<recipe>__curves.png`: training loss per epoch (left) and validation accuracy per
  evaluated epoch (right); one line per backend = mean over the seeds that ran that epoch,
  band = min..max over those seeds; the loss axis is logarithmic when it spans more than a
  decade and every value is positive. Backends whose curves coincide at the plot's scale
  (`bench.present.coincide`) share one striped line, in dashes of each one's colour, over
  their common band in grey, and a note under the plot says who coincides and how closely.
- `<task>__<recipe>__accuracy_vs_time.png`: test accuracy against fit time, one point per
  backend at the seed means, error bars = min..max over seeds (log time axis over a decade).
- `<task>__<recipe>__epoch_time.png`: steady-epoch time per backend (horizontal bars at the
  seed mean, error bars = min..max over seeds).

Recipes only one backend ran ok (the perceptron rule: NumPy only) get no per-recipe plots (one
point or bar says nothing the table does not); instead every task of such a recipe shares one
figure of learning curves, `<backend>-only__<recipe>__curves.png`.

Legends and notes (coinciding backends, backends without an ok run) sit in a strip under the
axes that grows the figure, so they never cover data or labels. Every backend keeps one exact
colour (and marker) in every plot (`bench.present.colours`): the PNGs are full colour, never
quantised to a palette. The plots draw what the summaries hold (`bench.results.summary`: the
seeds' bands, the accuracy and time spreads); nothing is recomputed here.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, PercentFormatter  # noqa: E402
from PIL import Image  # noqa: E402  (matplotlib's own dependency)

from bench.present import coincide  # noqa: E402
from bench.present import format as fmt  # noqa: E402
from bench.present.colours import backend_marker, palette  # noqa: E402
from bench.results.summary import Band, GroupSummary  # noqa: E402

DPI = 100
CURVES_SIZE = (11.0, 3.9)   # inches of the axes part: 1100 x 390 px; the key strip adds to it
SMALL_SIZE = (6.2, 4.2)     # 620 x 420 px
LINE_WIDTH = 2.0
STRIPE = 6.0                # points: one backend's dash in a striped (shared) line
SHARED_BAND = "#8c8c8c"     # the band under a striped line: every member's seeds
NOTE_COLOUR, MISSING_COLOUR = "#333333", "#a00000"
#: the backend the others are measured against: it comes first in every plot
REFERENCE = "numpy"
KEY_FONT = 9.0
KEY_PAD = 0.06              # inches between the axes and the key, and between its lines
#: tick steps of an accuracy axis (1-2-5): each one's labels are exact with its decimals
ACCURACY_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
#: most intervals an accuracy axis is divided into
MAX_ACCURACY_TICKS = 7
#: line styles and markers that tell tasks apart in a one-backend figure (one colour)
TASK_STYLES = ("-", "--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)))
TASK_MARKERS = ("o", "s", "^", "D", "v")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name) or "_"


def plot_name(task: str, recipe: str, kind: str) -> str:
    """File name (inside plots/) of one plot of a task x recipe."""
    return f"{_safe(task)}__{_safe(recipe)}__{kind}.png"


def _seconds_label(values: Iterable[float]) -> tuple[float, str]:
    """A unit for a time axis: (scale to multiply seconds by, unit name)."""
    finite = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    top = max(finite, default=1.0)
    if top < 1e-3:
        return 1e6, "µs"
    if top < 1:
        return 1e3, "ms"
    return 1.0, "s"


def _save(fig, path: Path) -> Path:
    """The figure as a full-colour PNG (exact colours; no alpha channel, the figure is opaque)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    plt.close(fig)
    buffer.seek(0)
    image = Image.open(buffer).convert("RGB")
    tmp = path.with_name(path.name + ".tmp")
    image.save(tmp, format="PNG", optimize=True)
    tmp.replace(path)
    return path


def _figure(size: tuple[float, float], panels: int = 1):
    fig, axes = plt.subplots(1, panels, figsize=size, dpi=DPI, layout="constrained")
    return fig, axes


def accuracy_ticks(lowest: float) -> tuple[list[float], int]:
    """The ticks of an accuracy axis from a round value below `lowest` to 100%, and the decimals
    their percent labels need to be exact: steps of 1, 2 or 5 (x 10^k) with at most
    `MAX_ACCURACY_TICKS` intervals, at least 5 points of range."""
    lowest = min(max(lowest, 0.0), 1.0) if math.isfinite(lowest) else 0.0
    span = max(1.0 - lowest, 0.05)
    step = next((s for s in ACCURACY_STEPS if span / s <= MAX_ACCURACY_TICKS - 1),
                ACCURACY_STEPS[-1])
    k = math.floor(lowest / step + 1e-9)
    if lowest - k * step < 0.3 * step:   # a margin below the lowest value
        k -= 1
    k = max(0, min(k, round((1.0 - span) / step)))
    ticks = [round((k + i) * step, 10) for i in range(round(1 / step) - k + 1)]
    decimals = max(0, math.ceil(-math.log10(step * 100) - 1e-9))
    return ticks, decimals


def _accuracy_axis(ax, ticks: list[float], decimals: int) -> None:
    """Accuracy as a percentage over `accuracy_ticks`, no tick above 100%."""
    bottom = ticks[0]
    ax.set_ylim(bottom - 0.02 * (1 - bottom), 1 + 0.06 * (1 - bottom))
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))


def _plain_numbers(axis, label_2_and_5: bool = False) -> None:
    """Tick labels as 0.1, 1, 10 rather than 10^-1, 10^0, 10^1 (also on log axes).

    On a log axis matplotlib labels every minor tick of a short span (3x10^1, 4x10^1, ...),
    and the labels overrun each other; with `label_2_and_5` only 2 and 5 of each decade are
    labelled, and otherwise none of the minor ticks.
    """
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))

    def minor(v, _):
        if not label_2_and_5 or v <= 0:
            return ""
        leading = round(v / 10 ** math.floor(math.log10(v)), 6)
        return f"{v:g}" if leading in (2, 5) else ""

    axis.set_minor_formatter(FuncFormatter(minor))


def _wrapped(fig, text: str, width_px: float, **style):
    """A figure text wrapped to `width_px` (measured, not guessed from a character count)."""
    renderer = fig.canvas.get_renderer()
    chars = max(20, int(width_px / (style.get("fontsize", KEY_FONT) * 0.55)))
    while True:
        artist = fig.text(0, 0, textwrap.fill(text, chars), **style)
        if chars <= 20 or artist.get_window_extent(renderer).width <= width_px:
            return artist
        artist.remove()
        chars = int(chars * 0.9)


def _legend(fig, handles: list, width_px: float):
    """A legend of as few rows as fit `width_px`, entries spread evenly over the rows."""
    renderer = fig.canvas.get_renderer()
    rows = 1
    while True:
        ncols = math.ceil(len(handles) / rows)
        legend = fig.legend(handles=handles, ncols=ncols, loc="upper center", frameon=False,
                            fontsize=KEY_FONT, handlelength=2.4, columnspacing=1.6,
                            borderaxespad=0, borderpad=0)
        if ncols == 1 or legend.get_window_extent(renderer).width <= width_px:
            return legend
        legend.remove()
        rows += 1


def _key(fig, handles: list = (), notes: Iterable[tuple[str, str]] = ()) -> None:
    """The legend and then the notes ((text, colour) lines, wrapped) in a strip under the axes:
    the figure grows by the strip's height and the axes keep theirs, so nothing is covered."""
    notes = [(text, colour) for text, colour in notes if text]
    if not handles and not notes:
        return
    width, height = fig.get_size_inches()
    usable = 0.97 * width * fig.dpi
    artists = [_legend(fig, list(handles), usable)] if handles else []
    artists += [_wrapped(fig, text, usable, fontsize=KEY_FONT - 0.5, color=colour, ha="left",
                         va="top") for text, colour in notes]
    renderer = fig.canvas.get_renderer()
    heights = [a.get_window_extent(renderer).height / fig.dpi for a in artists]
    strip = sum(heights) + KEY_PAD * (len(artists) + 1)
    total = height + strip
    fig.set_size_inches(width, total)
    fig.get_layout_engine().set(rect=(0, strip / total, 1, 1 - strip / total))
    top = strip - KEY_PAD
    for artist, h in zip(artists, heights):
        if artist in fig.legends:
            artist.set_bbox_to_anchor((0.5, top / total), transform=fig.transFigure)
        else:
            artist.set_position((0.015, top / total))
        top -= h + KEY_PAD


def _handle(name: str, colours: dict[str, str], label: str, line: bool = True) -> Line2D:
    return Line2D([], [], color=colours[name], marker=backend_marker(name), ms=6,
                  lw=LINE_WIDTH if line else 0, linestyle="-" if line else "none", label=label)


#: what the validation curve measures, by task protocol (the worker evaluates the main split)
VALIDATION_TITLES = {
    "holdout": "validation accuracy (test split; monitoring only)",
    "resubstitution": "accuracy on the table (train = test rows)",
    "leave-one-out": "training accuracy (all rows; test is leave-one-out)",
}


def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{status} ×{n}" for status, n in statuses.items())


def missing_note(summaries: list[GroupSummary]) -> str:
    """'no ok run, not plotted: torch (failed ×3)' for backends without an ok run, or ''."""
    parts = [f"{s.backend} ({_statuses(s.statuses)})" for s in summaries if s.runs and not s.ok]
    return "no ok run, not plotted: " + "; ".join(parts) if parts else ""


def _log_scale(curves: dict[str, Band]) -> bool:
    lows = [min(b.low) for b in curves.values()]
    highs = [max(b.high) for b in curves.values()]
    return bool(lows) and min(lows) > 0 and max(highs) / min(lows) > 10


def _draw_curves(ax, curves: dict[str, Band], groups: list[coincide.Cluster],
                 colours: dict[str, str], markers: bool) -> None:
    """One line and band per backend; a group of coinciding backends as one striped line (a
    dash of each colour in turn) over the band of all their seeds."""
    for group in groups:
        k = len(group.members)
        if k == 1:
            name = group.leader
            band = curves[name]
            ax.fill_between(band.x, band.low, band.high, color=colours[name], alpha=0.18, lw=0)
            ax.plot(band.x, band.mean, color=colours[name], lw=LINE_WIDTH,
                    marker=backend_marker(name) if markers else None, ms=5)
            continue
        band = coincide.union_band(curves, group)
        ax.fill_between(band.x, band.low, band.high, color=SHARED_BAND, alpha=0.3, lw=0)
        width = LINE_WIDTH + 0.4
        dash = STRIPE / width  # matplotlib scales dash patterns by the line width
        for i, name in enumerate(group.members):
            # member i's dashes start i dashes in: together the members fill the line
            ax.plot(band.x, curves[name].mean, color=colours[name], lw=width,
                    linestyle=((k - i) % k * dash, (dash, (k - 1) * dash)))


def coincide_notes(loss: dict[str, Band], loss_groups: list[coincide.Cluster],
                   accuracy: dict[str, Band], accuracy_groups: list[coincide.Cluster]
                   ) -> list[str]:
    """The notes on striped lines: one per group, for both panels where they agree."""
    shared = [g for g in loss_groups if len(g.members) > 1]
    shared_acc = [g for g in accuracy_groups if len(g.members) > 1]
    if [g.members for g in shared] == [g.members for g in shared_acc]:
        return [fmt.coincide_note(g.members, coincide.largest_gap(loss, g, relative=True),
                                  coincide.largest_gap(accuracy, a, relative=False))
                for g, a in zip(shared, shared_acc)]
    return ([fmt.coincide_note(g.members, loss_gap=coincide.largest_gap(loss, g, True))
             for g in shared] +
            [fmt.coincide_note(g.members, accuracy_gap=coincide.largest_gap(accuracy, g, False))
             for g in shared_acc])


def _curve_axes(ax_loss, ax_acc, loss_name: str, accuracy_title: str) -> None:
    ax_loss.set_title("training loss (mean over seeds, band = min..max)", fontsize=10)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel(f"loss ({loss_name})" if loss_name else "loss")
    ax_acc.set_title(accuracy_title, fontsize=10)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=9)


def _lowest(bands: Iterable[Band]) -> float:
    return min((min(b.low) for b in bands), default=0.0)


def reference_first(summaries: list[GroupSummary]) -> list[GroupSummary]:
    """The summaries with the reference backend's first: it leads every group of coinciding
    curves and tops the legend."""
    return sorted(summaries, key=lambda s: s.backend != REFERENCE)


def plot_curves(summaries: list[GroupSummary], path: Path,
                colours: dict[str, str] | None = None, protocol: str | None = None) -> Path:
    colours = colours or palette(s.backend for s in summaries)
    task, recipe = summaries[0].task, summaries[0].recipe
    drawn = [s for s in reference_first(summaries) if s.loss_curve is not None]
    loss = {s.backend: s.loss_curve for s in drawn}
    accuracy = {s.backend: s.accuracy_curve for s in drawn if s.accuracy_curve is not None}
    fig, (ax_loss, ax_acc) = _figure(CURVES_SIZE, 2)
    log = _log_scale(loss)
    loss_groups = coincide.clusters(loss, log)
    _draw_curves(ax_loss, loss, loss_groups, colours, markers=False)
    if log:
        ax_loss.set_yscale("log")
        _plain_numbers(ax_loss.yaxis)
    ticks, decimals = accuracy_ticks(_lowest(accuracy.values()))
    accuracy_groups = coincide.clusters(accuracy, span=1 - ticks[0])
    few = all(len(b.x) <= 12 for b in accuracy.values())
    _draw_curves(ax_acc, accuracy, accuracy_groups, colours, markers=few)
    _accuracy_axis(ax_acc, ticks, decimals)
    loss_name = next((s.net.get("loss", "") for s in summaries if s.net), "")
    _curve_axes(ax_loss, ax_acc, loss_name, VALIDATION_TITLES.get(
        protocol or "", "validation accuracy (monitoring only)"))
    if not drawn:
        ax_loss.text(0.5, 0.5, "no ok run with a history", ha="center", va="center",
                     transform=ax_loss.transAxes)
    fig.suptitle(f"{task} / {recipe}: learning curves", fontsize=12, fontweight="bold")
    handles = [_handle(s.backend, colours, f"{s.backend} ({fmt.plural(s.loss_curve.n, 'seed')})")
               for s in drawn]
    notes = [(n, NOTE_COLOUR) for n in coincide_notes(loss, loss_groups, accuracy,
                                                        accuracy_groups)]
    _key(fig, handles, [*notes, (missing_note(summaries), MISSING_COLOUR)])
    return _save(fig, path)


def plot_accuracy_vs_time(summaries: list[GroupSummary], path: Path,
                          colours: dict[str, str] | None = None) -> Path:
    colours = colours or palette(s.backend for s in summaries)
    task, recipe = summaries[0].task, summaries[0].recipe
    points = [s for s in summaries if s.ok and math.isfinite(s.accuracy.mean)
              and math.isfinite(s.times.fit.mean)]
    fig, ax = _figure(SMALL_SIZE)
    scale, unit = _seconds_label(s.times.fit.high for s in points)
    for s in points:
        a, f = s.accuracy, s.times.fit
        ax.errorbar([f.mean * scale], [a.mean],
                    xerr=[[(f.mean - f.low) * scale], [(f.high - f.mean) * scale]],
                    yerr=[[a.mean - a.low], [a.high - a.mean]], fmt=backend_marker(s.backend),
                    ms=8, color=colours[s.backend], capsize=3, clip_on=False)
    times = [t for s in points for t in (s.times.fit.low, s.times.fit.high) if t > 0]
    if times and max(times) / min(times) > 10:
        ax.set_xscale("log")
        _plain_numbers(ax.xaxis, label_2_and_5=max(times) / min(times) < 100)
    ax.set_xlabel(f"fit time ({unit})")
    ax.set_ylabel("test accuracy")
    _accuracy_axis(ax, *accuracy_ticks(min((s.accuracy.low for s in points), default=0.0)))
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=9)
    if points:
        ax.margins(x=0.15)
    ax.set_title(f"{task} / {recipe}: accuracy vs fit time\n"
                 "(seed mean; bars = min..max over seeds)", fontsize=10.5)
    handles = [_handle(s.backend, colours, s.backend, line=False) for s in points]
    _key(fig, handles, [(missing_note(summaries), MISSING_COLOUR)])
    return _save(fig, path)


def plot_epoch_time(summaries: list[GroupSummary], path: Path,
                    colours: dict[str, str] | None = None) -> Path:
    colours = colours or palette(s.backend for s in summaries)
    task, recipe = summaries[0].task, summaries[0].recipe
    bars = [s for s in summaries if s.ok and math.isfinite(s.times.steady_epoch.mean)]
    height = max(SMALL_SIZE[1], 1.6 + 0.4 * len(bars))
    fig, ax = _figure((SMALL_SIZE[0], height))
    scale, unit = _seconds_label(s.times.steady_epoch.high for s in bars)
    steady = [s.times.steady_epoch for s in bars]
    means = np.array([t.mean for t in steady]) * scale
    err = np.array([[t.mean - t.low, t.high - t.mean] for t in steady]).T * scale \
        if bars else None
    ax.barh(range(len(bars)), means, xerr=err, color=[colours[s.backend] for s in bars],
            capsize=3, height=0.6, error_kw={"elinewidth": 1})
    ax.set_yticks(range(len(bars)), [s.backend for s in bars])
    pad = max(0.0, (3 - len(bars)) / 2)  # a lone bar stays bar-shaped
    ax.set_ylim(len(bars) - 0.5 + pad, -0.5 - pad)
    positive = [m for m in means if m > 0]
    if positive and max(positive) / min(positive) > 30:
        ax.set_xscale("log")
    for i, t in enumerate(steady):
        ax.annotate(fmt.seconds(t.mean), (t.high * scale, i), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=9)
    ax.margins(x=0.25)
    ax.set_xlabel(f"steady-epoch time ({unit}, median epoch after the first)")
    _plain_numbers(ax.xaxis)
    ax.grid(True, axis="x", alpha=0.3)
    ax.tick_params(labelsize=9)
    if any(s.repeats > 1 for s in summaries):
        ax.set_title(f"{task} / {recipe}: time per epoch\n(mean over seeds x repeats; "
                     "bars = min..max)", fontsize=10.5)
    else:
        ax.set_title(f"{task} / {recipe}: time per epoch\n(seed mean; bars = min..max over "
                     "seeds)", fontsize=10.5)
    if not bars:
        ax.text(0.5, 0.5, "no ok run", ha="center", va="center", transform=ax.transAxes)
    _key(fig, notes=[(missing_note(summaries), MISSING_COLOUR)])
    return _save(fig, path)


def plot_shared_curves(groups: list[list[GroupSummary]], backend: str, path: Path,
                       colours: dict[str, str] | None = None) -> Path:
    """The learning curves of every task of one recipe that only `backend` ran ok: one line per
    task, all in the backend's colour, told apart by line style and marker."""
    colours = colours or palette([backend])
    recipe = groups[0][0].recipe
    runs = [next(s for s in g if s.backend == backend) for g in groups]
    runs = [s for s in runs if s.loss_curve is not None]
    fig, (ax_loss, ax_acc) = _figure(CURVES_SIZE, 2)
    colour, handles = colours[backend], []
    for i, s in enumerate(runs):
        style = {"color": colour, "lw": LINE_WIDTH, "ls": TASK_STYLES[i % len(TASK_STYLES)],
                 "marker": TASK_MARKERS[i % len(TASK_MARKERS)], "ms": 6}
        for ax, band in ((ax_loss, s.loss_curve), (ax_acc, s.accuracy_curve)):
            if band is None:
                continue
            every = max(1, len(band.x) // 8)
            ax.fill_between(band.x, band.low, band.high, color=colour, alpha=0.12, lw=0)
            ax.plot(band.x, band.mean, markevery=(i * every // max(1, len(runs)), every),
                    **style)
        handles.append(Line2D([], [], label=f"{s.task} ({fmt.plural(s.loss_curve.n, 'seed')})",
                              **style))
    loss = {s.task: s.loss_curve for s in runs}
    if _log_scale(loss):
        ax_loss.set_yscale("log")
        _plain_numbers(ax_loss.yaxis)
    _accuracy_axis(ax_acc, *accuracy_ticks(_lowest(s.accuracy_curve for s in runs
                                                    if s.accuracy_curve is not None)))
    protocols = {task_protocol(s.task) for s in runs}
    loss_name = next((s.net.get("loss", "") for s in runs if s.net), "")
    _curve_axes(ax_loss, ax_acc, loss_name, VALIDATION_TITLES.get(
        protocols.pop() if len(protocols) == 1 else "", "validation accuracy (monitoring only)"))
    tasks = ", ".join(g[0].task for g in groups)
    fig.suptitle(f"{recipe}: learning curves of the tasks only {backend} ran ok ({tasks})",
                 fontsize=12, fontweight="bold")
    others: dict[str, dict[str, int]] = {}
    for s in (s for g in groups for s in g if s.backend != backend and s.runs):
        counts = others.setdefault(s.backend, {})
        for status, n in s.statuses.items():
            counts[status] = counts.get(status, 0) + n
    note = "; ".join(f"{name} ({_statuses(counts)})" for name, counts in others.items())
    _key(fig, handles, [(f"no ok run, not plotted: {note}" if note else "", MISSING_COLOUR)])
    return _save(fig, path)


PLOTTERS = ("curves", "accuracy_vs_time", "epoch_time")
#: the kind of a one-backend recipe's shared figure in `plot_report`'s result
SHARED = "shared_curves"


def task_protocol(task: str) -> str | None:
    """The task's evaluation protocol from the registry; None for a task it does not know."""
    try:
        from tasks.registry import get_task

        return get_task(task).protocol
    except (KeyError, ImportError, AttributeError, ValueError):
        return None


def plot_group(summaries: list[GroupSummary], plots_dir: Path,
               colours: dict[str, str] | None = None) -> dict[str, Path]:
    """Every plot of one task x recipe (the summaries of its backends); {kind: path}."""
    plots_dir.mkdir(parents=True, exist_ok=True)
    task, recipe = summaries[0].task, summaries[0].recipe
    colours = colours or palette(s.backend for s in summaries)
    paths = {kind: plots_dir / plot_name(task, recipe, kind) for kind in PLOTTERS}
    plot_curves(summaries, paths["curves"], colours, task_protocol(task))
    plot_accuracy_vs_time(summaries, paths["accuracy_vs_time"], colours)
    plot_epoch_time(summaries, paths["epoch_time"], colours)
    return paths


def plot_report(summaries: list[GroupSummary], plots_dir: Path,
                colours: dict[str, str] | None = None
                ) -> dict[tuple[str, str], dict[str, Path]]:
    """The plots of every task x recipe: `plot_group` where two or more backends ran ok; one
    `SHARED` figure per recipe and backend for the task x recipes only that backend ran ok;
    nothing where no backend did (the table says why). {(task, recipe): {kind: path}}."""
    colours = colours or palette(s.backend for s in summaries)
    summaries = reference_first(summaries)
    out: dict[tuple[str, str], dict[str, Path]] = {}
    shared: dict[tuple[str, str], list[list[GroupSummary]]] = {}
    for key in dict.fromkeys((s.task, s.recipe) for s in summaries):
        members = [s for s in summaries if (s.task, s.recipe) == key]
        ok = [s.backend for s in members if s.ok]
        if len(ok) > 1:
            out[key] = plot_group(members, plots_dir, colours)
        elif ok:
            shared.setdefault((key[1], ok[0]), []).append(members)
    for (recipe, backend), groups in shared.items():
        plots_dir.mkdir(parents=True, exist_ok=True)
        path = plot_shared_curves(groups, backend,
                                  plots_dir / plot_name(f"{backend}-only", recipe, "curves"),
                                  colours)
        out.update({(g[0].task, recipe): {SHARED: path} for g in groups})
    return out
