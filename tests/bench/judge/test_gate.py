"""The accuracy gate: the rule on hand-made entries, then real injected learning bugs (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.execution.records import Record
from bench.judge import gate
from bench.judge.baseline import (
    SCHEMA,
    Baseline,
    BaselineEntry,
    BaselineError,
    load_baseline,
    update_baseline,
)
from bench.results.rundir import RunDir
from tests.cli import nnbench


def entry(mean, std, n=5, statuses=None):
    statuses = statuses or {"ok": n}
    return BaselineEntry(mean=mean, std=std, n=n, runs=sum(statuses.values()),
                         statuses=statuses)


def test_zero_variance_entry_uses_the_floor():
    # One seed of five lost a row of four: an erratic run does not widen its own tolerance.
    verdict = gate.judge("xor/modern/numpy", entry(1.0, 0.0), entry(0.95, 0.11))
    assert verdict.outcome == "regressed" and verdict.tolerance == gate.FLOOR
    assert gate.judge("k", entry(1.0, 0.0), entry(0.995, 0.0)).outcome == "ok"
    assert gate.judge("k", entry(1.0, 0.0), entry(0.985, 0.0)).tolerance == gate.FLOOR
    assert gate.judge("k", entry(1.0, 0.0), entry(0.985, 0.0)).outcome == "regressed"


def test_noisy_entry_tolerates_its_own_spread():
    noisy = entry(0.90, 0.17)
    ok = gate.judge("k", noisy, entry(0.80, 0.17, n=3))
    assert ok.outcome == "ok"
    assert ok.tolerance == pytest.approx(gate.Z * 0.17 * (1 / 5 + 1 / 3) ** 0.5)
    assert gate.judge("k", noisy, entry(0.50, 0.17)).outcome == "regressed"
    assert gate.judge("k", noisy, entry(0.99, 0.01)).outcome == "ok"  # better is never a failure


def test_worse_status_missing_and_new_entries():
    worse = gate.judge("k", entry(0.9, 0.0), entry(0.9, 0.0, n=4, statuses={"ok": 4,
                                                                            "timeout": 1}))
    assert worse.outcome == "status worse" and worse.failed and "timeout" in worse.reason
    assert gate.judge("k", entry(0.9, 0.0), None).outcome == "missing"
    new = gate.judge("k", None, entry(0.9, 0.0))
    assert new.outcome == "new" and not new.failed
    verdicts = gate.check(Baseline({"a": entry(1, 0), "b": entry(1, 0)}),
                          {"b": entry(1, 0), "c": entry(1, 0)})
    assert [(v.key, v.outcome) for v in verdicts] == [("a", "missing"), ("b", "ok"),
                                                      ("c", "new")]


def write_run(path: Path, accuracies: dict[str, list[float]]) -> Path:
    rundir = RunDir.create(path)
    for key, values in accuracies.items():
        task, recipe, backend = key.split("/")
        for seed, acc in enumerate(values):
            rundir.append(Record(run_id=f"{key}/{seed}", task=task, recipe=recipe,
                                 backend=backend, seed=seed, net={}, train={}, status="ok",
                                 metrics={"test_accuracy": acc},
                                 env={"framework": backend, "framework_version": "1"}))
    return path


def test_baseline_update_merges_and_keeps_other_entries(tmp_path):
    path = tmp_path / "baseline.json"
    update_baseline(write_run(tmp_path / "a", {"xor/modern/numpy": [1, 1, 1],
                                               "and/modern/numpy": [1, 1, 1]}), path)
    data, keys = update_baseline(write_run(tmp_path / "b", {"xor/modern/numpy": [1, .75, 1]}),
                                 path)
    assert keys == ["xor/modern/numpy"] and set(data.entries) == {"and/modern/numpy",
                                                                  "xor/modern/numpy"}
    xor = load_baseline(path).entries["xor/modern/numpy"]
    assert xor.n == 3 and xor.mean == pytest.approx(2.75 / 3)
    assert xor.versions["framework_version"] == "1"
    assert json.loads(path.read_text())["schema"] == SCHEMA


def test_not_a_baseline_is_refused(tmp_path):
    (tmp_path / "b.json").write_text('{"schema": "other"}')
    with pytest.raises(BaselineError, match="not an nnbench baseline"):
        load_baseline(tmp_path / "b.json")


@pytest.mark.slow
@pytest.mark.parametrize("bug", ["grad-sign", "lr-scale"])
def test_the_gate_catches_a_real_learning_bug_and_passes_an_unchanged_run(tmp_path, bug):
    suite = ("run", "--tasks", "xor,digits", "--recipe", "modern", "--backends", "numpy",
             "--seeds", "3")
    assert nnbench(*suite, "--out", str(tmp_path / "base")).returncode == 0
    baseline = tmp_path / "baseline.json"
    assert nnbench("baseline", str(tmp_path / "base"), "--baseline", str(baseline)).returncode == 0

    same = nnbench(*suite, "--out", str(tmp_path / "same"))
    clean = nnbench("check", str(tmp_path / "same"), "--baseline", str(baseline))
    assert same.returncode == 0 and clean.returncode == 0, clean.stdout
    assert "no regression" in clean.stdout

    # The same suite with the bug planted in the NumPy backend itself.
    buggy = {"NNBENCH_EXTRA_BACKENDS": "numpy=tests.backends.fault_backend:FaultModel",
             "NNBENCH_FAULT": bug}
    assert nnbench(*suite, "--out", str(tmp_path / "bug"), env=buggy).returncode == 0
    caught = nnbench("check", str(tmp_path / "bug"), "--baseline", str(baseline))
    assert caught.returncode == 1, caught.stdout
    assert "regressed" in caught.stdout and "digits/modern/numpy" in caught.stdout


def test_check_refuses_a_missing_baseline(tmp_path):
    run = write_run(tmp_path / "r", {"xor/modern/numpy": [1.0]})
    result = nnbench("check", str(run), "--baseline", str(tmp_path / "none.json"))
    assert result.returncode == 2 and "create one with `nnbench baseline DIR`" in result.stderr
