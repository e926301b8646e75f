"""`mnist-small`: a fixed 6,000-image slice of MNIST, small enough for the CI accuracy gate.

The first 500 training images of each digit (5,000) and the first 100 test images of each
digit (1,000), from the same four verified IDX files as the `mnist` task; the same rows for
every seed, so seeds vary only the initial weights and the batch order. One recipe, `modern`:
a 784-64-10 ReLU net with Adam, about 0.91 test accuracy in seconds on every backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.spec import NetSpec, Recipe, TrainSpec
from tasks.base import Split, Task
from tasks.datadir import DataDirLoader
from tasks.mnist import MNIST_DATA, N_PIXELS, build_split

TRAIN_PER_CLASS = 500
TEST_PER_CLASS = 100


def first_per_class(y: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first `per_class` rows of every class, in their original order."""
    keep = np.concatenate([np.flatnonzero(y == k)[:per_class] for k in np.unique(y)])
    return np.sort(keep)


def build_subset(paths: dict[str, Path], seed: int) -> Split:
    full = build_split(paths, seed)
    train = first_per_class(full.y_train, TRAIN_PER_CLASS)
    test = first_per_class(full.y_test, TEST_PER_CLASS)
    return Split(full.X_train[train], full.y_train[train], full.X_test[test], full.y_test[test])


MNIST_SMALL = Task(
    name="mnist-small",
    description="MNIST slice for the CI gate: first 500 train / 100 test images per digit",
    classes=tuple(str(k) for k in range(10)),
    n_features=N_PIXELS,
    protocol="holdout",
    recipes={"modern": Recipe(
        "modern",
        NetSpec((N_PIXELS, 64, 10), activation="relu", output="softmax",
                loss="categorical_crossentropy", init="he_normal"),
        TrainSpec(optimizer="adam", lr=0.001, batch_size=64, epochs=8, dtype="float32"),
        "784-64-10 ReLU (he_normal), softmax, cross-entropy, Adam lr 0.001, batch 64, 8 epochs",
    )},
    load=DataDirLoader(MNIST_DATA, build_subset),
    target_accuracy=0.9,
    source="the first 500/100 images per digit of MNIST's IDX files in $NNBENCH_DATA_DIR/mnist",
)
