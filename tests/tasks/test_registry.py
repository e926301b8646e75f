import pytest

from bench.spec import Recipe, check_pair
from tasks import TASKS, Task, get_task
from tasks.registry import UnknownTaskError

REGISTERED = ["and", "or", "xor", "credit-risk", "digits", "synthetic"]
MODERN_ONLY = ("mnist-small", "synthetic")


@pytest.mark.parametrize("name", REGISTERED)
def test_registered_task_loads_under_its_name(name):
    task = get_task(name)
    assert isinstance(task, Task) and task.name == name
    assert task.description and task.source
    task.split(seed=0)  # Split.check raises DataError on bad shapes, values or labels


@pytest.mark.parametrize("name", list(TASKS))
def test_every_recipe_fits_its_task_and_round_trips(name):
    task = get_task(name)
    # every task has the course's and today's recipe, except the gate's MNIST slice and the
    # synthetic timing data (no course used it)
    assert set(task.recipes) >= ({"modern"} if name in MODERN_ONLY else {"course", "modern"})
    for key, recipe in task.recipes.items():
        assert recipe.name == key and recipe.description
        assert recipe.net.n_inputs == task.n_features
        assert recipe.net.n_outputs in task.output_sizes
        check_pair(recipe.net, recipe.train)
        assert Recipe.from_dict(recipe.to_dict()) == recipe


def test_only_the_gates_offer_the_perceptron():
    offering = [name for name in TASKS if "perceptron" in get_task(name).recipes]
    assert offering == ["and", "or", "xor"]


@pytest.mark.parametrize("typo, closest", [("xr", "xor"), ("credit_risk", "credit-risk"),
                                           ("digit", "digits")])
def test_unknown_task_suggests_the_closest_name(typo, closest):
    with pytest.raises(UnknownTaskError) as info:
        get_task(typo)
    message = str(info.value)
    assert f"did you mean {closest!r}?" in message and "available: and, or, xor" in message


def test_unknown_task_without_a_near_name_lists_the_tasks():
    with pytest.raises(KeyError, match="available") as info:
        get_task("imagenet")
    assert "did you mean" not in str(info.value)
