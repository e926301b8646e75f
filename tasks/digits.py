"""scikit-learn's 8x8 handwritten digits (1,797 images, 64 pixels, classes "0".."9").

A copy of scikit-learn's `digits.csv.gz` ships in tasks/data (provenance and checksum in
tasks/data/README.md), so the task needs no scikit-learn; its SHA-256 is verified on load.
Pixels (0..16) are divided by 16 to lie in [0, 1]. Protocol: a stratified 75/25 holdout split
drawn per seed.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
from pathlib import Path

import numpy as np

from bench.spec import NetSpec, Recipe, TrainSpec
from tasks.base import DataError, Split, Task, course_lr
from tasks.splits import stratified_split

CSV_PATH = Path(__file__).resolve().parent / "data" / "digits.csv.gz"
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
N_PIXELS = 64
TEST_FRACTION = 0.25


def load_arrays(
    path: str | os.PathLike = CSV_PATH, sha256: str = SHA256
) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): X float64 (n, 64) scaled to [0, 1], y int64 labels 0..9, read from `path`.

    Raises DataError when the file's SHA-256 is not `sha256` or its contents are malformed.
    """
    data = Path(path).read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise DataError(f"{path}: SHA-256 {actual} does not match the expected {sha256}; the "
                        "file is corrupt or was changed (reinstall nnbench to restore it)")
    try:
        table = np.loadtxt(io.BytesIO(gzip.decompress(data)), delimiter=",", ndmin=2)
    except (OSError, EOFError, ValueError) as exc:
        raise DataError(f"{path}: cannot be read as gzipped CSV: {exc}") from None
    if table.shape[1] != N_PIXELS + 1:
        raise DataError(f"{path}: {table.shape[1]} columns, expected {N_PIXELS} pixels + label")
    pixels, labels = table[:, :N_PIXELS], table[:, N_PIXELS]
    if not (np.all(np.isin(pixels, np.arange(17))) and np.all(np.isin(labels, np.arange(10)))):
        raise DataError(f"{path}: pixels must be integers 0..16 and labels 0..9")
    return pixels / 16.0, labels.astype(np.int64)


@functools.cache
def _shipped_arrays() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_arrays()
    X.setflags(write=False)  # shared by every seed's split
    y.setflags(write=False)
    return X, y


def _load(seed: int) -> Split:
    X, y = _shipped_arrays()
    train, test = stratified_split(y, TEST_FRACTION, seed)
    return Split(X[train], y[train], X[test], y[test])


_RECIPES = (
    Recipe(
        "course",
        # "A very small hidden layer": 4 units, the fewest whose on/off patterns can still name
        # 10 classes (2**4 = 16 >= 10).
        NetSpec((N_PIXELS, 4, 10), activation="sigmoid", output="sigmoid", loss="mse",
                init="normal_scaled", bias=True),
        TrainSpec(optimizer="sgd", lr=course_lr(0.1, 10), batch_size=1, epochs=1000,
                  dtype="float64"),
        "course from-scratch 64-4-10 sigmoid net, MSE, online SGD at the course's lr 0.1 "
        "(0.5 in nnbench's mse convention), 1000 epochs",
    ),
    Recipe(
        "modern",
        NetSpec((N_PIXELS, 256, 10), activation="relu", output="softmax",
                loss="categorical_crossentropy", init="he_normal"),
        TrainSpec(optimizer="adam", lr=0.003, batch_size=32, epochs=50, dtype="float32"),
        "64-256-10 ReLU, softmax, categorical cross-entropy, Adam lr 0.003, batch 32, 50 epochs",
    ),
)

DIGITS = Task(
    name="digits",
    description="8x8 handwritten digits (1,797 images), stratified 75/25 holdout per seed",
    classes=tuple(str(k) for k in range(10)),
    n_features=N_PIXELS,
    protocol="holdout",
    recipes={recipe.name: recipe for recipe in _RECIPES},
    load=_load,
    target_accuracy=0.95,
    source="scikit-learn digits.csv.gz (UCI optdigits test set), shipped in tasks/data",
)
