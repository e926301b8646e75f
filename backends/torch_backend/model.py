"""`TorchModel`: the PyTorch backend (eager mode, CPU or CUDA), an MLP of `nn.Linear` layers.

The network is one `nn.Linear` per layer (in the run's dtype, float32 or float64); `_fit` runs
the layers with `F.linear` and the hidden activation as plain functions (no module calls in
the hot loop), lets autograd do backpropagation and `torch.optim` the updates.

Translation choices, spec field by spec field:

- Weights: `nn.Linear.weight` is (fan_out, fan_in), so `set_weights` / `get_weights` transpose
  to and from the canonical (fan_in, fan_out). `bias=False` builds the layers without bias.
- Initialisation: with `set_weights` (init="shared") the given numbers. Without it (the
  harness's init="native": each framework's own initialisers) the weights are PyTorch's
  `nn.Linear` defaults (kaiming_uniform with a=sqrt(5) for W, uniform +-1/sqrt(fan_in) for b,
  whatever `net.init` says), drawn under `torch.manual_seed(train.seed)` inside
  `torch.random.fork_rng`, so they are deterministic and the global RNG is left alone.
- Activations: torch.sigmoid / tanh / relu, `F.leaky_relu` (slope LEAKY_RELU_SLOPE = 0.01),
  `F.elu` (alpha 1); `linear` is the identity; `step` (forward only: the spec forbids training
  it) is (z >= 1) as in the NumPy backend. PyTorch's derivatives at the kinks are the ones the
  NumPy backend copies.
- Losses: softmax + categorical cross-entropy and sigmoid + binary cross-entropy use the fused
  gradient of the NumPy backend: dL/dz = (a * sum_k t_k - t) / rows and (a - t) / (rows *
  units), computed from the output activations without autograd and fed to
  `z.backward(delta)`. The batch loss *value* is computed from the same activations clipped
  to [1e-7, 1 - 1e-7] exactly as NumPy (and Keras) report it; from logits (log_softmax) it
  would differ wherever p > 1 - 1e-7, i.e. on every confidently right row late in training,
  so the clip is kept. This costs about as many tensor operations as PyTorch's own
  `cross_entropy` forward and backward. mse (with a softmax, sigmoid or linear output) goes
  through autograd: `F.mse_loss` (mean over rows and units) of the output activations.
- Gradients are of the mean batch loss (as above); l2 is `weight_decay=l2` in a parameter group
  holding the weight matrices only (biases in a group with 0): PyTorch adds l2 * W to the
  gradient, the gradient of l2/2 * sum W^2 (coupled, also for Adam, as the spec says).
- Optimizers: sgd = `torch.optim.SGD(lr)`. momentum = `SGD(momentum=m, dampening=0,
  nesterov=False)`: PyTorch keeps b = m * b + g and steps w -= lr * b, which is classical
  momentum (v = m * v - lr * g; w += v) with v = -lr * b, exactly, for a constant lr (the
  spec's lr is constant). adam = `torch.optim.Adam(betas=(0.9, 0.999), eps=1e-8)`, which adds
  eps to sqrt(v_hat) as the spec does. sgd runs PyTorch's single-tensor loop, momentum and
  adam its fused CPU kernels (`fused=True`), the fastest of the three implementations for each
  here; all three agree with the NumPy updates to rounding (about 1e-16 in float64).
  Optimizer state that has decayed below tiny/eps of the dtype is set to zero every 100 steps,
  as the NumPy backend does (see `backends.numpy_backend.optimizers`): it keeps the two in
  step and keeps subnormal arithmetic out of long runs.
- optimizer="perceptron" is unsupported (the step output has no gradient; the course's
  perceptron rule lives in the NumPy backend), and so is optimizer="finite-difference" (the
  NumPy reference's teaching optimizer: PyTorch trains by autodiff).
- Batches: X and the targets become tensors once per fit; each epoch takes the shared order
  (`bench.spec.batching.epoch_order`, cut by `batch_size_for`, i.e. exactly the index batches
  of `bench.spec.batching.batches`), gathers the permuted rows once (`index_select`) and
  slices the batches out of that copy as views. The epoch loss is the row-weighted mean of the
  batch losses (each before its update) plus l2/2 * sum W^2 after the epoch; batch losses stay
  tensors until the end of the epoch (one `.item()` per epoch).
- torch._dynamo is imported with this module: the first `torch.optim` optimizer of a process
  imports it (about 1.5 s here), which would otherwise land in the first epoch's time; it is a
  one-off import cost, so it is counted as one.
- Threads: `torch.set_num_threads(requested_threads())`, and one inter-op thread where that can
  still be set (only before the process's first parallel work).

- Devices: `TorchModel(net, train, device="cuda")` builds the layers on the GPU, `_stage`
  copies the training data there once (the shared batch order is applied on the GPU by
  `index_select` with the same permutation), weights and outputs come back to NumPy. TF32 is
  switched off (`torch.backends.cuda.matmul.allow_tf32`, `torch.backends.cudnn.allow_tf32`)
  so float32 products are true float32 and float64 ones unchanged; `device_info` records it.
  `synchronize` is `torch.cuda.synchronize`; `matmul_peak` times float32 products on the GPU.

There are no deviations: every supported (net, train) pair is followed as the spec says.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch._dynamo  # noqa: F401  (see below)
import torch.nn.functional as F
from torch import nn

from backends import torch_cuda
from backends.base import BaseModel
from backends.protocol import EpochCallback, Weights
from backends.torch_backend import capabilities
from bench.spec import NetSpec, TrainSpec
from bench.spec.batching import batch_size_for, epoch_order
from bench.spec.constants import (
    ADAM_BETA1,
    ADAM_BETA2,
    ADAM_EPSILON,
    ELU_ALPHA,
    FLUSH_EVERY,
    LEAKY_RELU_SLOPE,
    STEP_THRESHOLD,
)
from bench.spec.constants import CLIP_EPSILON as EPSILON
from bench.spec.threads import requested_threads

_DTYPES = {"float32": torch.float32, "float64": torch.float64}

Activation = Callable[[torch.Tensor], torch.Tensor]


def _step(z: torch.Tensor) -> torch.Tensor:
    return (z >= STEP_THRESHOLD).to(z.dtype)


def _leaky_relu(z: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(z, LEAKY_RELU_SLOPE)


def _elu(z: torch.Tensor) -> torch.Tensor:
    return F.elu(z, ELU_ALPHA)


def _softmax(z: torch.Tensor) -> torch.Tensor:
    return torch.softmax(z, dim=1)


#: activation functions by spec name; None = linear (the identity, skipped)
_HIDDEN: dict[str, Activation | None] = {
    "step": _step,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "linear": None,
}
_OUTPUT: dict[str, Activation | None] = {
    "softmax": _softmax,
    "sigmoid": torch.sigmoid,
    "linear": None,
    "step": _step,
}


def _apply_threads() -> None:
    """Give PyTorch the run's thread count (and one inter-op thread where still possible)."""
    threads = requested_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    if torch.get_num_interop_threads() != 1:
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # only allowed once, before the process's first parallel work
            pass


