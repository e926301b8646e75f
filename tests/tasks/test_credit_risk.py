import numpy as np
import pytest

from tasks.base import DataError
from tasks.credit_risk import CREDIT_RISK, load_table, lookup_ceiling, scale_codes
from tasks.gates import XOR

# Course section 3, row by row: history debts properties income risk.
COURSE_TABLE = """
3 1 1 1 high
2 1 1 2 high
2 2 1 2 moderate
2 2 1 3 high
2 2 1 3 low
2 2 2 3 low
3 2 1 1 high
3 2 2 3 moderate
1 2 1 3 low
1 1 2 3 low
1 1 1 1 high
1 1 1 2 moderate
1 1 1 3 low
3 1 1 2 high
"""
COURSE_ROWS = [line.split() for line in COURSE_TABLE.strip().splitlines()]
LABEL = {"high": 0, "moderate": 1, "low": 2}


def test_shipped_table_is_the_course_table():
    codes, y = load_table()
    assert codes.tolist() == [[int(v) for v in row[:4]] for row in COURSE_ROWS]
    assert y.tolist() == [LABEL[row[4]] for row in COURSE_ROWS]
    assert CREDIT_RISK.classes == ("high", "moderate", "low")


def test_features_are_codes_over_their_largest_code():
    split = CREDIT_RISK.split(seed=0)
    codes, _ = load_table()
    assert np.allclose(split.X_train * [3, 2, 2, 3], codes)
    assert split.X_train.min() > 0 and split.X_train.max() == 1
    assert scale_codes(np.array([[3, 2, 2, 3]])).tolist() == [[1.0, 1.0, 1.0, 1.0]]


def test_main_split_holds_every_row_in_both_halves():
    split = CREDIT_RISK.split(seed=0)
    assert split.X_train.shape == split.X_test.shape == (14, 4)
    assert np.array_equal(split.y_train, split.y_test)


def test_leave_one_out_folds_each_hold_one_row_out():
    full = CREDIT_RISK.split(seed=0)
    folds = CREDIT_RISK.folds(seed=0)
    assert CREDIT_RISK.protocol == "leave-one-out" and len(folds) == 14
    for i, fold in enumerate(folds):
        assert fold.X_train.shape == (13, 4) and fold.X_test.shape == (1, 4)
        assert np.array_equal(fold.X_test[0], full.X_train[i])
        assert fold.y_test[0] == full.y_train[i]
        assert np.array_equal(fold.X_train, np.delete(full.X_train, i, axis=0))


def test_contradictory_rows_cap_training_accuracy_at_13_of_14():
    codes, y = load_table()
    assert codes[3].tolist() == codes[4].tolist() and y[3] != y[4]
    assert lookup_ceiling(scale_codes(codes), y) == pytest.approx(13 / 14)


def test_lookup_ceiling_is_one_without_contradictions_and_counts_majorities():
    xor = XOR.split(0)
    assert lookup_ceiling(xor.X_train, xor.y_train) == 1.0
    X = np.array([[0.0], [0.0], [0.0], [1.0]])
    assert lookup_ceiling(X, np.array([1, 1, 0, 2])) == 0.75


@pytest.mark.parametrize("content, message", [
    ("history,debts,properties,income\n1,1,1,1\n", "header"),
    ("history,debts,properties,income,risk\n4,1,1,1,high\n", "history=4"),
    ("history,debts,properties,income,risk\n1,x,1,1,high\n", "integers"),
    ("history,debts,properties,income,risk\n1,1,1,1,none\n", "risk='none'"),
    ("history,debts,properties,income,risk\n", "no data rows"),
])
def test_malformed_table_raises_data_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "credit.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message) as info:
        load_table(path)
    assert str(path) in str(info.value)


def test_course_recipe_uses_the_rule_of_thumb_and_online_mse():
    net, train = CREDIT_RISK.recipes["course"].net, CREDIT_RISK.recipes["course"].train
    assert net.layers in ((4, 3, 3), (4, 4, 3)) and net.activation == "sigmoid"
    assert net.loss == "mse" and (train.optimizer, train.batch_size) == ("sgd", 1)
