"""Initial weights drawn with NumPy, so every backend can start from the very same numbers.

The harness draws them once per seed (`initial_weights`) and hands them to each backend with
`set_weights`; the NumPy backend uses the same function for its own initialisation.
"""

from __future__ import annotations

import numpy as np

from bench.spec import NetSpec


def _draw(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    if scheme == "glorot_uniform":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=(fan_in, fan_out))
    if scheme == "he_normal":
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    if scheme == "normal_scaled":  # the course: standard normal divided by sqrt(fan_in)
        return rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
    if scheme == "zeros":
        return np.zeros((fan_in, fan_out))
    raise ValueError(f"unknown init scheme {scheme!r}")


def initial_weights(net: NetSpec, seed: int, dtype: str = "float64"):
    """[(W, b), ...] for `net`, W of shape (fan_in, fan_out); biases zero (None without bias)."""
    rng = np.random.default_rng([seed, 0x1217])
    weights = []
    for fan_in, fan_out in zip(net.layers[:-1], net.layers[1:]):
        W = _draw(net.init, fan_in, fan_out, rng).astype(dtype)
        b = np.zeros(fan_out, dtype=dtype) if net.bias else None
        weights.append((W, b))
    return weights


def check_weights(net: NetSpec, weights) -> None:
    """Raise ValueError unless `weights` has the canonical layout for `net`."""
    expected = len(net.layers) - 1
    if len(weights) != expected:
        raise ValueError(f"expected {expected} (W, b) pairs for layers {list(net.layers)}, "
                         f"got {len(weights)}")
    for i, ((W, b), fan_in, fan_out) in enumerate(
        zip(weights, net.layers[:-1], net.layers[1:])
    ):
        if np.shape(W) != (fan_in, fan_out):
            raise ValueError(f"layer {i}: W has shape {np.shape(W)}, "
                             f"expected ({fan_in}, {fan_out})")
        if net.bias and np.shape(b) != (fan_out,):
            raise ValueError(f"layer {i}: b has shape {np.shape(b)}, expected ({fan_out},)")
        if not net.bias and b is not None:
            raise ValueError(f"layer {i}: the net has no bias, so b must be None")
