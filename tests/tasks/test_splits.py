import numpy as np
import pytest

from tasks.splits import stratified_split


def labels(counts):
    return np.repeat(np.arange(len(counts)), counts)


def test_halves_partition_the_rows_and_are_sorted():
    y = labels([30, 50, 20])
    train, test = stratified_split(y, 0.25, seed=0)
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(y.size))
    assert np.intersect1d(train, test).size == 0
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)


def test_test_size_rounds_up_and_classes_keep_their_proportions():
    y = labels([178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    train, test = stratified_split(y, 0.25, seed=3)
    assert (train.size, test.size) == (1347, 450)
    per_class = np.bincount(y[test], minlength=10)
    assert np.all(np.abs(per_class - np.bincount(y) * 0.25) < 1)


def test_same_seed_same_split_other_seed_other_split():
    y = labels([40, 40, 40])
    first = stratified_split(y, 0.3, seed=7)
    again = stratified_split(y, 0.3, seed=7)
    other = stratified_split(y, 0.3, seed=8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[1], other[1])


def test_every_class_is_in_both_halves_even_when_its_share_rounds_to_zero():
    y = labels([2, 2, 96])
    train, test = stratified_split(y, 0.1, seed=0)
    assert set(y[train]) == set(y[test]) == {0, 1, 2}


def test_works_with_string_labels():
    y = np.array(["a", "b"] * 10)
    _, test = stratified_split(y, 0.5, seed=1)
    assert sorted(y[test]) == ["a"] * 5 + ["b"] * 5


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_rejects_fraction_outside_the_open_unit_interval(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        stratified_split(labels([5, 5]), fraction, seed=0)


def test_rejects_a_class_with_a_single_row():
    with pytest.raises(ValueError, match=r"classes \[1\]"):
        stratified_split(labels([5, 1, 5]), 0.25, seed=0)
