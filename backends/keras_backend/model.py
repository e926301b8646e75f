"""Keras 3 on three engines: `KerasModel` (TensorFlow), `KerasTorchModel`, `KerasJaxModel`.

Keras picks its engine once, from KERAS_BACKEND, when it is first imported; the registry sets
that variable in the worker process before this module is imported, and this module never
changes it (when it is unset and Keras is not yet imported, as in a plain pytest process, it
defaults it to "tensorflow"). Each class checks that Keras really runs on its engine and says
how to fix it when it does not.

Translation choices (all exact: float64 runs agree with NumpyModel to about 1e-15):

- Network: a functional Keras model of `Dense` layers in the run's dtype (layer dtype policy).
  The trained model ends in a *linear* Dense layer (the output sums z); a second model sharing
  its layers applies the output activation for `predict_proba`.
- float64 (`_floatx`): while a model is built, compiled, trained or evaluated,
  `keras.config.floatx` is the run's dtype (Keras sizes its loss tracker and loss casts by it)
  and, for float64, Keras's type promotion is told to keep float64: outside TensorFlow
  `keras.backend.result_type` maps float64 to float32 (keras-team/keras#23704), so on torch a
  float64 Dense layer's matmul and on jax its tanh would run in float32. JAX runs with
  `jax_enable_x64` (without it float64 arrays become float32).
- Loss (`_SpecLoss`), computed from z: its value is the spec's loss of the output activations,
  probabilities clipped to [1e-7, 1 - 1e-7] inside the logarithms as NumPy does; its gradient
  is the fused dL/dz = a * sum(t) - t for softmax + cross-entropy and a - t for sigmoid + binary
  cross-entropy (NumPy's `losses.output_delta`), attached through `stop_gradient`
  (z . sg(delta) - sg(z . delta) is exactly 0 and has gradient delta). Keras's own losses on
  probabilities clip inside the gradient as well (a zero gradient on saturated outputs), and
  their softmax-to-logits shortcut depends on the engine, so neither is used. mse (on any
  output) is plain autodiff. Keras averages the per-row losses over the batch, as the spec.
- Optimizer (`_SpecOptimizer`, a `keras.optimizers.Optimizer` written with `keras.ops`): the
  spec's sgd, classical momentum and Adam (eps 1e-8 added to sqrt(v_hat), in NumPy's
  algebraically equal form) on the coupled gradient g + l2 * W of kernels (not biases). Keras's
  Adam adds eps (1e-7) to sqrt(v) before bias correction and, in float64, rounds its betas to
  float32 in the bias correction; `kernel_regularizer` adds the penalty to every batch loss;
  so neither is used: l2 lives in the optimizer and the penalty l2/2 * sum(W^2) is added to the
  epoch loss at the end of the epoch (`EpochLoss`). On torch, `_TorchSpecOptimizer` does the
  same arithmetic with `torch._foreach_*` over all parameters (the hook Keras's own torch
  optimizers use), as a dozen Keras ops per parameter cost a third of a step there.
- Epoch loss: Keras's "loss" log is the mean of the batch losses (each computed before its
  update) weighted by batch rows, i.e. `EpochLoss`; an `on_epoch_end` callback adds the
  penalty, calls `on_epoch` and sets `model.stop_training` when it returns True.
- Batch order: one `model.fit` per `fit`, `steps_per_epoch` = batches per epoch, fed the
  shared order (`bench.spec.batching`): on TensorFlow by a tf.data pipeline (`_tf_dataset`: the
  data become tensors once, each epoch's permutation is one Python call, rows are gathered in
  tf.data), elsewhere by `_SharedOrder`, an endless `keras.utils.PyDataset` whose item k is
  batch k % nb of epoch k // nb (a pure function of k, so look-ahead cannot mix epochs).
- steps_per_execution = one epoch on TensorFlow and jax (the compiled train function runs a
  whole epoch per call: no Python per batch); Keras on torch allows only 1.
- jit_compile: False on TensorFlow (XLA was no faster on CPU here and compiles for a second or
  more), Keras's default elsewhere: jax jitted, torch eager (torch.compile ran a steady digits
  epoch 3x faster but compiled for 50 s on 2 cores); see `_JIT_COMPILE`.
- Initialisation (no `set_weights`): Keras's initialisers for the spec's scheme, seeded from
  `train.seed`: GlorotUniform; he_normal and normal_scaled as untruncated VarianceScaling
  (scale 2 and 1, fan_in); Zeros; biases zero.
- Activations: Keras's relu, sigmoid, tanh, elu (alpha 1); leaky_relu as where(z > 0, z,
  0.01 z) (Keras's default slope is 0.2, and `ops.leaky_relu` has gradient 1 at z = 0 on jax);
  a threshold `step` (z >= 1) for forward-only nets.
- Threads: TensorFlow intra-op = `requested_threads()`, inter-op 1; torch `set_num_threads`;
  XLA (jax) has no thread-count knob, only single-threaded Eigen through XLA_FLAGS, set when
  one thread is requested and jax is not yet imported. `framework_threads()` reports them.
- `optimizer="perceptron"` is unsupported (Keras trains by gradients only).
"""

