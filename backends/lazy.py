"""Lazy package attributes: a backend package names its Model class without importing it.

A backend package's `__init__` must import no framework, so that the harness can read the
package's framework-free `capabilities` module in its own process. `lazy_attributes` gives the
package a module `__getattr__` (PEP 562) that imports `.model` (and so the framework) only
when the Model class is asked for: `from backends.torch_backend import TorchModel` still works.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_attributes(package: str, names: dict[str, str]) -> Callable[[str], object]:
    """`__getattr__` for `package`: each name in `names` is read from the submodule named
    beside it (e.g. {"TorchModel": "model"}), imported on first use."""
    def __getattr__(name: str) -> object:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{names[name]}"), name)
    return __getattr__
