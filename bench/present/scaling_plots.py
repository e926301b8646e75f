"""The scaling study's plots (matplotlib's Agg backend), drawn from `bench.results.scaling`.

Per task and axis, `scale-<task>-<axis>.png`: two log-log panels, one line per backend
(its colour and marker as in every other plot):
- left: the time compared along the axis (per step, or per epoch for training rows), the
  median over the point's ok records with a band from the fastest to the slowest of them
  (seeds x timing repeats), and the roofline: the same time at 100% of the measured float32
  matmul peak, dashed grey;
- right: the steady epoch's achieved share of that peak.
A point whose records ran only one epoch (no steady epoch: its time is the first epoch's) is
drawn hollow; the values a backend has no ok point for are named in the legend.
For the width axis, `scale-<task>-width-rss.png`: each point's peak resident memory.

PNGs are written with their exact colours (no palette quantisation).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter  # noqa: E402

from bench.present import format as fmt  # noqa: E402
from bench.present.colours import backend_marker, palette  # noqa: E402
from bench.results.scaling import AxisStudy, Curve, ScalingStudy  # noqa: E402

DPI = 90
AXIS_SIZE = (10.0, 4.4)     # inches: 900 x 396 px
RSS_SIZE = (6.8, 4.6)
ROOFLINE_COLOUR = "#555555"
#: tick labels on the value axis: every value up to this many, else every other one
MAX_VALUE_LABELS = 9


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name) or "_"


def plot_name(task: str, axis: str, kind: str = "") -> str:
    return f"scale-{_safe(task)}-{axis}{'-' + kind if kind else ''}.png"


def _value_axis(ax, axis: AxisStudy) -> None:
    """Log base-2 x axis with the planned values as plain ticks."""
    ax.set_xscale("log", base=2)
    values = list(axis.values)
    labelled = values if len(values) <= MAX_VALUE_LABELS else values[::2]
    ax.xaxis.set_major_locator(FixedLocator(values))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: f"{v:,.0f}" if round(v) in labelled else ""))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(values[0] / 1.4, values[-1] * 1.4)  # every planned value, ok or not
    ax.set_xlabel(axis.kind.label + (" (1 = online)" if axis.axis == "batch" and 1 in values
                                     else ""))
    ax.tick_params(labelsize=8)
    ax.grid(True, which="major", alpha=0.3)


def _log_labels(axis, text) -> None:
    """Major ticks labelled by `text(value)`, and on a span too short for several major
    ticks the minor ticks at 2 and 5 of each decade too (matplotlib would label them all, in
    scientific notation)."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: text(v)))

    def minor(v, _):
        if v <= 0:
            return ""
        lo, hi = sorted(axis.get_view_interval())
        leading = round(v / 10 ** math.floor(math.log10(v)), 6)
        return text(v) if leading in (2, 5) and hi / max(lo, 1e-300) < 30 else ""

    axis.set_minor_formatter(FuncFormatter(minor))


def _line(ax, curve: Curve, colour: str, ys, label: str | None) -> None:
    """The curve with its backend's marker; points of a single epoch hollow."""
    xs = [p.value for p in curve.points]
    ax.plot(xs, ys, color=colour, lw=1.5, marker=backend_marker(curve.backend), ms=5,
            label=label)
    hollow = [(p.value, y) for p, y in zip(curve.points, ys) if p.epochs < 2]
    if hollow:
        ax.plot(*zip(*hollow), marker=backend_marker(curve.backend), ms=5, color=colour,
                markerfacecolor="white", lw=0)


def _label(curve: Curve, axis: AxisStudy) -> str:
    """The backend, and the values it has no ok point at: 'pybrain (none ok: 1,024–4,096)'."""
    if not curve.dropped:
        return curve.backend
    planned = list(axis.values)
    missing = sorted(planned.index(d.value) for d in curve.dropped if d.value in planned)
    runs: list[list[int]] = []
    for i in missing:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    spans = [f"{planned[r[0]]:,}" + (f"–{planned[r[-1]]:,}" if len(r) > 1 else "") for r in runs]
    return f"{curve.backend} (none ok: {', '.join(spans)})"


def _save(fig, path: Path) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, dpi=DPI, format="png")
    plt.close(fig)
    tmp.replace(path)
    return path


