"""`SklearnModel`: scikit-learn's `MLPClassifier` behind the Model protocol.

scikit-learn trains the network itself (its forward pass, `_backprop`, its SGD and Adam
optimizers and `partial_fit`); this module only steers it so that it trains the very network
and the very steps that `bench.spec` describes. The translation:

- Layers and activations: `hidden_layer_sizes = net.hidden`; one activation for every hidden
  layer (linear -> "identity", sigmoid -> "logistic", tanh, relu). leaky_relu, elu and step
  have no sklearn counterpart: unsupported.
- Output and loss: MLPClassifier pairs its output with log-loss only and backpropagates
  delta = a - t, which is exactly the fused gradient of softmax + categorical cross-entropy
  and of sigmoid + binary cross-entropy. Targets go in as 0/1 indicator columns (one column,
  i.e. labels, for a single sigmoid unit), so sklearn builds exactly `net.n_outputs` output
  units; a softmax output is then selected with `out_activation_ = "softmax"` (sklearn itself
  would put one logistic unit on two classes). mse, linear and step outputs: unsupported.
- Scaling: sklearn's binary log-loss sums over the output units where the spec's BCE takes their
  mean, so with k sigmoid units sklearn's objective (penalty included) is k times the spec's;
  sgd/momentum then get lr / k and Adam eps * k, which gives the spec's steps exactly (k = 1
  for softmax and for a single sigmoid unit: no change).
- l2: sklearn adds alpha / (2 n_batch) * sum(W^2) (weights only, like the spec), so alpha is set
  to l2 * k * n_batch for every batch (in `_SpecMLPClassifier._backprop`): exact also for the
  smaller last batch of an epoch.
- Optimizers: sgd = sklearn's SGD with momentum 0, momentum = its classical momentum
  (nesterovs_momentum=False), constant learning rate; Adam = sklearn's Adam with its epsilon set
  to eps * sqrt(1 - beta2^t) each step, which turns sklearn's eps on sqrt(v) (before bias
  correction) into the spec's eps on sqrt(v_hat). Every `fit` starts a fresh optimizer state.
  `perceptron` and `finite-difference` (the NumPy reference's rules) are unsupported.
- bias=False: sklearn always has intercepts; they are held at zero (set to zero and left out of
  the optimizer's parameters), which is the bias-free network exactly.
- Batches: one `partial_fit` call per epoch on the rows in the shared epoch order
  (`bench.spec.batching.epoch_order`), with shuffle=False and batch_size = the spec's (None -> all
  rows); sklearn cuts them with `gen_batches`, which makes exactly the batches of
  `bench.spec.batching.batches`. Early stopping is off and `partial_fit` never stops on tol.
  As `fit` does, sklearn checks and encodes the training set once per fit (its
  `_validate_input`); the epochs' `partial_fit` calls then skip that and the parameter checks
  (about 2 ms an epoch on digits, where an epoch takes about 20).
- The loss given to `on_epoch` is the spec's (`EpochLoss`): each batch's data loss, clipped at
  1e-7 as the spec says, is computed from sklearn's own output activations of that batch before
  its update; the l2 penalty at the end of the epoch is added. (sklearn's `loss_curve_` clips at
  the dtype's eps and adds each batch's penalty at its pre-update weights.)
- dtype: sklearn keeps float32 inputs in float32 (its Adam forms its update in float64 and
  writes it back into the float32 weights).
- Initial weights: `set_weights` writes into `coefs_` (already (fan_in, fan_out)) and
  `intercepts_`; without it the model keeps sklearn's own initialisation drawn with
  random_state=train.seed (Glorot-uniform weights and intercepts, bound sqrt(2 / (fan_in +
  fan_out)) for logistic hidden units; intercepts zero when bias=False).
- Threads: sklearn's MLP does its matrix products through NumPy's BLAS; fit and predict run
  under a threadpoolctl limit of `requested_threads()`.

sklearn has no public way to build a network before training, to set its output activation or
to plug in an optimizer, so this module uses a few private members of sklearn 1.9
(`_initialize`, `_backprop`, `_validate_input`, `_optimizer`, `_label_binarizer`,
`_random_state` and the optimizer classes of `sklearn.neural_network._stochastic_optimizers`).
Apart from that import they are all in the block marked "sklearn private API" below, and
tests/backends/test_sklearn_backend.py checks their names and signatures.

`deviations` stays empty: every supported spec is followed exactly (float64 runs agree with the
NumPy backend to about 1e-15).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import sklearn
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from threadpoolctl import ThreadpoolController

from backends.base import BaseModel
from backends.protocol import EpochCallback, Weights
from backends.sklearn_backend import capabilities
from backends.sklearn_backend.capabilities import HIDDEN_ACTIVATIONS
from bench.spec import NetSpec, TrainSpec
from bench.spec.batching import batch_size_for, epoch_order
from bench.spec.constants import ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON
from bench.spec.constants import CLIP_EPSILON as EPSILON
from bench.spec.threads import requested_threads


@cache
def _blas():
    """threadpoolctl's handle on the loaded BLAS libraries (NumPy's and SciPy's OpenBLAS),
    found once: a fresh `threadpool_limits` searches the loaded libraries every time (ms)."""
    return ThreadpoolController().select(user_api="blas")


def _loss_scale(net: NetSpec) -> int:
    """sklearn's objective / the spec's: k for k sigmoid units (BCE summed, not averaged)."""
    return net.n_outputs if net.output == "sigmoid" else 1


def _spec_loss(output: str, a: np.ndarray, t: np.ndarray) -> float:
    """The spec's data loss of output activations `a` against 0/1 (bool) targets `t`.

    Probabilities are clipped to [1e-7, 1 - 1e-7] as in `backends.numpy_backend.losses`; for
    0/1 targets t log p + (1 - t) log(1 - p) picks one of its two terms, so only those are taken.
    """
    if output == "softmax":  # categorical cross-entropy: mean over rows of -sum_k t_k log p_k
        p = a[t]  # the probabilities of the targets' classes
        np.clip(p, EPSILON, 1 - EPSILON, out=p)
        return -float(np.log(p, out=p).sum()) / a.shape[0]
    p = np.clip(a, EPSILON, 1 - EPSILON)  # binary cross-entropy: mean over rows and units
    terms = np.where(t, p, 1 - p)
    return -float(np.log(terms, out=terms).sum()) / a.size


# --- sklearn private API (sklearn 1.9): everything below up to the end marker -----------------

class _SpecSGD(SGDOptimizer):
    """sklearn's SGD (classical momentum, constant rate) over the first `n_trainable` of the
    parameters it is given (coefs_ + intercepts_): leaving the intercepts out holds them at
    zero for a bias-free net."""

    def __init__(self, params, lr: float, momentum: float, n_trainable: int) -> None:
        self.n_trainable = n_trainable
        super().__init__(params[:n_trainable], lr, "constant", momentum, False)

    def update_params(self, params, grads) -> None:
        super().update_params(params[:self.n_trainable], grads[:self.n_trainable])


class _SpecAdam(AdamOptimizer):
    """sklearn's Adam with the spec's epsilon: sklearn computes
    lr * sqrt(c2) / c1 * m / (sqrt(v) + epsilon) with c1 = 1 - beta1^t, c2 = 1 - beta2^t, which is
    the spec's lr * m_hat / (sqrt(v_hat) + eps) when epsilon = eps * sqrt(c2), set every step."""

    def __init__(self, params, lr: float, eps: float, n_trainable: int) -> None:
        self.n_trainable = n_trainable
        self.spec_epsilon = eps
        super().__init__(params[:n_trainable], lr, ADAM_BETA1, ADAM_BETA2, eps)

    def _get_updates(self, grads):
        # sklearn increments self.t first, then uses it: set epsilon for that step
        self.epsilon = self.spec_epsilon * math.sqrt(1 - self.beta_2 ** (self.t + 1))
        return super()._get_updates(grads)

    def update_params(self, params, grads) -> None:
        super().update_params(params[:self.n_trainable], grads[:self.n_trainable])


