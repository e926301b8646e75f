"""Every private Keras name this adapter uses (Keras 3.15), fenced in the block below.

Keras 3 offers no public way to keep float64 float64 on torch and jax, nor to update every
parameter of a step in one call, so the adapter uses three private members of Keras:

- `keras.src.backend.common.dtypes.BIT64_TO_BIT32_DTYPE`, the table by which Keras's type
  promotion maps float64 to float32 outside TensorFlow (keras-team/keras#23704); mutated only
  inside `float64_kept()`, which `dtypes.floatx` enters for float64 runs.
- `BaseOptimizer._get_variable_index(variable)`, a variable's position in the optimizer's
  variable list, which indexes `SpecOptimizer`'s slots (`variable_index`).
- `BaseOptimizer._backend_update_step(grads, trainable_variables, learning_rate)`, the one
  call per step that `BaseOptimizer.apply` makes with all gradients and variables (Keras's
  own torch optimizers override it); `WholeStepUpdate` overrides it for `engines.torch`.

No other module of the package names anything private of Keras (`keras.src` or a `_` member).
tests/backends/test_keras_backend.py checks each one: that it is there, with the signature and
the behaviour assumed here, so a Keras upgrade that changes one fails there loudly, naming it;
adjust this module (and only it) then. (`engines.torch` also uses `torch._foreach_*`, torch's
private API, in a block of its own that the same test file checks.)
"""

from __future__ import annotations

import contextlib

# --- Keras private API (keras 3.15): everything below up to the end marker --------------------

try:  # Keras's type-promotion table
    from keras.src.backend.common.dtypes import BIT64_TO_BIT32_DTYPE as PROMOTION_64
except ImportError:  # pragma: no cover - another Keras layout: float64 is then left alone
    PROMOTION_64 = {}


@contextlib.contextmanager
def float64_kept():
    """Inside the block Keras's type promotion keeps float64 (`keras.backend.result_type` maps
    float64 to float32 outside TensorFlow, "to be aligned with JAX's default", so on torch a
    float64 Dense layer's matmul and on jax its tanh would run in float32); restored after."""
    saved = PROMOTION_64.get("float64")
    if saved is not None:
        PROMOTION_64["float64"] = "float64"
    try:
        yield
    finally:
        if saved is not None:
            PROMOTION_64["float64"] = saved


def variable_index(optimizer, variable) -> int:
    """The position of `variable` among `optimizer`'s trainable variables (as built)."""
    return optimizer._get_variable_index(variable)


class WholeStepUpdate:
    """Mixin (before `keras.optimizers.Optimizer` in the bases) for an optimizer that updates
    all variables of a step in one call: Keras's `apply` calls the private
    `_backend_update_step` once per step (by default it loops `update_step` over the
    variables); here it calls `self.update_all(grads, trainable_variables)`."""

    def update_all(self, grads, trainable_variables) -> None:
        raise NotImplementedError

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        self.update_all(grads, trainable_variables)


# --- end of Keras private API -----------------------------------------------------------------
