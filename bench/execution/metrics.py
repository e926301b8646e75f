"""Evaluation metrics computed by the harness from predictions (never inside a framework)."""

from __future__ import annotations

import numpy as np

from bench.spec.constants import CLIP_EPSILON as EPS  # probability clip inside logs


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true = np.asarray(y_true)
    return float(np.mean(y_true == np.asarray(y_pred))) if y_true.size else float("nan")


def loss_value(loss: str, outputs: np.ndarray, targets: np.ndarray) -> float:
    """The data loss of output activations against targets, by the spec's conventions."""
    outputs = np.asarray(outputs, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    if loss == "mse":
        return float(np.mean((outputs - targets) ** 2))
    clipped = np.clip(outputs, EPS, 1 - EPS)
    if loss == "binary_crossentropy":
        return float(-np.mean(targets * np.log(clipped) + (1 - targets) * np.log(1 - clipped)))
    if loss == "categorical_crossentropy":
        return float(-np.mean(np.sum(targets * np.log(clipped), axis=1)))
    raise ValueError(f"unknown loss {loss!r}")
