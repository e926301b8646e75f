"""Broken results: records that are not records in `report`, baselines that cannot hold a
run to anything in `check` and `baseline`. A broken record is skipped and named, never
counted; a broken baseline exits 2 naming the entry; a baseline without accuracy can no
longer pass every later run."""

import json

import pytest

from tests.bench.cli.cases import Case, check, make_run, records_of, run_case
from tests.cli import nnbench


def with_record(change):
    """A setup: a real 2-seed run whose first record gets `change` applied."""
    def setup(tmp):
        out = make_run(tmp)
        records = records_of(out)
        change(records[0])
        (out / "runs.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return setup


def baseline(entries, top=None):
    def setup(tmp):
        make_run(tmp)
        data = top if top is not None else {"schema": "nnbench.baseline/1", "entries": entries}
        (tmp / "b.json").write_text(json.dumps(data))
    return setup


GOOD = {"mean": 1.0, "std": 0.0, "n": 2, "runs": 2, "statuses": {"ok": 2}}
KEY = "xor/modern/numpy"

REPORT_CASES = [
    Case("record-without-metrics", ("report", "{tmp}/run"), 0, "skipped unreadable line(s) [1]",
         with_record(lambda r: r.pop("metrics"))),
    Case("record-accuracy-not-a-number", ("report", "{tmp}/run"), 0,
         "an ok record without a numeric metrics.test_accuracy",
         with_record(lambda r: r["metrics"].update(test_accuracy="high"))),
    Case("record-of-another-schema", ("report", "{tmp}/run"), 0,
         "schema 'nnbench.run/99' is not one this nnbench reads",
         with_record(lambda r: r.update(schema="nnbench.run/99"))),
    Case("record-status-unknown", ("report", "{tmp}/run"), 0, "status 'great' is not one of",
         with_record(lambda r: r.update(status="great"))),
]

CHECK_CASES = [
    Case("baseline-entry-missing-keys", ("check", "{tmp}/run", "--baseline", "{tmp}/b.json"), 2,
         f"entry '{KEY}': lacks std, n, runs", baseline({KEY: {"mean": 1.0, "statuses": {}}})),
    Case("baseline-a-list", ("check", "{tmp}/run", "--baseline", "{tmp}/b.json"), 2,
         "is not an nnbench baseline (schema None, expected 'nnbench.baseline/1')",
         baseline({}, top=[GOOD])),
    Case("baseline-mean-nan", ("check", "{tmp}/run", "--baseline", "{tmp}/b.json"), 2,
         f"entry '{KEY}': mean=nan must be a number in [0, 1] for n=2 seeds",
         baseline({KEY: {**GOOD, "mean": float("nan")}})),
    Case("baseline-std-negative", ("check", "{tmp}/run", "--baseline", "{tmp}/b.json"), 2,
         "std=-0.1 must be a number in [0, 1]", baseline({KEY: {**GOOD, "std": -0.1}})),
    Case("baseline-more-seeds-than-ok-runs", ("check", "{tmp}/run", "--baseline",
                                              "{tmp}/b.json"), 2,
         "n=5 seeds, but only 2 runs were ok", baseline({KEY: {**GOOD, "n": 5}})),
    Case("baseline-statuses-do-not-add-up", ("check", "{tmp}/run", "--baseline",
                                             "{tmp}/b.json"), 2,
         "its statuses count 3 runs, not runs=2",
         baseline({KEY: {**GOOD, "statuses": {"ok": 2, "failed": 1}}})),
    Case("baseline-without-accuracy", ("check", "{tmp}/run", "--baseline", "{tmp}/b.json"), 1,
         "unusable baseline: the baseline entry holds no accuracy",
         baseline({KEY: {"mean": None, "std": None, "n": 0, "runs": 2,
                         "statuses": {"diverged": 2}}})),
    Case("baseline-not-json", ("check", "{tmp}/run", "--baseline", "{tmp}/run/plan.json"), 2,
         "is not an nnbench baseline", lambda tmp: make_run(tmp)),
]


@pytest.mark.parametrize("case", REPORT_CASES, ids=[c.id for c in REPORT_CASES])
def test_a_broken_record_is_skipped_named_and_not_counted(case, tmp_path):
    check(case, run_case(case, tmp_path), tmp_path)
    summary = (tmp_path / "run" / "summary.csv").read_text()
    assert "xor,modern,numpy,1,1,ok:1," in summary   # the other record alone counts


@pytest.mark.parametrize("case", CHECK_CASES, ids=[c.id for c in CHECK_CASES])
def test_a_baseline_that_cannot_hold_a_run_to_anything_is_refused(case, tmp_path):
    check(case, run_case(case, tmp_path), tmp_path)


def test_a_baseline_is_not_written_from_runs_that_all_diverged(tmp_path):
    suite = tmp_path / "hot.toml"
    suite.write_text('tasks = ["xor"]\nbackends = ["numpy"]\nrecipes = ["hot"]\nseeds = 2\n'
                     '[recipe.hot]\nhidden = [4]\nactivation = "relu"\noutput = "linear"\n'
                     'loss = "mse"\noptimizer = "sgd"\nlr = 1e6\nbatch_size = "full"\n'
                     'epochs = 50\n')
    assert nnbench("run", "--suite", str(suite), "--out", str(tmp_path / "hot")).returncode == 0
    case = Case("baseline-from-diverged-runs", ("baseline", "{tmp}/hot", "--baseline",
                                                "{tmp}/b.json"), 2,
                "1 entry has no ok seed: xor/hot/numpy (diverged 2). A baseline must come from "
                "a run whose runs learned")
    check(case, run_case(case, tmp_path), tmp_path)
    assert not (tmp_path / "b.json").exists()


def test_unsupported_entries_stay_in_a_baseline_by_design(tmp_path):
    run = tmp_path / "run"
    assert nnbench("run", "--tasks", "xor", "--recipe", "perceptron", "--backends",
                   "numpy,sklearn", "--seeds", "2", "--out", str(run)).returncode == 0
    written = nnbench("baseline", str(run), "--baseline", str(tmp_path / "b.json"))
    assert written.returncode == 0, written.stderr
    checked = nnbench("check", str(run), "--baseline", str(tmp_path / "b.json"))
    assert checked.returncode == 0 and "no regression" in checked.stdout


def test_check_of_an_unchanged_run_passes(tmp_path):
    out = make_run(tmp_path)
    assert nnbench("baseline", str(out), "--baseline", str(tmp_path / "b.json")).returncode == 0
    assert nnbench("check", str(out), "--baseline", str(tmp_path / "b.json")).returncode == 0
