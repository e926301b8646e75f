"""The report's overview figure (`plots/overview.png`): two heat maps over task x recipe (rows)
by backend (columns), each against NumPy (`bench.judge.compare.overview`):

- steady-epoch time as a multiple of NumPy's, on a log colour scale (red: slower, blue:
  faster, saturating at `TIME_LIMIT`x either way);
- mean test accuracy minus NumPy's (red: worse, blue: better, white: the same).

Every cell carries its number; a cell whose timings cannot be trusted ends in "!" and is
hatched; a backend without an ok run names its status; a grey cell has no such run.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle

from bench.judge.compare import Overview
from bench.present import format as fmt
from bench.present.plots import NOTE_COLOUR, _figure, _key, _save

#: time ratios beyond this factor (either way) get the darkest colour
TIME_LIMIT = 100.0
#: the accuracy colour scale spans at least this difference either way
ACCURACY_LIMIT = 0.01
MISSING_CELL = "#cfcfcf"


def _cells(o: Overview):
    """(log10 time ratios, accuracy deltas, time texts, accuracy texts, untrusted) arrays."""
    shape = (len(o.rows), len(o.backends))
    ratios, deltas = np.full(shape, np.nan), np.full(shape, np.nan)
    time_text = np.full(shape, "", dtype=object)
    acc_text = np.full(shape, "", dtype=object)
    untrusted = np.zeros(shape, bool)
    for i, (task, recipe) in enumerate(o.rows):
        for j, backend in enumerate(o.backends):
            change = o.changes.get((task, recipe, backend))
            if change is None or change.b is None:
                continue
            if not change.b.ok:
                time_text[i, j] = acc_text[i, j] = ", ".join(change.b.statuses)
                continue
            untrusted[i, j] = not change.trusted
            if math.isfinite(change.steady_ratio) and change.steady_ratio > 0:
                ratios[i, j] = math.log10(change.steady_ratio)
                time_text[i, j] = fmt.ratio(change.steady_ratio) + (
                    fmt.UNTRUSTED if untrusted[i, j] else "")
            if math.isfinite(change.delta):
                deltas[i, j] = change.delta
                acc_text[i, j] = fmt.accuracy_delta(change.delta)
    return ratios, deltas, time_text, acc_text, untrusted


def _heatmap(ax, values, texts, norm, cmap_name: str, hatched=None) -> None:
    cmap = colormaps[cmap_name].with_extremes(bad=MISSING_CELL)
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto",
              interpolation="nearest")
    for (i, j), text in np.ndenumerate(texts):
        value = values[i, j]
        shade = norm(value) if math.isfinite(value) else 0.5
        colour = "white" if abs(float(shade) - 0.5) > 0.33 else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=8.5, color=colour)
        if hatched is not None and hatched[i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                   edgecolor="#8a8a8a", lw=0))


def plot_overview(o: Overview, path: Path) -> Path:
    ratios, deltas, time_text, acc_text, untrusted = _cells(o)
    rows, columns = len(o.rows), len(o.backends)
    width = max(9.0, 2.4 + 1.6 * columns)
    fig, (ax_time, ax_acc) = _figure((width, 1.5 + 0.32 * rows), 2)
    limit = math.log10(TIME_LIMIT)
    _heatmap(ax_time, np.clip(ratios, -limit, limit), time_text,
             Normalize(-limit, limit), "RdBu_r", untrusted)
    spread = max(ACCURACY_LIMIT, float(np.nanmax(np.abs(deltas), initial=0.0)))
    _heatmap(ax_acc, deltas, acc_text, Normalize(-spread, spread), "RdBu")
    ax_time.set_title(f"steady-epoch time as a multiple of {o.reference}'s\n(red: slower, "
                      "blue: faster)", fontsize=10)
    ax_acc.set_title(f"mean test accuracy minus {o.reference}'s\n(red: worse, blue: better)",
                     fontsize=10)
    labels = [f"{task} / {recipe}" for task, recipe in o.rows]
    for ax in (ax_time, ax_acc):
        ax.set_xticks(range(columns), o.backends, rotation=30 if columns > 4 else 0,
                      ha="right" if columns > 4 else "center")
        ax.set_yticks(range(rows), labels if ax is ax_time else [""] * rows)
        ax.tick_params(labelsize=9, length=0)
        ax.set_xticks(np.arange(-0.5, columns), minor=True)
        ax.set_yticks(np.arange(-0.5, rows), minor=True)
        ax.grid(which="minor", color="white", lw=1.5)
        ax.tick_params(which="minor", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.suptitle(f"every backend against {o.reference}, per task / recipe", fontsize=12,
                 fontweight="bold")
    note = (f"{fmt.UNTRUSTED.strip()} and hatching: timings that cannot be trusted (busy "
            "machine or a wide spread; the report's tables say why); grey: no ok run (its status "
            "named) or no such run")
    _key(fig, notes=[(note, NOTE_COLOUR)])
    return _save(fig, path)
