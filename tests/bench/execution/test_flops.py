"""Training FLOPs of a net: what `bench.execution.flops` counts, on nets small enough to count
by hand."""

import numpy as np
import pytest

from backends.numpy_backend.mlp import MLP
from bench.execution.flops import (
    epoch_flops,
    forward_flops_per_row,
    gflops,
    rule_of_thumb_flops_per_row,
    training_flops_per_epoch,
    training_flops_per_row,
)
from bench.spec import NetSpec, TrainSpec


def test_a_tiny_net_by_hand():
    # 3-4-2: first layer 2 (forward) + 2 (weight gradient) per multiply-add = 4 * 3 * 4 = 48;
    # second layer also passes its error down: 6 * 4 * 2 = 48
    assert training_flops_per_row((3, 4, 2)) == 96
    assert training_flops_per_epoch((3, 4, 2), rows=10) == 960
    # the rule also counts the input gradient of the first layer: 2 * 3 * 4 more
    assert rule_of_thumb_flops_per_row((3, 4, 2)) == 96 + 24
    assert training_flops_per_row((5, 1)) == 4 * 5  # a single layer: no error passed down


def test_the_count_matches_the_numpy_backends_matrix_products():
    """Sum 2 * m * k * n over the products one training step of the NumPy backend makes."""
    net = NetSpec((6, 5, 4, 3))
    mlp = MLP(net, "float64")
    rows = 7
    products = []
    for W in mlp.weights:  # forward: a_prev (rows, fan_in) @ W (fan_in, fan_out)
        products.append((rows, *W.shape))
    for layer, W in enumerate(mlp.weights):
        fan_in, fan_out = W.shape
        products.append((fan_in, rows, fan_out))     # dW = a_prev.T @ delta
        if layer > 0:
            products.append((rows, fan_out, fan_in))  # delta_prev = delta @ W.T
    assert sum(2 * m * k * n for m, k, n in products) == \
        training_flops_per_epoch(net.layers, rows)
    # and the backend really does skip the first layer's input gradient: its deltas exist
    # for the layers' outputs only, none of the input's width
    grads = mlp.gradients(np.ones((rows, 6)), np.eye(3)[np.arange(rows) % 3])
    assert [d.shape[1] for d in grads.deltas] == [5, 4, 3]


def test_finite_differences_count_one_forward_pass_per_parameter_and_no_backward_pass():
    net = NetSpec((2, 3, 1), activation="sigmoid", output="sigmoid", loss="mse")  # 13 params
    assert forward_flops_per_row(net.layers) == 2 * (2 * 3 + 3 * 1)
    estimated = TrainSpec(optimizer="finite-difference", batch_size=None)
    assert epoch_flops(net, estimated, rows=4) == 4 * 14 * 18  # the 13 perturbed + the base
    assert epoch_flops(net, TrainSpec(), rows=4) == training_flops_per_epoch(net.layers, 4)


def test_gflops():
    assert gflops(3e9, 1.5) == pytest.approx(2.0)
    assert np.isnan(gflops(1e9, 0.0)) and np.isnan(gflops(1e9, None))
    with pytest.raises(ValueError):
        training_flops_per_row((5,))
