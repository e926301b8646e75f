"""Devices a run may ask for, and the name a run on a device other than the CPU goes by.

`cpu` is the default everywhere, so a suite that names no device runs as before; `cuda` is an
NVIDIA GPU through the framework's CUDA build; `auto` is resolved per backend when the suite is
planned (cuda where the backend has it and the machine shows a GPU, else cpu), so every planned
run names a concrete device. A run on `cuda` is a row of its own: its backend label (run id,
tables, baseline keys) is `backend@cuda`; a cpu run keeps the plain backend name, so the ids of
older runs and of the committed baseline are unchanged.
"""

from __future__ import annotations

#: what --device and a suite's `device` accept
DEVICE_CHOICES = ("cpu", "cuda", "auto")
#: the concrete devices a planned run may hold
DEVICES = ("cpu", "cuda")
#: the device a worker process (or fork server) is started for; set by the runner
DEVICE_VARIABLE = "NNBENCH_DEVICE"


def check_device(device: object, allowed: tuple[str, ...] = DEVICE_CHOICES) -> str:
    """`device` when it is one of `allowed`, else ValueError saying what is allowed."""
    if not isinstance(device, str) or device not in allowed:
        raise ValueError(f"device={device!r} is not allowed; choose one of: {', '.join(allowed)}")
    return device


def backend_label(backend: str, device: str = "cpu") -> str:
    """The name a run's backend goes by in ids and tables: `torch`, or `torch@cuda`."""
    return backend if device == "cpu" else f"{backend}@{device}"


def split_label(label: str) -> tuple[str, str]:
    """(backend, device) of a backend label (`torch@cuda` -> ("torch", "cuda"))."""
    backend, _, device = label.partition("@")
    return backend, device or "cpu"
