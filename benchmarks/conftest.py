"""Shared set-up of the speed benchmarks: the installed backends and ready-trained models."""

from __future__ import annotations

import numpy as np
import pytest

from backends.initializers import initial_weights
from backends.registry import BACKENDS, get_backend
from bench.spec import NetSpec, TrainSpec

#: every backend whose framework is installed (listed without importing any framework)
AVAILABLE = [name for name, entry in BACKENDS.items() if entry.unavailable_reason() is None]

#: the MNIST `modern`-size net of the speed goals: 784-256-128-10, batch 128
MNIST_NET = NetSpec((784, 256, 128, 10), activation="relu", output="softmax",
                    loss="categorical_crossentropy", init="he_normal")
MNIST_TRAIN = TrainSpec(optimizer="adam", lr=1e-3, batch_size=128, epochs=1, dtype="float32")


def mnist_sized_stream(rows: int = 10_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random rows with MNIST's geometry (784 features in [0, 1], 10 classes)."""
    rng = np.random.default_rng(seed)
    return rng.random((rows, 784), dtype=np.float32), rng.integers(0, 10, rows)


def warmed_model(backend: str, net: NetSpec, train: TrainSpec, X, y):
    """A model of `backend` that has already run one epoch (graph building, allocation)."""
    Model = get_backend(backend)
    reason = Model.supports(net, train)
    if reason:
        pytest.skip(f"{backend} cannot run this spec: {reason}")
    model = Model(net, train)
    model.set_weights(initial_weights(net, train.seed, train.dtype))
    model.fit(X, y)
    return model