def _tensor(a: np.ndarray) -> torch.Tensor:
    """A tensor over the (contiguous) array; a copy when the array is read-only."""
    return torch.from_numpy(a if a.flags.writeable else a.copy())


class TorchModel(BaseModel):
    """A network of `net` trained as `train` says, in PyTorch (see the module docstring)."""

    name = "torch"
    framework = "torch"
    native_init = ("PyTorch's nn.Linear defaults: kaiming_uniform(a=sqrt(5)) weights and "
                   "uniform(+-1/sqrt(fan_in)) biases")
    devices = capabilities.DEVICES
    refits_in_place = True   # every fit makes its optimizer anew

    def __init__(self, net: NetSpec, train: TrainSpec, device: str = "cpu") -> None:
        super().__init__(net, train, device)
        _apply_threads()
        self._tdtype = _DTYPES[train.dtype]
        self._device = torch.device(device)
        if device != "cpu":
            torch_cuda.full_precision()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(train.seed)
            # drawn on the CPU (the same native draws on every device), then moved
            self.layers = nn.ModuleList(
                nn.Linear(fan_in, fan_out, bias=net.bias, dtype=self._tdtype)
                for fan_in, fan_out in zip(net.layers[:-1], net.layers[1:])
            )
        if device != "cpu":
            self.layers.to(self._device)
        #: [(weight (fan_out, fan_in), bias or None)] of every layer, for the hot loop
        self._params = [(layer.weight, layer.bias) for layer in self.layers]
        self._hidden = _HIDDEN[net.activation]
        self._output = _OUTPUT[net.output]

    # --- capabilities -------------------------------------------------------------------------

    @classmethod
    def _unsupported(cls, net: NetSpec, train: TrainSpec) -> str | None:
        return capabilities.unsupported(net, train)

    @classmethod
    def framework_version(cls) -> str:
        return torch.__version__

    @classmethod
    def framework_threads(cls) -> dict:
        return {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}

    # --- devices ------------------------------------------------------------------------------

    @classmethod
    def device_unavailable(cls, device: str) -> str | None:
        if device == "cpu":
            return None
        if device != "cuda":
            return f"torch has no device {device!r} here"
        return torch_cuda.unavailable()

    @classmethod
    def device_info(cls, device: str) -> dict:
        return {"kind": "cpu"} if device == "cpu" else torch_cuda.device_info()

    @classmethod
    def matmul_peak(cls, device: str) -> float | None:
        return None if device == "cpu" else torch_cuda.matmul_peak()

    def synchronize(self) -> None:
        if self._device.type == "cuda":
            torch.cuda.synchronize(self._device)

    def _stage(self, X: np.ndarray, T: np.ndarray) -> tuple:
        return (_tensor(X).to(self._device, non_blocking=False),
                _tensor(T).to(self._device, non_blocking=False))

    # --- weights ------------------------------------------------------------------------------

    def _set_weights(self, weights: Weights) -> None:
        with torch.no_grad():
            for layer, (W, b) in zip(self.layers, weights):
                layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                if b is not None:
                    layer.bias.copy_(torch.from_numpy(b))

    def get_weights(self) -> Weights:
        """Copies of [(W, b), ...] in the canonical layout (W: (fan_in, fan_out))."""
        return [(layer.weight.detach().cpu().numpy().T.copy(),
                 None if layer.bias is None else layer.bias.detach().cpu().numpy().copy())
                for layer in self.layers]

    # --- forward passes -----------------------------------------------------------------------

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        """The output layer's weighted sums z for the batch x."""
        *hidden_layers, (W_out, b_out) = self._params
        hidden = self._hidden
        a = x
        for W, b in hidden_layers:
            a = F.linear(a, W, b)
            if hidden is not None:
                a = hidden(a)
        return F.linear(a, W_out, b_out)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            z = self._logits(_tensor(X).to(self._device))
            a = z if self._output is None else self._output(z)
            return a.cpu().numpy().copy()

    # --- training -----------------------------------------------------------------------------

    def _optimizer(self) -> torch.optim.Optimizer:
        """The spec's optimizer; l2 as weight decay on the weight matrices only.

        Implementations (all equal to the NumPy updates to rounding, measured on this CPU with
        the digits nets): plain sgd uses the single-tensor loop (PyTorch's CPU default, the
        fastest for it), momentum and adam the fused kernels (`fused=True`: Adam's step takes
        a third of the single-tensor one's time, a third of a whole training step).
        """
        train = self.train
        weights = [layer.weight for layer in self.layers]
        biases = [layer.bias for layer in self.layers if layer.bias is not None]
        if train.l2 and biases:
            groups = [{"params": weights, "weight_decay": train.l2},
                      {"params": biases, "weight_decay": 0.0}]
        else:  # one group: one kernel call fewer per step
            groups = [{"params": weights + biases, "weight_decay": train.l2}]
        if train.optimizer == "sgd":
            return torch.optim.SGD(groups, lr=train.lr, foreach=False)
        if train.optimizer == "momentum":
            return torch.optim.SGD(groups, lr=train.lr, momentum=train.momentum, dampening=0.0,
                                   nesterov=False, fused=True)
        if train.optimizer == "adam":
            return torch.optim.Adam(groups, lr=train.lr, betas=(ADAM_BETA1, ADAM_BETA2),
                                    eps=ADAM_EPSILON, fused=True)
        raise ValueError(f"optimizer={train.optimizer!r} is not a gradient-descent optimizer")

    def _flush_state(self, optimizer: torch.optim.Optimizer) -> None:
        """Zero optimizer state below tiny/eps of the dtype, as the NumPy optimizers do
        (momentum: PyTorch's buffer is -v / lr, so its threshold is divided by lr)."""
        info = torch.finfo(self._tdtype)
        threshold = info.tiny / info.eps
        for state in optimizer.state.values():
            for key, limit in (("momentum_buffer", threshold / self.train.lr),
                               ("exp_avg", threshold), ("exp_avg_sq", threshold)):
                s = state.get(key)
                if s is not None:
                    s.masked_fill_(s.abs() < limit, 0)

    def _batch_loss(self, rows_sum_to_one: bool):
        """(step(x, t) -> loss tensor, weight) for the run's output and loss: `step` does the
        forward and backward pass of one batch and returns a scalar tensor whose sum over the
        epoch's batches, times `weight` (a number, or "rows" for one weight per row), is the
        row-weighted sum of the batch losses."""
        net = self.net
        logits = self._logits
        pair = (net.output, net.loss)
        if pair == ("softmax", "categorical_crossentropy"):
            one_hot = rows_sum_to_one  # every target row sums to 1 (one-hot labels)

            def step(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
                z = logits(x)
                a = torch.softmax(z.detach(), dim=1)
                if one_hot:
                    delta = torch.sub(a, t)
                else:
                    delta = torch.mul(a, t.sum(dim=1, keepdim=True)).sub_(t)
                z.backward(delta.mul_(1 / a.shape[0]))
                a.clamp_(EPSILON, 1 - EPSILON).log_()
                return torch.dot(t.view(-1), a.view(-1))

            return step, -1.0
        if pair == ("sigmoid", "binary_crossentropy"):
            def step(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
                z = logits(x)
                a = torch.sigmoid(z.detach())
                z.backward(torch.sub(a, t).mul_(1 / a.numel()))
                return F.binary_cross_entropy(a.clamp_(EPSILON, 1 - EPSILON), t,
                                              reduction="sum")

            return step, 1.0 / net.n_outputs
        output = self._output

        def step(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:  # mse, through autograd
            z = logits(x)
            loss = F.mse_loss(z if output is None else output(z), t)
            loss.backward()
            return loss.detach()

        return step, "rows"

    def _fit(self, X: np.ndarray, T: np.ndarray, on_epoch: EpochCallback | None) -> list[float]:
        _apply_threads()
        train = self.train
        n = X.shape[0]
        # tensors already (staged on the device), or NumPy arrays to wrap
        Xt, Tt = (X, T) if isinstance(X, torch.Tensor) else (_tensor(X), _tensor(T))
        size = batch_size_for(n, train)
        starts = range(0, n, size)
        step, weight = self._batch_loss(bool((Tt.sum(dim=1) == 1).all()))
        if weight == "rows":
            weights = torch.tensor([min(size, n - s) for s in starts], dtype=torch.float64,
                                   device=self._device)
        optimizer = self._optimizer()
        params = [p for layer in self.layers for p in layer.parameters()]
        for p in params:
            p.grad = None
        steps = 0
        losses: list[float] = []
        with torch.enable_grad():
            for epoch in range(train.epochs):
                if train.shuffle:
                    order = torch.from_numpy(epoch_order(n, train, epoch)).to(self._device)
                    Xe, Te = Xt.index_select(0, order), Tt.index_select(0, order)
                else:
                    Xe, Te = Xt, Tt
                values = []
                for start in starts:
                    values.append(step(Xe[start:start + size], Te[start:start + size]))
                    steps += 1
                    if steps % FLUSH_EVERY == 0:
                        self._flush_state(optimizer)
                    optimizer.step()
                    for p in params:  # zero_grad(set_to_none=True), without its overhead
                        p.grad = None
                with torch.no_grad():
                    batch_losses = torch.stack(values).to(torch.float64)
                    if weight == "rows":
                        total = float(torch.dot(batch_losses, weights))
                    else:
                        total = float(batch_losses.sum()) * weight
                    loss = total / n + self._penalty()
                losses.append(loss)
                if on_epoch is not None and on_epoch(epoch, loss):
                    break
        return losses

    def _penalty(self) -> float:
        """l2/2 * sum of the squared weights (biases excluded), after the epoch's updates."""
        l2 = self.train.l2
        if not l2:
            return 0.0
        squares = sum(float(torch.dot(w.view(-1), w.view(-1)))
                      for w in (layer.weight.detach() for layer in self.layers))
        return 0.5 * l2 * squares

