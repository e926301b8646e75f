"""The shared batch order (`bench.spec.batching`) as a Keras `PyDataset` any engine can use.

One `model.fit` per `fit`, `steps_per_epoch` = batches per epoch: `SharedOrder` is an endless
`keras.utils.PyDataset` whose item k is batch k % nb of epoch k // nb (a pure function of k, so
look-ahead cannot mix epochs). An engine may feed the same batches its own way
(TensorFlow: a tf.data pipeline, `engines.tensorflow.feed`).
"""

from __future__ import annotations

import math

import keras
import numpy as np

from bench.spec import TrainSpec
from bench.spec.batching import batch_size_for, batches


def batches_per_epoch(n: int, train: TrainSpec) -> int:
    return math.ceil(n / batch_size_for(n, train))


class SharedOrder(keras.utils.PyDataset):
    """Endless batches: item k is batch k % nb of epoch k // nb of the shared batch order."""

    def __init__(self, X: np.ndarray, T: np.ndarray, train: TrainSpec) -> None:
        super().__init__()
        self.X, self.T, self.train = X, T, train
        self.n = X.shape[0]
        self.per_epoch = batches_per_epoch(self.n, train)
        self._epoch = -1
        self._batches: list[np.ndarray] = []

    @property
    def num_batches(self):
        return None  # endless; fit's steps_per_epoch cuts it into epochs

    def __getitem__(self, k: int):
        epoch, i = divmod(int(k), self.per_epoch)
        if epoch != self._epoch:
            self._batches = list(batches(self.n, self.train, epoch))
            self._epoch = epoch
        idx = self._batches[i]
        if not self.train.shuffle:  # rows in order: a view, no copy
            return self.X[idx[0]:idx[-1] + 1], self.T[idx[0]:idx[-1] + 1]
        return self.X.take(idx, axis=0), self.T.take(idx, axis=0)
