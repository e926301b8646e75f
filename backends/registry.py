"""The backend registry: names -> modules, listed without importing any framework.

Adding a backend means adding its package and one `BackendEntry` line below. A package holds
its Model class (the only module that imports its framework) and `capabilities`, a
framework-free module whose `unsupported(net, train)` says what it cannot follow: the harness
asks it in its own process, so an unsupported run costs no worker process and no import.
The same module may declare `DEVICES` (the devices it can train on; absent: the CPU only), so
a run asking a CPU-only backend for `cuda` is unsupported without a process either; an
entry's `device_env` adds, per device, the environment its worker needs (Keras on torch and
JAX take a GPU whenever they see one, so a cpu run says so before they are imported).
Keras-style variants of one module (e.g. Keras on another engine) are separate entries that
share a module and differ in `env` (environment set in the worker process before the
framework is imported).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
from dataclasses import dataclass, field

from bench.spec import NetSpec, SpecError, TrainSpec, check_pair
from bench.spec.devices import DEVICES


@dataclass(frozen=True)
class BackendEntry:
    name: str
    module: str                      # module holding the Model class
    class_name: str                  # the Model class in that module
    framework: str                   # import name of the framework ("numpy", "torch", ...)
    distribution: str                # pip distribution that provides it
    extra: str | None = None         # nnbench extra that installs it
    env: dict[str, str] = field(default_factory=dict)
    requires: tuple[str, ...] = ()   # further import names it needs (e.g. Keras's engine)
    #: the framework-free module with `unsupported(net, train)`; None: only the Model class
    #: itself can tell (a backend added with NNBENCH_EXTRA_BACKENDS)
    capabilities: str | None = None
    #: per device, environment added to `env` in the worker (`env_for`)
    device_env: dict[str, dict[str, str]] = field(default_factory=dict)

    def unavailable_reason(self) -> str | None:
        """None when the framework (and what it requires) is importable, else the fix."""
        missing = [name for name in (self.framework, *self.requires)
                   if importlib.util.find_spec(name) is None]
        if not missing:
            return None
        fix = (f'pip install "nnbench[{self.extra}]"' if self.extra
               else f"pip install {self.distribution}")
        verb = "is" if len(missing) == 1 else "are"
        return f"{' and '.join(missing)} {verb} not installed; {fix}"

    def framework_version(self) -> str | None:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    @property
    def decides_without_import(self) -> bool:
        return self.capabilities is not None

    def unsupported_reason(self, net: NetSpec, train: TrainSpec,
                           device: str = "cpu") -> str | None:
        """Why the backend cannot follow (net, train) on `device`, or None; decided without
        importing the framework. LookupError for an entry without a `capabilities` module."""
        if self.capabilities is None:
            raise LookupError(f"backend {self.name!r} declares no capabilities")
        try:
            check_pair(net, train)
        except SpecError as error:
            return str(error)
        reason = self.device_reason(device)
        if reason:
            return reason
        return importlib.import_module(self.capabilities).unsupported(net, train)

    @property
    def devices(self) -> tuple[str, ...]:
        """The devices the backend can train on, as its capabilities declare (the CPU only
        when they say nothing; every device for a backend without capabilities, whose
        worker decides)."""
        if self.capabilities is None:
            return DEVICES
        return tuple(getattr(importlib.import_module(self.capabilities), "DEVICES", ("cpu",)))

    def device_reason(self, device: str) -> str | None:
        """None when the backend can train on `device`, else why not (no framework import)."""
        if device in self.devices:
            return None
        return (f"{self.name} runs on the CPU only: {self.framework} has no {device} device; "
                f"run it with --device cpu (or auto)")

    def env_for(self, device: str = "cpu") -> dict[str, str]:
        """The environment of a worker of this backend on `device`: `env`, plus the device's
        `device_env` (e.g. KERAS_TORCH_DEVICE)."""
        return {**self.env, **self.device_env.get(device, {})}


BACKENDS: dict[str, BackendEntry] = {
    entry.name: entry
    for entry in (
        BackendEntry("numpy", "backends.numpy_backend", "NumpyModel", "numpy", "numpy",
                     capabilities="backends.numpy_backend.capabilities"),
        BackendEntry("sklearn", "backends.sklearn_backend", "SklearnModel", "sklearn",
                     "scikit-learn", extra="sklearn",
                     capabilities="backends.sklearn_backend.capabilities"),
        BackendEntry("torch", "backends.torch_backend", "TorchModel", "torch", "torch",
                     extra="torch", capabilities="backends.torch_backend.capabilities"),
        BackendEntry("keras", "backends.keras_backend", "KerasModel", "keras", "keras",
                     extra="keras", env={"KERAS_BACKEND": "tensorflow"},
                     requires=("tensorflow",), capabilities="backends.keras_backend.capabilities",
                     device_env={"cpu": {"CUDA_VISIBLE_DEVICES": ""}}),
        BackendEntry("keras-torch", "backends.keras_backend", "KerasTorchModel", "keras",
                     "keras", extra="keras-torch", env={"KERAS_BACKEND": "torch"},
                     requires=("torch",), capabilities="backends.keras_backend.capabilities",
                     device_env={"cpu": {"KERAS_TORCH_DEVICE": "cpu"},
                                 "cuda": {"KERAS_TORCH_DEVICE": "cuda"}}),
        BackendEntry("keras-jax", "backends.keras_backend", "KerasJaxModel", "keras", "keras",
                     extra="keras-jax", env={"KERAS_BACKEND": "jax"}, requires=("jax",),
                     capabilities="backends.keras_backend.capabilities",
                     device_env={"cpu": {"JAX_PLATFORMS": "cpu"},
                                 "cuda": {"JAX_PLATFORMS": "cuda"}}),
        BackendEntry("pybrain", "backends.pybrain_backend", "PybrainModel", "pybrain3",
                     "pybrain3", extra="pybrain",
                     capabilities="backends.pybrain_backend.capabilities"),
    )
}


EXTRA_VARIABLE = "NNBENCH_EXTRA_BACKENDS"
#: what was wrong with EXTRA_VARIABLE (read on import; reported by the CLI and the planner,
#: which refuse to go on, rather than as a traceback on import)
EXTRA_ERRORS: list[str] = []


def _extra_backends(spec: str) -> dict[str, BackendEntry]:
    """Backends added without editing this file: "name=module:Class[,name=module:Class]".

    Meant for trying out a backend of one's own and for the tests' fault-injection backend;
    the worker processes inherit the variable, so such backends run like any other.
    """
    extra = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, target = item.partition("=")
        module, _, class_name = target.partition(":")
        if not (name and module and class_name):
            EXTRA_ERRORS.append(f"{EXTRA_VARIABLE}: {item!r} is not of the form "
                                "name=module:Class")
            continue
        top = module.split(".")[0]
        extra[name] = BackendEntry(name, module, class_name, framework=top, distribution=top)
    return extra


BACKENDS.update(_extra_backends(os.environ.get(EXTRA_VARIABLE, "")))


class UnknownBackendError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def get_entry(name: str) -> BackendEntry:
    try:
        return BACKENDS[name]
    except KeyError:
        raise UnknownBackendError(
            f"unknown backend {name!r}; available: {', '.join(BACKENDS)}"
        ) from None


def get_backend(name: str):
    """The Model class of backend `name` (imports its framework)."""
    entry = get_entry(name)
    reason = entry.unavailable_reason()
    if reason:
        raise ImportError(f"backend {name!r} is unavailable: {reason}")
    module = importlib.import_module(entry.module)
    return getattr(module, entry.class_name)
