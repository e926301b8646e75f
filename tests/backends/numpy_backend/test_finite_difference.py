"""optimizer="finite-difference": the course's forward-difference estimate, and gradient descent
on it inside the NumPy backend's training loop."""

import numpy as np
import pytest

from backends.numpy_backend import NumpyModel
from backends.numpy_backend.finite_difference import forward_difference
from bench.spec import NetSpec, TrainSpec
from tasks.gates import INPUTS
from tasks.registry import get_task

XOR = np.array([0, 1, 1, 0])


def test_the_estimate_goes_into_out_and_every_parameter_is_restored():
    theta = np.array([0.5, -2.0, 3.0])
    before = theta.copy()
    out = np.zeros(3)
    result = forward_difference(lambda: float(theta @ theta), theta, eps=1e-4, out=out)
    assert result is out
    np.testing.assert_allclose(out, 2 * before + 1e-4, rtol=1e-9)  # d(w^2) ~ 2w + eps
    np.testing.assert_array_equal(theta, before)


def test_float32_differences_are_divided_by_the_step_actually_taken():
    theta = np.array([3.0, 1e5], dtype=np.float32)  # 3 + 1e-4 rounds to 3.00010014 in float32
    estimate = forward_difference(lambda: 2.0 * float(theta[0]) + float(theta[1]), theta)
    assert estimate[0] == pytest.approx(2.0, rel=1e-6)  # not 2.0027, as with / eps
    assert estimate[1] == 0.0  # 1e5 + 1e-4 is 1e5 in float32: the cost cannot see the step


def _fit(recipe_train: TrainSpec, net: NetSpec, X, y, **changes) -> NumpyModel:
    return NumpyModel(net, recipe_train.replace(**changes)).fit(X, y)


def test_the_xor_recipe_descends_backprops_path_with_a_cost_falling_every_epoch():
    """The lecture's 2-3-1 sigmoid net, full batch, lr 0.01, 1,000 epochs: from the same
    weights, plain gradient descent on backprop's gradient takes the same path to 1e-6."""
    recipe = get_task("xor").recipes["finite-difference"]
    estimated = _fit(recipe.train, recipe.net, INPUTS, XOR)
    exact = _fit(recipe.train, recipe.net, INPUTS, XOR, optimizer="sgd")
    losses = np.array(estimated.loss_history_)
    assert len(losses) == 1000 and np.all(np.diff(losses) < 0)
    np.testing.assert_allclose(losses, exact.loss_history_, atol=1e-6)
    assert np.abs(losses - exact.loss_history_).max() > 1e-9  # an estimate, not backprop
    # 1,000 steps of lr 0.01 with estimates off by a few 1e-6 move a weight by a few 1e-5
    for (W, b), (W2, b2) in zip(estimated.get_weights(), exact.get_weights()):
        np.testing.assert_allclose(W, W2, atol=1e-4)
        np.testing.assert_allclose(b, b2, atol=1e-4)


def test_mini_batches_and_l2_follow_the_spec_like_backprop():
    """Shuffled mini-batches of 3 rows, an l2 penalty (estimated with the rest of the
    objective) and a softmax net: the same path as sgd, to the estimate's first-order error,
    which a 100x larger fd_epsilon makes about 100x larger."""
    net = NetSpec((3, 4, 2), activation="tanh", output="softmax",
                  loss="categorical_crossentropy")
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=10)
    train = TrainSpec(optimizer="finite-difference", lr=0.1, batch_size=3, epochs=30, l2=0.01,
                      dtype="float64", seed=2)
    exact = np.array(_fit(train, net, X, y, optimizer="sgd").loss_history_)
    fine = np.abs(np.array(_fit(train, net, X, y).loss_history_) - exact).max()
    coarse = np.abs(np.array(_fit(train, net, X, y, fd_epsilon=1e-2).loss_history_)
                    - exact).max()
    assert 0 < fine < 1e-5
    assert 30 < coarse / fine < 300


def test_float32_training_descends_too():
    recipe = get_task("xor").recipes["finite-difference"]
    model = _fit(recipe.train, recipe.net, INPUTS, XOR, dtype="float32", epochs=200)
    assert model.get_weights()[0][0].dtype == np.float32
    assert np.all(np.diff(model.loss_history_) < 0)
