"""Per backend: one steady-state training epoch and prediction latency (pytest-benchmark).

Each timed epoch is one more epoch of an already-warmed adapter's long `fit`
(`harness.EpochStepper`), which is what `nnbench run` calls the steady epoch: first-epoch
costs such as graph building, and the per-`fit` set-up, are excluded. Keras on the torch and
JAX engines runs in a child process of its own (harness.py). Run with `nox -s perf`; these
are benchmarks, not tests: nothing here asserts a time. Each epoch benchmark shares its group
with the framework's idiomatic loop (test_idiomatic_loops.py), so the two print side by side.
"""

from __future__ import annotations

import pytest
from conftest import AVAILABLE
from harness import RECIPE, extra_info


@pytest.mark.parametrize("backend", AVAILABLE)
def test_digits_modern_epoch(benchmark, target, backend):
    epoch = target("adapter_epoch", backend, "digits-modern", RECIPE)
    benchmark.group = f"digits-modern epoch: {backend}"
    benchmark.extra_info.update(extra_info("digits-modern", backend, "adapter", RECIPE))
    benchmark.pedantic(epoch, rounds=10, warmup_rounds=1)


@pytest.mark.parametrize("backend", AVAILABLE)
def test_mnist_sized_epoch(benchmark, target, backend):
    epoch = target("adapter_epoch", backend, "mnist-sized", RECIPE)
    benchmark.group = f"mnist-sized epoch: {backend}"
    benchmark.extra_info.update(extra_info("mnist-sized", backend, "adapter", RECIPE))
    benchmark.pedantic(epoch, rounds=5, warmup_rounds=1)


@pytest.mark.parametrize("rows", [1, 1000])
@pytest.mark.parametrize("backend", AVAILABLE)
def test_predict_latency(benchmark, target, backend, rows):
    predict = target("predictor", backend, rows)
    benchmark.extra_info["rows"] = rows
    benchmark(predict)
