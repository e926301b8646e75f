"""Activation functions: values, numerical stability and derivatives of the NumPy backend."""

import numpy as np
import pytest

from backends.numpy_backend.activations import (
    ELU_ALPHA,
    HIDDEN,
    LEAKY_RELU_SLOPE,
    OUTPUT,
    softmax,
)

Z = np.array([[-30.0, -2.5, -1.0, -0.3, 0.0, 0.4, 0.999, 1.0, 2.0, 25.0]])

REFERENCE = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1),
    "linear": lambda z: z,
    "step": lambda z: np.where(z >= 1, 1.0, 0.0),
}


def test_spec_constants():
    assert LEAKY_RELU_SLOPE == 0.01 and ELU_ALPHA == 1.0


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_forward_matches_the_textbook_formula_in_place(name):
    z = Z.copy()
    a = HIDDEN[name].forward(z)
    assert a is z  # computed in place
    np.testing.assert_allclose(a, REFERENCE[name](Z), rtol=1e-12, atol=1e-300)


def test_step_is_the_course_threshold_unit():
    a = HIDDEN["step"].forward(np.array([[0.0, 0.5, 0.9999999, 1.0, 1.5, -3.0]]))
    assert a.tolist() == [[0, 0, 0, 1, 1, 0]]
    assert OUTPUT["step"].backprop is None and not HIDDEN["step"].differentiable


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_at_extremes(dtype):
    z = np.array([[-1e4, -800.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4]], dtype=dtype)
    expected = 1 / (1 + np.exp(-z.astype(np.longdouble)))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = HIDDEN["sigmoid"].forward(z.copy())
    assert a.dtype == dtype and np.all((a >= 0) & (a <= 1))
    # relative accuracy even for tiny outputs (where 0.5 * (1 + tanh(z/2)) would lose it)
    tiny = np.finfo(dtype).tiny
    np.testing.assert_allclose(a, expected.astype(dtype), rtol=4 * np.finfo(dtype).eps,
                               atol=tiny)
    assert a[0, 3] > 0  # sigmoid(-20) ~ 2e-9 survives in both dtypes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_and_normalised(dtype):
    z = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0], [0.0, 50.0, -50.0]],
                 dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = softmax(z.copy())
    np.testing.assert_allclose(a.sum(axis=1), 1, rtol=1e-6)
    e = np.exp([0.0, 1.0, -1.0])
    np.testing.assert_allclose(a[0], e / e.sum(), rtol=1e-6)
    np.testing.assert_allclose(a[1], [1 / 3] * 3, rtol=1e-6)
    assert a.dtype == dtype


def test_elu_does_not_overflow_for_large_inputs():
    with np.errstate(over="raise"):
        a = HIDDEN["elu"].forward(np.array([[1e5, -1e5]]))
    assert a.tolist() == [[1e5, -1.0]]


def _numeric_derivative(forward, z, h=1e-6):
    return (forward(z + h) - forward(z - h)) / (2 * h)


@pytest.mark.parametrize("name", [n for n in HIDDEN if n != "step"])
def test_backprop_is_the_derivative(name):
    z = np.linspace(-3, 3, 61).reshape(1, -1) + 0.013  # keeps every z away from the kink at 0
    activation = HIDDEN[name]
    a = activation.forward(z.copy())
    g = np.random.default_rng(0).normal(size=z.shape)
    expected = g * _numeric_derivative(lambda v: REFERENCE[name](v), z)
    np.testing.assert_allclose(activation.backprop(a, g.copy()), expected, rtol=1e-7, atol=1e-9)


def test_derivatives_at_the_kink_follow_pytorch():
    a_zero = np.zeros((1, 1))
    assert HIDDEN["relu"].backprop(a_zero, np.ones((1, 1)))[0, 0] == 0
    assert HIDDEN["leaky_relu"].backprop(a_zero, np.ones((1, 1)))[0, 0] == LEAKY_RELU_SLOPE
    assert HIDDEN["elu"].backprop(a_zero, np.ones((1, 1)))[0, 0] == 1


def test_softmax_backprop_is_the_jacobian_vector_product():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 5))
    g = rng.normal(size=(4, 5))
    a = softmax(z.copy())
    got = OUTPUT["softmax"].backprop(a, g.copy())
    for row in range(4):
        jacobian = np.diag(a[row]) - np.outer(a[row], a[row])
        np.testing.assert_allclose(got[row], jacobian.T @ g[row], rtol=1e-12, atol=1e-15)


def test_output_table_covers_the_spec():
    from bench.spec import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS

    assert set(HIDDEN) == set(HIDDEN_ACTIVATIONS)
    assert set(OUTPUT) == set(OUTPUT_ACTIVATIONS)
