"""The run's dtype inside a block (`floatx`), float64 included, on every engine.

While a model is built, compiled, trained or evaluated, `keras.config.floatx` is the run's
dtype (Keras sizes its loss tracker and loss casts by it) and, for float64, Keras's type
promotion is told to keep float64: outside TensorFlow `keras.backend.result_type` maps float64
to float32 (keras-team/keras#23704), so on torch a float64 Dense layer's matmul and on jax its
tanh would run in float32. (JAX also needs `jax_enable_x64`, which `engines.jax` sets: without
it float64 arrays become float32.)
"""

from __future__ import annotations

import contextlib

import keras

try:  # Keras's type-promotion table (private; see `floatx`)
    from keras.src.backend.common.dtypes import BIT64_TO_BIT32_DTYPE as _PROMOTION_64
except ImportError:  # pragma: no cover - another Keras layout: float64 is then left alone
    _PROMOTION_64 = {}


@contextlib.contextmanager
def floatx(dtype: str):
    """Keras computes in `dtype` inside the block.

    keras.config.floatx is set to `dtype` (Keras sizes its loss tracker and loss casts by it),
    and for float64 Keras's type promotion is told to keep float64: outside TensorFlow,
    `keras.backend.result_type` maps float64 to float32 (its BIT64_TO_BIT32_DTYPE table, "to be
    aligned with JAX's default"), so on torch a float64 Dense layer's matmul and on jax its
    tanh would run in float32 (keras-team/keras#23704). Both are restored on the way out.
    """
    saved = keras.config.floatx()
    saved_64 = _PROMOTION_64.get("float64")
    keras.config.set_floatx(dtype)
    if dtype == "float64" and saved_64 is not None:
        _PROMOTION_64["float64"] = "float64"
    try:
        yield
    finally:
        keras.config.set_floatx(saved)
        if saved_64 is not None:
            _PROMOTION_64["float64"] = saved_64
