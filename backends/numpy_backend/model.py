"""`NumpyModel`: the from-scratch NumPy backend behind the Model protocol.

It is the reference the other backends are held against, so it follows `bench.spec` to the
letter: the perceptron rule for `optimizer="perceptron"`, otherwise an MLP trained by
backpropagation with sgd, momentum or adam, in the dtype the TrainSpec names.

`fit` continues from the current weights (the ones `__init__` drew, or those given to
`set_weights`) with a fresh optimizer state, as the harness calls it once per model.
"""

from __future__ import annotations

import numpy as np

from backends import initializers, targets
from backends.numpy_backend.gradcheck import GradCheck, check_gradients
from backends.numpy_backend.mlp import MLP, Gradients, Trace
from backends.numpy_backend.perceptron import fit_perceptron
from backends.protocol import EpochCallback, Weights
from bench.spec import NetSpec, SpecError, TrainSpec, check_pair


class NumpyModel:
    """A network of `net` trained as `train` says, in NumPy only."""

    name = "numpy"
    framework = "numpy"

    def __init__(self, net: NetSpec, train: TrainSpec) -> None:
        if not isinstance(net, NetSpec) or not isinstance(train, TrainSpec):
            raise TypeError("NumpyModel(net, train) needs a NetSpec and a TrainSpec")
        self.net = net
        self.train = train
        self.dtype = np.dtype(train.dtype)
        self._mlp = MLP(net, train.dtype)
        self._mlp.set_params(initializers.initial_weights(net, train.seed, train.dtype))
        self._epochs_run = 0
        self.loss_history_: list[float] = []

    # --- capabilities -------------------------------------------------------------------------

    @classmethod
    def supports(cls, net: NetSpec, train: TrainSpec) -> str | None:
        """None when `fit` can follow the specs exactly, else the reason it cannot."""
        try:
            check_pair(net, train)
        except SpecError as error:
            return str(error)
        return None

    @classmethod
    def framework_version(cls) -> str:
        return np.__version__

    # --- weights ------------------------------------------------------------------------------

    def set_weights(self, weights: Weights) -> None:
        """Load [(W, b), ...] (W: (fan_in, fan_out), b: (fan_out,) or None); values are copied."""
        initializers.check_weights(self.net, weights)
        for i, (W, b) in enumerate(weights):
            for part, values in (("W", W), ("b", b)):
                if values is not None and not np.all(np.isfinite(values)):
                    raise ValueError(f"layer {i}: {part} holds NaN or infinite values")
        self._mlp.set_params(weights)

    def get_weights(self) -> Weights:
        """Copies of [(W, b), ...] in the canonical layout, in the model's dtype."""
        return self._mlp.get_params()

    @property
    def n_params(self) -> int:
        return self.net.n_params

    @property
    def epochs_run(self) -> int:
        return self._epochs_run

    # --- training and prediction --------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, on_epoch: EpochCallback | None = None):
        """Train on X (n, n_inputs) and labels (n,) or targets (n, n_outputs); returns self.

        `on_epoch(epoch, loss)` is called after every epoch; training stops when it returns
        True. The perceptron rule also stops after an epoch without errors.
        """
        reason = self.supports(self.net, self.train)
        if reason:
            raise ValueError(f"cannot train this network: {reason}")
        X = self._inputs(X, "X")
        if X.shape[0] == 0:
            raise ValueError("X has no rows; fit needs at least one")
        T = self._targets(y, X.shape[0])
        if self.train.optimizer == "perceptron":
            mlp = self._mlp
            losses = fit_perceptron(mlp.weights[0], mlp.biases[0], X, T, self.train, on_epoch)
        else:
            losses = self._mlp.fit(X, T, self.train, on_epoch)
        self.loss_history_ = losses
        self._epochs_run = len(losses)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Output-layer activations, shape (n, n_outputs), in the model's dtype."""
        return self._mlp.predict(self._inputs(X, "X"))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels (n,): threshold 0.5 for one output unit, else the largest output."""
        return targets.decode_outputs(self.predict_proba(X))

    # --- inspection (tests, gradient checks, the course's worked examples) ---------------------

    def forward(self, X: np.ndarray) -> Trace:
        """Every layer's weighted sums (`sums`) and activations (`activations`, X first)."""
        return self._mlp.trace(self._inputs(X, "X"))

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """The training objective on (X, y): mean loss plus the l2 penalty."""
        X = self._inputs(X, "X")
        return self._mlp.loss(X, self._targets(y, X.shape[0]), self.train.l2)

    def loss_gradients(self, X: np.ndarray, y: np.ndarray) -> Gradients:
        """Loss, backprop gradients [(dW, db), ...] and per-layer deltas of the batch (X, y)."""
        X = self._inputs(X, "X")
        return self._mlp.gradients(X, self._targets(y, X.shape[0]), self.train.l2)

    def check_gradients(self, X: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> GradCheck:
        """Backprop against central differences on (X, y), in float64 (see `gradcheck`)."""
        X = self._inputs(X, "X")
        return check_gradients(self.net, self.get_weights(), X,
                               self._targets(y, X.shape[0]), self.train.l2, eps)

    # --- input checks -------------------------------------------------------------------------

    def _inputs(self, X, name: str) -> np.ndarray:
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise ValueError(f"{name} must hold numbers; got dtype {X.dtype}")
        if X.ndim != 2 or X.shape[1] != self.net.n_inputs:
            raise ValueError(f"{name} has shape {X.shape}; expected (n, {self.net.n_inputs}) "
                             f"for a net with {self.net.n_inputs} inputs")
        X = np.ascontiguousarray(X, dtype=self.dtype)
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} holds NaN or infinite values")
        return X

    def _targets(self, y, n_rows: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != n_rows:
            raise ValueError(f"y has shape {y.shape}; expected ({n_rows},) labels or "
                             f"({n_rows}, {self.net.n_outputs}) targets to match X")
        if y.dtype.kind not in "biuf":
            raise ValueError(f"y must hold numbers; got dtype {y.dtype}")
        T = np.ascontiguousarray(
            targets.encode_targets(y, self.net.n_outputs, self.train.dtype), dtype=self.dtype
        )
        if not np.all(np.isfinite(T)):
            raise ValueError("y holds NaN or infinite values")
        return T
