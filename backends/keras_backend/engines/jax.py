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


# --- devices ----------------------------------------------------------------------------------

def _gpus() -> list:
    import jax

    try:
        return [d for d in jax.devices() if d.platform == "gpu"]
    except RuntimeError:  # JAX_PLATFORMS names a platform this jaxlib cannot start
        return []


def device_unavailable(device: str) -> str | None:
    import jax

    if device == "cpu":
        return None
    if not _gpus():
        return (f"jax {jax.__version__} sees no GPU (a CPU-only jaxlib, or no GPU: install "
                "jax[cuda12]); run with --device cpu")
    return None


def device_info(device: str) -> dict:
    import jax

    if device == "cpu":
        return {"kind": "cpu"}
    gpu = _gpus()[0]
    info = {"kind": "cuda", "name": gpu.device_kind, "framework": f"jax {jax.__version__}",
            "matmul_precision": full_precision()}
    stats = getattr(gpu, "memory_stats", lambda: None)() or {}
    if "bytes_limit" in stats:
        info["memory_gib"] = round(stats["bytes_limit"] / 2**30, 1)
    return info


def full_precision() -> str:
    import jax

    jax.config.update("jax_default_matmul_precision", "highest")
    return "highest (jax_default_matmul_precision='highest': no TF32)"


def synchronize() -> None:
    import jax

    (jax.device_put(0.0) + 0).block_until_ready()  # in order after all queued work


def matmul_peak(device: str, n: int = 4096, repeats: int = 10) -> float | None:
    """The best float32 n x n matmul rate on the GPU in GFLOP/s (precision "highest")."""
    import time

    import jax
    import jax.numpy as jnp

    if device == "cpu":
        return None
    full_precision()
    gpu = _gpus()[0]
    a = jax.device_put(jnp.ones((n, n), jnp.float32), gpu)
    product = jax.jit(lambda x: x @ x)
    product(a).block_until_ready()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        product(a).block_until_ready()
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9
