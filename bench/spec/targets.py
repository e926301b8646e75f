"""Turning class labels into training targets and output activations back into labels.

Every backend uses these two functions, so "class k" means the same output pattern everywhere:
one output unit -> the label itself (0 or 1) as the target; k > 1 output units -> one-hot.
"""

from __future__ import annotations

import numpy as np


def encode_targets(y: np.ndarray, n_outputs: int, dtype: str = "float64") -> np.ndarray:
    """Targets of shape (n, n_outputs) from labels (n,) or an already-encoded (n, n_outputs)."""
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[1] != n_outputs:
            raise ValueError(f"targets have {y.shape[1]} columns, the net has {n_outputs} outputs")
        return y.astype(dtype, copy=False)
    if y.ndim != 1:
        raise ValueError(f"y must be labels of shape (n,) or targets (n, {n_outputs}); "
                         f"got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError("class labels must be whole numbers 0..k-1")
        y = y.astype(np.int64)
    n_classes = 2 if n_outputs == 1 else n_outputs
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"class labels must lie in 0..{n_classes - 1} for a net with "
                         f"{n_outputs} output unit(s); got {y.min()}..{y.max()}")
    if n_outputs == 1:
        return y.reshape(-1, 1).astype(dtype)
    out = np.zeros((y.shape[0], n_outputs), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def decode_outputs(outputs: np.ndarray) -> np.ndarray:
    """Class labels from output activations: threshold 0.5 for one unit, else argmax."""
    outputs = np.asarray(outputs)
    if outputs.shape[1] == 1:
        return (outputs[:, 0] >= 0.5).astype(np.int64)
    return outputs.argmax(axis=1).astype(np.int64)
