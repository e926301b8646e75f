"""`plan_suite`: defaults resolved, names checked, a name given twice planned once."""

import pytest

from bench.plan.planner import plan_suite
from bench.plan.runs import Plan, PlanError, PlannedRun
from bench.plan.suite import Suite, SuiteError, suite_from_toml


def test_a_name_given_twice_is_planned_once_with_a_note():
    plan = plan_suite(Suite(tasks=("xor", "xor"), backends=("numpy", "numpy"),
                            recipes=("modern", "modern", "course"), seeds=2))
    assert len(plan.runs) == 2 * 2 and len({r.run_id for r in plan.runs}) == 4
    assert plan.notes == ("tasks names 'xor' 2 times; it is planned once",
                          "backends names 'numpy' 2 times; it is planned once",
                          "recipes names 'modern' 2 times; it is planned once")


def test_a_suite_file_naming_a_task_twice_is_folded_too():
    plan = plan_suite(suite_from_toml('tasks = ["and", "xor", "and"]\nbackends = ["numpy"]\n'
                                      'recipes = ["modern"]\nseeds = 1\n', "twice.toml"))
    assert [r.task for r in plan.runs] == ["and", "xor"]
    assert plan.notes == ("tasks names 'and' 2 times; it is planned once",)


def test_unknown_names_in_a_suite_say_where_they_came_from():
    with pytest.raises(SuiteError, match=r"suite s.toml: unknown task 'xr' \(did you mean 'xor'"):
        plan_suite(suite_from_toml('tasks = ["xr"]', "s.toml"))
    with pytest.raises(SuiteError, match="unknown backend 'numpi'"):
        plan_suite(Suite(tasks=("xor",), backends=("numpi",)))


def test_a_plan_never_holds_a_run_id_twice():
    run = plan_suite(Suite(tasks=("xor",), backends=("numpy",), recipes=("modern",),
                           seeds=1)).runs[0]
    with pytest.raises(PlanError, match="twice"):
        Plan((run, run))


def test_planned_runs_round_trip_and_read_older_plans():
    run = plan_suite(Suite(tasks=("xor",), backends=("numpy",), recipes=("modern",),
                           seeds=1)).runs[0]
    assert PlannedRun.from_dict(run.to_dict()) == run
    old = {k: v for k, v in run.to_dict().items() if k != "repeat"}   # before timing repeats
    assert PlannedRun.from_dict(old).repeat == 0
    for bad, message in (({"timeout": float("nan")}, "timeout=nan"), ({"seed": -1}, "seed=-1"),
                         ({"net": {"layers": [2]}}, "layers"), ({"task": ""}, "task")):
        with pytest.raises(PlanError, match=message):
            PlannedRun.from_dict({**run.to_dict(), **bad})


def test_a_recipe_may_train_on_the_first_rows_of_a_holdout_task_only():
    def suite(task, rows):
        return Suite(tasks=(task,), backends=("numpy",), recipes=("few",), seeds=1,
                     custom={"few": {"hidden": [8], "rows": rows}})

    (run,) = plan_suite(suite("digits", 200)).runs
    assert run.train.rows == 200
    with pytest.raises(SuiteError, match="rows=5000, but task digits has 1347 training rows"):
        plan_suite(suite("digits", 5000))
    with pytest.raises(SuiteError, match="task xor is evaluated by resubstitution"):
        plan_suite(suite("xor", 2))
