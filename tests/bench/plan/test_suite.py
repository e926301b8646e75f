import pytest

from bench.plan.planner import plan_runs
from bench.plan.suite import Suite, SuiteError, load_suite, suite_from_toml


def test_builtin_suites_load():
    quick = load_suite("quick")
    assert quick.name == "quick" and quick.seeds == 3
    assert set(quick.tasks) == {"and", "or", "xor", "credit-risk", "digits", "drug-trial"}
    full = load_suite("full")
    assert "mnist" in full.tasks and "fashion-mnist" not in full.tasks  # optional data set
    gate = load_suite("gate")
    assert "digits/course" in gate.skip and "mnist-small" in gate.tasks
    assert load_suite("full").budgets["mnist/*/pybrain"] > 0


def test_the_builtin_suites_choose_their_course_lecture_runs():
    backends = ["numpy", "sklearn", "torch", "keras", "keras-torch", "keras-jax", "pybrain"]

    def chosen(suite: str, task: str) -> set[tuple[str, str]]:
        runs = plan_runs(load_suite(suite), [task], backends)
        return {(r.recipe, r.backend) for r in runs}

    quick = chosen("quick", "drug-trial")
    assert {b for r, b in quick if r == "course"} == {"numpy", "keras"}
    assert {b for r, b in quick if r == "modern"} == set(backends) - {"pybrain"}
    assert len(chosen("full", "drug-trial")) == 14
    gate = chosen("gate", "drug-trial")
    assert {b for r, b in gate if r == "course"} == {"numpy"} and ("modern", "torch") in gate
    # the finite-difference XOR: in the quick suite (NumPy trains it, the others say why not),
    # not in the gate, whose accuracy could not tell a broken estimate
    assert {b for r, b in chosen("quick", "xor") if r == "finite-difference"} == set(backends)
    assert "finite-difference" not in {r for r, _ in chosen("gate", "xor")}


def test_plan_is_seed_major_so_backends_interleave():
    suite = Suite(tasks=("xor",), seeds=2)
    runs = plan_runs(suite, ["xor"], ["numpy", "other"])
    assert [r.seed for r in runs[:8]] == [0] * 8 and runs[8].seed == 1
    assert [r.backend for r in runs[:2]] == ["numpy", "other"]
    assert {r.recipe for r in runs} == {"perceptron", "course", "modern", "finite-difference"}
    assert runs[0].run_id == "xor/perceptron/numpy/0"
    assert all(r.train.seed == r.seed for r in runs)


def test_epochs_override_and_skip():
    suite = Suite(epochs=3, skip=("xor/course", "xor/modern/numpy", "xor/finite-difference"))
    runs = plan_runs(suite, ["xor"], ["numpy"])
    assert {r.recipe for r in runs} == {"perceptron"}
    assert all(r.train.epochs == 3 for r in runs)


def test_skip_patterns_take_wildcards():
    suite = Suite(skip=("*/course/slow",))
    runs = plan_runs(suite, ["xor", "and"], ["numpy", "slow"])
    assert not [r for r in runs if r.recipe == "course" and r.backend == "slow"]
    assert [r for r in runs if r.recipe == "modern" and r.backend == "slow"]


def test_budgets_set_the_training_time_budget_of_matching_runs():
    suite = suite_from_toml('[budgets]\n"xor/*/slow" = 30\n"*/*/*" = 600\n', "inline")
    runs = plan_runs(suite, ["xor", "and"], ["numpy", "slow"])
    budget = {r.run_id: r.train.time_budget for r in runs}
    assert budget["xor/modern/slow/0"] == 30 and budget["xor/course/slow/0"] == 30
    assert budget["xor/modern/numpy/0"] == 600 and budget["and/modern/slow/0"] == 600


def test_custom_recipe_gets_its_sizes_from_each_task():
    suite = suite_from_toml("""
tasks = ["xor", "credit-risk"]
recipes = ["tiny"]
seeds = 1
[recipe.tiny]
hidden = [5]
activation = "tanh"
output = "sigmoid"
loss = "mse"
optimizer = "adam"
lr = 0.05
batch_size = "full"
epochs = 4
""", "inline")
    runs = plan_runs(suite, suite.tasks, ["numpy"])
    layers = {r.task: list(r.net.layers) for r in runs}
    assert layers == {"xor": [2, 5, 1], "credit-risk": [4, 5, 3]}
    assert runs[0].train.batch_size is None and runs[0].train.epochs == 4