from __future__ import annotations

import math
import os
import sys
from typing import ClassVar

import numpy as np

from backends.base import BaseModel
from backends.protocol import EpochCallback, Weights
from bench.spec import NetSpec, TrainSpec
from bench.spec.batching import batch_size_for, epoch_order
from bench.spec.constants import ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON
from bench.spec.threads import requested_threads

if "KERAS_BACKEND" not in os.environ and "keras" not in sys.modules:
    os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # TensorFlow's INFO lines on every import

_ENGINE_REQUESTED = os.environ.get("KERAS_BACKEND", "tensorflow")
_THREADS = requested_threads()
_XLA_SINGLE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
if _ENGINE_REQUESTED == "jax" and "jax" not in sys.modules:
    if _THREADS == 1 and "xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_XLA_SINGLE_THREAD}"

import keras  # noqa: E402
from keras import ops  # noqa: E402

from backends.keras_backend import network  # noqa: E402
from backends.keras_backend.callbacks import EpochEnd  # noqa: E402
from backends.keras_backend.dtypes import floatx  # noqa: E402
from backends.keras_backend.feeding import SharedOrder, batches_per_epoch  # noqa: E402
from backends.keras_backend.losses import SpecLoss  # noqa: E402
from backends.keras_backend.optimizers import SpecOptimizer  # noqa: E402

ENGINE = keras.backend.backend()

#: model.compile(jit_compile=...) per engine; "auto" is Keras's default (jax: jit, torch: eager)
_JIT_COMPILE = {"tensorflow": False, "torch": "auto", "jax": "auto"}
#: steps_per_execution = one whole epoch (one call of the compiled train function per epoch,
#: so no Python per batch); Keras on torch allows only 1
_EPOCH_PER_EXECUTION = {"tensorflow": True, "torch": False, "jax": True}


def _configure_engine() -> dict:
    """Set the engine's thread knobs to `requested_threads()` (and jax's float64 switch);
    returns notes on what could not be set."""
    notes: dict = {}
    if ENGINE == "tensorflow":
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(_THREADS)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError as error:  # TensorFlow already ran an op in this process
            notes["note"] = f"thread settings not applied: {error}"
    elif ENGINE == "torch":
        import torch

        torch.set_num_threads(_THREADS)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # only settable before the first parallel work
            pass
    elif ENGINE == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)  # else float64 arrays become float32
    return notes


_ENGINE_NOTES = _configure_engine()


