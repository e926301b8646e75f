"""The spec's network as Keras models of `Dense` layers, initialised by Keras.

A functional Keras model of `Dense` layers in the run's dtype (layer dtype policy). The trained
model ends in a *linear* Dense layer (the output sums z, which `SpecLoss` takes); a second
model sharing its layers applies the output activation for `predict_proba`.

Initialisation (no `set_weights`): Keras's initialisers for the spec's scheme, seeded from
`train.seed` (layer i gets seed * 1000 + i): GlorotUniform; he_normal and normal_scaled as
untruncated VarianceScaling (scale 2 and 1, fan_in); Zeros; biases zero.
"""

from __future__ import annotations

from typing import NamedTuple

import keras

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


def build(net: NetSpec, train: TrainSpec) -> Network:
    """The Keras models of `net` in `train.dtype` (call inside `dtypes.floatx`)."""
    dtype = train.dtype
    inputs = keras.Input(shape=(net.n_inputs,), dtype=dtype, name="x")
    x = inputs
    dense = []
    sizes = net.layers[1:]
    for i, units in enumerate(sizes):
        last = i == len(sizes) - 1
        layer = keras.layers.Dense(
            units, activation=None if last else activations.hidden(net.activation),
            use_bias=net.bias, dtype=dtype, name=f"dense_{i}",
            kernel_initializer=kernel_initializer(net.init, train.seed * 1000 + i),
            bias_initializer="zeros")
        x = layer(x)
        dense.append(layer)
    trained = keras.Model(inputs, x, name="nnbench_train")
    outputs = keras.layers.Activation(activations.output(net.output), dtype=dtype,
                                      name="output")(x)
    return Network(dense, trained, keras.Model(inputs, outputs, name="nnbench_predict"))
