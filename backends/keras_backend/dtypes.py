"""The run's dtype inside a block (`floatx`), float64 included, on every engine.

While a model is built, compiled, trained or evaluated, `keras.config.floatx` is the run's
dtype (Keras sizes its loss tracker and loss casts by it) and, for float64, Keras's type
promotion is told to keep float64: outside TensorFlow `keras.backend.result_type` maps float64
to float32 (keras-team/keras#23704; a private table that only `private` touches), so on torch
a float64 Dense layer's matmul and on jax its tanh would run in float32. JAX also needs
`jax_enable_x64` (without it float64 arrays become float32), which `engines.jax` sets.
"""

from __future__ import annotations

import contextlib

import keras

from backends.keras_backend import private


@contextlib.contextmanager
def floatx(dtype: str):
    """Keras computes in `dtype` inside the block: keras.config.floatx is `dtype` and, for
    float64, the type promotion keeps float64 (`private.float64_kept`); both are restored on
    the way out."""
    saved = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        with private.float64_kept() if dtype == "float64" else contextlib.nullcontext():
            yield
    finally:
        keras.config.set_floatx(saved)
