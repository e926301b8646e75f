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

Every backend keeps one colour (and marker) in every plot: fixed for the known frameworks,
derived from a CRC of the name for any other backend, so it is the same from run to run.
"""

from __future__ import annotations

import io
import math
import re
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402
from PIL import Image  # noqa: E402  (matplotlib's own dependency)

from bench.results.summary import format_seconds, per_seed, repeat_of  # noqa: E402

#: fixed colours (colour-blind friendly Okabe-Ito / tab10 mix) for the known backends
KNOWN_COLOURS = {
    "numpy": "#0072B2",    # blue
    "torch": "#E69F00",    # orange
    "keras": "#D55E00",    # vermillion
    "sklearn": "#009E73",  # green
    "pybrain": "#CC79A7",  # purple-pink
}
#: colours for any other backend name, picked by CRC32 of the name
EXTRA_COLOURS = ("#56B4E9", "#8C564B", "#7F7F7F", "#E7298A", "#17BECF", "#9467BD",
                 "#1F3A93", "#A50026", "#4D9221", "#000000")
KNOWN_MARKERS = {"numpy": "o", "torch": "s", "keras": "D", "sklearn": "^", "pybrain": "v"}
EXTRA_MARKERS = ("P", "X", "h", "<", ">", "*", "p", "d")

DPI = 90
CURVES_SIZE = (9.0, 3.3)    # inches: 810 x 297 px at DPI
SMALL_SIZE = (4.6, 3.2)     # 414 x 288 px
PNG_COLOURS = 128          # palette PNGs: a third of the bytes, no visible loss on line plots


def backend_colour(name: str) -> str:
    """The backend's colour in every plot: fixed for known names, stable for any other."""
    if name in KNOWN_COLOURS:
        return KNOWN_COLOURS[name]
    return EXTRA_COLOURS[zlib.crc32(name.encode()) % len(EXTRA_COLOURS)]


def palette(names: Iterable[str]) -> dict[str, str]:
    """Colours for a set of backends: `backend_colour`, except that an unknown name whose colour
    is already taken moves to the next free one (in sorted-name order, so still stable)."""
    names = sorted(set(names))
    out = {n: KNOWN_COLOURS[n] for n in names if n in KNOWN_COLOURS}
    for name in (n for n in names if n not in KNOWN_COLOURS):
        start = zlib.crc32(name.encode()) % len(EXTRA_COLOURS)
        for step in range(len(EXTRA_COLOURS)):
            colour = EXTRA_COLOURS[(start + step) % len(EXTRA_COLOURS)]
            if colour not in out.values():
                break
        else:
            colour = EXTRA_COLOURS[start]
        out[name] = colour
    return out


def backend_marker(name: str) -> str:
    if name in KNOWN_MARKERS:
        return KNOWN_MARKERS[name]
    return EXTRA_MARKERS[zlib.crc32(name.encode()) % len(EXTRA_MARKERS)]


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


def _spread(values: list[float]) -> tuple[float, float, float]:
    arr = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if arr.size == 0:
        return math.nan, math.nan, math.nan
    return float(arr.mean()), float(arr.min()), float(arr.max())


def _by_backend(records: list[dict[str, Any]], seeds_only: bool = False
                ) -> dict[str, list[dict[str, Any]]]:
    """Records by backend; `seeds_only`: one per seed (`bench.results.summary.per_seed`), for the
    plots of what a seed learned, which timing repeats of that seed would only duplicate."""
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault(record["backend"], []).append(record)
    if seeds_only:
        out = {backend: per_seed(group) for backend, group in out.items()}
    return out


def _missing_note(groups: dict[str, list[dict[str, Any]]]) -> str:
    """'not plotted: torch (failed x3)' for backends without an ok run, or ''."""
    parts = []
    for backend, group in groups.items():
        if not any(r["status"] == "ok" for r in group):
            counts: dict[str, int] = {}
            for r in group:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            parts.append(f"{backend} ({', '.join(f'{s} ×{n}' for s, n in counts.items())})")
    return "no ok run, not plotted: " + "; ".join(parts) if parts else ""


