"""A planned run: the unit of work that crosses from planning to execution and into plan.json.

`PlannedRun` is one task x recipe x backend x seed (x timing repeat) with the exact specs it
trains; `Plan` is a suite's whole, ordered list of them. Both are typed here once; plan.json
and the worker's job file hold `PlannedRun.to_dict()`, and `from_dict` reads every form an
older nnbench wrote (plans before timing repeats have no `repeat`: it was 0). A point of a
scaling study names the run before it on its axis (`after`, written only when set); a run on a
device other than the CPU names it (`device`, written only when not "cpu", so plan.json of a
CPU suite reads as before, and its backend label, `torch@cuda`, is part of its id and group).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from bench.spec import NetSpec, SpecError, TrainSpec
from bench.spec.devices import DEVICES, backend_label

INIT_MODES = ("shared", "native")


class PlanError(ValueError):
    """A planned run or a plan file that cannot be read; the message says what is wrong."""


def run_id(task: str, recipe: str, backend: str, seed: int, repeat: int = 0,
           repeats: int = 1, device: str = "cpu") -> str:
    """`task/recipe/backend/seed`, plus `/r<repeat>` when the suite repeats its runs; the
    backend reads `backend@cuda` for a run on the GPU (`bench.spec.devices.backend_label`)."""
    base = f"{task}/{recipe}/{backend_label(backend, device)}/{seed}"
    return base if repeats == 1 else f"{base}/r{repeat}"


@dataclass(frozen=True)
class PlannedRun:
    """One run: which task, recipe, backend and seed, and the specs it trains with."""

    run_id: str
    task: str
    recipe: str
    backend: str
    seed: int
    net: NetSpec
    train: TrainSpec
    repeat: int = 0
    init: str = "shared"
    timeout: float = 600.0
    #: the run this one waits for: the cheaper point before it of a scaling study's axis, with
    #: the same backend, seed and repeat (`bench.execution.dropout`); None for every other run
    after: str | None = None
    #: the device it trains on: "cpu" or "cuda" (`auto` is resolved when planning)
    device: str = "cpu"

    @property
    def label(self) -> str:
        """The backend as tables name it: `torch`, or `torch@cuda` on the GPU."""
        return backend_label(self.backend, self.device)

    @property
    def group(self) -> tuple[str, str, str]:
        """(task, recipe, backend label): the row of every table this run counts in."""
        return self.task, self.recipe, self.label

    def to_dict(self) -> dict[str, Any]:
        out = {"run_id": self.run_id, "task": self.task, "recipe": self.recipe,
               "backend": self.backend, "seed": self.seed, "repeat": self.repeat,
               "init": self.init, "timeout": self.timeout, "net": self.net.to_dict(),
               "train": self.train.to_dict()}
        if self.after is not None:
            out["after"] = self.after
        if self.device != "cpu":
            out["device"] = self.device
        return out

    @classmethod
    def from_dict(cls, data: Any) -> PlannedRun:
        """A planned run from its JSON form; PlanError naming the run and the field."""
        if not isinstance(data, dict):
            raise PlanError(f"a planned run must be a JSON object, got {type(data).__name__}")
        name = data.get("run_id", "?")
        try:
            for key in ("run_id", "task", "recipe", "backend"):
                if not isinstance(data.get(key), str) or not data[key]:
                    raise PlanError(f"{key} must be a non-empty string")
            seed, repeat = data.get("seed"), data.get("repeat", 0)
            for key, value in (("seed", seed), ("repeat", repeat)):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise PlanError(f"{key}={value!r} must be an integer >= 0")
            timeout = data.get("timeout", 600.0)
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
                    or not math.isfinite(timeout) or timeout <= 0:
                raise PlanError(f"timeout={timeout!r} must be a finite number of seconds > 0")
            init = data.get("init", "shared")
            if init not in INIT_MODES:
                raise PlanError(f"init={init!r} must be one of {', '.join(INIT_MODES)}")
            if not isinstance(data.get("net"), dict) or not isinstance(data.get("train"), dict):
                raise PlanError("net and train must be JSON objects (the specs)")
            after = data.get("after")
            if after is not None and (not isinstance(after, str) or not after):
                raise PlanError(f"after={after!r} must be a run id or absent")
            device = data.get("device", "cpu")
            if device not in DEVICES:
                raise PlanError(f"device={device!r} must be one of {', '.join(DEVICES)}")
            return cls(run_id=data["run_id"], task=data["task"], recipe=data["recipe"],
                       backend=data["backend"], seed=seed, repeat=repeat, init=init,
                       timeout=float(timeout), net=NetSpec.from_dict(data["net"]),
                       train=TrainSpec.from_dict(data["train"]), after=after,
                       device=device)
        except (SpecError, TypeError) as exc:
            raise PlanError(f"planned run {name}: {exc}") from None
        except PlanError as exc:
            raise PlanError(f"planned run {name}: {exc}") from None


@dataclass(frozen=True)
class Plan:
    """A suite's runs in the order they are executed, and notes for the user about how the
    selection was read (e.g. a name given twice, planned once)."""

    runs: tuple[PlannedRun, ...]
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for run in self.runs:
            if run.run_id in seen:
                raise PlanError(f"the plan holds run {run.run_id} twice")
            if run.after is not None and run.after not in seen:
                raise PlanError(f"run {run.run_id} waits for {run.after}, which the plan does "
                                "not hold before it")
            seen.add(run.run_id)

    @property
    def run_ids(self) -> set[str]:
        return {run.run_id for run in self.runs}

    def difference(self, other: Plan, ignore: tuple[str, ...] = ()) -> str:
        """'' when `other` plans the same runs with the same settings (but the fields named in
        `ignore`), else what differs (runs added, removed, or with other settings; three
        named per kind)."""
        old = {r.run_id: r for r in self.runs}
        new = {r.run_id: r for r in other.runs}
        parts = []
        added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))

        def same(a: PlannedRun, b: PlannedRun) -> bool:
            return replace(a, **{f: getattr(b, f) for f in ignore}) == b

        changed = sorted(i for i in set(old) & set(new) if not same(old[i], new[i]))
        for label, ids in (("runs added", added), ("runs removed", removed),
                           ("runs with other settings", changed)):
            if ids:
                more = f" (+{len(ids) - 3} more)" if len(ids) > 3 else ""
                parts.append(f"{label}: {', '.join(ids[:3])}{more}")
        return "; ".join(parts)
