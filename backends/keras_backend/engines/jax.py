"""Keras on JAX: float64 enabled, XLA's threads set before it first computes, jitted epochs.

- `configure` turns on `jax_enable_x64` (without it float64 arrays become float32). XLA has no
  thread-count knob: single-threaded Eigen comes from XLA_FLAGS, which XLA reads when its CPU
  client starts (the first computation, not jax's import), so `configure` sets it there when
  one thread is requested; `framework_threads` reports what XLA_FLAGS says.
- Feeding: `feeding.SharedOrder`.
- jit_compile "auto" (Keras's default: jitted); steps_per_execution = one epoch.
"""

from __future__ import annotations

import os

import numpy as np

from backends.keras_backend.feeding import SharedOrder
from backends.keras_backend.optimizers import SpecOptimizer
from bench.spec import TrainSpec

Optimizer = SpecOptimizer
JIT_COMPILE = "auto"
EPOCH_PER_EXECUTION = True


#: what XLA_FLAGS gets for one thread
SINGLE_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def configure(threads: int) -> dict:
    import jax

    flags = os.environ.get("XLA_FLAGS", "")
    if threads == 1 and "xla_cpu_multi_thread_eigen" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {SINGLE_THREAD_FLAGS}".strip()
    jax.config.update("jax_enable_x64", True)  # else float64 arrays become float32
    return {}


def framework_threads() -> dict:
    import jax

    flags = os.environ.get("XLA_FLAGS", "")
    single = "xla_cpu_multi_thread_eigen=false" in flags
    return {"intra_op": 1 if single else "all cores (XLA has no thread-count knob)",
            "xla_flags": flags.strip(), "x64": bool(jax.config.jax_enable_x64)}


def feed(X: np.ndarray, T: np.ndarray, train: TrainSpec, threads: int):
    return SharedOrder(X, T, train)
