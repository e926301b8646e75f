"""The data-directory tasks in the registry, `nnbench list` without data, `nnbench fetch`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tasks import TASKS, get_task
from tasks.datadir import DataDirLoader, data_set_of
from tests.cli import ROOT, nnbench

DATA_SETS = ["mnist", "fashion-mnist", "german-credit", "credit-default"]
DATA_TASKS = ["mnist", "mnist-small", "fashion-mnist", "german-credit", "credit-default"]


@pytest.mark.parametrize("name", DATA_SETS)
def test_data_tasks_are_registered_with_course_and_modern_recipes(name):
    task = get_task(name)
    assert name in TASKS and task.name == name and task.description and task.source
    assert isinstance(task.load, DataDirLoader) and data_set_of(task).name == name
    assert set(task.recipes) == {"course", "modern"}  # their fit: test_registry.py


def test_embedded_tasks_have_nothing_to_fetch():
    assert [n for n in TASKS if data_set_of(get_task(n)) is not None] == DATA_TASKS


def test_registry_and_list_read_no_data(tmp_path):
    # Every task and recipe is listed with an empty data directory, offline, and nothing is
    # read or imported for the data.
    code = ("import sys\n"
            "from bench.cli.tools import list_data\n"
            "data = list_data()\n"
            "import tasks.mnist as m, tasks.german_credit as g\n"
            "assert m._read_split.cache_info().currsize == 0\n"
            "assert g.build_split.read.cache_info().currsize == 0\n"
            "print(sorted(data['tasks']), 'pooch' in sys.modules)\n")
    env = {**os.environ, "NNBENCH_DATA_DIR": str(tmp_path), "NNBENCH_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{sorted(TASKS)} False"
    assert list(tmp_path.iterdir()) == []


def test_list_json_shows_the_data_tasks_without_data(tmp_path):
    result = nnbench("list", "--json", env={"NNBENCH_DATA_DIR": str(tmp_path),
                                            "NNBENCH_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    tasks = json.loads(result.stdout)["tasks"]
    assert set(DATA_TASKS) <= set(tasks) and tasks["mnist"]["features"] == 784


@pytest.mark.parametrize("name, message", [
    ("mnst", "no data to fetch for 'mnst' (did you mean 'mnist'?); choose all or one of: "
             "mnist, fashion-mnist, german-credit, credit-default"),
    ("xor", "no data to fetch for 'xor'"),
])
def test_fetch_refuses_other_names_with_the_valid_ones(name, message):
    result = nnbench("fetch", name)
    assert result.returncode == 2 and message in result.stderr


def test_fetch_verifies_present_files(real_data_dir):
    result = nnbench("fetch", "german-credit", env={"NNBENCH_DATA_DIR": str(real_data_dir)})
    assert result.returncode == 0, result.stderr
    assert "german-credit: 1 file(s) present and verified" in result.stdout


def test_fetch_all_offline_reports_every_missing_data_set_and_fails(tmp_path):
    result = nnbench("fetch", "all", env={"NNBENCH_DATA_DIR": str(tmp_path),
                                          "NNBENCH_OFFLINE": "1"})
    assert result.returncode == 2  # a data set that cannot be had: an environment problem
    for name in DATA_SETS:  # mnist-small shares mnist's files: fetched (and failed) once
        assert result.stderr.count(f"nnbench fetch: {name}: ") == 1
    assert result.stderr.count("NNBENCH_OFFLINE") >= 4 and str(tmp_path) in result.stderr


@pytest.mark.slow
def test_run_german_credit_records_auc_cost_and_baselines(real_data_dir, tmp_path):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "german-credit", "--backends", "numpy", "--seeds", "1",
                     "--recipe", "modern", "--out", str(out),
                     env={"NNBENCH_DATA_DIR": str(real_data_dir)})
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "runs.jsonl").read_text().splitlines()[0])
    assert record["status"] == "ok", record.get("error")
    metrics = record["metrics"]
    assert metrics["majority_accuracy"] == pytest.approx(0.7)
    assert metrics["test_accuracy"] > 0.7 and 0.6 < metrics["test_auc"] <= 1
    assert {"test_cost", "test_cost_bayes", "baseline_cost"} <= set(metrics)


def test_run_without_data_offline_is_refused_with_the_remedy(tmp_path):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "credit-default", "--backends", "numpy", "--seeds", "1",
                     "--recipe", "modern", "--out", str(out),
                     env={"NNBENCH_DATA_DIR": str(tmp_path / "empty"), "NNBENCH_OFFLINE": "1"})
    assert result.returncode == 2
    assert "UCI_Credit_Card.csv is missing" in result.stderr
    assert "nnbench fetch credit-default" in result.stderr and not out.exists()
