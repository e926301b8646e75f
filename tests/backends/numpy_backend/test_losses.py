"""Loss values and gradients of the NumPy backend, against direct formulas and each other."""

import numpy as np
import pytest

from backends.numpy_backend import losses
from backends.numpy_backend.activations import OUTPUT
from bench.spec import LOSS_OUTPUTS

RNG = np.random.default_rng(7)
PROBS = RNG.uniform(0.05, 0.95, size=(5, 3))
SOFT = PROBS / PROBS.sum(axis=1, keepdims=True)
TARGETS01 = RNG.integers(0, 2, size=(5, 3)).astype(float)
ONEHOT = np.eye(3)[RNG.integers(0, 3, size=5)]


def test_mse_is_the_mean_over_rows_and_units():
    a, t = np.array([[0.0, 1.0], [2.0, 4.0]]), np.array([[1.0, 1.0], [0.0, 1.0]])
    value, grad = losses.mse(a, t)
    assert value == pytest.approx((1 + 0 + 4 + 9) / 4)
    np.testing.assert_allclose(grad, 2 * (a - t) / 4)
    assert losses.loss_value("mse", a, t) == pytest.approx(value)


def test_binary_crossentropy_is_the_mean_over_rows_and_units():
    value, _ = losses.binary_crossentropy(PROBS, TARGETS01)
    expected = -np.mean(TARGETS01 * np.log(PROBS) + (1 - TARGETS01) * np.log(1 - PROBS))
    assert value == pytest.approx(expected, rel=1e-12)


def test_categorical_crossentropy_is_the_mean_over_rows():
    value, _ = losses.categorical_crossentropy(SOFT, ONEHOT)
    expected = -np.mean(np.log(SOFT[ONEHOT == 1]))
    assert value == pytest.approx(expected, rel=1e-12)


def test_probabilities_are_clipped_inside_the_logs_like_keras():
    eps = losses.EPSILON
    assert eps == 1e-7
    a = np.array([[0.0, 1.0]])
    value = losses.loss_value("binary_crossentropy", a, np.array([[1.0, 0.0]]))
    assert value == pytest.approx(-np.log(eps), rel=1e-6)
    value = losses.loss_value("categorical_crossentropy", a, np.array([[1.0, 0.0]]))
    assert value == pytest.approx(-np.log(eps), rel=1e-6)
    # where the clip is active the clipped loss is flat, so its gradient is zero
    _, grad = losses.categorical_crossentropy(a, np.array([[1.0, 0.0]]))
    assert grad.tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize("name, a, t", [
    ("mse", PROBS, SOFT), ("binary_crossentropy", PROBS, TARGETS01),
    ("categorical_crossentropy", SOFT, ONEHOT),
])
def test_gradient_with_respect_to_the_activations(name, a, t):
    _, grad = losses.LOSSES[name](a, t)
    numeric = np.empty_like(a)
    h = 1e-6
    for idx in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (losses.loss_value(name, up, t) - losses.loss_value(name, down, t)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-10)


def _general_path(output, loss, a, t):
    """dL/dz through dL/da and the activation's Jacobian, never the fused form."""
    _, grad = losses.LOSSES[loss](a, t)
    return OUTPUT[output].backprop(a, grad.copy())


@pytest.mark.parametrize("targets", [ONEHOT, SOFT, 0.5 * SOFT],
                         ids=["onehot", "soft", "unnormalised"])
def test_fused_softmax_crossentropy_equals_the_general_path(targets):
    z = RNG.normal(size=(5, 3))
    a = OUTPUT["softmax"].forward(z.copy())
    value, fused = losses.output_delta("softmax", "categorical_crossentropy", a, targets)
    np.testing.assert_allclose(fused, _general_path("softmax", "categorical_crossentropy", a,
                                                    targets), rtol=1e-10, atol=1e-14)
    assert value == pytest.approx(losses.loss_value("categorical_crossentropy", a, targets))


def test_fused_sigmoid_binary_crossentropy_equals_the_general_path():
    a = OUTPUT["sigmoid"].forward(RNG.normal(size=(5, 3)))
    _, fused = losses.output_delta("sigmoid", "binary_crossentropy", a, TARGETS01)
    np.testing.assert_allclose(fused, _general_path("sigmoid", "binary_crossentropy", a,
                                                    TARGETS01), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("loss, output", [
    (loss, output) for loss, outputs in LOSS_OUTPUTS.items() for output in outputs
    if output != "step"
])
def test_output_delta_is_dloss_dz_for_every_valid_pair(loss, output):
    z = RNG.normal(size=(4, 3))
    t = ONEHOT[:4] if output == "softmax" else RNG.uniform(size=(4, 3))

    def loss_of(z):
        return losses.loss_value(loss, OUTPUT[output].forward(z.copy()), t)

    _, delta = losses.output_delta(output, loss, OUTPUT[output].forward(z.copy()), t)
    numeric = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += 1e-6
        down[idx] -= 1e-6
        numeric[idx] = (loss_of(up) - loss_of(down)) / 2e-6
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-10)


def test_output_delta_writes_into_the_given_buffer():
    out = np.empty((5, 3))
    _, delta = losses.output_delta("linear", "mse", PROBS, SOFT, out=out)
    assert delta is out
    np.testing.assert_allclose(out, 2 * (PROBS - SOFT) / PROBS.size)


def test_step_output_has_no_gradient():
    with pytest.raises(ValueError, match="perceptron"):
        losses.output_delta("step", "mse", np.ones((2, 1)), np.zeros((2, 1)))
