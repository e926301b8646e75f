"""Resolving a suite's device per backend, without importing a framework.

`resolve(device, backend)` is what the planner asks for every backend: `cpu` and `cuda` are
taken as asked (a backend without `cuda` then gets an `unsupported` record saying so, and a
machine without a usable GPU an `unavailable` one from the worker); `auto` becomes `cuda`
where the backend declares it (`capabilities.DEVICES`) and this machine shows an NVIDIA GPU
(`gpu_present`: the driver's /proc entries, honouring CUDA_VISIBLE_DEVICES), else `cpu`.
Whether the framework's build can use that GPU only the worker can tell (it imports it).
"""

from __future__ import annotations

import os
from pathlib import Path

from backends.registry import get_entry

#: where the NVIDIA driver lists the GPUs it drives (one folder each)
NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")


def gpu_present(gpus: Path = NVIDIA_GPUS) -> bool:
    """Whether this machine shows an NVIDIA GPU to its processes (no framework asked)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    try:
        return any(gpus.iterdir())
    except OSError:
        return False


def resolve(device: str, backend: str, gpu: bool | None = None) -> str:
    """The concrete device of `backend`'s runs for the suite's `device` (see the module
    docstring); `gpu` overrides the look at the machine (tests)."""
    if device != "auto":
        return device
    if "cuda" not in get_entry(backend).devices:
        return "cpu"
    return "cuda" if (gpu_present() if gpu is None else gpu) else "cpu"
