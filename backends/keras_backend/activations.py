"""The spec's activations as Keras activations, by name (hidden units and output units).

Keras's own relu, sigmoid, tanh, elu (alpha 1), softmax and linear; leaky_relu as
where(z > 0, z, 0.01 z) (Keras's default slope is 0.2, and `ops.leaky_relu` has gradient 1 at
z = 0 on jax); a threshold `step` (z >= 1) for forward-only nets.
"""

from __future__ import annotations

import keras
from keras import ops

from bench.spec.constants import LEAKY_RELU_SLOPE, STEP_THRESHOLD


def step(z):
    return ops.cast(ops.greater_equal(z, STEP_THRESHOLD), z.dtype)


def leaky_relu(z):
    # not ops.leaky_relu: its gradient at z = 0 is 1 on jax (slope elsewhere and in the spec)
    return ops.where(z > 0, z, z * LEAKY_RELU_SLOPE)


HIDDEN = {"step": step, "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu",
          "leaky_relu": leaky_relu, "elu": "elu", "linear": "linear"}
OUTPUT = {"softmax": "softmax", "sigmoid": "sigmoid", "linear": "linear", "step": step}


def activation(name):
    """The Keras activation for a HIDDEN or OUTPUT value (a Keras name or a function)."""
    return keras.activations.get(name) if isinstance(name, str) else name


def hidden(name: str):
    """The activation of the spec's hidden units called `name`."""
    return activation(HIDDEN[name])


def output(name: str):
    """The activation of the spec's output units called `name`."""
    return activation(OUTPUT[name])
