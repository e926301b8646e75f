"""Scaling studies: a `[scale]` table becomes ordinary planned runs, cheapest point first, each
naming the point before it, with the axis value readable from the planned specs."""

import json

import pytest

from bench.plan.planner import plan_suite
from bench.plan.runs import Plan, PlanError, PlannedRun
from bench.plan.scale import AXIS_KINDS, ScaleError, ScaleSpec
from bench.plan.suite import Suite, SuiteError, load_suite, suite_from_toml

STUDY = """
tasks = ["synthetic"]
backends = ["numpy", "sklearn"]
seeds = 1
repeat = 2

[scale]
budget = 4

[scale.base]
width = 32
depth = 2
batch_size = 16
rows = 512
epochs = 3
lr = 0.05

[scale.width]
values = [64, 16]
rows = 256

[scale.batch]
values = [1, 8, 64]

[scale.depth]
values = [1, 3]
"""


def study(text: str = STUDY) -> Suite:
    return suite_from_toml(text, "study.toml")


def test_each_point_is_a_recipe_that_varies_one_thing_of_the_base():
    points = study().scale.points()
    assert [p.recipe for p in points] == ["width-16", "width-64", "batch-64", "batch-8",
                                          "batch-1", "depth-1", "depth-3"]
    by = {p.recipe: p.table for p in points}
    assert by["width-64"]["hidden"] == [64, 64] and by["width-64"]["rows"] == 256
    assert by["batch-1"] == {"hidden": [32, 32], "batch_size": 1, "rows": 512,
                             "time_budget": 4.0, "epochs": 3, "lr": 0.05}
    assert by["depth-3"]["hidden"] == [32, 32, 32]
    # cheapest first: widths ascend, batch sizes descend (small batches: more steps)
    assert [p.previous for p in points] == [None, "width-16", None, "batch-64", "batch-8",
                                            None, "depth-1"]


def test_the_planner_chains_every_backends_points_and_the_axis_value_is_in_the_specs():
    plan = plan_suite(study())
    assert len(plan.runs) == 7 * 2 * 2                     # points x backends x repeats
    assert [r.recipe for r in plan.runs[:4]] == ["width-16", "width-16", "width-64",
                                                 "width-64"]
    by_id = {r.run_id: r for r in plan.runs}
    for run in plan.runs:
        kind = AXIS_KINDS[run.recipe.split("-")[0]]
        value = kind.value_of(run.net.to_dict(), run.train.to_dict())
        assert run.recipe == f"{kind.name}-{value}"
        if run.after is not None:   # the same backend, seed and repeat, one point cheaper
            before = by_id[run.after]
            assert (before.backend, before.seed, before.repeat) == (run.backend, run.seed,
                                                                    run.repeat)
            assert before.recipe.split("-")[0] == kind.name
    assert by_id["synthetic/batch-1/sklearn/0/r1"].after == "synthetic/batch-8/sklearn/0/r1"
    assert by_id["synthetic/batch-64/numpy/0/r0"].after is None
    assert by_id["synthetic/width-64/numpy/0/r0"].train.time_budget == 4.0


def test_a_chain_skips_the_points_a_suite_leaves_out_and_keeps_its_order():
    suite = study().with_overrides(recipes=("batch-1", "batch-64"), skip=("*/batch-8",),
                                   repeat=1)
    runs = plan_suite(suite).runs
    assert [(r.recipe, r.after) for r in runs if r.backend == "numpy"] == [
        ("batch-64", None), ("batch-1", "synthetic/batch-64/numpy/0")]


def test_plan_json_keeps_the_study_and_the_chains_and_reads_them_back():
    suite = study()
    plan = plan_suite(suite)
    stored = json.loads(json.dumps({"suite": suite.to_dict(),
                                    "runs": [r.to_dict() for r in plan.runs]}))
    assert ScaleSpec.from_dict(stored["suite"]["scale"]) == suite.scale
    assert Plan(tuple(PlannedRun.from_dict(r) for r in stored["runs"])) == plan
    ordinary = Suite(tasks=("xor",), backends=("numpy",), recipes=("modern",), seeds=1)
    assert "scale" not in ordinary.to_dict()                   # plan.json reads as before
    assert "after" not in plan_suite(ordinary).runs[0].to_dict()


def test_a_run_may_only_wait_for_a_run_planned_before_it():
    first, second = plan_suite(study()).runs[:2]
    with pytest.raises(PlanError, match="waits for nothing/here"):
        Plan((first.__class__(**{**first.__dict__, "after": "nothing/here"}),))
    with pytest.raises(PlanError, match="which the plan does not hold before it"):
        Plan((second.__class__(**{**second.__dict__, "after": first.run_id}), first))


@pytest.mark.parametrize("table, message", [
    ("[scale]\nbudget = 3\n", "sweeps no axis"),
    ("[scale.size]\nvalues = [1]\n", "unknown key(s) size"),
    ("[scale.width]\nvalues = [8, 8]\n", "name a value twice"),
    ("[scale.width]\nvalues = []\n", "needs values"),
    ("[scale.width]\nvalues = [0, 8]\n", "value=0"),
    ("[scale.width]\nvalues = [8]\nwidth = 4\n", "unknown key(s) width"),
    ("[scale]\nbudget = -1\n[scale.width]\nvalues = [8]\n", "budget=-1"),
    ("[scale.base]\nlr = 0\n[scale.width]\nvalues = [8]\n", "lr=0"),
    ("[scale.base]\nwidht = 8\n[scale.width]\nvalues = [8]\n", "unknown key(s) widht"),
])
def test_a_bad_scale_table_is_refused_before_anything_runs(table, message):
    with pytest.raises(SuiteError, match="suite bad.toml: ") as err:
        suite_from_toml(table, "bad.toml")
    assert message in str(err.value)


def test_rows_beyond_the_task_or_on_a_task_without_a_holdout_are_refused():
    too_many = STUDY.replace("rows = 256", "rows = 60001")
    with pytest.raises(SuiteError, match="rows=60001, but task synthetic has 60000"):
        plan_suite(study(too_many))
    with pytest.raises(SuiteError, match="task xor is evaluated by resubstitution"):
        plan_suite(study(STUDY.replace('"synthetic"', '"xor"')))


def test_a_custom_recipe_may_not_take_a_points_name():
    with pytest.raises(SuiteError, match="has the name of a point"):
        study(STUDY + "\n[recipe.width-16]\nhidden = [4]\n")


def test_the_builtin_study_plans_every_axis_on_every_backend_it_names():
    suite = load_suite("scale")
    assert [a.name for a in suite.scale.axes] == ["width", "batch", "rows"]
    runs = plan_suite(suite.with_overrides(backends=("numpy",))).runs
    assert {r.repeat for r in runs} == {0, 1}                 # every point has a spread
    values = {}
    for run in (r for r in runs if r.repeat == 0):
        axis = run.recipe.split("-")[0]
        values.setdefault(axis, []).append(
            AXIS_KINDS[axis].value_of(run.net.to_dict(), run.train.to_dict()))
    assert values["width"] == [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
    assert values["batch"] == [1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1]
    assert values["rows"][-1] == 60_000
    assert all(r.train.time_budget == suite.scale.budget for r in runs)


def test_scale_spec_errors_name_what_is_allowed():
    with pytest.raises(ScaleError, match="allowed: budget, base and the axes width, depth, "
                                         "batch, rows"):
        ScaleSpec.from_dict({"widths": {}})
