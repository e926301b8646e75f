"""Run directories for the report and compare tests.

`real_run` runs the real command line once per test session (NumPy backend, xor, every recipe,
2 seeds). `several_backends` copies those records (and their planned runs) under other backend
names with changed accuracies and times, and adds every kind of non-ok outcome, a task the
registry does not know and a planned run that never produced a record: the report must not
care which framework a record came from.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tests.cli import nnbench

_CACHE: dict[str, Path] = {}


def real_run(tmp_path_factory) -> Path:
    """A real `nnbench run` directory (records, plan, summary and report written by `run`)."""
    if "real" not in _CACHE:
        out = tmp_path_factory.mktemp("real") / "run"
        result = nnbench("run", "--tasks", "xor", "--recipe", "perceptron,course,modern",
                         "--backends", "numpy", "--seeds", "2", "--threads", "1", "--out",
                         str(out))
        assert result.returncode == 0, result.stderr
        _CACHE["real"] = out
        _CACHE["real_stdout"] = result.stdout
    return _CACHE["real"]


def run_stdout() -> str:
    return str(_CACHE.get("real_stdout", ""))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_run(out: Path, records: list[dict], plan: dict | None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "runs.jsonl", "w") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")
    if plan is not None:
        (out / "plan.json").write_text(json.dumps(plan))
    return out


#: the load a quiet 2-core machine shows: the real run's own load (whatever the machine was
#: doing while the tests ran) is replaced, so that no table is marked as untrustworthy by chance
QUIET = {"cpus": 2, "load_before": [0.5, 0.5, 0.5], "load_after": [0.6, 0.5, 0.5]}


def quiet(records: list[dict]) -> list[dict]:
    """The records with a quiet machine's load and, per task x recipe, the first seed's
    steady epoch (a loaded test machine can spread them beyond the trust limit)."""
    first: dict[tuple, float] = {}
    for record in records:
        record["env"].update(QUIET)
        key = (record["task"], record["recipe"])
        steady = record["timing"]["steady_epoch_seconds"]
        record["timing"]["steady_epoch_seconds"] = first.setdefault(key, steady)
    return records


def as_planned(run: dict, **changes) -> dict:
    """A copy of a planned run of plan.json under other names (its run id to match)."""
    run = {**copy.deepcopy(run), **changes}
    run["run_id"] = "/".join([run["task"], run["recipe"], run["backend"], str(run["seed"])])
    return run


def as_backend(record: dict, backend: str, time_factor: float) -> dict:
    r = copy.deepcopy(record)
    r["backend"] = backend
    r["run_id"] = "/".join([r["task"], r["recipe"], backend, str(r["seed"])])
    r["env"].update(framework=f"{backend}-framework", framework_version="1.2.3")
    for key, value in r["timing"].items():
        if value is not None:
            r["timing"][key] = value * time_factor
    r["history"]["epoch_seconds"] = [s * time_factor for s in r["history"]["epoch_seconds"]]
    r["history"]["loss"] = [v * 1.1 for v in r["history"]["loss"]]
    return r


def not_ok(record: dict, status: str, error: str) -> dict:
    record.update(status=status, error=error, metrics={}, n_params=None,
                  history={"loss": [], "val_loss": [], "val_accuracy": [], "val_epochs": [],
                           "epoch_seconds": []})
    return record


PIPE_ERROR = "RuntimeError: shape mismatch | (2, 8) vs (8,)"
TIMEOUT_ERROR = "no result after 600 s (timeout)"
UNSUPPORTED = "keras has no perceptron learning rule"


def several_backends(real: Path, out: Path) -> Path:
    """numpy (real) + torch (3x slower, seed 1 of xor/modern at 0.75) + keras (unsupported on
    the perceptron recipe, a deviation elsewhere) + zzfw (an unknown name: seed 1 failed on
    every recipe, seed 0 timed out on xor/course) + a record of the unknown task 'mystery'
    + one planned jax run without a record."""
    numpy = quiet(read_jsonl(real / "runs.jsonl"))
    records = list(numpy)
    for r in numpy:
        torch = as_backend(r, "torch", 3.0)
        if (r["recipe"], r["seed"]) == ("modern", 1):
            torch["metrics"]["test_accuracy"] = 0.75
        keras = as_backend(r, "keras", 20.0)
        if r["recipe"] == "perceptron":
            not_ok(keras, "unsupported", UNSUPPORTED)
        else:
            keras["deviations"] = ["glorot init drawn in float32"]
        zzfw = as_backend(r, "zzfw", 0.5)
        if r["seed"] == 1:
            not_ok(zzfw, "failed", PIPE_ERROR)
        elif r["recipe"] == "course":
            not_ok(zzfw, "timeout", TIMEOUT_ERROR)
        records += [torch, keras, zzfw]
    mystery = copy.deepcopy(next(r for r in numpy if r["recipe"] == "modern"))
    mystery.update(task="mystery", run_id="mystery/modern/numpy/0")
    records.append(mystery)
    plan = json.loads((real / "plan.json").read_text())
    planned = plan["runs"]
    plan["runs"] = [as_planned(p, backend=b) for b in ("numpy", "torch", "keras", "zzfw")
                    for p in planned]
    modern = next(p for p in planned if p["recipe"] == "modern" and p["seed"] == 0)
    plan["runs"] += [as_planned(modern, task="mystery"), as_planned(modern, backend="jax")]
    return write_run(out, records, plan)