def _stack(series: list[tuple[list[float], list[float]]]):
    """Align (x, y) series on the union of x: x, mean, min, max over the series present."""
    xs = sorted({x for xs, _ in series for x in xs})
    index = {x: i for i, x in enumerate(xs)}
    table = np.full((len(series), len(xs)), np.nan)
    for row, (sx, sy) in enumerate(series):
        for x, y in zip(sx, sy):
            if y is not None and math.isfinite(y):
                table[row, index[x]] = y
    keep = ~np.all(np.isnan(table), axis=0)
    table, x = table[:, keep], np.asarray(xs, dtype=float)[keep]
    return x, np.nanmean(table, axis=0), np.nanmin(table, axis=0), np.nanmax(table, axis=0)


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


def plot_curves(task: str, recipe: str, records: list[dict[str, Any]], path: Path,
                colours: dict[str, str] | None = None, protocol: str | None = None) -> Path:
    groups = _by_backend(records, seeds_only=True)
    colours = colours or palette(groups)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=CURVES_SIZE, layout="constrained")
    positive, lows, highs, acc_lows = True, [], [], []
    for backend, group in groups.items():
        ok = [r for r in group if r["status"] == "ok" and (r.get("history") or {}).get("loss")]
        if not ok:
            continue
        colour = colours[backend]
        label = f"{backend} ({len(ok)} seed{'s' if len(ok) > 1 else ''})"
        x, mean, low, high = _stack([(list(range(1, len(r["history"]["loss"]) + 1)),
                                      r["history"]["loss"]) for r in ok])
        if x.size:
            ax_loss.plot(x, mean, color=colour, lw=1.6, label=label)
            ax_loss.fill_between(x, low, high, color=colour, alpha=0.2, lw=0)
            positive = positive and bool(np.all(low > 0))
            lows.append(float(np.min(low)))
            highs.append(float(np.max(high)))
        val = [(r["history"].get("val_epochs")
                or list(range(1, len(r["history"].get("val_accuracy", [])) + 1)),
                r["history"].get("val_accuracy", [])) for r in ok]
        x, mean, low, high = _stack(val)
        if x.size:
            ax_acc.plot(x, mean, color=colour, lw=1.6, label=label,
                        marker=backend_marker(backend) if x.size <= 12 else None, ms=4)
            ax_acc.fill_between(x, low, high, color=colour, alpha=0.2, lw=0)
            acc_lows.append(float(np.min(low)))
    if positive and lows and max(highs) / min(lows) > 10:
        ax_loss.set_yscale("log")
        _plain_numbers(ax_loss.yaxis)
    loss_name = (records[0].get("net") or {}).get("loss", "") if records else ""
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
    _footnote(fig, _missing_note(groups))
    return _save(fig, path)


def plot_accuracy_vs_time(task: str, recipe: str, records: list[dict[str, Any]],
                          path: Path, colours: dict[str, str] | None = None) -> Path:
    groups = _by_backend(records, seeds_only=True)
    colours = colours or palette(groups)
    points = []
    for backend, group in groups.items():
        ok = [r for r in group if r["status"] == "ok"]
        acc = _spread([(r.get("metrics") or {}).get("test_accuracy") for r in ok])
        fit = _spread([(r.get("timing") or {}).get("fit_seconds") for r in ok])
        if ok and math.isfinite(acc[0]) and math.isfinite(fit[0]):
            points.append((backend, acc, fit))
    fig, ax = plt.subplots(figsize=SMALL_SIZE, layout="constrained")
    scale, unit = _seconds_label(p[2][2] for p in points)
    for backend, (a, a_lo, a_hi), (f, f_lo, f_hi) in points:
        ax.errorbar([f * scale], [a], xerr=[[(f - f_lo) * scale], [(f_hi - f) * scale]],
                    yerr=[[a - a_lo], [a_hi - a]], fmt=backend_marker(backend), ms=7,
                    color=colours[backend], capsize=3, label=backend, clip_on=False)
    times = [p[2][1] for p in points] + [p[2][2] for p in points]
    times = [t for t in times if t > 0]
    if times and max(times) / min(times) > 10:
        ax.set_xscale("log")
        _plain_numbers(ax.xaxis, label_2_and_5=max(times) / min(times) < 100)
    ax.set_xlabel(f"fit time ({unit})")
    ax.set_ylabel("test accuracy")
    _accuracy_axis(ax, min((p[1][1] for p in points), default=0.0))
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=8)
    if points:
        ax.legend(fontsize=8, loc="best")
        ax.margins(x=0.15)
    ax.set_title(f"{task} / {recipe}: accuracy vs fit time\n"
                 "(seed mean; bars = min..max over seeds)", fontsize=9.5)
    _footnote(fig, _missing_note(groups))
    return _save(fig, path)


