"""Backpropagation against finite differences for every activation x (output, loss) pair, and
the course's forward differences against backpropagation."""

import numpy as np
import pytest

from backends.numpy_backend import NumpyModel
from backends.numpy_backend.finite_difference import forward_difference
from backends.numpy_backend.gradcheck import central_difference, check_gradients, relative_error
from backends.numpy_backend.mlp import MLP
from bench.spec import HIDDEN_ACTIVATIONS, LOSS_OUTPUTS, NetSpec, TrainSpec
from bench.spec.targets import encode_targets

ACTIVATIONS = [a for a in HIDDEN_ACTIVATIONS if a != "step"]
PAIRS = [(output, loss) for loss, outputs in LOSS_OUTPUTS.items() for output in outputs
         if output != "step"]


def _model(activation, output, loss, bias, l2, n_outputs=3, seed=1):
    net = NetSpec((3, 4, 3, n_outputs), activation=activation, output=output, loss=loss,
                  bias=bias)
    model = NumpyModel(net, TrainSpec(l2=l2, seed=seed, dtype="float64"))
    rng = np.random.default_rng(seed + 100)
    if bias:  # non-zero biases, so their effect on the gradients is exercised too
        model.set_weights([(W, rng.normal(0, 0.5, b.shape)) for W, b in model.get_weights()])
    return model, rng


def _batch(rng, output, n_outputs, rows=5):
    X = rng.normal(size=(rows, 3))
    if output == "softmax":
        return X, rng.integers(0, n_outputs, rows)
    return X, rng.uniform(size=(rows, n_outputs))


@pytest.mark.parametrize("l2", [0.0, 0.1], ids=["l2=0", "l2=0.1"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("output, loss", PAIRS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backprop_matches_central_differences(activation, output, loss, bias, l2):
    model, rng = _model(activation, output, loss, bias, l2)
    X, y = _batch(rng, output, 3)
    check = model.check_gradients(X, y)
    assert check.analytic.size == model.n_params
    assert check.max_relative_error < 1e-6, (check.worst_index, check.analytic[check.worst_index],
                                             check.numeric[check.worst_index])


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_single_sigmoid_output_with_binary_crossentropy(activation):
    model, rng = _model(activation, "sigmoid", "binary_crossentropy", True, 0.01, n_outputs=1)
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, 6)
    assert model.check_gradients(X, y).max_relative_error < 1e-6


def test_a_float32_model_is_checked_in_float64():
    net = NetSpec((3, 4, 2), activation="tanh")
    model = NumpyModel(net, TrainSpec(dtype="float32"))
    X = np.random.default_rng(0).normal(size=(4, 3))
    check = model.check_gradients(X, np.array([0, 1, 1, 0]))
    assert check.analytic.dtype == np.float64 and check.max_relative_error < 1e-6
    assert model.get_weights()[0][0].dtype == np.float32


def test_the_check_notices_a_wrong_gradient():
    # backprop of a tanh net against finite differences of the same net with sigmoid units
    model, rng = _model("tanh", "softmax", "categorical_crossentropy", True, 0.0)
    X, y = _batch(rng, "softmax", 3)
    other, _ = _model("sigmoid", "softmax", "categorical_crossentropy", True, 0.0)
    other.set_weights(model.get_weights())
    analytic = model.check_gradients(X, y).analytic
    numeric = other.check_gradients(X, y).numeric
    assert relative_error(analytic, numeric).max() > 0.1


def test_course_forward_difference_is_first_order():
    theta = np.array([0.3, -1.2])

    def cost():
        return float(np.sum(theta**3))

    exact = 3 * theta**2
    coarse = forward_difference(cost, theta, eps=1e-4)
    # error ~ eps * f''/2 = 3 * theta * eps: visible, unlike central differences'
    np.testing.assert_allclose(coarse - exact, 3 * theta * 1e-4, rtol=1e-3)
    np.testing.assert_allclose(central_difference(cost, theta), exact, rtol=1e-8)
    assert theta.tolist() == [0.3, -1.2]  # restored after the perturbations


@pytest.mark.parametrize("activation, output, loss", [
    ("sigmoid", "sigmoid", "mse"),
    ("tanh", "softmax", "categorical_crossentropy"),
    ("relu", "sigmoid", "binary_crossentropy"),
])
def test_the_course_forward_difference_is_backprop_plus_its_first_order_error(activation, output,
                                                                              loss):
    """What optimizer="finite-difference" descends, at the course's eps 1e-4: it differs from
    backprop by eps/2 times the cost's curvature along each parameter (Taylor's first omitted
    term, about 1e-5 here) and by nothing else beyond 1e-8."""
    model, rng = _model(activation, output, loss, True, 0.1)
    X, y = _batch(rng, output, 3)
    check = model.check_gradients(X, y, method="forward")
    mlp = MLP(model.net, "float64")
    mlp.set_params(model.get_weights())
    T = encode_targets(y, model.net.n_outputs)
    h, theta, base = 1e-4, mlp.theta, mlp.loss(X, T, 0.1)
    curvature = np.empty_like(theta)
    for i, saved in enumerate(theta.copy()):
        theta[i] = saved + h
        plus = mlp.loss(X, T, 0.1)
        theta[i] = saved - h
        curvature[i] = (plus - 2 * base + mlp.loss(X, T, 0.1)) / h**2
        theta[i] = saved
    assert check.max_absolute_error > 1e-7  # the estimate's error is there ...
    np.testing.assert_allclose(check.numeric - check.analytic, 1e-4 / 2 * curvature,
                               atol=1e-8)  # ... and it is the first-order term
    coarser = model.check_gradients(X, y, eps=1e-3, method="forward")
    assert 9 < coarser.max_absolute_error / check.max_absolute_error < 11  # it scales with eps


def test_check_gradients_on_explicit_weights():
    net = NetSpec((2, 2, 2), activation="elu")
    weights = [(np.array([[0.5, -0.3], [0.8, 0.1]]), np.array([0.1, -0.2])),
               (np.array([[1.0, -1.0], [0.2, 0.4]]), np.array([0.0, 0.3]))]
    X = np.array([[1.0, -2.0], [0.5, 0.5], [-1.0, 0.3]])
    T = np.eye(2)[[0, 1, 1]]
    check = check_gradients(net, weights, X, T, l2=0.5)
    assert check.max_relative_error < 1e-6 and check.max_absolute_error < 1e-8
