"""The Python API: run a suite from Python, read any run directory as DataFrames."""

import math

import pytest

from bench.api import InputError, load_runs, load_summaries, run_suite
from bench.results.rundir import RunDir


@pytest.fixture(scope="module")
def rundir(tmp_path_factory):
    return run_suite("quick", tasks=["xor"], backends=["numpy"], recipes=["perceptron", "modern"],
                     seeds=2, threads=1, out=tmp_path_factory.mktemp("api") / "run",
                     report=False)


def test_run_suite_returns_the_run_directory_it_wrote(rundir):
    assert isinstance(rundir, RunDir)
    assert rundir.summary_file.is_file() and not rundir.report_md.exists()  # report=False
    assert len(rundir.read().records) == 4 and rundir.read().missing == []


def test_load_runs_gives_one_flat_row_per_run(rundir):
    runs = load_runs(rundir.path)
    assert len(runs) == 4 and set(runs["status"]) == {"ok"}
    for column in ("run_id", "task", "recipe", "backend", "seed", "test_accuracy",
                   "train_accuracy", "fit_seconds", "steady_epoch_seconds", "epochs_run",
                   "env_threads", "env_cpu", "flops_per_epoch"):
        assert column in runs.columns, column
    modern = runs[runs["recipe"] == "modern"]
    assert list(modern["test_accuracy"]) == [1.0, 1.0] and set(runs["env_threads"]) == {1}


def test_load_summaries_gives_numbers_per_task_recipe_backend(rundir):
    table = load_summaries(rundir.path)
    assert list(table["recipe"]) == ["perceptron", "modern"]
    row = table.set_index("recipe").loc["perceptron"]
    assert row["test_accuracy_mean"] == 0.5 and row["runs"] == 2 and row["ok_seeds"] == 2
    assert math.isfinite(row["steady_epoch_seconds_mean"])


def test_bad_input_raises_before_anything_is_created(tmp_path):
    with pytest.raises(InputError, match="unknown task 'xr'"):
        run_suite("quick", tasks=["xr"], out=tmp_path / "never")
    assert not (tmp_path / "never").exists()
