"""Gradient-descent optimizers that update parameter arrays in place.

Each optimizer is built for a list of parameter arrays, preallocates its state (and one
scratch array per parameter, so a step allocates nothing), and `step(grads)` applies one update
given gradients of the same shapes. The rules are those of `bench.spec`:

- sgd: w -= lr * g
- momentum (classical): v = momentum * v - lr * g; w += v
- adam (Kingma & Ba): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
  w -= lr * m_hat / (sqrt(v_hat) + eps), with bias-corrected m_hat and v_hat.

State that decays geometrically (a momentum velocity, Adam's moments) of a parameter whose
gradient stays zero, such as the weights of a dead relu unit, sinks into subnormal numbers
within a few hundred steps, and x86 arithmetic on subnormals is up to a hundred times slower
(one epoch of a 784-256-128-10 relu net took 3x longer by its third epoch). So every
FLUSH_EVERY steps, state entries below `tiny / eps` of the dtype (about 1e-31 in float32) are
set to zero. Their effect on a weight is smaller than the weight's own rounding by many orders
of magnitude, so the updates stay those of the exact rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bench.spec import TrainSpec

ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPSILON = 1e-8
#: how often (in steps) decayed optimizer state is flushed to zero, see the module docstring
FLUSH_EVERY = 100


def _flush_subnormals(arrays: Sequence[np.ndarray]) -> None:
    """Set entries too small to matter (below tiny / eps of their dtype) to exactly zero."""
    for a in arrays:
        info = np.finfo(a.dtype)
        a[np.abs(a) < info.tiny / info.eps] = 0


class SGD:
    """Plain gradient descent."""

    def __init__(self, params: Sequence[np.ndarray], lr: float) -> None:
        self.params = list(params)
        self.lr = lr
        self._scratch = [np.empty_like(p) for p in self.params]

    def step(self, grads: Sequence[np.ndarray]) -> None:
        for p, g, s in zip(self.params, grads, self._scratch):
            np.multiply(g, self.lr, out=s)
            p -= s


class Momentum:
    """Classical momentum: v = momentum * v - lr * g; w += v (velocities start at zero)."""

    def __init__(self, params: Sequence[np.ndarray], lr: float, momentum: float) -> None:
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.velocity = [np.zeros_like(p) for p in self.params]
        self._scratch = [np.empty_like(p) for p in self.params]
        self.t = 0

    def step(self, grads: Sequence[np.ndarray]) -> None:
        self.t += 1
        if self.t % FLUSH_EVERY == 0:
            _flush_subnormals(self.velocity)
        for p, g, v, s in zip(self.params, grads, self.velocity, self._scratch):
            v *= self.momentum
            np.multiply(g, self.lr, out=s)
            v -= s
            p += v


class Adam:
    """Adam with bias correction; eps is added to sqrt(v_hat), as in the paper and Keras."""

    def __init__(self, params: Sequence[np.ndarray], lr: float, beta1: float = ADAM_BETA1,
                 beta2: float = ADAM_BETA2, eps: float = ADAM_EPSILON) -> None:
        self.params = list(params)
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self._scratch = [np.empty_like(p) for p in self.params]

    def step(self, grads: Sequence[np.ndarray]) -> None:
        self.t += 1
        if self.t % FLUSH_EVERY == 0:
            _flush_subnormals(self.m + self.v)
        b1, b2 = self.beta1, self.beta2
        # With c1 = 1 - b1^t and c2 = 1 - b2^t, lr * m_hat / (sqrt(v_hat) + eps) equals
        # (lr * sqrt(c2) / c1) * m / (sqrt(v) + eps * sqrt(c2)): one pass fewer per step.
        root_c2 = math.sqrt(1 - b2 ** self.t)
        scale = self.lr * root_c2 / (1 - b1 ** self.t)
        eps = self.eps * root_c2
        for p, g, m, v, s in zip(self.params, grads, self.m, self.v, self._scratch):
            m *= b1
            np.multiply(g, 1 - b1, out=s)
            m += s
            v *= b2
            np.square(g, out=s)
            s *= 1 - b2
            v += s
            np.sqrt(v, out=s)
            s += eps
            np.divide(m, s, out=s)
            s *= scale
            p -= s


Optimizer = SGD | Momentum | Adam


def make_optimizer(train: TrainSpec, params: Sequence[np.ndarray]) -> Optimizer:
    """The optimizer `train` asks for, over `params` (the spec ties momentum > 0 to `momentum`)."""
    if train.optimizer == "sgd":
        return SGD(params, train.lr)
    if train.optimizer == "momentum":
        return Momentum(params, train.lr, train.momentum)
    if train.optimizer == "adam":
        return Adam(params, train.lr)
    raise ValueError(f"optimizer={train.optimizer!r} is not a gradient-descent optimizer")
