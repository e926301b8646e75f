"""`PybrainModel`: the spec trained with PyBrain's own per-sample backpropagation.

PyBrain trains one sample at a time: `net.activate(x)` runs the forward pass and
`net.backActivate(e)` backpropagates an error e given at the output layer's output,
accumulating into `net.derivs` the parameter derivatives -dE/dw in PyBrain's convention
(BackpropTrainer hands it e = t - a, the negative gradient of E = 1/2 sum (t - a)^2). This
adapter drives that loop itself over the shared batch order (`bench.spec.batching.batches`):
per batch it zeroes `derivs`, calls activate / backActivate on each row (NumPy rows, no
SupervisedDataSet copies), then takes one optimizer step. Exact translations:

- The error fed to backActivate is -dl/da of the row's spec loss l (so `derivs` sums
  -dl/dw over the batch) or, for the fused pairs, -dl/dz at an output layer that passes it
  through: softmax + CCE: t - a * sum(t) (t - a for one-hot targets; PyBrain's SoftmaxLayer
  passes the error through unchanged, as PyBrain intends); sigmoid + BCE: (t - a) / n_outputs
  through `FusedSigmoidLayer`; mse: 2 (t - a) / n_outputs, which the output layer multiplies
  by its derivative (SigmoidLayer, LinearLayer, `JacobianSoftmaxLayer`). Dividing the summed
  `derivs` by the batch's row count gives minus the gradient of the mean batch loss.
- l2 adds l2 * W to the weight gradients only; PyBrain's `weightdecay` (in BackpropTrainer)
  would decay the biases too, so it is not used.
- sgd and momentum are PyBrain's GradientDescent (alpha = lr, its `momentum`), fed
  -gradient: its momentumvector = momentum * mv + lr * (-g), values += mv is the spec's
  classical momentum, and momentum 0 is plain sgd.
- adam: PyBrain has none; `Adam` below is the spec's rule written as a PyBrain descender
  (same protocol as GradientDescent) and applied to PyBrain's gradients (listed in
  `deviations`).
- dtype: PyBrain computes in float64 only; float32 specs train in float64 (a deviation) and
  their weights and outputs are handed back in float32.
- The epoch loss: every row's output is kept when its batch runs (before that batch's
  update), and the spec's loss of all of them is taken once at the end of the epoch, which is
  the row-weighted mean of the batch losses (`EpochLoss`); plus the l2 penalty after the last
  update. Probabilities are clipped to [1e-7, 1 - 1e-7] inside logarithms, as in NumPy.
- Native init (`__init__`, when no set_weights follows): PyBrain's own `randomize()`, a
  standard normal draw for every parameter (biases included), from NumPy's global RNG seeded
  with `train.seed` (the global state is restored afterwards), so it is deterministic. It is
  far wider than the spec's schemes (std 1 whatever the fan-in), so deep relu nets start
  saturated and train slowly from it (digits modern: about 0.76-0.83 test accuracy after 3
  epochs, against 0.94 from the shared he_normal weights).
- Threads: PyBrain runs one Python loop over rows; its only thread knob is NumPy's BLAS pool,
  limited to `requested_threads()` (threadpoolctl) while fitting.
- optimizer="perceptron" is unsupported (PyBrain has no perceptron rule), and so is
  optimizer="finite-difference" (the NumPy reference's teaching optimizer).
"""

from __future__ import annotations

import importlib.metadata

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from backends.base import BaseModel
from backends.protocol import EpochCallback, Weights
from backends.pybrain_backend import capabilities
from backends.pybrain_backend.compat import GradientDescent
from backends.pybrain_backend.network import PybrainNetwork
from bench.spec import NetSpec, TrainSpec
from bench.spec.batching import batches
from bench.spec.constants import ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, FLUSH_EVERY
from bench.spec.constants import CLIP_EPSILON as EPSILON
from bench.spec.threads import requested_threads


class Adam:
    """The spec's Adam as a PyBrain descender: `init(values)`, then `descent(gradient)` with
    PyBrain's sign (gradient = -dL/dw) returns the updated values."""

    def __init__(self, lr: float, beta1: float = ADAM_BETA1, beta2: float = ADAM_BETA2,
                 eps: float = ADAM_EPSILON) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps

    def init(self, values: np.ndarray) -> None:
        self.values = values.copy()
        self.m = np.zeros_like(self.values)
        self.v = np.zeros_like(self.values)
        self._scratch = np.empty_like(self.values)
        self.t = 0

    def __call__(self, gradient: np.ndarray) -> np.ndarray:
        b1, b2, s = self.beta1, self.beta2, self._scratch
        self.t += 1
        if self.t % FLUSH_EVERY == 0:
            tiny = np.finfo(self.m.dtype).tiny / np.finfo(self.m.dtype).eps
            self.m[np.abs(self.m) < tiny] = 0
            self.v[np.abs(self.v) < tiny] = 0
        self.m *= b1                                  # m = b1 m + (1 - b1) g, g = -gradient
        np.multiply(gradient, 1 - b1, out=s)
        self.m -= s
        self.v *= b2                                  # v = b2 v + (1 - b2) g^2
        np.square(gradient, out=s)
        s *= 1 - b2
        self.v += s
        np.divide(self.v, 1 - b2 ** self.t, out=s)    # w -= lr m_hat / (sqrt(v_hat) + eps)
        np.sqrt(s, out=s)
        s += self.eps
        np.divide(self.m, s, out=s)
        s *= self.lr / (1 - b1 ** self.t)
        self.values -= s
        return self.values

    descent = __call__


