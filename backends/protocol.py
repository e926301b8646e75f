"""The Model protocol every backend implements (the contract between harness and frameworks).

A backend module defines one class that follows `Model`. The harness uses only what is here:

    Model = get_backend("numpy")
    reason = Model.supports(net, train)       # None, or why this backend cannot run the spec
    m = Model(net, train)                     # builds the network; stores the specs only
    m.set_weights([(W, b), ...])              # W: (fan_in, fan_out), b: (fan_out,) or None
    m.fit(X, y, on_epoch=callback)            # returns m
    m.predict_proba(X)                        # output-layer activations, shape (n, n_outputs)
    m.predict(X)                              # class labels, shape (n,)
    m.get_weights()

`y` given to `fit` is either integer class labels of shape (n,) (encoded with
`bench.spec.targets.encode_targets`) or a float target matrix of shape (n, n_outputs).

`on_epoch(epoch, loss)` is called after every epoch (epoch counts from 0) with the mean
training loss of that epoch (see `EpochLoss`); when it returns True, training stops after
that epoch. The harness uses it to time epochs, watch for divergence and enforce time budgets.

Optional class methods the worker uses when a backend has them:

    Model.deviations(net, train) -> list[str]   # each place a run departs from the spec
    Model.framework_threads() -> dict           # the thread counts the framework reports

A backend imports its framework lazily (inside the backend module only), applies the run's
thread count (`bench.spec.threads.requested_threads()`) to the framework's own knobs, and feeds the
shared batch order (`bench.spec.batching.batches`) where the framework lets it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from bench.spec import NetSpec, TrainSpec

Weights = list[tuple[np.ndarray, "np.ndarray | None"]]
EpochCallback = Callable[[int, float], bool]


@runtime_checkable
class Model(Protocol):
    """A network built from a NetSpec and trained by a TrainSpec in one framework."""

    #: registry name, e.g. "numpy"
    name: ClassVar[str]
    #: the import name of the framework, e.g. "torch"
    framework: ClassVar[str]

    net: NetSpec
    train: TrainSpec

    def __init__(self, net: NetSpec, train: TrainSpec) -> None: ...

    @classmethod
    def supports(cls, net: NetSpec, train: TrainSpec) -> str | None:
        """None if this backend can follow the spec exactly, else the reason it cannot."""
        ...

    @classmethod
    def framework_version(cls) -> str: ...

    def set_weights(self, weights: Weights) -> None: ...

    def get_weights(self) -> Weights: ...

    def fit(self, X: np.ndarray, y: np.ndarray, on_epoch: EpochCallback | None = None) -> Model:
        ...

    def predict_proba(self, X: np.ndarray) -> np.ndarray: ...

    def predict(self, X: np.ndarray) -> np.ndarray: ...

    @property
    def n_params(self) -> int: ...

    @property
    def epochs_run(self) -> int:
        """How many epochs the last `fit` ran (fewer than asked if stopped early)."""
        ...


class EpochLoss:
    """Accumulates the mean training loss of one epoch from per-batch losses.

    The epoch loss is the row-weighted mean of the batch losses seen during the epoch (before
    each batch's update, as Keras reports it), plus the l2 penalty at the end of the epoch.
    """

    def __init__(self) -> None:
        self.total = 0.0
        self.rows = 0

    def add(self, batch_loss: float, batch_rows: int) -> None:
        self.total += float(batch_loss) * batch_rows
        self.rows += batch_rows

    def mean(self) -> float:
        return self.total / self.rows if self.rows else float("nan")
