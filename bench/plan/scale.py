"""Scaling studies: one axis at a time (width, depth, batch size, training rows) around a base net.

A suite's `[scale]` table names a base point and the axes to sweep; every point becomes an
ordinary recipe (`width-256`, `batch-1`, `rows-60000`) that `bench.plan.planner` plans like a
suite's custom recipes, so its runs, records, summaries, report, compare and resume are the
usual ones. The table (it is also the JSON form stored in plan.json):

    [scale]
    budget = 5                  # seconds of training per point (TrainSpec.time_budget)
    [scale.base]                # width, depth, batch_size, rows, and NetSpec/TrainSpec fields
    width = 256
    depth = 2
    batch_size = 64
    rows = 2048
    [scale.width]               # an axis: its values, and base keys that differ on this axis
    values = [16, 64, 256, 1024]
    rows = 1024

An axis's points run cheapest first (ascending values; batch sizes descending, since an
epoch of small batches takes more steps), and each planned run names the point before it of
the same backend, task, seed and repeat (`PlannedRun.after`), so the executor can leave out a
backend's costlier points once one of its epochs took longer than the budget
(`bench.execution.dropout`). The axis value of a record is read back from its specs
(`AxisKind.value_of`), never from the recipe's name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from bench.spec import NetSpec, SpecError, TrainSpec


class ScaleError(ValueError):
    """A `[scale]` table that cannot be planned; the message says what is allowed."""


@dataclass(frozen=True)
class AxisKind:
    """What an axis varies: the base key it sets, how a record shows its value, and whether
    time is compared per step or per epoch along it."""

    name: str
    key: str
    label: str
    ascending: bool = True     # cheapest point first when the values ascend
    measure: str = "step"      # "step" (per-step time) or "epoch" (per-epoch time)

    def value_of(self, net: dict[str, Any], train: dict[str, Any],
                 rows: int | None = None) -> int | None:
        """The axis value of a record's specs (`rows`: the training rows it counted)."""
        layers = net.get("layers") or []
        if self.name == "width":
            return layers[1] if len(layers) > 2 else None
        if self.name == "depth":
            return len(layers) - 2 if layers else None
        if self.name == "batch":
            return train.get("batch_size")
        return train.get("rows") or rows


AXIS_KINDS = {kind.name: kind for kind in (
    AxisKind("width", "width", "width"),
    AxisKind("depth", "depth", "depth"),
    AxisKind("batch", "batch_size", "batch", ascending=False),
    AxisKind("rows", "rows", "rows", measure="epoch"),
)}
#: the base point's own keys (besides NetSpec/TrainSpec fields)
SHAPE_KEYS = ("width", "depth", "batch_size", "rows")
NET_KEYS = tuple(f.name for f in fields(NetSpec) if f.name != "layers")
TRAIN_KEYS = tuple(f.name for f in fields(TrainSpec)
                   if f.name not in ("seed", "batch_size", "rows", "time_budget"))
BASE_KEYS = (*SHAPE_KEYS, *NET_KEYS, *TRAIN_KEYS)
DEFAULT_BASE = {"width": 256, "depth": 2, "batch_size": 64, "rows": None}


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple[int, ...]
    #: base keys that differ on this axis (e.g. fewer rows for the widest nets)
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> AxisKind:
        return AXIS_KINDS[self.name]

    def ordered(self) -> tuple[int, ...]:
        """The values cheapest point first."""
        return tuple(sorted(self.values, reverse=not self.kind.ascending))


@dataclass(frozen=True)
class ScalePoint:
    """One point: its axis and value, the recipe it is planned as, that recipe's table (as a
    suite's custom recipe) and the recipe of the point before it on the axis (None: first)."""

    axis: str
    value: int
    recipe: str
    table: dict[str, Any]
    previous: str | None = None


def recipe_name(axis: str, value: int) -> str:
    return f"{axis}-{value}"


