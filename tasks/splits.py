"""Seeded train/test splits that any task can reuse (NumPy only)."""

from __future__ import annotations

import math

import numpy as np

#: mixed into the seed so split draws never coincide with other seeded draws (weights, batches)
_SALT = 0x5917


def stratified_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of a stratified split of labels `y`, the same for the same seed.

    The test half holds ceil(test_fraction * n) rows (scikit-learn's rounding), shared out over
    the classes in proportion to their counts (largest remainder), and every class keeps at
    least one row in each half. Both index arrays are sorted, so the rows keep the data's order.
    Raises ValueError when `test_fraction` is not in (0, 1) or a class has fewer than 2 rows.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-d array of labels, got shape {y.shape}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction={test_fraction!r} must lie strictly between 0 and 1")
    classes, y_index, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min(initial=2) < 2:
        rare = classes[counts < 2].tolist()
        raise ValueError(f"classes {rare} have fewer than 2 rows; they cannot be in both halves")

    n_test = math.ceil(test_fraction * y.size)
    exact = counts * n_test / y.size
    per_class = np.floor(exact).astype(np.int64)
    # Largest remainder; ties go to the earlier class, so the result does not depend on the seed.
    short = n_test - int(per_class.sum())
    per_class[np.argsort(-(exact - per_class), kind="stable")[:short]] += 1
    per_class = np.clip(per_class, 1, counts - 1)

    rng = np.random.default_rng([seed, _SALT])
    test_parts = []
    for k, n_k in enumerate(per_class):
        members = np.flatnonzero(y_index == k)
        test_parts.append(rng.permutation(members)[:n_k])
    test = np.sort(np.concatenate(test_parts))
    train = np.setdiff1d(np.arange(y.size), test)
    return train, test
