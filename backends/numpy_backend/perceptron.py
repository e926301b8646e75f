"""The perceptron learning rule of the course (section 1), for single-layer step networks.

For each row x with target t: y = step(x @ W + b) (1 where the sum is >= 1), then
W += lr * outer(x, t - y) and b += lr * (t - y). The rule is online by definition, so rows are
taken one at a time in the epoch's batch order (`bench.spec.batching.batches`) and the batch
size only decides how that order is cut, not how often the weights change. Several output
units are several independent perceptrons sharing the inputs.

An epoch's reported loss is the mse of the step outputs over its rows, each output taken
before that row's update (for 0/1 targets and one unit: the fraction of rows it got wrong).
Training stops after an epoch without a single error: the weights cannot change any more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backends.numpy_backend.activations import step
from backends.protocol import EpochLoss
from bench.spec import TrainSpec
from bench.spec.batching import batches


def fit_perceptron(W: np.ndarray, b: np.ndarray | None, X: np.ndarray, T: np.ndarray,
                   train: TrainSpec,
                   on_epoch: Callable[[int, float], bool] | None = None) -> list[float]:
    """Train W (n_inputs, n_outputs) and b (n_outputs,) or None in place; returns epoch losses."""
    n, n_outputs = T.shape
    lr = W.dtype.type(train.lr)
    z = np.empty(n_outputs, dtype=W.dtype)
    losses: list[float] = []
    for epoch in range(train.epochs):
        tracker = EpochLoss()
        wrong_rows = 0
        for idx in batches(n, train, epoch):
            for i in idx:
                x, t = X[i], T[i]
                np.matmul(x, W, out=z)
                if b is not None:
                    z += b
                error = t - step(z)
                squared = float(np.vdot(error, error))
                tracker.add(squared / n_outputs, 1)
                if squared:
                    wrong_rows += 1
                    error *= lr
                    W += np.outer(x, error)
                    if b is not None:
                        b += error
        loss = tracker.mean()
        losses.append(loss)
        stop = on_epoch is not None and on_epoch(epoch, loss)
        if stop or wrong_rows == 0:
            break
    return losses