def plot_epoch_time(task: str, recipe: str, records: list[dict[str, Any]], path: Path,
                    colours: dict[str, str] | None = None) -> Path:
    groups = _by_backend(records)
    colours = colours or palette(groups)
    bars = []
    for backend, group in groups.items():
        spread = _spread([(r.get("timing") or {}).get("steady_epoch_seconds") for r in group
                          if r["status"] == "ok"])
        if math.isfinite(spread[0]):
            bars.append((backend, spread))
    height = max(SMALL_SIZE[1], 1.3 + 0.35 * len(bars))
    fig, ax = plt.subplots(figsize=(SMALL_SIZE[0], height), layout="constrained")
    scale, unit = _seconds_label(b[1][2] for b in bars)
    names = [b[0] for b in bars]
    means = np.array([b[1][0] for b in bars]) * scale
    err = np.array([[b[1][0] - b[1][1], b[1][2] - b[1][0]] for b in bars]).T * scale \
        if bars else None
    ax.barh(range(len(bars)), means, xerr=err, color=[colours[n] for n in names],
            capsize=3, height=0.6, error_kw={"elinewidth": 1})
    ax.set_yticks(range(len(bars)), names)
    pad = max(0.0, (3 - len(bars)) / 2)  # a lone bar stays bar-shaped
    ax.set_ylim(len(bars) - 0.5 + pad, -0.5 - pad)
    positive = [m for m in means if m > 0]
    if positive and max(positive) / min(positive) > 30:
        ax.set_xscale("log")
    for i, (_, spread) in enumerate(bars):
        ax.annotate(format_seconds(spread[0]), (spread[2] * scale, i), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.margins(x=0.25)
    ax.set_xlabel(f"steady-epoch time ({unit}, median epoch after the first)")
    _plain_numbers(ax.xaxis)
    ax.grid(True, axis="x", alpha=0.3)
    ax.tick_params(labelsize=8)
    over = "seeds x repeats" if any(repeat_of(r) for r in records) else "seeds"
    ax.set_title(f"{task} / {recipe}: time per epoch\n(mean over {over}; bars = min..max)"
                 if over != "seeds" else
                 f"{task} / {recipe}: time per epoch\n(seed mean; bars = min..max over seeds)",
                 fontsize=9.5)
    if not bars:
        ax.text(0.5, 0.5, "no ok run", ha="center", va="center", transform=ax.transAxes)
    _footnote(fig, _missing_note(groups))
    return _save(fig, path)


PLOTTERS = {"curves": plot_curves, "accuracy_vs_time": plot_accuracy_vs_time,
            "epoch_time": plot_epoch_time}


def plot_group(task: str, recipe: str, records: list[dict[str, Any]], plots_dir: Path,
               colours: dict[str, str] | None = None,
               protocol: str | None = None) -> dict[str, Path]:
    """Every plot of one task x recipe; returns {kind: path}. `protocol` (the task's) names
    what the validation curve measures."""
    plots_dir.mkdir(parents=True, exist_ok=True)
    colours = colours or palette(r["backend"] for r in records)
    paths = {kind: plots_dir / plot_name(task, recipe, kind) for kind in PLOTTERS}
    plot_curves(task, recipe, records, paths["curves"], colours, protocol)
    plot_accuracy_vs_time(task, recipe, records, paths["accuracy_vs_time"], colours)
    plot_epoch_time(task, recipe, records, paths["epoch_time"], colours)
    return paths
