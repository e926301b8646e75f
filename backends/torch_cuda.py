"""PyTorch on CUDA, shared by the torch backend and Keras's torch engine (imports torch).

`full_precision()` switches TF32 off (float32 matmuls and cuDNN at full float32 precision;
float64 is never TF32) and returns the setting as records state it; `unavailable()` says why
this process cannot compute on CUDA; `device_info()` describes GPU 0 (model, memory, compute
capability, torch's CUDA version, the driver's); `matmul_peak()` is the GPU's best float32
matmul rate, timed with CUDA events.
"""

from __future__ import annotations

import torch

PRECISION = "highest (TF32 off: torch.backends.cuda.matmul.allow_tf32=False, cudnn too)"


def full_precision() -> str:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    return PRECISION


def unavailable() -> str | None:
    """None when torch can compute on a CUDA GPU here, else why not and what to do."""
    if torch.version.cuda is None:
        return (f"torch {torch.__version__} is a CPU-only build (torch.version.cuda is None); "
                "install a CUDA build of torch, or run with --device cpu")
    if not torch.cuda.is_available():
        return (f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU "
                "(torch.cuda.is_available() is False); run with --device cpu")
    return None


def driver_version() -> str | None:
    """The NVIDIA driver's version, from its /proc entry (None where it cannot be read)."""
    try:
        with open("/proc/driver/nvidia/version") as fh:
            for word in fh.readline().split():
                if word[:1].isdigit() and "." in word:
                    return word
    except OSError:
        pass
    return None


def device_info() -> dict:
    props = torch.cuda.get_device_properties(0)
    return {"kind": "cuda", "name": props.name,
            "memory_gib": round(props.total_memory / 2**30, 1),
            "capability": f"{props.major}.{props.minor}", "cuda": torch.version.cuda,
            "driver": driver_version(), "framework": f"torch {torch.__version__}",
            "matmul_precision": full_precision()}


def synchronize() -> None:
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def matmul_peak(n: int = 4096, repeats: int = 10) -> float:
    """The best float32 n x n matmul rate on the GPU in GFLOP/s (TF32 off), each product timed
    with CUDA events after a warm-up."""
    full_precision()
    a = torch.randn(n, n, device="cuda", dtype=torch.float32)
    b = torch.randn(n, n, device="cuda", dtype=torch.float32)
    torch.matmul(a, b)
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        torch.matmul(a, b)
        end.record()
        end.synchronize()
        best = min(best, start.elapsed_time(end) / 1000)
    return 2 * n**3 / best / 1e9
