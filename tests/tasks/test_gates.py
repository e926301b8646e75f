import numpy as np
import pytest

from bench.spec import NetSpec, TrainSpec
from tasks.gates import AND, OR, XOR

ROWS = [[0, 0], [0, 1], [1, 0], [1, 1]]


@pytest.mark.parametrize("task, outputs", [(AND, [0, 0, 0, 1]), (OR, [0, 1, 1, 1]),
                                           (XOR, [0, 1, 1, 0])])
def test_truth_table_is_both_train_and_test(task, outputs):
    split = task.split(seed=0)
    for X, y in ((split.X_train, split.y_train), (split.X_test, split.y_test)):
        assert X.dtype == np.float64 and X.tolist() == ROWS
        assert np.issubdtype(y.dtype, np.integer) and y.tolist() == outputs
    assert task.protocol == "resubstitution" and task.classes == ("0", "1")


def test_seed_does_not_change_the_table():
    assert XOR.split(0).y_train.tolist() == XOR.split(5).y_train.tolist()


def test_splits_do_not_share_memory_between_calls():
    split = AND.split(0)
    split.y_train[:] = 1
    assert AND.split(0).y_train.tolist() == [0, 0, 0, 1]
    assert not np.shares_memory(split.X_train, split.X_test)


def test_perceptron_recipe_is_the_course_rule():
    recipe = AND.recipes["perceptron"]
    assert recipe.net == NetSpec((2, 1), output="step", loss="mse", init="zeros", bias=False)
    assert recipe.train == TrainSpec(optimizer="perceptron", lr=0.1, batch_size=1,
                                     shuffle=False, epochs=50, dtype="float64")


def test_course_recipe_is_the_course_network():
    net, train = XOR.recipes["course"].net, XOR.recipes["course"].train
    assert (net.layers, net.activation, net.output, net.loss, net.init, net.bias) == (
        (2, 2, 1), "sigmoid", "sigmoid", "mse", "normal_scaled", True)
    assert (train.optimizer, train.lr, train.batch_size, train.epochs, train.dtype) == (
        "sgd", 0.05, 1, 1000, "float64")  # course lr 0.1 -> course_lr(0.1, 1)


def test_every_gate_offers_the_three_recipes_in_order():
    for task in (AND, OR, XOR):
        assert list(task.recipes)[:3] == ["perceptron", "course", "modern"]
        assert all(recipe.description for recipe in task.recipes.values())
    assert AND.recipes == OR.recipes and AND.recipes is not OR.recipes
    assert list(XOR.recipes) == ["perceptron", "course", "modern", "finite-difference"]
    assert {k: XOR.recipes[k] for k in AND.recipes} == AND.recipes


def test_finite_difference_recipe_is_the_lecture_on_estimated_gradients():
    recipe = XOR.recipes["finite-difference"]
    net, train = recipe.net, recipe.train
    assert (net.layers, net.activation, net.output, net.loss, net.bias, net.n_params) == (
        (2, 3, 1), "sigmoid", "sigmoid", "mse", True, 13)
    # the lecture's cost (MSE summed over the one output, / rows) is nnbench's mse: lr as is
    assert (train.optimizer, train.fd_epsilon, train.lr, train.batch_size, train.epochs) == (
        "finite-difference", 1e-4, 0.01, None, 1000)