class _SpecMLPClassifier(MLPClassifier):
    """MLPClassifier plus the hooks above: building the net before training (`build`), a fresh
    spec optimizer per fit (`start_fit`), and per batch the l2 scale and the spec's loss
    (`_backprop`). The estimator's constructor parameters are MLPClassifier's own."""

    def build(self, net: NetSpec, dtype: np.dtype, seed: int) -> None:
        """Everything `partial_fit`'s first call would set up, for `net`'s exact outputs."""
        k = net.n_outputs
        # 0/1 indicator targets (k columns), or labels 0/1 for one unit, as partial_fit's
        # first call would fit the label binarizer on them
        self._label_binarizer = LabelBinarizer().fit(np.eye(k, dtype=int) if k > 1 else [0, 1])
        self.classes_ = self._label_binarizer.classes_
        self.n_features_in_ = net.n_inputs
        # what fit does before drawing the initial weights (a fresh RandomState(seed))
        self._random_state = check_random_state(seed)
        self._initialize(np.zeros((1, k)), list(net.layers), dtype)
        if net.output == "softmax":
            self.out_activation_ = "softmax"
        if not net.bias:
            for b in self.intercepts_:
                b[...] = 0
        self.spec_output = net.output
        self.spec_checked = False
        self.spec_alpha_per_row = 0.0
        self.spec_total = 0.0
        self.spec_rows = 0

    def start_fit(self, net: NetSpec, train: TrainSpec) -> None:
        """A fresh optimizer (the spec's, scaled for sklearn's objective) and loss totals."""
        scale = _loss_scale(net)
        params = self.coefs_ + self.intercepts_
        n_trainable = len(params) if net.bias else len(self.coefs_)
        if train.optimizer == "adam":
            self._optimizer = _SpecAdam(params, train.lr, ADAM_EPSILON * scale, n_trainable)
        else:
            self._optimizer = _SpecSGD(params, train.lr / scale, train.momentum, n_trainable)
        self.spec_alpha_per_row = train.l2 * scale

    def check_once(self, X, y):
        """sklearn's own checks and target encoding of the whole training set, done once per
        fit (as `fit` does); until `end_fit`, `partial_fit` takes rows of the result as they
        are instead of checking and re-encoding every epoch (about 2 ms an epoch on digits)."""
        self.spec_checked = False
        X, y = super()._validate_input(X, y, True, False)
        self.spec_checked = True
        return X, y

    def end_fit(self) -> None:
        self.spec_checked = False

    def _validate_input(self, X, y, incremental, reset):
        if self.spec_checked:
            return X, y
        return super()._validate_input(X, y, incremental, reset)

    def _backprop(self, X, y, sample_weight, activations, deltas, coef_grads, intercept_grads):
        rows = X.shape[0]
        if self.spec_alpha_per_row:
            # sklearn's penalty is alpha / (2 rows) * sum(W^2): the spec's l2 for this batch
            self.alpha = self.spec_alpha_per_row * rows
        result = super()._backprop(X, y, sample_weight, activations, deltas, coef_grads,
                                   intercept_grads)
        # activations[-1]: this batch's outputs at the weights before its update
        self.spec_total += _spec_loss(self.spec_output, activations[-1], y) * rows
        self.spec_rows += rows
        return result

