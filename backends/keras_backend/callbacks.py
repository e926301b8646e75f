"""The epoch loss and the per-epoch hook, as a Keras callback (`EpochEnd`).

Keras's "loss" log is the mean of the batch losses (each computed before its update) weighted
by batch rows, i.e. the spec's epoch loss without the l2 penalty (which lives in the
optimizer, not the loss); `on_epoch_end` adds the penalty, calls `on_epoch` and sets
`model.stop_training` when it returns True.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from backends.protocol import EpochCallback


class EpochEnd(keras.callbacks.Callback):
    """Epoch loss = Keras's row-weighted mean batch loss + the l2 penalty; calls on_epoch."""

    def __init__(self, penalty: Callable[[], float], on_epoch: EpochCallback | None) -> None:
        super().__init__()
        self.penalty, self.on_epoch = penalty, on_epoch
        self.losses: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        loss = float(logs["loss"]) + self.penalty()
        self.losses.append(loss)
        if self.on_epoch is not None and self.on_epoch(epoch, loss):
            self.model.stop_training = True
