"""Gradient-descent optimizers that update parameter arrays in place.

Each optimizer is built for a list of parameter arrays, preallocates its state (and one
scratch array per parameter, so a step allocates nothing), and `step(grads)` applies one update
given gradients of the same shapes. The rules are those of `bench.spec`:

- sgd: w -= lr * g (also the rule of finite-difference, whose g is estimated, not backprop's)
- momentum (classical): v = momentum * v - lr * g; w += v
- adam (Kingma & Ba): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
  w -= lr * m_hat / (sqrt(v_hat) + eps), with bias-corrected m_hat and v_hat.

Adam is where a NumPy step spends its time beyond the matrix products (on a 784-256-128-10
net, a third of the step with the textbook 12 passes, a quarter with these 10), because NumPy
cannot fuse element-wise operations: each one is a pass over every parameter. So `Adam` keeps
its moments unscaled (m / (1-b1) and v / (1-b2), folding the constants into the step size and
epsilon), which takes 10 passes instead of 12, and walks the parameters in blocks of
CHUNK_BYTES per array, so that the 10 passes over one block find the five arrays they touch
still in the core's cache instead of streaming them from memory each time.

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
from bench.spec.constants import ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, FLUSH_EVERY

#: bytes of each array that Adam updates at once: five such blocks (parameters, gradients,
#: two moments, scratch) stay inside a 2 MiB L2 cache
CHUNK_BYTES = 256 * 1024


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
    """Adam with bias correction; eps is added to sqrt(v_hat), as in the paper and Keras.

    `m` and `v` hold the moments divided by (1 - beta1) and (1 - beta2): m' = b1 m' + g and
    v' = b2 v' + g^2 need no scaling of g, and the constants return in `step`'s scalars.
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float, beta1: float = ADAM_BETA1,
                 beta2: float = ADAM_BETA2, eps: float = ADAM_EPSILON) -> None:
        self.params = list(params)
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        if not all(p.flags.c_contiguous for p in self.params):
            raise ValueError("Adam updates its parameters in place block by block, so each "
                             "parameter array must be C-contiguous")
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self._scratch = [np.empty_like(p) for p in self.params]

    def step(self, grads: Sequence[np.ndarray]) -> None:
        self.t += 1
        if self.t % FLUSH_EVERY == 0:
            _flush_subnormals(self.m + self.v)
        b1, b2 = self.beta1, self.beta2
        # With c1 = 1 - b1^t, c2 = 1 - b2^t, m = (1-b1) m' and v = (1-b2) v',
        # lr * m_hat / (sqrt(v_hat) + eps) = scale * m' / (sqrt(v') + eps'), where
        # scale = lr (1-b1) sqrt(c2) / (c1 sqrt(1-b2)) and eps' = eps sqrt(c2) / sqrt(1-b2).
        root_c2 = math.sqrt(1 - b2 ** self.t)
        root_1mb2 = math.sqrt(1 - b2)
        scale = self.lr * (1 - b1) * root_c2 / ((1 - b1 ** self.t) * root_1mb2)
        eps = self.eps * root_c2 / root_1mb2
        for arrays in zip(self.params, grads, self.m, self.v, self._scratch):
            block = max(1, CHUNK_BYTES // arrays[0].itemsize)
            flat = [a.reshape(-1) for a in arrays]
            for start in range(0, flat[0].size, block):
                p, g, m, v, s = (a[start:start + block] for a in flat)
                m *= b1
                m += g
                v *= b2
                np.square(g, out=s)
                v += s
                np.sqrt(v, out=s)
                s += eps
                np.divide(m, s, out=s)
                s *= scale
                p -= s


Optimizer = SGD | Momentum | Adam


def make_optimizer(train: TrainSpec, params: Sequence[np.ndarray]) -> Optimizer:
    """The optimizer `train` asks for, over `params` (the spec ties momentum > 0 to `momentum`)."""
    if train.optimizer in ("sgd", "finite-difference"):
        return SGD(params, train.lr)
    if train.optimizer == "momentum":
        return Momentum(params, train.lr, train.momentum)
    if train.optimizer == "adam":
        return Adam(params, train.lr)
    raise ValueError(f"optimizer={train.optimizer!r} is not a gradient-descent optimizer")