# --- end of sklearn private API ----------------------------------------------------------------


class SklearnModel(BaseModel):
    """A network of `net` trained as `train` says, by scikit-learn's MLPClassifier."""

    name = "sklearn"
    framework = "sklearn"
    native_init = ("scikit-learn's Glorot-uniform weights and intercepts (factor 2 for "
                   "logistic units)")

    def __init__(self, net: NetSpec, train: TrainSpec) -> None:
        super().__init__(net, train)
        hidden = HIDDEN_ACTIVATIONS.get(net.activation, "relu") if net.hidden else "relu"
        self._clf = _SpecMLPClassifier(
            hidden_layer_sizes=net.hidden, activation=hidden,
            solver="adam" if train.optimizer == "adam" else "sgd",
            alpha=0.0, batch_size="auto", learning_rate="constant",
            learning_rate_init=train.lr, momentum=train.momentum, nesterovs_momentum=False,
            # a RandomState, not the int seed: every partial_fit call runs
            # check_random_state(random_state), which would build a new generator from an int
            shuffle=False, random_state=np.random.RandomState(train.seed),
            early_stopping=False, tol=0.0,
            n_iter_no_change=2**31 - 1, max_iter=1, epsilon=ADAM_EPSILON,
        )
        if self.supports(net, train) is None:
            self._clf.build(net, self.dtype, train.seed)

    @classmethod
    def _unsupported(cls, net: NetSpec, train: TrainSpec) -> str | None:
        return capabilities.unsupported(net, train)

    @classmethod
    def framework_version(cls) -> str:
        return sklearn.__version__

    @classmethod
    def framework_threads(cls) -> dict:
        """The BLAS threads fit and predict run with (threadpoolctl, under the run's limit)."""
        with _blas().limit(limits=requested_threads()):
            counts = sorted({p["num_threads"] for p in _blas().info()})
        return {"blas": counts[0] if len(counts) == 1 else counts}

    # --- weights ------------------------------------------------------------------------------

    def _set_weights(self, weights: Weights) -> None:
        for (W, b), coef, intercept in zip(weights, self._clf.coefs_, self._clf.intercepts_):
            coef[...] = W
            intercept[...] = 0 if b is None else b

    def get_weights(self) -> Weights:
        bias = self.net.bias
        return [(W.copy(), b.copy() if bias else None)
                for W, b in zip(self._clf.coefs_, self._clf.intercepts_)]

    # --- training and prediction --------------------------------------------------------------

    def _fit(self, X: np.ndarray, T: np.ndarray, on_epoch: EpochCallback | None) -> list[float]:
        net, train, clf = self.net, self.train, self._clf
        if not np.all((T == 0) | (T == 1)):
            raise ValueError("sklearn's MLPClassifier trains on class labels (0/1 targets) only")
        if net.output == "softmax" and not np.all(T.sum(axis=1) == 1):
            raise ValueError("sklearn's MLPClassifier needs one class per row (one-hot targets) "
                             "for a softmax output")
        # labels for one unit, else indicator columns (what `build` fitted the binarizer on)
        Y = T[:, 0].astype(np.int8) if net.n_outputs == 1 else T.astype(np.int8)
        n = X.shape[0]
        clf.batch_size = batch_size_for(n, train)
        clf.start_fit(net, train)
        losses: list[float] = []
        # X is already checked (finite, dtype, shape) by BaseModel and the estimator's parameters
        # are ours: sklearn needn't check them again every epoch
        with (_blas().limit(limits=requested_threads()),
              sklearn.config_context(assume_finite=True, skip_parameter_validation=True)):
            X, Y = clf.check_once(X, Y)
            try:
                for epoch in range(train.epochs):
                    clf.spec_total, clf.spec_rows = 0.0, 0
                    if train.shuffle:
                        order = epoch_order(n, train, epoch)
                        clf.partial_fit(X.take(order, axis=0), Y.take(order, axis=0))
                    else:
                        clf.partial_fit(X, Y)
                    loss = clf.spec_total / clf.spec_rows + self._penalty()
                    losses.append(loss)
                    if on_epoch is not None and on_epoch(epoch, loss):
                        break
            finally:
                clf.end_fit()
        return losses

    def _penalty(self) -> float:
        """l2/2 * sum of the squared weights (biases excluded), at the current weights."""
        l2 = self.train.l2
        if not l2:
            return 0.0
        return 0.5 * l2 * sum(float(np.vdot(W, W)) for W in self._clf.coefs_)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        with _blas().limit(limits=requested_threads()), sklearn.config_context(assume_finite=True):
            proba = self._clf.predict_proba(X)
        # one logistic unit: sklearn returns [1 - p, p]; the net's output is p
        return proba[:, 1:] if self.net.n_outputs == 1 else proba
