"""The framework-free pieces every backend shares: initial weights, batch order, targets."""

import numpy as np
import pytest

from bench.spec import NetSpec, TrainSpec
from bench.spec.batching import batches, epoch_order
from bench.spec.targets import decode_outputs, encode_targets
from bench.spec.weights import check_weights, initial_weights


@pytest.mark.parametrize("scheme", ["glorot_uniform", "he_normal", "normal_scaled", "zeros"])
def test_initial_weights_layout_and_determinism(scheme):
    net = NetSpec((64, 32, 10), init=scheme)
    a, b = initial_weights(net, seed=3), initial_weights(net, seed=3)
    check_weights(net, a)
    for (Wa, ba), (Wb, bb) in zip(a, b):
        assert np.array_equal(Wa, Wb) and np.array_equal(ba, bb) and not ba.any()
    if scheme != "zeros":
        assert not np.array_equal(a[0][0], initial_weights(net, seed=4)[0][0])


def test_initial_weight_scales():
    big = NetSpec((400, 300, 2), init="glorot_uniform")
    W = initial_weights(big, 0)[0][0]
    limit = np.sqrt(6 / 700)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.95 * limit
    he = initial_weights(big.replace(init="he_normal"), 0)[0][0]
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    course = initial_weights(big.replace(init="normal_scaled"), 0)[0][0]
    assert course.std() == pytest.approx(1 / np.sqrt(400), rel=0.02)


def test_no_bias_gives_none_and_dtype_is_honoured():
    net = NetSpec((3, 2), output="sigmoid", loss="mse", bias=False)
    (W, b), = initial_weights(net, 0, "float32")
    assert b is None and W.dtype == np.float32


def test_check_weights_names_the_bad_layer():
    net = NetSpec((3, 4, 2))
    weights = initial_weights(net, 0)
    weights[1] = (weights[1][0].T, weights[1][1])
    with pytest.raises(ValueError, match="layer 1: W has shape"):
        check_weights(net, weights)


def test_batch_order_is_a_seeded_permutation_per_epoch():
    train = TrainSpec(seed=5, batch_size=4)
    first, again = epoch_order(10, train, 0), epoch_order(10, train, 0)
    assert np.array_equal(first, again) and sorted(first) == list(range(10))
    assert not np.array_equal(first, epoch_order(10, train, 1))
    assert not np.array_equal(first, epoch_order(10, train.replace(seed=6), 0))
    assert np.array_equal(epoch_order(10, train.replace(shuffle=False), 3), np.arange(10))


def test_batches_cover_every_row_once():
    sizes = [len(b) for b in batches(10, TrainSpec(batch_size=4), 0)]
    assert sizes == [4, 4, 2]
    assert [len(b) for b in batches(10, TrainSpec(batch_size=None), 0)] == [10]
    assert np.array_equal(np.sort(np.concatenate(list(batches(10, TrainSpec(batch_size=1), 2)))),
                          np.arange(10))


def test_targets_round_trip():
    labels = np.array([2, 0, 1])
    onehot = encode_targets(labels, 3)
    assert onehot.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert decode_outputs(onehot).tolist() == [2, 0, 1]
    assert encode_targets(np.array([1, 0]), 1).tolist() == [[1], [0]]
    assert decode_outputs(np.array([[0.7], [0.2]])).tolist() == [1, 0]


@pytest.mark.parametrize("labels, n_outputs, message", [
    (np.array([0, 3]), 3, r"0\.\.2"), (np.array([0, 2]), 1, r"0\.\.1"),
    (np.array([0.5, 1.0]), 2, "whole numbers"), (np.zeros((2, 2, 2)), 2, "shape"),
    (np.zeros((2, 3)), 2, "3 columns"),
])
def test_bad_labels_are_explained(labels, n_outputs, message):
    with pytest.raises(ValueError, match=message):
        encode_targets(labels, n_outputs)