def _positive_int(what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ScaleError(f"{what}={value!r} is not allowed; give an integer >= 1")
    return value


def _settings(where: str, table: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ScaleError(f"{where} must be a table, e.g. [{where}]")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ScaleError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: "
                         f"{', '.join(allowed)}")
    for key in ("width", "depth", "batch_size", "rows"):
        if key in table and not (key == "rows" and table[key] is None):
            _positive_int(f"{where}.{key}", table[key])
    return dict(table)


def _check(point: ScalePoint) -> None:
    """ScaleError when a point's table does not make a NetSpec and a TrainSpec (the task's
    input and output sizes are stand-ins here; the planner builds the real ones)."""
    table = dict(point.table)
    hidden = table.pop("hidden")
    try:
        NetSpec((2, *hidden, 2), **{k: table.pop(k) for k in NET_KEYS if k in table})
        TrainSpec(**table)
    except (SpecError, TypeError) as exc:
        raise ScaleError(f"point {point.recipe}: {exc}") from None


@dataclass(frozen=True)
class ScaleSpec:
    """A scaling study (see the module docstring)."""

    base: dict[str, Any]
    axes: tuple[Axis, ...]
    budget: float | None = None

    @classmethod
    def from_dict(cls, data: Any) -> ScaleSpec:
        """From the `[scale]` table (or its JSON form in plan.json); ScaleError says why not."""
        if not isinstance(data, dict):
            raise ScaleError("[scale] must be a table with [scale.base] and one table per axis")
        known = ("budget", "base", *AXIS_KINDS)
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ScaleError(f"[scale]: unknown key(s) {', '.join(unknown)}; allowed: budget, "
                             f"base and the axes {', '.join(AXIS_KINDS)}")
        budget = data.get("budget")
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float))
                                   or not math.isfinite(budget) or budget <= 0):
            raise ScaleError(f"[scale] budget={budget!r} is not allowed; give seconds > 0")
        base = {**DEFAULT_BASE, **_settings("scale.base", data.get("base", {}), BASE_KEYS)}
        axes = []
        for name in (k for k in data if k in AXIS_KINDS):
            table = _settings(f"scale.{name}", data[name],
                              ("values", *(k for k in BASE_KEYS if k != AXIS_KINDS[name].key)))
            values = table.pop("values", None)
            if not isinstance(values, list) or not values:
                raise ScaleError(f"[scale.{name}] needs values, a list of integers, e.g. "
                                 "values = [16, 64, 256]")
            values = tuple(_positive_int(f"scale.{name} value", v) for v in values)
            if len(set(values)) != len(values):
                raise ScaleError(f"[scale.{name}] values {list(values)} name a value twice")
            axes.append(Axis(name, values, table))
        if not axes:
            raise ScaleError(f"[scale] sweeps no axis; add a table per axis, one of "
                             f"{', '.join(AXIS_KINDS)}, e.g. [scale.width] values = [16, 64]")
        spec = cls(base, tuple(axes), None if budget is None else float(budget))
        for point in spec.points():  # every point must make valid specs
            _check(point)
        return spec

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"budget": self.budget, "base": dict(self.base)}
        for axis in self.axes:
            out[axis.name] = {"values": list(axis.values), **axis.overrides}
        return out

    def points(self) -> list[ScalePoint]:
        """Every point, axis by axis in the table's order, each axis cheapest first."""
        out = []
        for axis in self.axes:
            previous = None
            for value in axis.ordered():
                settings = {**self.base, **axis.overrides, axis.kind.key: value}
                name = recipe_name(axis.name, value)
                out.append(ScalePoint(axis.name, value, name, self._table(settings), previous))
                previous = name
        return out

    def _table(self, settings: dict[str, Any]) -> dict[str, Any]:
        """A custom recipe table (`bench.plan.planner.custom_recipe`) for one point."""
        depth, width = settings["depth"], settings["width"]
        table = {"hidden": [width] * depth, "batch_size": settings["batch_size"]}
        if settings.get("rows") is not None:
            table["rows"] = settings["rows"]
        if self.budget is not None:
            table["time_budget"] = self.budget
        table.update({k: v for k, v in settings.items() if k in (*NET_KEYS, *TRAIN_KEYS)})
        return table

    def by_recipe(self) -> dict[str, ScalePoint]:
        return {point.recipe: point for point in self.points()}
