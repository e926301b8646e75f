"""A scaling study's results: per task and axis, one curve per backend, and what they show.

`scaling_study(contents)` reads a run directory whose suite has a `[scale]` table
(`bench.plan.scale`; None for any other directory). Each point's axis comes from the study's
recipes, its value from the record's own specs (`AxisKind.value_of`). Per backend and axis
value it keeps, over the ok records (seeds x timing repeats):

- the time compared along the axis: the steady epoch divided by the steps of an epoch
  (per-step time: width, depth, batch size), or the steady epoch itself (training rows);
- the roofline: the same time at 100% of the run's measured matmul peak (the epoch's training
  FLOPs over the peak, `bench.execution.flops`), the same for every backend;
- the steady epoch's share of that peak, and the largest peak RSS.

Per curve: the fitted exponent k of time ~ value^k (least squares on log-log, over every point
and over the largest `TOP_POINTS`), and the value from which the backend reaches half of its
best share of the peak (below it, fixed per-step overhead dominates). Per axis: which backend
is fastest where (`fastest_segments`) and where each one crosses the reference backend
(`crossing`); a lead or an order changes only when the difference is more than `TIE` (10%),
so that two near-equal backends trading places by noise do not read as crossovers. Points
without an ok record are kept with their status and reason (`Dropped`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.execution.records import Record
from bench.plan.runs import PlannedRun
from bench.plan.scale import AXIS_KINDS, AxisKind, ScaleError, ScaleSpec
from bench.results.summary import TimeStats

#: the exponent "at large sizes" is fitted over this many of the largest points
TOP_POINTS = 3
#: crossings are named against this backend when it ran (the hand-written reference)
REFERENCE = "numpy"
#: two times within this share of each other are a tie: no lead changes hands over it
TIE = 0.10
NAN = float("nan")


@dataclass(frozen=True)
class Point:
    """One backend at one axis value (see the module docstring)."""

    value: int
    time: TimeStats
    roofline: float
    percent_of_peak: float
    rss_mb: float
    #: the fewest epochs one of its records ran (1: its time is the first epoch's)
    epochs: int


@dataclass(frozen=True)
class Dropped:
    """An axis value without an ok record for a backend: the status and reason of its records
    ("missing" when planned and never recorded)."""

    value: int
    status: str
    reason: str


@dataclass(frozen=True)
class Curve:
    backend: str
    points: tuple[Point, ...]       # ascending values
    dropped: tuple[Dropped, ...]    # ascending values
    slope: float                    # fitted k over every point
    top_slope: float                # over the largest TOP_POINTS points
    half_peak: int | None           # first value reaching half the best share of the peak

    @property
    def best_percent(self) -> float:
        return max((p.percent_of_peak for p in self.points
                    if math.isfinite(p.percent_of_peak)), default=NAN)

    def at(self, value: int) -> Point | None:
        return next((p for p in self.points if p.value == value), None)


@dataclass(frozen=True)
class Segment:
    """A run of consecutive axis values at which `backend` was the fastest."""

    backend: str
    first: int
    last: int


@dataclass(frozen=True)
class Crossing:
    """How `backend` compares with `reference` at the values both ran, in ascending order:
    faster or not at the largest of them, since which value (None: at every one), and how
    often the order changed."""

    backend: str
    reference: str
    faster_at_end: bool
    since: int | None
    changes: int


@dataclass(frozen=True)
class AxisStudy:
    task: str
    kind: AxisKind
    values: tuple[int, ...]         # planned, ascending
    curves: tuple[Curve, ...]
    fastest: tuple[Segment, ...]
    crossings: tuple[Crossing, ...]
    #: the specs of one point of the axis, to say what is held fixed
    net: dict[str, Any]
    train: dict[str, Any]

    @property
    def axis(self) -> str:
        return self.kind.name

    @property
    def reference(self) -> str | None:
        return next((c.reference for c in self.crossings), None)


@dataclass(frozen=True)
class ScalingStudy:
    axes: tuple[AxisStudy, ...]
    peak_gflops: float | None
    budget: float | None
    #: the recipes of the study's points
    recipes: frozenset[str] = frozenset()


# --- the maths ---------------------------------------------------------------------------------

def fit_exponent(values: Sequence[float], times: Sequence[float]) -> float:
    """k of times ~ c * values^k, by least squares on log-log; nan with fewer than two
    distinct values."""
    pairs = [(v, t) for v, t in zip(values, times) if v > 0 and t > 0 and math.isfinite(t)]
    if len({v for v, _ in pairs}) < 2:
        return NAN
    x, y = (np.log(np.array(column, dtype=float)) for column in zip(*pairs))
    return float(np.polyfit(x, y, 1)[0])


def fastest_segments(curves: Iterable[Curve], tie: float = TIE) -> tuple[Segment, ...]:
    """At each axis value some backend ran, the one with the lowest median time; consecutive
    values with the same winner merged. The lead changes hands only when another backend is
    more than `tie` faster than the leader (a leader that did not run a value loses it), so
    that noise between near-equal backends does not read as a crossover."""
    curves = list(curves)
    values = sorted({p.value for c in curves for p in c.points})
    segments: list[Segment] = []
    for value in values:
        times = {c.backend: c.at(value).time.median for c in curves if c.at(value)}
        best = min(times, key=times.get)
        leader = segments[-1].backend if segments else None
        keep = leader in times and times[leader] <= (1 + tie) * times[best]
        winner = leader if keep else best
        if segments and segments[-1].backend == winner:
            segments[-1] = Segment(winner, segments[-1].first, value)
        else:
            segments.append(Segment(winner, value, value))
    return tuple(segments)


def _faster(ratios: Sequence[float], tie: float) -> list[bool]:
    """Whether a backend is faster at each value, from its time over the reference's: it
    turns faster below 1 / (1 + tie) and slower above 1 + tie, and keeps its state between."""
    state = ratios[0] < 1
    out = []
    for r in ratios:
        if r < 1 / (1 + tie):
            state = True
        elif r > 1 + tie:
            state = False
        out.append(state)
    return out


def crossing(curve: Curve, reference: Curve, tie: float = TIE) -> Crossing | None:
    """`curve` against `reference` at their common values (None: they share none); an order
    changes only when one is more than `tie` faster (see `_faster`)."""
    common = [p.value for p in curve.points if reference.at(p.value)]
    if not common:
        return None
    faster = _faster([curve.at(v).time.median / reference.at(v).time.median for v in common],
                     tie)
    changes = sum(a != b for a, b in zip(faster, faster[1:]))
    start = len(faster) - 1
    while start > 0 and faster[start - 1] == faster[-1]:
        start -= 1
    return Crossing(curve.backend, reference.backend, faster[-1],
                    None if start == 0 else common[start], changes)


def half_peak_value(points: Sequence[Point]) -> int | None:
    """The first value (ascending) whose share of the peak is at least half the best one."""
    shares = [p.percent_of_peak for p in points if math.isfinite(p.percent_of_peak)]
    if not shares:
        return None
    half = max(shares) / 2
    return next(p.value for p in points
                if math.isfinite(p.percent_of_peak) and p.percent_of_peak >= half)


# --- from records --------------------------------------------------------------------------

def _steps(record: Record) -> int:
    rows = record.throughput.rows or record.train.get("rows") or 1
    batch = record.train.get("batch_size") or rows
    return max(1, math.ceil(rows / batch))


def _measure(record: Record, kind: AxisKind) -> float | None:
    steady = record.timing.steady_epoch_seconds
    if steady is None:
        return None
    return steady if kind.measure == "epoch" else steady / _steps(record)


def _roofline(record: Record, kind: AxisKind, peak: float | None) -> float:
    flops = record.throughput.flops_per_epoch
    if not peak or not flops:
        return NAN
    epoch = flops / (peak * 1e9)
    return epoch if kind.measure == "epoch" else epoch / _steps(record)


def _median(values: Iterable[float | None]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.median(finite)) if finite else NAN


def _point(value: int, ok: list[Record], kind: AxisKind, peak: float | None) -> Point:
    shares = [100 * r.throughput.steady_gflops / peak for r in ok
              if peak and r.throughput.steady_gflops is not None]
    return Point(value, TimeStats.of(_measure(r, kind) for r in ok),
                 _median(_roofline(r, kind, peak) for r in ok), _median(shares),
                 max((r.peak_rss_mb for r in ok if r.peak_rss_mb), default=NAN),
                 min(r.epochs_run for r in ok))


def _dropped(value: int, records: list[Record]) -> Dropped:
    first = records[0]
    return Dropped(value, first.status, first.error or "no reason given")


def _curve(backend: str, by_value: dict[int, list[Record]], missing: Iterable[int],
           kind: AxisKind, peak: float | None) -> Curve:
    points, dropped = [], [Dropped(v, "missing", "no record yet (interrupted?)")
                           for v in missing]
    for value in sorted(by_value):
        ok = [r for r in by_value[value] if r.ok and _measure(r, kind) is not None]
        if ok:
            points.append(_point(value, ok, kind, peak))
        else:
            dropped.append(_dropped(value, by_value[value]))
    xs, ts = [p.value for p in points], [p.time.median for p in points]
    return Curve(backend, tuple(points), tuple(sorted(dropped, key=lambda d: d.value)),
                 fit_exponent(xs, ts), fit_exponent(xs[-TOP_POINTS:], ts[-TOP_POINTS:]),
                 half_peak_value(points))


def _value(kind: AxisKind, net: dict, train: dict, rows: int | None = None) -> int | None:
    value = kind.value_of(net, train, rows)
    return value if isinstance(value, int) else None


def study_of(spec: ScaleSpec, records: Sequence[Record], missing: Sequence[PlannedRun] = (),
             peak_gflops: float | None = None) -> ScalingStudy:
    """The study of `spec` from its records (and planned runs without one)."""
    points = spec.by_recipe()
    found: dict[tuple[str, str], dict[str, dict[int, list[Record]]]] = {}
    examples: dict[tuple[str, str], Record] = {}   # one record per task x axis
    for record in records:
        point = points.get(record.recipe)
        if point is None:
            continue
        kind = AXIS_KINDS[point.axis]
        value = _value(kind, record.net, record.train, record.throughput.rows)
        if value is None:
            continue
        key = (record.task, point.axis)
        examples.setdefault(key, record)
        found.setdefault(key, {}).setdefault(record.label, {}).setdefault(value, []).append(
            record)
    absent: dict[tuple[str, str], dict[str, set[int]]] = {}
    specs = {key: (r.net, r.train) for key, r in examples.items()}
    for run in missing:
        point = points.get(run.recipe)
        if point is not None:
            net, train = run.net.to_dict(), run.train.to_dict()
            value = _value(AXIS_KINDS[point.axis], net, train)
            specs.setdefault((run.task, point.axis), (net, train))
            absent.setdefault((run.task, point.axis), {}).setdefault(run.label, set()).add(
                value)
    axes = []
    order = [a.name for a in spec.axes]
    for task, axis in sorted(set(found) | set(absent),
                             key=lambda k: (k[0], order.index(k[1]))):
        kind = AXIS_KINDS[axis]
        by_backend = found.get((task, axis), {})
        gaps = absent.get((task, axis), {})
        backends = list(dict.fromkeys([*by_backend, *gaps]))
        curves = tuple(_curve(b, by_backend.get(b, {}), gaps.get(b, set()) - set(
            by_backend.get(b, {})), kind, peak_gflops) for b in backends)
        reference = next((c for c in curves if c.backend == REFERENCE and c.points), None)
        crossings = () if reference is None else tuple(
            x for c in curves if c is not reference and (x := crossing(c, reference)))
        net, train = specs[(task, axis)]
        axes.append(AxisStudy(
            task, kind, tuple(sorted(next(a for a in spec.axes if a.name == axis).values)),
            curves, fastest_segments(curves), crossings, net, train))
    return ScalingStudy(tuple(axes), peak_gflops, spec.budget, frozenset(points))


def scale_spec(suite: dict[str, Any] | None) -> ScaleSpec | None:
    """The study of a stored suite (plan.json's "suite"), or None when it has none."""
    if not isinstance(suite, dict) or not suite.get("scale"):
        return None
    try:
        return ScaleSpec.from_dict(suite["scale"])
    except ScaleError:
        return None


def scaling_study(contents) -> ScalingStudy | None:
    """The scaling study of a run directory's `bench.results.rundir.Contents`, or None."""
    spec = scale_spec(contents.suite)
    if spec is None:
        return None
    peak = contents.peak
    return study_of(spec, contents.records, contents.missing, peak.gflops if peak else None)
