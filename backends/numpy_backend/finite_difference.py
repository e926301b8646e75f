"""The course's gradient estimate by forward differences (course material, section 4).

    d cost / d w_i ~ (cost(w + eps e_i) - cost(w)) / eps

for every parameter w_i in turn: one more evaluation of the cost, i.e. one forward pass over
the batch, per parameter. Its error is of order eps (the cost's curvature times eps / 2),
against the rounding error of backpropagation's exact gradient: with the course's eps = 1e-4
the two agree to about 1e-5 on a small sigmoid net. `optimizer="finite-difference"` descends
this estimate (`MLP.fit`), and `gradcheck` uses it to show how far it is from backprop.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.spec.constants import FD_EPSILON


def forward_difference(cost: Callable[[], float], theta: np.ndarray, eps: float = FD_EPSILON,
                       out: np.ndarray | None = None, base: float | None = None) -> np.ndarray:
    """The estimate (cost(w + eps) - cost(w)) / eps for every entry of the flat `theta`.

    `cost()` must evaluate the cost at the current contents of `theta`, which is perturbed in
    place one entry at a time and restored exactly. `base` is cost() at `theta` when the caller
    has it already; the estimate goes into `out` when given. Each difference is divided by the
    step actually taken, (w + eps) - w in the dtype of `theta`, which is eps up to rounding in
    float64 but can differ from it by 1e-3 relative in float32; an entry so large that w + eps
    rounds back to w gets the estimate 0 (the cost cannot see the step).
    """
    if base is None:
        base = cost()
    grad = np.empty_like(theta) if out is None else out
    for i in range(theta.size):
        saved = theta[i]
        theta[i] = saved + eps
        step = float(theta[i] - saved)
        grad[i] = (cost() - base) / step if step else 0.0
        theta[i] = saved
    return grad
