"""Accuracy baselines: per task x recipe x backend, the seed statistics a later run must match.

`results/baseline.json` (schema nnbench.baseline/1) maps "task/recipe/backend" to the mean and
standard deviation of test accuracy over n seeds, the status counts, and the versions and
date it was measured with. `update_baseline` merges a run into an existing file: entries the
run measured are replaced, the others are kept.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.results.records import read_records
from bench.results.stats import summarize
from bench.results.summary import group_records, per_seed

SCHEMA = "nnbench.baseline/1"
DEFAULT_PATH = Path("results/baseline.json")


def entry_from_records(group: list[dict[str, Any]]) -> dict[str, Any]:
    """The baseline statistics of one task x recipe x backend: accuracy over one record per
    seed (timing repeats of a seed are not further samples of its accuracy), status counts
    over every record."""
    ok = [r for r in per_seed(group) if r["status"] == "ok"]
    acc = summarize(r["metrics"].get("test_accuracy") for r in ok)
    env = (ok or group)[0].get("env", {})
    return {
        "mean": acc.mean if acc.n else None,
        "std": acc.std if acc.n else None,
        "n": acc.n,
        "runs": len(group),
        "statuses": dict(sorted(Counter(r["status"] for r in group).items())),
        "versions": {key: env.get(key) for key in ("framework", "framework_version", "python",
                                                   "numpy", "nnbench_commit")},
        "measured_at": max((r.get("started_at") or "" for r in group), default=None),
    }


def entries_from_run(run_dir: Path) -> dict[str, dict[str, Any]]:
    records = read_records(Path(run_dir) / "runs.jsonl").records
    if not records:
        raise ValueError(f"{run_dir} holds no run records (runs.jsonl is missing or empty)")
    return {"/".join(key): entry_from_records(group)
            for key, group in group_records(records).items()}


def load_baseline(path: Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no baseline at {path}; create one with `nnbench baseline DIR`")
    data = json.loads(path.read_text())
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path} is not an nnbench baseline (schema {data.get('schema')!r}, "
                         f"expected {SCHEMA!r})")
    return data


def update_baseline(run_dir: Path, path: Path) -> tuple[dict[str, Any], list[str]]:
    """Merge the run in `run_dir` into the baseline at `path` (created if absent).

    Returns the new baseline and the keys the run replaced or added. The file is written
    atomically (temporary file + rename).
    """
    path = Path(path)
    data = load_baseline(path) if path.exists() else {"schema": SCHEMA, "entries": {}}
    fresh = entries_from_run(run_dir)
    data["entries"].update(fresh)
    data["entries"] = dict(sorted(data["entries"].items()))
    data["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(path)
    return data, sorted(fresh)