class _TorchSpecOptimizer(SpecOptimizer):
    """`_SpecOptimizer` on the torch engine: one `torch._foreach_*` call per operation over all
    parameters (the hook Keras's own torch optimizers use), not a dozen Keras ops per
    parameter. The same arithmetic, in the same order, as NumPy's optimizers."""

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        import torch

        with torch.no_grad():
            index = [self._get_variable_index(v) for v in trainable_variables]
            params = [v.value for v in trainable_variables]
            grads = [g.to(p.dtype) for g, p in zip(grads, params)]
            if self.l2:
                grads = [g + p * self.l2 if self._decays[i] else g
                         for g, p, i in zip(grads, params, index)]
            if self.kind == "sgd":
                torch._foreach_sub_(params, torch._foreach_mul(grads, self.lr))
            elif self.kind == "momentum":
                velocity = [self._velocities[i].value for i in index]
                torch._foreach_mul_(velocity, self.momentum)
                torch._foreach_sub_(velocity, torch._foreach_mul(grads, self.lr))
                torch._foreach_add_(params, velocity)
            else:
                t = int(self.iterations) + 1
                root_c2 = math.sqrt(1 - ADAM_BETA2 ** t)
                scale = self.lr * root_c2 / (1 - ADAM_BETA1 ** t)
                m = [self._m[i].value for i in index]
                v = [self._v[i].value for i in index]
                torch._foreach_mul_(m, ADAM_BETA1)
                torch._foreach_add_(m, torch._foreach_mul(grads, 1 - ADAM_BETA1))
                torch._foreach_mul_(v, ADAM_BETA2)
                torch._foreach_add_(v, torch._foreach_mul(torch._foreach_mul(grads, grads),
                                                          1 - ADAM_BETA2))
                step = torch._foreach_sqrt(v)
                torch._foreach_add_(step, ADAM_EPSILON * root_c2)
                step = torch._foreach_div(m, step)
                torch._foreach_mul_(step, scale)
                torch._foreach_sub_(params, step)


def _tf_dataset(X: np.ndarray, T: np.ndarray, train: TrainSpec):
    """The shared batch order as a tf.data pipeline (TensorFlow engine): X and T become
    tensors once; each epoch's permutation comes from `bench.spec.batching.epoch_order` (one
    Python call per epoch) and batches are gathered in tf.data, so no Python runs per batch."""
    import tensorflow as tf

    n = X.shape[0]
    size = batch_size_for(n, train)
    Xc, Tc = tf.constant(X), tf.constant(T)
    if not train.shuffle:
        ds = (tf.data.Dataset.range(0, n, size)
              .map(lambda start: (Xc[start:start + size], Tc[start:start + size]))
              .repeat())
    else:
        def order(epoch):
            return epoch_order(n, train, int(epoch)).astype(np.int64)

        ds = (tf.data.Dataset.range(train.epochs)
              .map(lambda e: tf.ensure_shape(tf.numpy_function(order, [e], tf.int64), [n]))
              .flat_map(lambda o: tf.data.Dataset.from_tensor_slices(o).batch(size))
              .map(lambda idx: (tf.gather(Xc, idx), tf.gather(Tc, idx))))
    options = tf.data.Options()
    options.threading.private_threadpool_size = _THREADS  # thread parity: no pool of its own
    options.threading.max_intra_op_parallelism = 1
    return ds.prefetch(1).with_options(options)


