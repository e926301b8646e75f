"""One training step by finite differences against one by backpropagation, as the net grows.

The lecture on gradient descent with estimated gradients makes one point: the course's forward
difference costs one forward pass of the batch per parameter (13 for its 2-3-1 net, a million
in a real one), where backpropagation costs one forward and one backward pass. This times one
step of each, the NumPy backend's own `MLP.stepper` (the code `fit` runs: gradient plus
update), from the lecture's 13 parameters to about 100,000, on 4 rows (the size of the XOR
table the lecture's net fits) in float64, with sigmoid units and mse like the lecture's net.
`python benchmarks/step_cost.py` prints the ratio and the fitted growth of each from the saved
results. These are benchmarks, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from backends.numpy_backend.mlp import MLP
from bench.spec import NetSpec, TrainSpec
from bench.spec.threads import requested_threads
from bench.spec.weights import initial_weights

#: inputs x hidden x 1 output: 13 (the lecture's 2-3-1) to 101,249 parameters, about x4 a size
LAYERS = ((2, 3, 1), (4, 8, 1), (8, 16, 1), (16, 32, 1), (32, 64, 1), (64, 128, 1),
          (128, 256, 1), (224, 448, 1))
ROWS = 4
METHODS = {"backprop": "sgd", "finite-difference": "finite-difference"}


def _rounds(method: str, n_params: int) -> tuple[int, int]:
    """(rounds, warm-up rounds): a finite-difference step of 100,000 parameters is 100,000
    forward passes, several seconds; the whole file takes about a minute."""
    if method == "backprop":
        return 100, 5
    if n_params <= 2_500:
        return 30, 1
    return (10, 1) if n_params <= 10_000 else (5, 0)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("layers", LAYERS, ids=lambda layers: "-".join(map(str, layers)))
def test_training_step(benchmark, layers, method):
    net = NetSpec(layers, activation="sigmoid", output="sigmoid", loss="mse",
                  init="normal_scaled")
    train = TrainSpec(optimizer=METHODS[method], lr=0.01, batch_size=None, dtype="float64")
    mlp = MLP(net, train.dtype)
    mlp.set_params(initial_weights(net, 0, train.dtype))
    rng = np.random.default_rng(0)
    x = rng.random((ROWS, layers[0]))
    t = rng.integers(0, 2, (ROWS, 1)).astype(np.float64)
    rounds, warmup = _rounds(method, net.n_params)
    benchmark.group = f"training step: {net.n_params:,} parameters"
    benchmark.extra_info.update(kind="step", method=method, n_params=net.n_params,
                                net=list(layers), rows=ROWS, dtype=train.dtype,
                                threads=requested_threads(), load_average=list(os.getloadavg()))
    benchmark.pedantic(mlp.stepper(train), args=(x, t), rounds=rounds, warmup_rounds=warmup)
