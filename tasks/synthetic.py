"""`synthetic`: MNIST-shaped random data (784 features in [0, 1], 10 classes) for timing studies.

No download and no file: 60,000 training and 500 test rows drawn from a fixed generator, the
same for every seed and every process (seeds vary only the initial weights and the batch
order, as on MNIST's official split). Like MNIST's pixels, most features are 0 and the others
lie in [0.5, 1): each class has a random stroke mask of a fifth of the pixels, which are on in
30% of its rows, and every other pixel is on in 10%. The labels are learnable, the harder the
smaller the net (after 5 epochs on 1,024 rows, NumPy's 784-16-16-10 gets about half of the
test rows, 784-4096-4096-10 about 0.98). A dense layer costs the same whatever the values,
so the shapes are what make it stand in for MNIST in a scaling study (`bench.plan.scale`),
where `TrainSpec.rows` takes the first rows of the training split. The test split is small on
purpose: the per-epoch evaluations of a 4,096-wide net would otherwise cost more than the
training being measured.
"""

from __future__ import annotations

import functools

import numpy as np

from bench.spec import NetSpec, Recipe, TrainSpec
from tasks.base import Split, Task

N_FEATURES = 784
N_CLASSES = 10
TRAIN_ROWS = 60_000
TEST_ROWS = 500
#: a class's stroke mask covers this share of the pixels
STROKE = 0.2
#: how often a pixel is on: in its class's strokes, elsewhere
ON_IN_STROKE, ON_ELSEWHERE = 0.3, 0.1
#: the generator's seed: the data never depends on the run's seed
DATA_SEED = 0x5E7


@functools.cache
def _arrays(n_train: int = TRAIN_ROWS, n_test: int = TEST_ROWS) -> Split:
    """The fixed split, generated once per process and shared read-only by every seed."""
    rng = np.random.default_rng(DATA_SEED)
    strokes = rng.random((N_CLASSES, N_FEATURES)) < STROKE
    on = np.where(strokes, ON_IN_STROKE, ON_ELSEWHERE).astype(np.float32)
    parts = []
    for n in (n_train, n_test):
        y = rng.integers(0, N_CLASSES, size=n).astype(np.int64)
        u = rng.random((n, N_FEATURES), dtype=np.float32)
        chance = on[y]
        # one draw decides whether a pixel is on (u < chance) and, rescaled, its value
        X = np.where(u < chance, np.float32(0.5) + np.float32(0.5) * u / chance,
                     np.float32(0))
        X.setflags(write=False)
        y.setflags(write=False)
        parts += [X, y]
    return Split(*parts)


def load(seed: int) -> Split:
    """The split; `seed` plays no part (the data is fixed)."""
    return _arrays()


SYNTHETIC = Task(
    name="synthetic",
    description="MNIST-shaped random data: 784 features in [0, 1], 10 classes, 60,000 train / "
                "500 test rows, generated (no download)",
    classes=tuple(str(k) for k in range(N_CLASSES)),
    n_features=N_FEATURES,
    protocol="holdout",
    recipes={"modern": Recipe(
        "modern",
        NetSpec((N_FEATURES, 256, 256, 10), activation="relu", output="softmax",
                loss="categorical_crossentropy", init="he_normal"),
        TrainSpec(optimizer="sgd", lr=0.05, batch_size=64, epochs=5, rows=2048,
                  dtype="float32"),
        "784-256-256-10 ReLU (he_normal), softmax, cross-entropy, SGD lr 0.05, batch 64, "
        "5 epochs on the first 2,048 rows (the scaling study's base point)",
    )},
    load=load,
    source="generated in tasks/synthetic.py (a random stroke mask per class, fixed seed)",
)
