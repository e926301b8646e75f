"""Losses: their values and gradients, following the conventions of `bench.spec`.

- mse: mean over rows and output units of (a - t)^2.
- binary_crossentropy: mean over rows and output units of -(t log p + (1-t) log(1-p)).
- categorical_crossentropy: mean over rows of -sum_k t_k log p_k.

Probabilities are clipped to [EPSILON, 1 - EPSILON] inside the logarithms, as Keras does.
Each loss function returns (value, dL/da); `output_delta` gives dL/dz of the output layer,
using the fused gradients for softmax + categorical cross-entropy and sigmoid + binary
cross-entropy, and the loss gradient pushed through the activation's Jacobian otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backends.numpy_backend.activations import OUTPUT
from bench.spec.constants import CLIP_EPSILON as EPSILON


def _clipped(a: np.ndarray) -> np.ndarray:
    return np.clip(a, EPSILON, 1 - EPSILON)


def mse_value(a: np.ndarray, t: np.ndarray) -> float:
    diff = a - t
    return float(np.vdot(diff, diff)) / diff.size


def binary_crossentropy_value(a: np.ndarray, t: np.ndarray) -> float:
    p = _clipped(a)
    terms = t * np.log(p)
    terms += (1 - t) * np.log1p(-p)
    return -float(terms.sum()) / p.size


def categorical_crossentropy_value(a: np.ndarray, t: np.ndarray) -> float:
    p = _clipped(a)
    np.log(p, out=p)
    return -float(np.vdot(t, p)) / a.shape[0]


def mse(a: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean squared error and its gradient with respect to the activations `a`."""
    diff = a - t
    value = float(np.vdot(diff, diff)) / diff.size
    diff *= 2 / diff.size
    return value, diff


def binary_crossentropy(a: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary cross-entropy and dL/da (zero where the clip is active, as in Keras)."""
    p = _clipped(a)
    grad = (p - t) / (p * (1 - p)) / p.size
    grad[p != a] = 0
    return binary_crossentropy_value(a, t), grad


def categorical_crossentropy(a: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """Categorical cross-entropy and dL/da (zero where the clip is active, as in Keras)."""
    p = _clipped(a)
    grad = -t / p / a.shape[0]
    grad[p != a] = 0
    return categorical_crossentropy_value(a, t), grad


LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]] = {
    "mse": mse,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
}

VALUES: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mse": mse_value,
    "binary_crossentropy": binary_crossentropy_value,
    "categorical_crossentropy": categorical_crossentropy_value,
}

#: (output, loss) pairs whose dL/dz has a closed form that skips the activation's Jacobian
FUSED = {("softmax", "categorical_crossentropy"), ("sigmoid", "binary_crossentropy")}


def loss_value(loss: str, a: np.ndarray, t: np.ndarray) -> float:
    """The mean loss of output activations `a` (rows, units) against targets `t`."""
    return VALUES[loss](a, t)


def output_delta(output: str, loss: str, a: np.ndarray, t: np.ndarray,
                 out: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """(loss value, dL/dz of the output layer), dL/dz written into `out` when given.

    The fused forms are the gradients of the unclipped losses (the clip only guards the
    logarithm, and frameworks that compute these losses from logits do not clip at all).
    """
    if out is None:
        out = np.empty_like(a)
    if (output, loss) == ("softmax", "categorical_crossentropy"):
        value = categorical_crossentropy_value(a, t)
        # dL/dz = (a * sum_k t_k - t) / rows, which is (a - t) / rows for one-hot targets
        np.multiply(a, t.sum(axis=1, keepdims=True), out=out)
        out -= t
        out *= 1 / a.shape[0]
    elif (output, loss) == ("sigmoid", "binary_crossentropy"):
        value = binary_crossentropy_value(a, t)
        np.subtract(a, t, out=out)
        out *= 1 / a.size
    else:
        activation = OUTPUT[output]
        if activation.backprop is None:
            raise ValueError(f"output={output!r} has no gradient; it can only be trained by "
                             "the perceptron rule")
        value, grad = LOSSES[loss](a, t)
        out[...] = grad
        activation.backprop(a, out)
    return value, out
