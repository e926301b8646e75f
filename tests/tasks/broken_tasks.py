"""Test-only tasks with broken data (never in the shipped registry).

Registered in the CLI's processes through NNBENCH_EXTRA_TASKS, e.g.
"nan-data=tests.tasks.broken_tasks:NAN_DATA".
"""

from __future__ import annotations

import numpy as np

from bench.spec import NetSpec, Recipe, TrainSpec
from tasks.base import Split, Task

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
Y = np.array([0, 1, 1, 0])
RECIPES = {"modern": Recipe("modern", NetSpec((2, 4, 1), activation="tanh", output="sigmoid",
                                              loss="binary_crossentropy"),
                            TrainSpec(optimizer="adam", lr=0.05, batch_size=None, epochs=5))}


def _task(name: str, X_train: np.ndarray, y_train: np.ndarray) -> Task:
    return Task(name=name, description=f"broken on purpose: {name}", classes=("0", "1"),
                n_features=2, protocol="resubstitution", recipes=RECIPES,
                load=lambda seed: Split(X_train, y_train, X_train, y_train))


NAN_DATA = _task("nan-data", np.where(X == 1, np.nan, X), Y)
INF_DATA = _task("inf-data", np.where(X == 1, np.inf, X), Y)
LABELS_OUT_OF_RANGE = _task("labels-out-of-range", X, np.array([0, 1, 2, 0]))
LABELS_WRONG_SHAPE = _task("labels-wrong-shape", X, Y.reshape(2, 2))
LABELS_NOT_INTEGER = _task("labels-not-integer", X, Y.astype(float) + 0.5)



def _crash(seed: int) -> Split:
    raise RuntimeError("a bug in this task's loader")


#: a task whose loader has a bug (not a DataError): the CLI's internal-error path
CRASHING = Task(name="crashing", description="broken on purpose: its loader raises",
                classes=("0", "1"), n_features=2, protocol="resubstitution", recipes=RECIPES,
                load=_crash)
