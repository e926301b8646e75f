"""`NumpyModel`: the from-scratch NumPy backend behind the Model protocol.

It is the reference the other backends are held against, so it follows `bench.spec` to the
letter: the perceptron rule for `optimizer="perceptron"`, otherwise an MLP trained by
backpropagation with sgd, momentum or adam, or by gradient descent on the course's
forward-difference estimate for `optimizer="finite-difference"` (the only backend that offers
it), in the dtype the TrainSpec names.

`fit` continues from the current weights (the ones `__init__` drew, or those given to
`set_weights`) with a fresh optimizer state, as the harness calls it once per model.
"""

from __future__ import annotations

import numpy as np

from backends.base import BaseModel
from backends.numpy_backend.gradcheck import GradCheck, check_gradients
from backends.numpy_backend.mlp import MLP, Gradients, Trace
from backends.numpy_backend.perceptron import fit_perceptron
from backends.protocol import EpochCallback, Weights
from bench.spec import NetSpec, TrainSpec
from bench.spec.weights import initial_weights


class NumpyModel(BaseModel):
    """A network of `net` trained as `train` says, in NumPy only."""

    name = "numpy"
    framework = "numpy"

    def __init__(self, net: NetSpec, train: TrainSpec) -> None:
        super().__init__(net, train)
        self._mlp = MLP(net, train.dtype)
        self._mlp.set_params(initial_weights(net, train.seed, train.dtype))

    @classmethod
    def framework_version(cls) -> str:
        return np.__version__

    # --- weights, training, prediction --------------------------------------------------------

    def _set_weights(self, weights: Weights) -> None:
        self._mlp.set_params(weights)

    def get_weights(self) -> Weights:
        """Copies of [(W, b), ...] in the canonical layout, in the model's dtype."""
        return self._mlp.get_params()

    def _fit(self, X: np.ndarray, T: np.ndarray, on_epoch: EpochCallback | None) -> list[float]:
        """The perceptron rule for optimizer="perceptron" (it also stops after an epoch
        without errors), else gradient descent with the spec's optimizer (on forward
        differences for optimizer="finite-difference", see `MLP.fit`)."""
        if self.train.optimizer == "perceptron":
            mlp = self._mlp
            return fit_perceptron(mlp.weights[0], mlp.biases[0], X, T, self.train, on_epoch)
        return self._mlp.fit(X, T, self.train, on_epoch)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return self._mlp.predict(X)

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

    def check_gradients(self, X: np.ndarray, y: np.ndarray, eps: float | None = None,
                        method: str = "central") -> GradCheck:
        """Backprop against central (or the course's forward) differences on (X, y), in
        float64 (see `gradcheck`)."""
        X = self._inputs(X, "X")
        return check_gradients(self.net, self.get_weights(), X,
                               self._targets(y, X.shape[0]), self.train.l2, eps, method)
