"""The spec's optimizers as one Keras optimizer (`SpecOptimizer`), written with `keras.ops`.

The spec's sgd, classical momentum and Adam (eps 1e-8 added to sqrt(v_hat), in NumPy's
algebraically equal form) on the coupled gradient g + l2 * W of kernels (not biases). Keras's
Adam adds eps (1e-7) to sqrt(v) before bias correction and, in float64, rounds its betas to
float32 in the bias correction; `kernel_regularizer` adds the penalty to every batch loss; so
neither is used: l2 lives in the optimizer and the penalty l2/2 * sum(W^2) is added to the
epoch loss at the end of the epoch (`callbacks.EpochEnd`). An engine may subclass it to do the
same arithmetic its own way (torch: `engines.torch`).
"""

from __future__ import annotations

import keras
from keras import ops

from backends.keras_backend import private
from bench.spec import TrainSpec
from bench.spec.constants import ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON


class SpecOptimizer(keras.optimizers.Optimizer):
    """The spec's sgd, classical momentum and Adam, with l2 * W added to kernel gradients."""

    def __init__(self, train: TrainSpec, kernel_paths: set[str]) -> None:
        super().__init__(learning_rate=train.lr, name=f"spec_{train.optimizer}")
        self.kind = train.optimizer
        self.lr = float(train.lr)
        self.momentum = float(train.momentum)
        self.l2 = float(train.l2)
        self.kernel_paths = set(kernel_paths)
        self._scalars: dict = {}
        self._slots: list = []   # every variable `restart` zeroes (momentum's or Adam's)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._decays = [bool(self.l2) and v.path in self.kernel_paths for v in variables]
        if self.kind == "momentum":
            self._velocities = [self.add_variable_from_reference(v, "velocity")
                                for v in variables]
            self._slots = list(self._velocities)
        elif self.kind == "adam":
            self._m = [self.add_variable_from_reference(v, "m") for v in variables]
            self._v = [self.add_variable_from_reference(v, "v") for v in variables]
            self._slots = [*self._m, *self._v]

    def restart(self) -> None:
        """Back to the state before its first step (step count and slots zero), so that a
        model refitted from new weights trains as with a new optimizer, without recompiling."""
        self.iterations.assign(0)
        for slot in self._slots:
            slot.assign(ops.zeros(slot.shape, dtype=slot.dtype))

    def update_step(self, gradient, variable, learning_rate):
        i = private.variable_index(self, variable)
        g = ops.cast(gradient, variable.dtype)
        if self._decays[i]:
            g = g + variable * self.l2
        if self.kind == "sgd":
            self.assign_sub(variable, g * self.lr)
        elif self.kind == "momentum":
            v = self._velocities[i]
            self.assign(v, v * self.momentum - g * self.lr)
            self.assign_add(variable, v)
        else:
            # lr * m_hat / (sqrt(v_hat) + eps) written as NumPy's optimizers.Adam does:
            # (lr * sqrt(c2) / c1) * m / (sqrt(v) + eps * sqrt(c2)), c = 1 - beta^t
            scale, eps = self._adam_scalars(variable.dtype)
            m, v = self._m[i], self._v[i]
            self.assign(m, m * ADAM_BETA1 + g * (1 - ADAM_BETA1))
            self.assign(v, v * ADAM_BETA2 + ops.square(g) * (1 - ADAM_BETA2))
            self.assign_sub(variable, m / (ops.sqrt(v) + eps) * scale)

    def apply(self, grads, trainable_variables=None):
        self._scalars.clear()  # Adam's step-dependent scalars, computed once per step
        try:
            return super().apply(grads, trainable_variables)
        finally:
            self._scalars.clear()

    def _adam_scalars(self, dtype):
        """(lr * sqrt(c2) / c1, eps * sqrt(c2)) of this step in `dtype`, c = 1 - beta^t."""
        if dtype not in self._scalars:
            # the betas become tensors of `dtype` directly: `ops.cast(0.999, "float64")`, as
            # Keras's own Adam writes it, goes through float32 (1 - beta2 off by 1e-5 relative)
            t = ops.cast(self.iterations + 1, dtype)
            beta1 = ops.convert_to_tensor(ADAM_BETA1, dtype=dtype)
            beta2 = ops.convert_to_tensor(ADAM_BETA2, dtype=dtype)
            root_c2 = ops.sqrt(1 - ops.power(beta2, t))
            self._scalars[dtype] = (self.lr * root_c2 / (1 - ops.power(beta1, t)),
                                    ADAM_EPSILON * root_c2)
        return self._scalars[dtype]
