"""Accuracy baselines: per task x recipe x backend, the seed statistics a later run must match.

`results/baseline.json` (schema nnbench.baseline/1) maps "task/recipe/backend" to a
`BaselineEntry`: the mean and standard deviation of test accuracy over n seeds, the status
counts, and the versions and date it was measured with. The file is read and checked here
only (`load_baseline`); `update_baseline` merges a run into it: entries the run measured are
replaced, the others are kept.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.execution.records import STATUSES
from bench.results.rundir import RunDir
from bench.results.summary import GroupSummary, summarize_contents

SCHEMA = "nnbench.baseline/1"
DEFAULT_PATH = Path("results/baseline.json")
VERSION_KEYS = ("framework", "framework_version", "python", "numpy", "nnbench_commit")
#: statuses that leave a baseline entry without accuracy by design
NOT_RUN_BY_DESIGN = {"unsupported", "unavailable"}


class BaselineError(ValueError):
    """A baseline file (or entry) that cannot be used; the message names it and the fix."""


@dataclass(frozen=True)
class BaselineEntry:
    """One task x recipe x backend: accuracy statistics over its ok seeds, status counts."""

    mean: float | None
    std: float | None
    n: int
    runs: int
    statuses: dict[str, int]
    versions: dict[str, Any] = field(default_factory=dict)
    measured_at: str | None = None

    @property
    def status_only(self) -> bool:
        """An entry without accuracy by design: every run unsupported or unavailable."""
        return self.n == 0 and self.runs > 0 and set(self.statuses) <= NOT_RUN_BY_DESIGN

    @property
    def usable(self) -> bool:
        """Whether a later run can be held to this entry: it has an accuracy, or has none by
        design. An entry whose runs all failed, timed out or diverged holds nothing to check
        against (a gate built on it would pass anything)."""
        return self.n > 0 or self.status_only

    @classmethod
    def of(cls, s: GroupSummary) -> BaselineEntry:
        """The entry of a summary: accuracy over one record per seed, every record's status."""
        n = s.accuracy.n
        return cls(mean=s.accuracy.mean if n else None, std=s.accuracy.std if n else None,
                   n=n, runs=s.runs, statuses=dict(s.statuses),
                   versions={key: s.env.get(key) for key in VERSION_KEYS},
                   measured_at=s.measured_at)

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "std": self.std, "n": self.n, "runs": self.runs,
                "statuses": self.statuses, "versions": self.versions,
                "measured_at": self.measured_at}

    @classmethod
    def from_dict(cls, key: str, data: Any) -> BaselineEntry:
        """An entry of the file, checked: BaselineError names the key and what is wrong."""
        try:
            if not isinstance(data, dict):
                raise BaselineError("is not a JSON object")
            missing = [k for k in ("mean", "std", "n", "runs", "statuses") if k not in data]
            if missing:
                raise BaselineError(f"lacks {', '.join(missing)}")
            _check_counts(data)
            _check_accuracy(data)
        except BaselineError as exc:
            raise BaselineError(f"entry {key!r}: {exc}") from None
        versions = data.get("versions")
        return cls(mean=None if data["mean"] is None else float(data["mean"]),
                   std=None if data["std"] is None else float(data["std"]), n=data["n"],
                   runs=data["runs"], statuses=dict(data["statuses"]),
                   versions=versions if isinstance(versions, dict) else {},
                   measured_at=data.get("measured_at"))


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_counts(data: dict[str, Any]) -> None:
    """n and runs are counts, statuses maps known statuses to counts that add up to runs."""
    for name in ("n", "runs"):
        if not _count(data[name]):
            raise BaselineError(f"{name}={data[name]!r} must be an integer >= 0")
    statuses = data["statuses"]
    if not isinstance(statuses, dict) or not all(
            s in STATUSES and _count(c) for s, c in statuses.items()):
        raise BaselineError(f"statuses={statuses!r} must map statuses ({', '.join(STATUSES)}) "
                            "to counts")
    if sum(statuses.values()) != data["runs"]:
        raise BaselineError(f"its statuses count {sum(statuses.values())} runs, not "
                            f"runs={data['runs']}")
    if data["n"] > statuses.get("ok", 0):
        raise BaselineError(f"n={data['n']} seeds, but only {statuses.get('ok', 0)} runs were ok")


def _check_accuracy(data: dict[str, Any]) -> None:
    """mean and std are accuracies in [0, 1] when n > 0, and absent (null) when n is 0."""
    if data["n"] == 0:
        if data["mean"] is not None or data["std"] is not None:
            raise BaselineError("has a mean or std but n=0 seeds")
        return
    for name in ("mean", "std"):
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise BaselineError(f"{name}={value!r} must be a number in [0, 1] for "
                                f"n={data['n']} seeds")


@dataclass
class Baseline:
    entries: dict[str, BaselineEntry]
    updated_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA,
                "entries": {k: e.to_dict() for k, e in sorted(self.entries.items())},
                "updated_at": self.updated_at}


def entry_key(s: GroupSummary) -> str:
    return "/".join(s.key)


def entries_from_run(run_dir: Path) -> dict[str, BaselineEntry]:
    """The entries a run directory measured (groups with at least one record)."""
    contents = RunDir.open(run_dir).read()
    if not contents.records:
        raise BaselineError(f"{run_dir} holds no run records (runs.jsonl is missing or empty)")
    return {entry_key(s): BaselineEntry.of(s) for s in summarize_contents(contents) if s.runs}


def load_baseline(path: Path) -> Baseline:
    path = Path(path)
    if not path.exists():
        raise BaselineError(f"no baseline at {path}; create one with `nnbench baseline DIR`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path} cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        schema = data.get("schema") if isinstance(data, dict) else None
        raise BaselineError(f"{path} is not an nnbench baseline (schema {schema!r}, expected "
                            f"{SCHEMA!r}); create one with `nnbench baseline DIR`")
    entries = data.get("entries")
    if not isinstance(entries, dict):
        raise BaselineError(f"{path}: 'entries' must map task/recipe/backend to statistics")
    try:
        return Baseline({k: BaselineEntry.from_dict(k, v) for k, v in entries.items()},
                        data.get("updated_at"))
    except BaselineError as exc:
        raise BaselineError(f"{path}: {exc}") from None


def update_baseline(run_dir: Path, path: Path) -> tuple[Baseline, list[str]]:
    """Merge the run in `run_dir` into the baseline at `path` (created if absent).

    Returns the new baseline and the keys the run replaced or added. The file is written
    atomically (temporary file + rename).
    """
    path = Path(path)
    baseline = load_baseline(path) if path.exists() else Baseline({})
    fresh = entries_from_run(run_dir)
    empty = [f"{key} ({', '.join(f'{s} {n}' for s, n in e.statuses.items())})"
             for key, e in fresh.items() if not e.usable]
    if empty:
        raise BaselineError(
            f"{run_dir}: {len(empty)} entr{'y has' if len(empty) == 1 else 'ies have'} no ok "
            f"seed: {'; '.join(empty[:5])}{' ...' if len(empty) > 5 else ''}. A baseline must "
            "come from a run whose runs learned (a gate on an entry without accuracy passes "
            "anything): fix those runs, or leave them out of the suite with `skip`; nothing "
            f"was written to {path}")
    baseline.entries.update(fresh)
    baseline.updated_at = datetime.now(UTC).isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(baseline.to_dict(), indent=1, allow_nan=False) + "\n")
    tmp.replace(path)
    return baseline, sorted(fresh)
