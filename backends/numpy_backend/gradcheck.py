"""Finite-difference checks of backpropagation (the course's "slow check", section 4).

`check_gradients` compares the backprop gradients of a network, copied to float64, with
central differences, (cost(w + eps) - cost(w - eps)) / (2 eps) with eps 1e-6 (error of order
eps^2 plus rounding of order 1e-16 / eps), or with the course's forward differences,
(cost(w + eps) - cost(w)) / eps with eps 1e-4 (`finite_difference`; error of order eps: what
optimizer="finite-difference" descends).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from backends.numpy_backend.finite_difference import forward_difference
from backends.numpy_backend.mlp import MLP
from bench.spec import NetSpec
from bench.spec.constants import FD_EPSILON

#: entries smaller than this are measured against it instead of their own size. At eps 1e-6
#: the estimate itself carries rounding noise of about 1e-10 (1e-16 * cost / eps), so a
#: relative error of a gradient entry of 1e-5 cannot be trusted below 1e-5; with this floor a
#: relative error under 1e-6 means |a - n| < 1e-6 * |a| for large entries and < 1e-9 for small
#: ones (PyTorch's gradcheck accepts |a - n| < 1e-5 + 1e-3 * |n|).
RELATIVE_FLOOR = 1e-3


def central_difference(cost: Callable[[], float], theta: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """(cost(w + eps) - cost(w - eps)) / (2 eps) for every entry of `theta` (see above)."""
    grad = np.empty_like(theta)
    for i in range(theta.size):
        saved = theta[i]
        theta[i] = saved + eps
        plus = cost()
        theta[i] = saved - eps
        minus = cost()
        grad[i] = (plus - minus) / (2 * eps)
        theta[i] = saved
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray,
                   floor: float = RELATIVE_FLOOR) -> np.ndarray:
    """|a - n| / max(|a|, |n|, floor), elementwise."""
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return np.abs(analytic - numeric) / scale


@dataclass(frozen=True)
class GradCheck:
    """The outcome of a gradient check over every parameter of a network."""

    max_relative_error: float
    max_absolute_error: float
    #: index into the flat parameter vector (weights first, then biases) of the worst entry
    worst_index: int
    analytic: np.ndarray
    numeric: np.ndarray


#: method -> (the estimate, its default eps)
ESTIMATES = {"central": (central_difference, 1e-6), "forward": (forward_difference, FD_EPSILON)}


def check_gradients(net: NetSpec, weights, X: np.ndarray, T: np.ndarray, l2: float = 0.0,
                    eps: float | None = None, method: str = "central") -> GradCheck:
    """Compare backprop with finite differences (`method` in ESTIMATES, eps by default that
    method's) for `net` at `weights` on the batch (X, T).

    Everything is done in float64 on a fresh copy, whatever the dtype of the arrays given.
    """
    estimate, default_eps = ESTIMATES[method]
    mlp = MLP(net, "float64")
    mlp.set_params(weights)
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    mlp.gradients(X, T, l2)
    analytic = mlp.grad.copy()
    numeric = estimate(lambda: mlp.loss(X, T, l2), mlp.theta, default_eps if eps is None else eps)
    errors = relative_error(analytic, numeric)
    worst = int(np.argmax(errors))
    return GradCheck(float(errors[worst]), float(np.max(np.abs(analytic - numeric))), worst,
                     analytic, numeric)
