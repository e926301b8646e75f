"""Keras on PyTorch: torch's thread counts, PyDataset feeding, a foreach optimizer, eager.

- Threads: `torch.set_num_threads(threads)`, inter-op 1 where torch still allows it.
- Feeding: `feeding.SharedOrder`.
- Optimizer: `TorchSpecOptimizer` does `SpecOptimizer`'s arithmetic with `torch._foreach_*`
  over all parameters at once (the hook Keras's own torch optimizers use), as a dozen Keras ops
  per parameter cost a third of a step here.
- jit_compile "auto" (Keras's default on torch: eager; torch.compile ran a steady digits epoch
  3x faster but compiled for 50 s on 2 cores); steps_per_execution 1, the only value Keras on
  torch allows.
"""

from __future__ import annotations

import math

import numpy as np

from backends.keras_backend import private
from backends.keras_backend.feeding import SharedOrder
from backends.keras_backend.optimizers import SpecOptimizer
from bench.spec import TrainSpec
from bench.spec.constants import ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON

JIT_COMPILE = "auto"
EPOCH_PER_EXECUTION = False


def configure(threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before the first parallel work
        pass
    return {}


def framework_threads() -> dict:
    import torch

    return {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}


def feed(X: np.ndarray, T: np.ndarray, train: TrainSpec, threads: int):
    return SharedOrder(X, T, train)



# --- devices (torch on CUDA: `backends.torch_cuda`, shared with the torch backend) -----------

def device_unavailable(device: str) -> str | None:
    import os

    from backends import torch_cuda

    if device == "cpu":
        return None
    reason = torch_cuda.unavailable()
    if reason is None and os.environ.get("KERAS_TORCH_DEVICE") != "cuda":
        reason = "Keras on torch was imported without KERAS_TORCH_DEVICE=cuda"
    return reason


def device_info(device: str) -> dict:
    from backends import torch_cuda

    return {"kind": "cpu"} if device == "cpu" else torch_cuda.device_info()


def full_precision() -> str:
    from backends import torch_cuda

    return torch_cuda.full_precision()


def synchronize() -> None:
    from backends import torch_cuda

    torch_cuda.synchronize()


def matmul_peak(device: str) -> float | None:
    from backends import torch_cuda

    return None if device == "cpu" else torch_cuda.matmul_peak()


# --- torch private API (torch 2.x `torch._foreach_*`, as Keras's own torch optimizers use):
# everything below up to the end marker; tests/backends/test_keras_backend.py checks that each
# `torch._foreach_*` named here exists ---------------------------------------------------------

class TorchSpecOptimizer(private.WholeStepUpdate, SpecOptimizer):
    """`SpecOptimizer` on the torch engine: one `torch._foreach_*` call per operation over all
    parameters (the hook Keras's own torch optimizers use), not a dozen Keras ops per
    parameter. The same arithmetic, in the same order, as NumPy's optimizers."""

    def update_all(self, grads, trainable_variables) -> None:
        import torch

        with torch.no_grad():
            index = [private.variable_index(self, v) for v in trainable_variables]
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


# --- end of torch private API -----------------------------------------------------------------

Optimizer = TorchSpecOptimizer
