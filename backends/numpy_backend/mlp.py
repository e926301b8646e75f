"""A multi-layer perceptron trained by hand-written backpropagation, vectorised per batch.

All parameters live in one flat vector, `theta` (every weight matrix first, then every bias),
with `weights[l]` and `biases[l]` reshaped views into it; the gradients mirror that layout in
`grad`. One flat vector lets the optimizer update everything with a handful of array
operations per step, and lets the l2 term act on the weights as one contiguous slice.

Training keeps one set of buffers per batch size (activations, deltas and the gathered batch)
and reuses them every step: matrix products write with `np.matmul(..., out=)` and activations
are computed in place, so a training step allocates little beyond small temporaries.

Conventions (see `bench.spec`): layer l computes a_l = f(a_{l-1} @ W_l + b_l) with W_l of
shape (fan_in, fan_out); gradients are those of the mean batch loss plus l2/2 * sum W^2.
With optimizer="finite-difference" the training loop is the same, but each batch's gradient
is the course's forward-difference estimate of that objective (`finite_difference`) instead
of backprop's: one forward pass of the batch per parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from backends.numpy_backend.activations import HIDDEN, OUTPUT, Activation
from backends.numpy_backend.finite_difference import forward_difference
from backends.numpy_backend.losses import loss_value, output_delta
from backends.numpy_backend.optimizers import make_optimizer
from backends.protocol import EpochLoss
from bench.spec import NetSpec, TrainSpec
from bench.spec.batching import batches


@dataclass
class Trace:
    """A forward pass kept layer by layer: `sums[l]` = z of layer l+1, `activations[0]` = X."""

    sums: list[np.ndarray]
    activations: list[np.ndarray]


@dataclass
class Gradients:
    """The loss of a batch (l2 penalty included), its gradients and the per-layer deltas.

    `deltas[l]` is dL/dz of layer l+1 for every row of the batch (the course's delta up to its
    sign and scale: the course's delta is -dE/dz of E = sum of 0.5 * error^2).
    """

    loss: float
    weights: list[tuple[np.ndarray, np.ndarray | None]]
    deltas: list[np.ndarray]


class _Buffers:
    """Per-batch-size work arrays: each layer's activations and deltas, and the gathered batch
    (made on first use: a full batch in its own order is used where it lies)."""

    def __init__(self, rows: int, layers: tuple[int, ...], dtype: np.dtype) -> None:
        self.rows, self.layers, self.dtype = rows, layers, dtype
        self.acts = [np.empty((rows, size), dtype=dtype) for size in layers[1:]]
        self.deltas = [np.empty((rows, size), dtype=dtype) for size in layers[1:]]
        self._batch: tuple[np.ndarray, np.ndarray] | None = None

    def gather(self, X: np.ndarray, T: np.ndarray, idx: np.ndarray):
        """The rows `idx` of X and T, copied into this buffer's batch arrays."""
        if self._batch is None:
            self._batch = (np.empty((self.rows, self.layers[0]), dtype=self.dtype),
                           np.empty((self.rows, self.layers[-1]), dtype=self.dtype))
        x, t = self._batch
        return X.take(idx, axis=0, out=x, mode="clip"), T.take(idx, axis=0, out=t, mode="clip")


class MLP:
    """Parameters, forward and backward passes, and the mini-batch training loop."""

    def __init__(self, net: NetSpec, dtype: str = "float32") -> None:
        self.net = net
        self.dtype = np.dtype(dtype)
        pairs = list(zip(net.layers[:-1], net.layers[1:]))
        self.n_weights = sum(i * o for i, o in pairs)
        self.theta = np.zeros(net.n_params, dtype=self.dtype)
        self.grad = np.zeros_like(self.theta)
        self.weights, self.biases = self._views(self.theta, pairs)
        self.weight_grads, self.bias_grads = self._views(self.grad, pairs)
        self.activations: list[Activation] = (
            [HIDDEN[net.activation]] * (len(pairs) - 1) + [OUTPUT[net.output]]
        )
        self._buffers: dict[int, _Buffers] = {}
        self._l2_scratch: np.ndarray | None = None

    def _views(self, flat: np.ndarray, pairs: list[tuple[int, int]]):
        weights, biases = [], []
        start = 0
        for fan_in, fan_out in pairs:
            weights.append(flat[start:start + fan_in * fan_out].reshape(fan_in, fan_out))
            start += fan_in * fan_out
        for _, fan_out in pairs:
            if self.net.bias:
                biases.append(flat[start:start + fan_out])
                start += fan_out
            else:
                biases.append(None)
        return weights, biases

    # --- parameters ---------------------------------------------------------------------------

    def set_params(self, params) -> None:
        """Copy [(W, b), ...] (already checked for shape) into the parameter vector."""
        for (W, b), W_dst, b_dst in zip(params, self.weights, self.biases):
            W_dst[...] = W
            if b_dst is not None:
                b_dst[...] = b

    def get_params(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        return [(W.copy(), None if b is None else b.copy())
                for W, b in zip(self.weights, self.biases)]

    def penalty(self, l2: float) -> float:
        """l2/2 * sum of the squared weights (biases excluded)."""
        if not l2:
            return 0.0
        w = self.theta[:self.n_weights]
        return 0.5 * l2 * float(np.vdot(w, w))

    # --- forward passes -----------------------------------------------------------------------

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Output activations for X (rows, n_inputs), in fresh arrays."""
        a = X
        for W, b, activation in zip(self.weights, self.biases, self.activations):
            z = a @ W
            if b is not None:
                z += b
            a = activation.forward(z)
        return a

    def trace(self, X: np.ndarray) -> Trace:
        """The forward pass with every layer's weighted sums and activations kept."""
        sums, acts = [], [X]
        for W, b, activation in zip(self.weights, self.biases, self.activations):
            z = acts[-1] @ W
            if b is not None:
                z += b
            sums.append(z)
            acts.append(activation.forward(z.copy()))
        return Trace(sums, acts)

    def loss(self, X: np.ndarray, T: np.ndarray, l2: float = 0.0) -> float:
        """The mean loss of (X, T) plus the l2 penalty: the objective training descends."""
        return loss_value(self.net.loss, self.predict(X), T) + self.penalty(l2)

    # --- gradients of one batch: backpropagation, or the course's forward differences --------

    def _buffer(self, rows: int) -> _Buffers:
        buf = self._buffers.get(rows)
        if buf is None:
            buf = self._buffers[rows] = _Buffers(rows, self.net.layers, self.dtype)
        return buf

    def _forward_into(self, buf: _Buffers, x: np.ndarray) -> np.ndarray:
        """The forward pass of one batch into `buf.acts`; returns the output activations."""
        a = x
        for W, b, activation, out in zip(self.weights, self.biases, self.activations, buf.acts):
            np.matmul(a, W, out=out)
            if b is not None:
                out += b
            a = activation.forward(out)
        return a

    def _backprop(self, buf: _Buffers, x: np.ndarray, t: np.ndarray, l2: float) -> float:
        """Forward and backward pass of one batch into `buf` and `grad`; returns the data loss."""
        a = self._forward_into(buf, x)
        value, _ = output_delta(self.net.output, self.net.loss, a, t, out=buf.deltas[-1])
        for layer in range(len(self.weights) - 1, -1, -1):
            delta = buf.deltas[layer]
            a_prev = x if layer == 0 else buf.acts[layer - 1]
            np.matmul(a_prev.T, delta, out=self.weight_grads[layer])
            if self.bias_grads[layer] is not None:
                np.add.reduce(delta, axis=0, out=self.bias_grads[layer])
            if layer > 0:
                below = buf.deltas[layer - 1]
                np.matmul(delta, self.weights[layer].T, out=below)
                self.activations[layer - 1].backprop(buf.acts[layer - 1], below)

        if l2:
            if self._l2_scratch is None:
                self._l2_scratch = np.empty(self.n_weights, dtype=self.dtype)
            np.multiply(self.theta[:self.n_weights], l2, out=self._l2_scratch)
            self.grad[:self.n_weights] += self._l2_scratch
        return value

    def _forward_loss(self, buf: _Buffers, x: np.ndarray, t: np.ndarray) -> float:
        """The data loss of one batch, by a forward pass into `buf`."""
        return loss_value(self.net.loss, self._forward_into(buf, x), t)

    def _estimate(self, buf: _Buffers, x: np.ndarray, t: np.ndarray, l2: float,
                  eps: float) -> float:
        """Forward differences of the batch's objective (data loss + l2 penalty) into `grad`,
        as `_backprop` leaves its gradient there; returns the data loss before the step."""
        value = self._forward_loss(buf, x, t)
        forward_difference(lambda: self._forward_loss(buf, x, t) + self.penalty(l2), self.theta,
                           eps, out=self.grad, base=value + self.penalty(l2))
        return value

    def gradients(self, X: np.ndarray, T: np.ndarray, l2: float = 0.0) -> Gradients:
        """Loss, gradients and deltas of one batch, by the same code path training uses."""
        buf = self._buffer(X.shape[0])
        value = self._backprop(buf, X, T, l2) + self.penalty(l2)
        grads = [(dW.copy(), None if db is None else db.copy())
                 for dW, db in zip(self.weight_grads, self.bias_grads)]
        return Gradients(value, grads, [d.copy() for d in buf.deltas])

    # --- training -----------------------------------------------------------------------------

    def stepper(self, train: TrainSpec) -> Callable[[np.ndarray, np.ndarray], float]:
        """One training step as `train` says, on a batch (x, t) in `self.dtype`: the batch's
        gradient (backprop's, or the forward-difference estimate for
        optimizer="finite-difference") and the optimizer's update of the parameters. Returns
        the batch's data loss before the update; the optimizer's state lives in the step."""
        optimizer = make_optimizer(train, [self.theta])
        fd_epsilon = train.fd_epsilon if train.optimizer == "finite-difference" else None

        def step(x: np.ndarray, t: np.ndarray) -> float:
            buf = self._buffer(x.shape[0])
            if fd_epsilon is None:
                value = self._backprop(buf, x, t, train.l2)
            else:
                value = self._estimate(buf, x, t, train.l2, fd_epsilon)
            optimizer.step([self.grad])
            return value

        return step

    def fit(self, X: np.ndarray, T: np.ndarray, train: TrainSpec,
            on_epoch: Callable[[int, float], bool] | None = None) -> list[float]:
        """Train on (X, T), both already in `self.dtype`; returns the epoch losses.

        Every epoch visits the batches of `bench.spec.batching.batches`; the epoch loss is the
        row-weighted mean of the batch losses (each taken before its update) plus the l2
        penalty at the end of the epoch. Stops early when `on_epoch` returns True.
        """
        if any(not a.differentiable for a in self.activations):
            raise ValueError("a network with step activations cannot be trained by gradient "
                             "descent")
        n = X.shape[0]
        self._buffers.clear()
        step = self.stepper(train)
        losses: list[float] = []
        for epoch in range(train.epochs):
            tracker = EpochLoss()
            for idx in batches(n, train, epoch):
                rows = idx.shape[0]
                if rows == n and not train.shuffle:
                    x, t = X, T  # the whole set in its own order: no need to gather it
                else:
                    x, t = self._buffer(rows).gather(X, T, idx)
                tracker.add(step(x, t), rows)
            loss = tracker.mean() + self.penalty(train.l2)
            losses.append(loss)
            if on_epoch is not None and on_epoch(epoch, loss):
                break
        return losses
