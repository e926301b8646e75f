"""The Model protocol classes: `KerasModel` (TensorFlow), `KerasTorchModel`, `KerasJaxModel`.

One class per engine, so that the registry can name each; Keras runs on one engine per process
(`engine`), and each class checks that it is its own and says how to fix it when it is not.
A model builds its `network` when it is first given weights or first used (so that the
shared initial weights are its layers' first values), trains it with one `model.fit` per
`fit` (the engine's feed of the shared batch order, `SpecLoss`, the engine's `SpecOptimizer`,
`EpochEnd`; compiled once: a later `fit` with as many batches per epoch keeps the compiled
step and restarts the optimizer, as a new model would) and predicts with Keras's compiled
predict function, all inside `dtypes.floatx`.
`optimizer="perceptron"` is unsupported (Keras trains by gradients only), and so is
`optimizer="finite-difference"` (the NumPy reference's teaching optimizer; Keras trains by
autodiff).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from keras import ops

from backends.base import BaseModel
from backends.keras_backend import capabilities, engine, network
from backends.keras_backend.callbacks import EpochEnd
from backends.keras_backend.dtypes import floatx
from backends.keras_backend.feeding import SharedOrder, batches_per_epoch
from backends.keras_backend.losses import SpecLoss
from backends.protocol import EpochCallback, Weights
from bench.spec import NetSpec, TrainSpec


class KerasModel(BaseModel):
    """Keras 3 on TensorFlow; `KerasTorchModel` and `KerasJaxModel` run it on other engines."""

    name: ClassVar[str] = "keras"
    framework: ClassVar[str] = "keras"
    engine: ClassVar[str] = "tensorflow"
    #: True: the engine's own feed of the batch order (`engines.<engine>.feed`: tf.data on
    #: TensorFlow); False: the `SharedOrder` PyDataset every engine can use (same batches)
    tf_data: ClassVar[bool] = True
    devices: ClassVar[tuple[str, ...]] = capabilities.DEVICES
    refits_in_place: ClassVar[bool] = True

    def __init__(self, net: NetSpec, train: TrainSpec, device: str = "cpu") -> None:
        self._check_engine()
        engine.configure()
        super().__init__(net, train, device)
        if device != "cpu":
            engine.current.full_precision()
        self._network: network.Network | None = None
        #: batches per epoch the train model was compiled for (None: not compiled yet)
        self._compiled_for: int | None = None

    @classmethod
    def _check_engine(cls) -> None:
        if engine.ENGINE != cls.engine:
            raise RuntimeError(
                f"{cls.name} needs KERAS_BACKEND={cls.engine} set before keras is imported; "
                f"this process runs keras on {engine.ENGINE}"
            )

    def _built(self, weights: Weights | None = None) -> network.Network:
        """The Keras network, built now if it is not yet (holding `weights` when given, else
        with Keras's initialisers for the spec's scheme)."""
        if self._network is None:
            with floatx(self.train.dtype):
                self._network = network.build(self.net, self.train, weights)
        return self._network

    @property
    def _dense(self) -> list:
        return self._built().dense

    # --- capabilities -------------------------------------------------------------------------

    @classmethod
    def _unsupported(cls, net: NetSpec, train: TrainSpec) -> str | None:
        return capabilities.unsupported(net, train)

    @classmethod
    def framework_version(cls) -> str:
        return engine.framework_version()

    @classmethod
    def framework_threads(cls) -> dict:
        return engine.framework_threads()

    # --- devices (what differs by engine is in engines/<engine>.py) ---------------------------

    @classmethod
    def device_unavailable(cls, device: str) -> str | None:
        if engine.ENGINE != cls.engine or engine.current is None:
            return f"{cls.name} needs KERAS_BACKEND={cls.engine}; this process runs {engine.ENGINE}"
        return engine.current.device_unavailable(device)

    @classmethod
    def device_info(cls, device: str) -> dict:
        info = engine.current.device_info(device) if engine.current else {"kind": device}
        if device != "cpu":
            info["transfer"] = "per batch, by Keras's own feed (no copy before training)"
        return info

    @classmethod
    def matmul_peak(cls, device: str) -> float | None:
        return engine.current.matmul_peak(device) if engine.current else None

    def synchronize(self) -> None:
        if self.device != "cpu" and engine.current is not None:
            engine.current.synchronize()

    # --- weights ------------------------------------------------------------------------------

    def _set_weights(self, weights: Weights) -> None:
        if self._network is None:
            self._built(weights)
            return
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
            current = engine.current
            data = (current.feed(X, T, self.train, engine.threads) if self.tf_data
                    else SharedOrder(X, T, self.train))
            trained = self._built().train
            if self._compiled_for == per_epoch:
                # a refit (e.g. the next leave-one-out fold): the compiled step is kept, the
                # optimizer starts anew, as a new model's would
                trained.optimizer.restart()
            else:
                trained.compile(optimizer=current.Optimizer(self.train, kernels),
                                loss=SpecLoss(self.net.output, self.net.loss, self.train.dtype),
                                jit_compile=current.JIT_COMPILE,
                                steps_per_execution=per_epoch if current.EPOCH_PER_EXECUTION
                                else 1)
                self._compiled_for = per_epoch
            trained.fit(data, epochs=self.train.epochs, steps_per_epoch=per_epoch,
                        shuffle=False, verbose=0, callbacks=[callback])
        return callback.losses

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._check_engine()
        predictor = self._built().predict
        with floatx(self.train.dtype):
            return np.asarray(predictor.predict_on_batch(X))


class KerasTorchModel(KerasModel):
    """Keras 3 on the PyTorch engine (KERAS_BACKEND=torch)."""

    name: ClassVar[str] = "keras-torch"
    engine: ClassVar[str] = "torch"


class KerasJaxModel(KerasModel):
    """Keras 3 on the JAX engine (KERAS_BACKEND=jax, float64 enabled)."""

    name: ClassVar[str] = "keras-jax"
    engine: ClassVar[str] = "jax"
