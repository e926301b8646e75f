"""Training work of a multi-layer perceptron in floating-point operations, for GFLOP/s figures.

What is counted, per training row and per dense layer of `fan_in` inputs and `fan_out` units
(W of shape (fan_in, fan_out)), a multiply-add counting as 2 FLOPs:

- forward, z = a_prev @ W: 2 * fan_in * fan_out;
- backward, weight gradient dW = a_prev.T @ delta: 2 * fan_in * fan_out;
- backward, the error passed down, delta_prev = delta @ W.T: 2 * fan_in * fan_out, for every
  layer but the first: the gradient with respect to the input data is never needed, and no
  backend computes it (the NumPy backend skips it, PyTorch and the other autodiff engines do
  not differentiate with respect to their inputs).

So a row costs 6 * fan_in * fan_out FLOPs per layer (2 forward, 4 backward) except the first
layer, which costs 4 * fan_in * fan_out. This is the issue's rule "rows x sum over layers of
6 x fan_in x fan_out" minus the first layer's input gradient, which that rule counts but no
one computes (`rule_of_thumb_flops_per_row`). For the 784-256-128-10 MNIST-sized net that
rule gives 1.409 MFLOP per row against the 1.007 counted here, for digits 64-256-10 113.7 kFLOP
against 80.9 (both 40% more): GFLOP/s and "% of peak" by the rule would be 40% higher.

Not counted: bias additions, activations and their derivatives, the loss, the optimizer update
(all O(rows x units) or O(parameters) per step, a few percent of the matrix products for these
nets), gathering the shuffled batches, and anything a backend does beyond the arithmetic of
the net (Python, framework dispatch). The count is the same for every backend and every batch
size: it measures the useful arithmetic, so a backend's GFLOP/s is that work over its own time.

optimizer="finite-difference" does other work: no backward pass, but one forward pass of the
batch per parameter plus one at the current weights, (n_params + 1) * 2 * fan_in * fan_out per
row and layer (`epoch_flops` picks the count a TrainSpec's optimizer does).
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.spec import NetSpec, TrainSpec


def _pairs(layers: Sequence[int]) -> list[tuple[int, int]]:
    pairs = list(zip(layers[:-1], layers[1:]))
    if not pairs:
        raise ValueError(f"layers {list(layers)} has no weight layer")
    return pairs


def training_flops_per_row(layers: Sequence[int]) -> int:
    """FLOPs of one training row's forward and backward matrix products (see the module
    docstring): 4 * n_0 * n_1 for the first layer, 6 * fan_in * fan_out for each later one."""
    return sum((4 if i == 0 else 6) * fan_in * fan_out
               for i, (fan_in, fan_out) in enumerate(_pairs(layers)))


def forward_flops_per_row(layers: Sequence[int]) -> int:
    """FLOPs of one row's forward matrix products: 2 * fan_in * fan_out per layer."""
    return sum(2 * fan_in * fan_out for fan_in, fan_out in _pairs(layers))


def rule_of_thumb_flops_per_row(layers: Sequence[int]) -> int:
    """The issue's rule, sum over layers of 6 * fan_in * fan_out (the first layer's input
    gradient included), for comparison only."""
    return sum(6 * fan_in * fan_out for fan_in, fan_out in zip(layers[:-1], layers[1:]))


def training_flops_per_epoch(layers: Sequence[int], rows: int) -> int:
    """FLOPs of one training epoch over `rows` rows: rows x `training_flops_per_row`."""
    return rows * training_flops_per_row(layers)


def epoch_flops(net: NetSpec, train: TrainSpec, rows: int) -> int:
    """FLOPs of one training epoch of `net` over `rows` rows as `train` trains it: backprop's
    count, or for optimizer="finite-difference" n_params + 1 forward passes of every row."""
    if train.optimizer == "finite-difference":
        return rows * (net.n_params + 1) * forward_flops_per_row(net.layers)
    return training_flops_per_epoch(net.layers, rows)


def gflops(flops: float, seconds: float | None) -> float:
    """flops / seconds in GFLOP/s; nan when there is no positive time."""
    if seconds is None or not seconds > 0:
        return float("nan")
    return flops / seconds / 1e9