def test_a_custom_recipe_may_train_by_finite_differences_with_its_own_step():
    suite = suite_from_toml("""
recipes = ["estimated"]
[recipe.estimated]
hidden = [3]
activation = "sigmoid"
output = "sigmoid"
loss = "mse"
optimizer = "finite-difference"
fd_epsilon = 1e-6
lr = 0.5
batch_size = "full"
""", "inline")
    (run,) = plan_runs(suite.with_overrides(seeds=1), ["xor"], ["numpy"])
    assert (run.train.optimizer, run.train.fd_epsilon) == ("finite-difference", 1e-6)


@pytest.mark.parametrize("text, fragment", [
    ("tasks = [\"xor\"\nseeds = 2", "line"),
    ("taks = [\"xor\"]", "did you mean 'tasks'"),
    ("seeds = 0", "seeds=0"),
    ("init = \"random\"", "shared, native"),
    ("tasks = \"xor\"", "list of names"),
    ("[recipe.bad]\nhiden = [3]", "hiden"),
    ("budgets = 3", "budgets is a table"),
    ("[budgets]\n\"mnist/pybrain\" = 3", "task/recipe/backend pattern"),
    ("[budgets]\n\"mnist/*/pybrain\" = 0", "seconds > 0"),
    ("timeout = -5", "timeout"),
])
def test_bad_suite_files_say_what_is_wrong(text, fragment):
    with pytest.raises(SuiteError) as err:
        suite_from_toml(text, "bad.toml")
    assert fragment in str(err.value)


def test_bad_custom_recipe_values_name_the_recipe():
    suite = suite_from_toml("[recipe.r]\nhidden = [3]\nlr = -1", "x")
    with pytest.raises(SuiteError, match=r"\[recipe.r\].*lr=-1"):
        plan_runs(suite, ["xor"], ["numpy"])


def test_a_recipe_no_task_offers_is_refused_with_the_offered_names():
    with pytest.raises(SuiteError, match="perceptron.*not offered.*course, modern"):
        plan_runs(Suite(recipes=("perceptron",)), ["digits"], ["numpy"])


def test_missing_suite_file():
    with pytest.raises(SuiteError, match="neither a built-in suite"):
        load_suite("no/such/suite.toml")


def test_repeats_run_the_whole_seed_major_plan_again_with_suffixed_ids():
    once = plan_runs(Suite(seeds=2, recipes=("modern",)), ["xor"], ["numpy", "other"])
    runs = plan_runs(Suite(seeds=2, recipes=("modern",), repeat=3), ["xor"], ["numpy", "other"])
    assert len(runs) == 3 * len(once) == 12
    # repeat-major: every seed and backend once, then all of them again
    assert [r.repeat for r in runs] == [0] * 4 + [1] * 4 + [2] * 4
    assert [(r.seed, r.backend) for r in runs[:4]] == \
        [(0, "numpy"), (0, "other"), (1, "numpy"), (1, "other")]
    assert [r.run_id for r in runs[4:6]] == ["xor/modern/numpy/0/r1", "xor/modern/other/0/r1"]
    assert len({r.run_id for r in runs}) == 12
    # the same run in every repeat: only the id and the repeat index differ
    strip = [{k: v for k, v in r.to_dict().items() if k not in ("run_id", "repeat")}
             for r in runs]
    assert strip[:4] == strip[4:8] == strip[8:]


def test_without_repeats_run_ids_keep_their_old_form():
    runs = plan_runs(Suite(seeds=1, recipes=("modern",)), ["xor"], ["numpy"])
    assert [(r.run_id, r.repeat) for r in runs] == [("xor/modern/numpy/0", 0)]


def test_repeat_is_a_suite_key_and_must_be_positive():
    assert suite_from_toml("repeat = 5", "inline").repeat == 5
    assert Suite().repeat == 1
    with pytest.raises(SuiteError, match="repeat=0"):
        suite_from_toml("repeat = 0", "bad.toml")