def plot_axis(axis: AxisStudy, path: Path, colours: dict[str, str],
              peak_gflops: float | None) -> Path:
    fig, (ax_time, ax_share) = plt.subplots(1, 2, figsize=AXIS_SIZE, layout="constrained")
    for curve in axis.curves:
        if not curve.points:
            continue
        colour = colours[curve.backend]
        xs = [p.value for p in curve.points]
        _line(ax_time, curve, colour, [p.time.median for p in curve.points],
              _label(curve, axis))
        ax_time.fill_between(xs, [p.time.low for p in curve.points],
                             [p.time.high for p in curve.points], color=colour, alpha=0.18,
                             lw=0)
        shares = [p.percent_of_peak for p in curve.points]
        if all(math.isfinite(s) and s > 0 for s in shares):
            _line(ax_share, curve, colour, shares, None)
    roof = _roofline(axis)
    if roof:
        ax_time.plot(*zip(*roof), color=ROOFLINE_COLOUR, ls="--", lw=1.2,
                     label=f"100% of peak ({peak_gflops:,.0f} GFLOP/s)" if peak_gflops
                     else "100% of peak")
    for ax in (ax_time, ax_share):
        _value_axis(ax, axis)
        ax.set_yscale("log")
    _log_labels(ax_time.yaxis, fmt.seconds)
    ax_time.set_ylabel(fmt.measure_name(axis.kind))
    ax_time.set_title(f"{fmt.measure_name(axis.kind)} (median; band = min..max of the "
                      "records)", fontsize=9)
    _log_labels(ax_share.yaxis, lambda v: f"{v:g}%")
    ax_share.set_ylabel("share of the matmul peak")
    ax_share.set_title("steady-epoch GFLOP/s as a share of the float32 matmul peak",
                       fontsize=9)
    handles, labels = ax_time.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(handles), 4),
                   fontsize=8, frameon=False)
    else:
        ax_time.text(0.5, 0.5, "no ok point", ha="center", va="center",
                     transform=ax_time.transAxes)
    fig.suptitle(fmt.axis_title(axis), fontsize=10, fontweight="bold")
    return _save(fig, path)


def _roofline(axis: AxisStudy) -> list[tuple[int, float]]:
    """(value, time at 100% of the peak) at every value some backend has a point for."""
    roof: dict[int, float] = {}
    for curve in axis.curves:
        for p in curve.points:
            if math.isfinite(p.roofline) and p.roofline > 0:
                roof.setdefault(p.value, p.roofline)
    return sorted(roof.items())


def plot_rss(axis: AxisStudy, path: Path, colours: dict[str, str]) -> Path:
    fig, ax = plt.subplots(figsize=RSS_SIZE, layout="constrained")
    for curve in axis.curves:
        points = [p for p in curve.points if math.isfinite(p.rss_mb)]
        if points:
            ax.plot([p.value for p in points], [p.rss_mb for p in points],
                    color=colours[curve.backend], marker=backend_marker(curve.backend), ms=5,
                    lw=1.5, label=curve.backend)
    _value_axis(ax, axis)
    ax.set_yscale("log")
    _log_labels(ax.yaxis, lambda v: f"{v:,.0f}")
    ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.set_ylabel("peak RSS (MB)")
    ax.set_title(f"{axis.task}: peak resident memory of a run's process\n(the "
                 "framework and the task's data included)", fontsize=9)
    handles, labels = ax.get_legend_handles_labels()
    if handles:  # below the axes: inside, it covers the flat start of the lines
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(handles), 4),
                   fontsize=8, frameon=False)
    return _save(fig, path)


def plot_study(study: ScalingStudy, plots_dir: Path,
               colours: dict[str, str] | None = None) -> dict[tuple[str, str], dict[str, Path]]:
    """Every plot of the study: {(task, axis): {"time": path, "rss": path (width only)}}."""
    plots_dir.mkdir(parents=True, exist_ok=True)
    colours = colours or palette(c.backend for a in study.axes for c in a.curves)
    out = {}
    for axis in study.axes:
        paths = {"time": plot_axis(axis, plots_dir / plot_name(axis.task, axis.axis), colours,
                                   study.peak_gflops)}
        if axis.axis == "width":
            paths["rss"] = plot_rss(axis, plots_dir / plot_name(axis.task, axis.axis, "rss"),
                                    colours)
        out[(axis.task, axis.axis)] = paths
    return out
