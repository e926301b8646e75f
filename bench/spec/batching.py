"""The batch order shared by every backend: one permutation of the rows per epoch and seed."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from bench.spec import TrainSpec


def epoch_order(n_rows: int, train: TrainSpec, epoch: int) -> np.ndarray:
    """Row indices in the order epoch `epoch` visits them (identity when not shuffling)."""
    if not train.shuffle:
        return np.arange(n_rows)
    return np.random.default_rng([train.seed, 0xBA7C, epoch]).permutation(n_rows)


def batch_size_for(n_rows: int, train: TrainSpec) -> int:
    """The effective batch size (full batch when `batch_size` is None)."""
    return n_rows if train.batch_size is None else min(train.batch_size, n_rows)


def batches(n_rows: int, train: TrainSpec, epoch: int) -> Iterator[np.ndarray]:
    """Index arrays of the batches of epoch `epoch`; the last batch may be smaller."""
    order = epoch_order(n_rows, train, epoch)
    size = batch_size_for(n_rows, train)
    for start in range(0, n_rows, size):
        yield order[start:start + size]
