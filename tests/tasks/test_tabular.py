import numpy as np
import pytest

from tasks.base import DataError
from tasks.tabular import Column, encode_split, feature_names, n_inputs, one_hot, standardize

COLUMNS = (Column("colour", ("red", "green", "blue")), Column("size"), Column("code", (1, 2)))
TABLE = {
    "colour": np.array(["red", "blue", "green", "blue", "red", "green"]),
    "size": np.array([1.0, 2.0, 3.0, 4.0, 100.0, -50.0]),
    "code": np.array([1, 2, 2, 1, 1, 2]),
}
Y = np.array([0, 1, 0, 1, 0, 1])
TRAIN, TEST = np.array([0, 1, 2, 3]), np.array([4, 5])


def test_widths_and_names():
    assert n_inputs(COLUMNS) == 6
    assert feature_names(COLUMNS) == ["colour=red", "colour=green", "colour=blue", "size",
                                      "code=1", "code=2"]


def test_one_hot_marks_each_rows_category():
    hot = one_hot(TABLE["colour"], COLUMNS[0], "t")
    assert hot.tolist()[:3] == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert np.all(hot.sum(axis=1) == 1)


def test_unknown_category_names_column_row_and_value():
    with pytest.raises(DataError, match="t: column colour, data row 2: value 'pink' is not one "
                                        "of its categories red, green, blue"):
        one_hot(np.array(["red", "pink"]), COLUMNS[0], "t")


def test_standardisation_uses_training_rows_only():
    split = encode_split(COLUMNS, TABLE, Y, TRAIN, TEST, "t")
    size_train, size_test = split.X_train[:, 3], split.X_test[:, 3]
    mean, std = 2.5, np.std([1.0, 2.0, 3.0, 4.0])
    assert np.allclose(size_train, (np.array([1, 2, 3, 4]) - mean) / std)
    assert np.allclose(size_test, (np.array([100, -50]) - mean) / std)
    assert abs(size_train.mean()) < 1e-12 and np.isclose(size_train.std(), 1.0)
    # Changing the test rows changes nothing in the training inputs.
    other = dict(TABLE, size=np.array([1.0, 2.0, 3.0, 4.0, 1e6, 7.0]))
    assert np.array_equal(encode_split(COLUMNS, other, Y, TRAIN, TEST, "t").X_train,
                          split.X_train)
    assert split.y_train.tolist() == [0, 1, 0, 1] and split.X_train.shape == (4, 6)


def test_a_constant_training_column_is_centred_not_divided_by_zero():
    assert standardize(np.array([3.0, 3.0, 5.0]), np.array([0, 1])).tolist() == [0, 0, 2]


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_numbers_name_column_and_row(value):
    table = dict(TABLE, size=np.array([1.0, 2.0, value, 4.0, 5.0, 6.0]))
    with pytest.raises(DataError, match="t: column size, data row 3: .* is not a finite number"):
        encode_split(COLUMNS, table, Y, TRAIN, TEST, "t")


def test_categories_longer_than_every_value_still_match_exactly():
    column = Column("purpose", ("A41", "A410"))
    assert one_hot(np.array(["A41", "A41"]), column, "t").tolist() == [[1, 0], [1, 0]]
