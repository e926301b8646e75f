"""The generated MNIST-shaped task: fixed data, MNIST's shapes, learnable labels, and the
first-rows subset a run's `TrainSpec.rows` asks for."""

import numpy as np
import pytest

from backends import get_backend
from bench.execution.worker import training_rows
from bench.spec import NetSpec, TrainSpec
from bench.spec.weights import initial_weights
from tasks.registry import get_task
from tasks.synthetic import N_FEATURES, TEST_ROWS, TRAIN_ROWS, _arrays


def test_the_data_has_mnists_shapes_and_is_the_same_for_every_seed():
    task = get_task("synthetic")
    split = task.split(0)
    assert split.X_train.shape == (TRAIN_ROWS, N_FEATURES) == (60_000, 784)
    assert split.X_test.shape == (TEST_ROWS, 784) and split.X_train.dtype == np.float32
    on = split.X_train > 0
    assert 0.1 < on.mean() < 0.2                      # mostly zeros, like MNIST's pixels
    assert split.X_train[on].min() >= 0.5 and split.X_train.max() < 1
    assert np.bincount(split.y_train, minlength=10).min() > 5_500   # every class, about evenly
    assert task.split(7) is split                     # fixed: seeds vary weights and order only
    fresh = _arrays.__wrapped__()                     # generated again, not from the cache
    np.testing.assert_array_equal(fresh.X_train[:100], split.X_train[:100])
    np.testing.assert_array_equal(fresh.y_test, split.y_test)


def test_its_labels_are_learnable_and_a_wider_net_learns_them_better():
    split = get_task("synthetic").split(0)
    accuracy = {}
    for width in (8, 128):
        net = NetSpec((784, width, 10), init="he_normal")
        model = get_backend("numpy")(net, TrainSpec(lr=0.05, batch_size=64, epochs=5))
        model.set_weights(initial_weights(net, 0, "float32"))
        model.fit(split.X_train[:1024], split.y_train[:1024])
        accuracy[width] = float(np.mean(model.predict(split.X_test) == split.y_test))
    assert 0.15 < accuracy[8] < accuracy[128] and accuracy[128] > 0.5, accuracy


def test_a_run_trains_on_the_first_rows_it_asks_for_and_no_more_than_there_are():
    split = get_task("synthetic").split(0)
    assert training_rows(split, None, "synthetic") is split
    first = training_rows(split, 1000, "synthetic")
    assert first.X_train.shape == (1000, 784) and first.X_train.base is not None  # a view
    np.testing.assert_array_equal(first.y_train, split.y_train[:1000])
    assert first.X_test is split.X_test
    with pytest.raises(ValueError, match="rows=60001 but task synthetic has 60000"):
        training_rows(split, 60_001, "synthetic")