def loss_value(loss: str, a: np.ndarray, t: np.ndarray) -> float:
    """The spec's mean loss of outputs `a` (rows, units) against targets `t`."""
    if loss == "mse":
        diff = a - t
        return float(np.vdot(diff, diff)) / diff.size
    p = np.clip(a, EPSILON, 1 - EPSILON)
    if loss == "binary_crossentropy":
        terms = t * np.log(p)
        terms += (1 - t) * np.log1p(-p)
        return -float(terms.sum()) / p.size
    return -float(np.vdot(t, np.log(p))) / a.shape[0]


class PybrainModel(BaseModel):
    """A PyBrain FeedForwardNetwork of `net`, trained per sample as `train` says."""

    name = "pybrain"
    framework = "pybrain3"
    native_init = "PyBrain's randomize(): N(0, 1) for every weight and bias"

    def __init__(self, net: NetSpec, train: TrainSpec) -> None:
        super().__init__(net, train)
        state = np.random.get_state()
        try:
            np.random.seed(train.seed % 2**32)  # the legacy global RNG takes 32-bit seeds
            self._pb = PybrainNetwork(net)
            self._pb.net.randomize()
        finally:
            np.random.set_state(state)

    @classmethod
    def _unsupported(cls, net: NetSpec, train: TrainSpec) -> str | None:
        return capabilities.unsupported(net, train)

    @classmethod
    def deviations(cls, net: NetSpec, train: TrainSpec) -> list[str]:
        out = []
        if train.dtype == "float32":
            out.append("dtype float32: PyBrain computes in float64 only, so the run trains in "
                       "float64 (weights and outputs are handed back as float32)")
        if train.optimizer == "adam":
            out.append("adam: PyBrain has no Adam; the adapter applies the spec's Adam update "
                       "to PyBrain's gradients")
        return out

    @classmethod
    def framework_version(cls) -> str:
        return importlib.metadata.version("pybrain3")

    @classmethod
    def framework_threads(cls) -> dict:
        """PyBrain's loop is one Python thread; BLAS is NumPy's pool (threadpoolctl)."""
        blas = [p.get("num_threads") for p in threadpool_info() if p.get("user_api") == "blas"]
        return {"python": 1, "blas": max(blas) if blas else None}

    @property
    def n_params(self) -> int:
        return int(self._pb.net.paramdim)

    # --- weights, training, prediction --------------------------------------------------------

    def _set_weights(self, weights: Weights) -> None:
        self._pb.set_weights(weights)

    def get_weights(self) -> Weights:
        return self._pb.get_weights(self.dtype)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return self._pb.forward(X)

    def _fit(self, X: np.ndarray, T: np.ndarray, on_epoch: EpochCallback | None) -> list[float]:
        with threadpool_limits(limits=requested_threads(), user_api="blas"):
            return self._train(np.ascontiguousarray(X, dtype=np.float64),
                               np.ascontiguousarray(T, dtype=np.float64), on_epoch)

    def _descender(self):
        train = self.train
        if train.optimizer == "adam":
            descent = Adam(train.lr)
        else:
            descent = GradientDescent()
            descent.alpha = train.lr
            descent.momentum = train.momentum
        descent.init(self._pb.net.params)
        return descent

    def _train(self, X: np.ndarray, T: np.ndarray, on_epoch: EpochCallback | None) -> list[float]:
        spec, train, pb = self.net, self.train, self._pb
        net = pb.net
        params, derivs = net.params, net.derivs
        activate, back_activate = net.activate, net.backActivate
        n, l2 = X.shape[0], train.l2
        descent = self._descender()
        gradient, scratch = np.empty_like(params), np.empty_like(params)
        outputs = np.empty_like(T)  # each row's output when its batch ran, this epoch

        # the error handed to backActivate for output a and target t (see the docstring)
        if spec.loss == "categorical_crossentropy":
            sums = T.sum(axis=1)
            one_hot = bool(np.all(sums == 1))

            def error(a, i):
                return T[i] - a if one_hot else T[i] - a * sums[i]
        else:
            # bce: the fused -dl/dz; mse: -dl/da, turned into -dl/dz by the output layer
            scale = (1.0 if spec.loss == "binary_crossentropy" else 2.0) / spec.n_outputs

            def error(a, i):
                e = T[i] - a
                e *= scale
                return e

        losses: list[float] = []
        for epoch in range(train.epochs):
            for idx in batches(n, train, epoch):
                net.resetDerivatives()
                for i in idx.tolist():
                    a = activate(X[i])
                    outputs[i] = a
                    back_activate(error(a, i))
                np.divide(derivs, idx.shape[0], out=gradient)  # -(gradient of the mean loss)
                if l2:
                    for s in pb.weight_slices:
                        np.multiply(params[s], l2, out=scratch[s])
                        gradient[s] -= scratch[s]
                params[:] = descent(gradient)
            loss = loss_value(spec.loss, outputs, T) + pb.penalty(l2)
            losses.append(loss)
            if on_epoch is not None and on_epoch(epoch, loss):
                break
        return losses
