import numpy as np

from tasks.mnist_subset import first_per_class
from tasks.registry import get_task


def test_first_per_class_keeps_the_original_order():
    y = np.array([3, 1, 3, 1, 1, 3, 2])
    assert first_per_class(y, 2).tolist() == [0, 1, 2, 3, 6]


def test_real_slice_is_balanced_and_the_same_for_every_seed(real_data_dir):
    task = get_task("mnist-small")
    split = task.split(0)
    assert split.X_train.shape == (5000, 784) and split.X_test.shape == (1000, 784)
    assert np.bincount(split.y_train).tolist() == [500] * 10
    assert np.bincount(split.y_test).tolist() == [100] * 10
    again = task.split(4)
    np.testing.assert_array_equal(again.X_train, split.X_train)
    np.testing.assert_array_equal(again.y_test, split.y_test)
    full = get_task("mnist").split(0)
    np.testing.assert_array_equal(split.X_test[0], full.X_test[0])  # a slice, not a copy
