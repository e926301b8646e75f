"""The spec's network as Keras models of `Dense` layers, initialised by Keras.

A functional Keras model of `Dense` layers in the run's dtype (layer dtype policy). The trained
model ends in a *linear* Dense layer (the output sums z, which `SpecLoss` takes); a second
model sharing its layers applies the output activation for `predict_proba`.

Initialisation: with `weights` (the harness's shared initial weights, or any given to
`set_weights` before the model was first used) the layers are created holding those values;
without, Keras's initialisers for the spec's scheme, seeded from `train.seed` (layer i gets
seed * 1000 + i): GlorotUniform; he_normal and normal_scaled as untruncated VarianceScaling
(scale 2 and 1, fan_in); Zeros; biases zero. Creating the layers with their values, rather
than drawing random ones that `set_weights` then overwrites, also spares each run's process
the compilation of Keras's random initialisers (about 0.5 s on the JAX engine).
"""

from __future__ import annotations

from typing import NamedTuple

import keras
from keras import ops

from backends.keras_backend import activations
from bench.spec import NetSpec, TrainSpec


def kernel_initializer(scheme: str, seed: int):
    if scheme == "glorot_uniform":
        return keras.initializers.GlorotUniform(seed=seed)
    if scheme == "he_normal":
        return keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=seed)
    if scheme == "normal_scaled":
        return keras.initializers.VarianceScaling(1.0, "fan_in", "untruncated_normal", seed=seed)
    if scheme == "zeros":
        return keras.initializers.Zeros()
    raise ValueError(f"unknown init scheme {scheme!r}")


class Network(NamedTuple):
    dense: list          # the Dense layers, input side first
    train: keras.Model   # inputs -> output sums z (what is trained)
    predict: keras.Model  # inputs -> output activations (same layers)


def given(values):
    """A Keras initializer that creates a variable holding `values` (of the variable's shape)."""
    def initializer(shape, dtype=None):
        return ops.convert_to_tensor(values, dtype=dtype)
    return initializer


def build(net: NetSpec, train: TrainSpec, weights=None) -> Network:
    """The Keras models of `net` in `train.dtype`, holding `weights` ([(W, b)] in the canonical
    layout) when given (call inside `dtypes.floatx`)."""
    dtype = train.dtype
    inputs = keras.Input(shape=(net.n_inputs,), dtype=dtype, name="x")
    x = inputs
    dense = []
    sizes = net.layers[1:]
    for i, units in enumerate(sizes):
        last = i == len(sizes) - 1
        W, b = weights[i] if weights is not None else (None, None)
        layer = keras.layers.Dense(
            units, activation=None if last else activations.hidden(net.activation),
            use_bias=net.bias, dtype=dtype, name=f"dense_{i}",
            kernel_initializer=kernel_initializer(net.init, train.seed * 1000 + i)
            if W is None else given(W),
            bias_initializer="zeros" if b is None else given(b))
        x = layer(x)
        dense.append(layer)
    trained = keras.Model(inputs, x, name="nnbench_train")
    outputs = keras.layers.Activation(activations.output(net.output), dtype=dtype,
                                      name="output")(x)
    return Network(dense, trained, keras.Model(inputs, outputs, name="nnbench_predict"))
