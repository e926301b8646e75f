"""The report's plots: small PNGs drawn with matplotlib's non-interactive Agg backend.

Per task x recipe, from `ok` records only (a backend with no `ok` run is named under the plot):
- `<task>__<recipe>__curves.png`: training loss per epoch (left) and validation accuracy per
  evaluated epoch (right); one line per backend = mean over the seeds that ran that epoch,
  band = min..max over those seeds; the loss axis is logarithmic when it spans more than a
  decade and every value is positive.
- `<task>__<recipe>__accuracy_vs_time.png`: test accuracy against fit time, one point per
  backend at the seed means, error bars = min..max over seeds (log time axis over a decade).
- `<task>__<recipe>__epoch_time.png`: steady-epoch time per backend (horizontal bars at the
  seed mean, error bars = min..max over seeds).

Every backend keeps one colour (and marker) in every plot (`bench.present.colours`). The
plots draw what the summaries hold (`bench.results.summary`: the seeds' bands, the accuracy
and time spreads); nothing is recomputed here.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402
from PIL import Image  # noqa: E402  (matplotlib's own dependency)

from bench.present.colours import backend_marker, palette  # noqa: E402
from bench.present.format import seconds as format_seconds  # noqa: E402
from bench.results.summary import Band, GroupSummary  # noqa: E402

DPI = 90
CURVES_SIZE = (9.0, 3.3)    # inches: 810 x 297 px at DPI
SMALL_SIZE = (4.6, 3.2)     # 414 x 288 px
PNG_COLOURS = 128          # palette PNGs: a third of the bytes, no visible loss on line plots


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
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    plt.close(fig)
    buffer.seek(0)
    image = Image.open(buffer).convert("RGB").quantize(
        colors=PNG_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    tmp = path.with_name(path.name + ".tmp")
    image.save(tmp, format="PNG", optimize=True)
    tmp.replace(path)
    return path


def _accuracy_axis(ax, lowest: float) -> None:
    """Accuracy as a percentage from a round value below `lowest` up to 100%, no tick above."""
    bottom = max(0.0, math.floor((lowest - 0.02) * 10) / 10) if math.isfinite(lowest) else 0.0
    ax.set_ylim(bottom - 0.02 * (1 - bottom), 1 + 0.06 * (1 - bottom))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ticks = [t for t in ax.get_yticks() if bottom - 1e-9 <= t <= 1 + 1e-9]
    ax.set_yticks(ticks)


def _footnote(fig, text: str) -> None:
    """A red line under the axes (room made for it), e.g. which backends had no ok run."""
    if text:
        fig.get_layout_engine().set(rect=(0, 0.06, 1, 0.94))
        fig.text(0.01, 0.01, text, fontsize=7.5, color="#a00", ha="left", va="bottom",
                 wrap=True)


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


#: what the validation curve measures, by task protocol (the worker evaluates the main split)
VALIDATION_TITLES = {
    "holdout": "validation accuracy (test split; monitoring only)",
    "resubstitution": "accuracy on the table (train = test rows)",
    "leave-one-out": "training accuracy (all rows; test is leave-one-out)",
}


def missing_note(summaries: list[GroupSummary]) -> str:
    """'no ok run, not plotted: torch (failed ×3)' for backends without an ok run, or ''."""
    parts = [f"{s.backend} ({', '.join(f'{status} ×{n}' for status, n in s.statuses.items())})"
             for s in summaries if s.runs and not s.ok]
    return "no ok run, not plotted: " + "; ".join(parts) if parts else ""


def _band(ax, band: Band, colour: str, label: str, marker: str | None = None) -> None:
    ax.plot(band.x, band.mean, color=colour, lw=1.6, label=label, marker=marker, ms=4)
    ax.fill_between(band.x, band.low, band.high, color=colour, alpha=0.2, lw=0)


def plot_curves(summaries: list[GroupSummary], path: Path,
                colours: dict[str, str] | None = None, protocol: str | None = None) -> Path:
    colours = colours or palette(s.backend for s in summaries)
    task, recipe = summaries[0].task, summaries[0].recipe
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=CURVES_SIZE, layout="constrained")
    positive, lows, highs, acc_lows = True, [], [], []
    for s in summaries:
        if s.loss_curve is None:
            continue
        colour = colours[s.backend]
        label = f"{s.backend} ({s.loss_curve.n} seed{'s' if s.loss_curve.n > 1 else ''})"
        _band(ax_loss, s.loss_curve, colour, label)
        positive = positive and min(s.loss_curve.low) > 0
        lows.append(min(s.loss_curve.low))
        highs.append(max(s.loss_curve.high))
        if s.accuracy_curve is not None:
            few = len(s.accuracy_curve.x) <= 12
            _band(ax_acc, s.accuracy_curve, colour, label,
                  backend_marker(s.backend) if few else None)
            acc_lows.append(min(s.accuracy_curve.low))
    if positive and lows and max(highs) / min(lows) > 10:
        ax_loss.set_yscale("log")
        _plain_numbers(ax_loss.yaxis)
    loss_name = next((s.net.get("loss", "") for s in summaries if s.net), "")
    ax_loss.set_title("training loss (mean over seeds, band = min..max)", fontsize=9)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel(f"loss ({loss_name})" if loss_name else "loss")
    ax_acc.set_title(VALIDATION_TITLES.get(protocol or "", "validation accuracy (monitoring only)"),
                     fontsize=9)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    _accuracy_axis(ax_acc, min(acc_lows, default=0.0))
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=8)
    if ax_loss.get_legend_handles_labels()[0]:
        ax_acc.legend(fontsize=8, loc="best")
    else:
        ax_loss.text(0.5, 0.5, "no ok run with a history", ha="center", va="center",
                     transform=ax_loss.transAxes)
    fig.suptitle(f"{task} / {recipe}: learning curves", fontsize=11, fontweight="bold")
    _footnote(fig, missing_note(summaries))
    return _save(fig, path)


def plot_accuracy_vs_time(summaries: list[GroupSummary], path: Path,
                          colours: dict[str, str] | None = None) -> Path:
    colours = colours or palette(s.backend for s in summaries)
    task, recipe = summaries[0].task, summaries[0].recipe
    points = [s for s in summaries if s.ok and math.isfinite(s.accuracy.mean)
              and math.isfinite(s.times.fit.mean)]
    fig, ax = plt.subplots(figsize=SMALL_SIZE, layout="constrained")
    scale, unit = _seconds_label(s.times.fit.high for s in points)
    for s in points:
        a, f = s.accuracy, s.times.fit
        ax.errorbar([f.mean * scale], [a.mean],
                    xerr=[[(f.mean - f.low) * scale], [(f.high - f.mean) * scale]],
                    yerr=[[a.mean - a.low], [a.high - a.mean]], fmt=backend_marker(s.backend),
                    ms=7, color=colours[s.backend], capsize=3, label=s.backend, clip_on=False)
    times = [t for s in points for t in (s.times.fit.low, s.times.fit.high) if t > 0]
    if times and max(times) / min(times) > 10:
        ax.set_xscale("log")
        _plain_numbers(ax.xaxis, label_2_and_5=max(times) / min(times) < 100)
    ax.set_xlabel(f"fit time ({unit})")
    ax.set_ylabel("test accuracy")
    _accuracy_axis(ax, min((s.accuracy.low for s in points), default=0.0))
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=8)
    if points:
        ax.legend(fontsize=8, loc="best")
        ax.margins(x=0.15)
    ax.set_title(f"{task} / {recipe}: accuracy vs fit time\n"
                 "(seed mean; bars = min..max over seeds)", fontsize=9.5)
    _footnote(fig, missing_note(summaries))
    return _save(fig, path)


def plot_epoch_time(summaries: list[GroupSummary], path: Path,
                    colours: dict[str, str] | None = None) -> Path:
    colours = colours or palette(s.backend for s in summaries)
    task, recipe = summaries[0].task, summaries[0].recipe
    bars = [s for s in summaries if s.ok and math.isfinite(s.times.steady_epoch.mean)]
    height = max(SMALL_SIZE[1], 1.3 + 0.35 * len(bars))
    fig, ax = plt.subplots(figsize=(SMALL_SIZE[0], height), layout="constrained")
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
        ax.annotate(format_seconds(t.mean), (t.high * scale, i), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.margins(x=0.25)
    ax.set_xlabel(f"steady-epoch time ({unit}, median epoch after the first)")
    _plain_numbers(ax.xaxis)
    ax.grid(True, axis="x", alpha=0.3)
    ax.tick_params(labelsize=8)
    if any(s.repeats > 1 for s in summaries):
        ax.set_title(f"{task} / {recipe}: time per epoch\n(mean over seeds x repeats; "
                     "bars = min..max)", fontsize=9.5)
    else:
        ax.set_title(f"{task} / {recipe}: time per epoch\n(seed mean; bars = min..max over "
                     "seeds)", fontsize=9.5)
    if not bars:
        ax.text(0.5, 0.5, "no ok run", ha="center", va="center", transform=ax.transAxes)
    _footnote(fig, missing_note(summaries))
    return _save(fig, path)


PLOTTERS = ("curves", "accuracy_vs_time", "epoch_time")


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