class KerasModel(BaseModel):
    """Keras 3 on TensorFlow; `KerasTorchModel` and `KerasJaxModel` run it on other engines."""

    name: ClassVar[str] = "keras"
    framework: ClassVar[str] = "keras"
    engine: ClassVar[str] = "tensorflow"
    #: TensorFlow engine: feed the batch order through tf.data (else the `_SharedOrder`
    #: PyDataset every engine can use; both feed the same batches)
    tf_data: ClassVar[bool] = True

    def __init__(self, net: NetSpec, train: TrainSpec) -> None:
        self._check_engine()
        super().__init__(net, train)
        with floatx(train.dtype):
            self._build()

    @classmethod
    def _check_engine(cls) -> None:
        if ENGINE != cls.engine:
            raise RuntimeError(
                f"{cls.name} needs KERAS_BACKEND={cls.engine} set before keras is imported; "
                f"this process runs keras on {ENGINE}"
            )

    def _build(self) -> None:
        built = network.build(self.net, self.train)
        self._dense, self._model, self._predictor = built.dense, built.train, built.predict

    # --- capabilities -------------------------------------------------------------------------

    @classmethod
    def _unsupported(cls, net: NetSpec, train: TrainSpec) -> str | None:
        if train.optimizer == "perceptron":
            return ("the perceptron learning rule is not gradient descent; Keras trains by "
                    "gradients only")
        return None

    @classmethod
    def framework_version(cls) -> str:
        engine = sys.modules.get(ENGINE)
        version = getattr(engine, "__version__", "?")
        return f"{keras.__version__} ({ENGINE} {version})"

    @classmethod
    def framework_threads(cls) -> dict:
        out: dict = {"engine": ENGINE, "requested": _THREADS}
        if ENGINE == "tensorflow":
            import tensorflow as tf

            out.update(intra_op=tf.config.threading.get_intra_op_parallelism_threads(),
                       inter_op=tf.config.threading.get_inter_op_parallelism_threads())
        elif ENGINE == "torch":
            import torch

            out.update(intra_op=torch.get_num_threads(),
                       inter_op=torch.get_num_interop_threads())
        elif ENGINE == "jax":
            import jax

            flags = os.environ.get("XLA_FLAGS", "")
            single = "xla_cpu_multi_thread_eigen=false" in flags
            out.update(intra_op=1 if single else "all cores (XLA has no thread-count knob)",
                       xla_flags=flags.strip(), x64=bool(jax.config.jax_enable_x64))
        out.update(_ENGINE_NOTES)
        return out

    # --- weights ------------------------------------------------------------------------------

    def _set_weights(self, weights: Weights) -> None:
        for layer, (W, b) in zip(self._dense, weights):
            layer.set_weights([W] if b is None else [W, b])

    def get_weights(self) -> Weights:
        out = []
        for layer in self._dense:
            values = [np.array(v, dtype=self.dtype) for v in layer.get_weights()]
            out.append((values[0], values[1] if self.net.bias else None))
        return out

    def _penalty(self) -> float:
        if not self.train.l2:
            return 0.0
        total = 0.0
        for layer in self._dense:
            W = ops.convert_to_numpy(layer.kernel.value)
            total += float(np.vdot(W, W))
        return 0.5 * self.train.l2 * total

    # --- training and prediction --------------------------------------------------------------

    def _fit(self, X: np.ndarray, T: np.ndarray, on_epoch: EpochCallback | None) -> list[float]:
        self._check_engine()
        kernels = {layer.kernel.path for layer in self._dense}
        per_epoch = batches_per_epoch(X.shape[0], self.train)
        callback = EpochEnd(self._penalty, on_epoch)
        with floatx(self.train.dtype):
            data = (_tf_dataset(X, T, self.train) if ENGINE == "tensorflow" and self.tf_data
                    else SharedOrder(X, T, self.train))
            optimizer = (_TorchSpecOptimizer if ENGINE == "torch" else SpecOptimizer)(
                self.train, kernels)
            self._model.compile(optimizer=optimizer,
                                loss=SpecLoss(self.net.output, self.net.loss, self.train.dtype),
                                jit_compile=_JIT_COMPILE[ENGINE],
                                steps_per_execution=per_epoch if _EPOCH_PER_EXECUTION[ENGINE]
                                else 1)
            self._model.fit(data, epochs=self.train.epochs, steps_per_epoch=per_epoch,
                            shuffle=False, verbose=0, callbacks=[callback])
        return callback.losses

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._check_engine()
        with floatx(self.train.dtype):
            return ops.convert_to_numpy(self._predictor(X, training=False))


class KerasTorchModel(KerasModel):
    """Keras 3 on the PyTorch engine (KERAS_BACKEND=torch)."""

    name: ClassVar[str] = "keras-torch"
    engine: ClassVar[str] = "torch"


class KerasJaxModel(KerasModel):
    """Keras 3 on the JAX engine (KERAS_BACKEND=jax, float64 enabled)."""

    name: ClassVar[str] = "keras-jax"
    engine: ClassVar[str] = "jax"
