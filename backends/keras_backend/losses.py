"""The spec's loss (`SpecLoss`), computed from the output sums z of the trained model.

Its value is the spec's loss of the output activations, probabilities clipped to
[1e-7, 1 - 1e-7] inside the logarithms as NumPy does; its gradient is the fused
dL/dz = a * sum(t) - t for softmax + cross-entropy and a - t for sigmoid + binary cross-entropy
(NumPy's `losses.output_delta`), attached through `stop_gradient`
(z . sg(delta) - sg(z . delta) is exactly 0 and has gradient delta). Keras's own losses on
probabilities clip inside the gradient as well (a zero gradient on saturated outputs), and
their softmax-to-logits shortcut depends on the engine, so neither is used. mse (on any output)
is plain autodiff. Keras averages the per-row losses over the batch, as the spec.
"""

from __future__ import annotations

import keras
from keras import ops

from backends.keras_backend import activations
from bench.spec.constants import CLIP_EPSILON as EPSILON


class SpecLoss(keras.losses.Loss):
    """The spec's loss of the output activations, computed from the output sums z.

    `call` returns per-row losses (Keras averages them over the batch). For the fused pairs the
    value is the clipped loss and the gradient the fused delta (see the module docstring).
    """

    def __init__(self, output: str, loss: str, dtype: str) -> None:
        super().__init__(name=f"spec_{loss}", dtype=dtype)
        self.output, self.loss = output, loss
        self.activate = activations.output(output)

    def call(self, y_true, y_pred):
        a = self.activate(y_pred)
        if self.loss == "mse":
            return ops.mean(ops.square(a - y_true), axis=-1)
        p = ops.stop_gradient(ops.clip(a, EPSILON, 1 - EPSILON))
        if self.loss == "categorical_crossentropy":
            value = -ops.sum(y_true * ops.log(p), axis=-1)
            delta = a * ops.sum(y_true, axis=-1, keepdims=True) - y_true
        else:  # binary cross-entropy, mean over output units
            value = -ops.mean(y_true * ops.log(p) + (1 - y_true) * ops.log1p(-p), axis=-1)
            delta = (a - y_true) / ops.cast(ops.shape(y_pred)[-1], y_pred.dtype)
        linear = ops.sum(y_pred * ops.stop_gradient(delta), axis=-1)
        return ops.stop_gradient(value) + (linear - ops.stop_gradient(linear))
