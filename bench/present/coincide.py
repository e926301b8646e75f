"""Which backends' curves coincide in a plot, so the plot can draw them as one striped line and
say so, rather than letting the last one drawn hide the others.

Backends train the same network from the same weights in the same batch order, so their curves
usually lie on top of each other: to float rounding in float64, within a few percent after many
float32 epochs. Two mean curves coincide *at the plot's scale* when, on at least `SHARE` of
their epochs, they are closer than `SAME_LINE` of the axis height (about the width of a line);
where they part for a few epochs, the striped line shows each colour's dashes apart. How close
they are in numbers (`largest_gap`) goes into the plot's note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bench.results.summary import Band

#: two curves closer than this share of the axis height draw as one line
SAME_LINE = 0.01
#: ... when they are that close on at least this share of their points
SHARE = 0.9


@dataclass(frozen=True)
class Cluster:
    """Backends whose curves coincide with the first one's (`leader`); one name: no other."""

    members: tuple[str, ...]

    @property
    def leader(self) -> str:
        return self.members[0]


def _axis(values: np.ndarray, log: bool) -> np.ndarray:
    return np.log10(values) if log else values


def axis_span(curves: Mapping[str, Band], log: bool) -> float:
    """The height of an axis that shows every band whole, in the axis's units (log10 for a
    log axis); 1 when the bands are flat."""
    lows = [min(b.low) for b in curves.values()]
    highs = [max(b.high) for b in curves.values()]
    if not lows:
        return 1.0
    span = float(_axis(np.array([max(highs)]), log)[0] - _axis(np.array([min(lows)]), log)[0])
    return span if span > 0 else 1.0


def coincide(a: Band, b: Band, log: bool, span: float) -> bool:
    """Do the mean curves of `a` and `b` draw as one line on an axis `span` high?"""
    if a.x != b.x or not a.x:
        return False
    gap = np.abs(_axis(np.array(a.mean), log) - _axis(np.array(b.mean), log)) / span
    return float(np.mean(gap <= SAME_LINE)) >= SHARE


def clusters(curves: Mapping[str, Band], log: bool = False,
             span: float | None = None) -> list[Cluster]:
    """The curves grouped into lines, in order: each backend joins the first group whose leader
    (its first member) it coincides with, else starts one. `span`: the axis height in the
    axis's units (default: what shows every band)."""
    span = axis_span(curves, log) if span is None else span
    groups: list[list[str]] = []
    for name, band in curves.items():
        for group in groups:
            if coincide(curves[group[0]], band, log, span):
                group.append(name)
                break
        else:
            groups.append([name])
    return [Cluster(tuple(g)) for g in groups]


def largest_gap(curves: Mapping[str, Band], cluster: Cluster, relative: bool) -> float:
    """The largest distance of a member's mean curve from the leader's, over every point:
    relative to the leader's value (losses), or absolute (accuracies)."""
    leader = np.array(curves[cluster.leader].mean)
    gaps = [0.0]
    for name in cluster.members[1:]:
        gap = np.abs(np.array(curves[name].mean) - leader)
        if relative:
            gap = gap / np.maximum(np.abs(leader), np.finfo(float).tiny)
        gaps.append(float(gap.max()))
    return max(gaps)


def union_band(curves: Mapping[str, Band], cluster: Cluster) -> Band:
    """One band over every member's seeds: the lowest low and highest high at each point."""
    bands = [curves[name] for name in cluster.members]
    first = bands[0]
    return Band(first.x, first.mean, tuple(np.min([b.low for b in bands], axis=0).tolist()),
                tuple(np.max([b.high for b in bands], axis=0).tolist()),
                sum(b.n for b in bands))
