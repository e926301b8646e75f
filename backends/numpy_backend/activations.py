"""Activation functions: in-place forward passes and their backward passes, in plain NumPy.

`forward(z)` overwrites the weighted sums `z` with the activations `a` and returns them.
`backprop(a, g)` turns `g` = dL/da into dL/dz in place, given `a` only: every derivative here
can be written in terms of the activation (for relu, leaky_relu and elu, `a > 0` exactly where
`z > 0`), so the forward pass may overwrite `z` and backprop needs no copy of it.

Gradients at the kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = LEAKY_RELU_SLOPE,
elu'(0) = 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.spec.constants import ELU_ALPHA, LEAKY_RELU_SLOPE, STEP_THRESHOLD


@dataclass(frozen=True)
class Activation:
    """One activation: an in-place forward pass and (unless it is `step`) its backward pass."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    backprop: Callable[[np.ndarray, np.ndarray], np.ndarray] | None

    @property
    def differentiable(self) -> bool:
        return self.backprop is not None


# --- forward passes (in place; each returns its argument) -------------------------------------

def sigmoid(z: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-z)) is accurate to a few ulps for every z once exp's overflow to inf (for
    # z below about -88 in float32) is allowed: 1 / inf = 0 is then the correctly rounded value.
    with np.errstate(over="ignore"):
        np.negative(z, out=z)
        np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0, out=z)


def leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, z * LEAKY_RELU_SLOPE, out=z)  # max(z, slope*z) as 0 < slope < 1


def elu(z: np.ndarray) -> np.ndarray:
    negative = z < 0
    np.expm1(z, out=z, where=negative)  # only where z < 0, so large z cannot overflow
    np.multiply(z, ELU_ALPHA, out=z, where=negative)
    return z


def linear(z: np.ndarray) -> np.ndarray:
    return z


def step(z: np.ndarray) -> np.ndarray:
    fired = z >= STEP_THRESHOLD
    z[...] = fired
    return z


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a (rows, units) array, shifted by the row maximum for stability."""
    z -= np.maximum.reduce(z, axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= np.add.reduce(z, axis=1, keepdims=True)
    return z


# --- backward passes: g (dL/da) -> dL/dz in place, given a ------------------------------------

def _sigmoid_backprop(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    slope = 1 - a
    slope *= a
    g *= slope
    return g


def _tanh_backprop(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    slope = a * a
    np.subtract(1, slope, out=slope)
    g *= slope
    return g


def _relu_backprop(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    return np.multiply(g, a > 0, out=g)


def _leaky_relu_backprop(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    return np.multiply(g, LEAKY_RELU_SLOPE, out=g, where=a <= 0)


def _elu_backprop(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    # for z <= 0: d/dz alpha*(exp(z)-1) = alpha*exp(z) = a + alpha
    return np.multiply(g, a + ELU_ALPHA, out=g, where=a <= 0)


def _linear_backprop(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    return g


def _softmax_backprop(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    # Jacobian-vector product of softmax per row: a * (g - sum(g * a))
    inner = np.einsum("ij,ij->i", g, a)[:, None]
    g -= inner
    g *= a
    return g


_SIGMOID = Activation("sigmoid", sigmoid, _sigmoid_backprop)
_LINEAR = Activation("linear", linear, _linear_backprop)
_STEP = Activation("step", step, None)

#: hidden-layer activations by spec name
HIDDEN: dict[str, Activation] = {
    "step": _STEP,
    "sigmoid": _SIGMOID,
    "tanh": Activation("tanh", tanh, _tanh_backprop),
    "relu": Activation("relu", relu, _relu_backprop),
    "leaky_relu": Activation("leaky_relu", leaky_relu, _leaky_relu_backprop),
    "elu": Activation("elu", elu, _elu_backprop),
    "linear": _LINEAR,
}

#: output-layer activations by spec name
OUTPUT: dict[str, Activation] = {
    "softmax": Activation("softmax", softmax, _softmax_backprop),
    "sigmoid": _SIGMOID,
    "linear": _LINEAR,
    "step": _STEP,
}
