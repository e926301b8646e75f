"""Per backend: one steady-state training epoch and prediction latency (pytest-benchmark).

Each timed call continues training the already-warmed model by one epoch, so the figure is a
steady-state epoch (first-epoch costs such as graph building are excluded). Run with
`nox -s perf`; these are benchmarks, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import pytest
from conftest import AVAILABLE, MNIST_NET, MNIST_TRAIN, mnist_sized_stream, warmed_model

from tasks.registry import get_task


@pytest.mark.parametrize("backend", AVAILABLE)
def test_digits_modern_epoch(benchmark, backend):
    task = get_task("digits")
    split, recipe = task.split(0), task.recipes["modern"]
    train = recipe.train.replace(epochs=1)
    model = warmed_model(backend, recipe.net, train, split.X_train, split.y_train)
    benchmark.extra_info.update(rows=len(split.y_train), batch_size=train.batch_size)
    benchmark.pedantic(model.fit, args=(split.X_train, split.y_train), rounds=10,
                       warmup_rounds=1)


@pytest.mark.parametrize("backend", AVAILABLE)
def test_mnist_sized_epoch(benchmark, backend):
    X, y = mnist_sized_stream()
    model = warmed_model(backend, MNIST_NET, MNIST_TRAIN, X, y)
    benchmark.extra_info.update(rows=len(y), batch_size=MNIST_TRAIN.batch_size,
                                net=list(MNIST_NET.layers))
    benchmark.pedantic(model.fit, args=(X, y), rounds=5, warmup_rounds=1)


@pytest.mark.parametrize("rows", [1, 1000])
@pytest.mark.parametrize("backend", AVAILABLE)
def test_predict_latency(benchmark, backend, rows):
    X, y = mnist_sized_stream(2000)
    model = warmed_model(backend, MNIST_NET, MNIST_TRAIN, X, y)
    batch = X[:rows]
    benchmark.extra_info["rows"] = rows
    benchmark(model.predict_proba, batch)
