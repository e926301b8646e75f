"""Shared set-up of the speed benchmarks: thread parity before any import, installed backends.

The thread variables of `bench.spec.threads` (count: NNBENCH_THREADS, default all cores) and
KERAS_BACKEND (default tensorflow) are put into the environment here, before NumPy or any
framework is imported, so every benchmark (and every child process, see harness.py) runs with
the same thread count: `NNBENCH_THREADS=1 nox -s perf` measures single-threaded.
"""

from __future__ import annotations

import os

from bench.spec.threads import requested_threads, thread_environment

for _name, _value in thread_environment(requested_threads()).items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402
from harness import Unsupported, make_target  # noqa: E402

from backends.registry import BACKENDS  # noqa: E402

#: every backend whose framework is installed (listed without importing any framework)
AVAILABLE = [name for name, entry in BACKENDS.items() if entry.unavailable_reason() is None]


@pytest.fixture
def target():
    """`target(factory, backend, *args)`: a warmed benchmark target (harness.FACTORIES), in
    this process or a child one; skipped when the backend cannot run it; closed afterwards."""
    closers = []

    def make(factory: str, backend: str, *args):
        try:
            call, close = make_target(factory, backend, *args)
        except Unsupported as reason:
            pytest.skip(str(reason))
        closers.append(close)
        return call

    yield make
    for close in closers:
        close()


def _epoch_pair(item) -> tuple[str, str] | None:
    """(case, backend) of an adapter or idiomatic epoch benchmark, else None."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    name = item.originalname if hasattr(item, "originalname") else item.name
    case = params.get("case") or next((c for c in ("digits-modern", "mnist-sized")
                                       if c.split("-")[0] in name), None)
    backend = params.get("backend") or ("pybrain" if "pybrain" in name else None)
    if "epoch" not in name or case is None or backend is None:
        return None
    return case, backend


def pytest_collection_modifyitems(config, items):
    """Run each adapter's epoch benchmark right before its idiomatic loop's (and PyBrain's
    online-SGD adapter), not every adapter first and every loop afterwards: machine load
    drifts, and the ratio adapter / idiomatic should not measure that drift."""
    first: dict[object, int] = {}
    for index, item in enumerate(items):
        first.setdefault(_epoch_pair(item) or id(item), index)
    items.sort(key=lambda item: first[_epoch_pair(item) or id(item)])  # stable within a pair
