"""What a task is: data with a fixed evaluation protocol, class names and recipes.

Tasks know nothing of frameworks. A task module builds one or more `Task` objects; the
registry (`tasks.registry`) lists them. The harness asks a task for `split(seed)` (always) and
`folds(seed)` (cross-validation tasks only) and computes metrics on the predictions.

Evaluation protocols:
- "holdout": train on `split.train`, report test metrics on `split.test` (e.g. digits 75/25).
- "resubstitution": the data *is* the problem (a truth table); test rows = training rows.
- "leave-one-out": tables too small to split. `split(seed)` holds all rows in both halves (for
  train accuracy and the loss curve); `folds(seed)` gives one split per held-out row, and the
  test metrics pool the held-out predictions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bench.spec import Recipe

PROTOCOLS = ("holdout", "resubstitution", "leave-one-out")


def course_lr(lr: float, n_outputs: int) -> float:
    """The spec learning rate that takes the same step as the course's rate `lr`.

    The course updates weights by lr * error * f'(z), the gradient of 1/2 * sum over output
    units of the squared error; nnbench's `mse` is the mean over output units of the squared
    error, whose gradient is 2 / n_outputs times that. Course §2's worked step checks this.
    """
    return lr * n_outputs / 2


class DataError(ValueError):
    """Task data that cannot be used (NaN/inf, wrong shapes, bad labels)."""


@dataclass(frozen=True)
class Split:
    """Train and test arrays: X float (n, n_features), y integer labels (n,)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def check(self, n_features: int, n_classes: int, where: str) -> None:
        """Raise DataError naming `where` if the arrays are unusable for the task."""
        for part, X, y in (("train", self.X_train, self.y_train),
                           ("test", self.X_test, self.y_test)):
            if X.ndim != 2 or X.shape[1] != n_features:
                raise DataError(f"{where}: X_{part} has shape {X.shape}, "
                                f"expected (n, {n_features})")
            if not np.all(np.isfinite(X)):
                bad = int(np.size(X) - np.count_nonzero(np.isfinite(X)))
                raise DataError(f"{where}: X_{part} holds {bad} NaN or infinite value(s)")
            if y.shape != (X.shape[0],):
                raise DataError(f"{where}: y_{part} has shape {y.shape}, "
                                f"expected ({X.shape[0]},) class labels")
            if not np.issubdtype(y.dtype, np.integer):
                raise DataError(f"{where}: y_{part} must hold integer class labels, "
                                f"got {y.dtype}")
            if y.size and (y.min() < 0 or y.max() >= n_classes):
                raise DataError(f"{where}: y_{part} labels span {y.min()}..{y.max()}, "
                                f"expected 0..{n_classes - 1}")


@dataclass(frozen=True, eq=False)  # eq=False: hashable by identity (recipes is a dict)
class Task:
    """A benchmark problem. `load(seed)` returns the main Split; see the module docstring."""

    name: str
    description: str
    classes: tuple[str, ...]
    n_features: int
    protocol: str
    recipes: dict[str, Recipe]
    load: Callable[[int], Split] = field(repr=False)
    #: accuracy a report may use for "time to reach target"; None when not meaningful
    target_accuracy: float | None = None
    #: where the data comes from (shown by `nnbench list`)
    source: str = ""
    #: task-specific test metrics: (y_true labels, output activations) -> {name: value},
    #: merged into each record's metrics next to accuracy and loss
    metrics: Callable[[np.ndarray, np.ndarray], dict[str, float]] | None = field(
        default=None, repr=False)

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol={self.protocol!r}; choose one of {', '.join(PROTOCOLS)}")
        for name, recipe in self.recipes.items():
            net = recipe.net
            if net.n_inputs != self.n_features or net.n_outputs not in self.output_sizes:
                raise ValueError(f"task {self.name}: recipe {name} has layers "
                                 f"{list(net.layers)}, which do not fit {self.n_features} "
                                 f"inputs and {self.n_classes} classes")

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def output_sizes(self) -> tuple[int, ...]:
        """Output-layer sizes that fit: one unit per class, or a single unit for two classes."""
        return (1, 2) if self.n_classes == 2 else (self.n_classes,)

    def split(self, seed: int) -> Split:
        """The main split for `seed`, checked for shapes, finiteness and labels."""
        split = self.load(seed)
        split.check(self.n_features, self.n_classes, f"task {self.name}")
        return split

    def folds(self, seed: int) -> list[Split]:
        """Leave-one-out splits of the full data (empty for other protocols)."""
        if self.protocol != "leave-one-out":
            return []
        full = self.split(seed)
        X, y = full.X_train, full.y_train
        out = []
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            out.append(Split(X[keep], y[keep], X[i:i + 1], y[i:i + 1]))
        return out
