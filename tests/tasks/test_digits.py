import gzip
import hashlib

import numpy as np
import pytest

from tasks.base import DataError
from tasks.digits import CSV_PATH, DIGITS, SHA256, load_arrays

# Images per digit 0..9 in scikit-learn's copy of the data.
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_shipped_file_matches_the_recorded_checksum():
    assert hashlib.sha256(CSV_PATH.read_bytes()).hexdigest() == SHA256
    readme = (CSV_PATH.parent / "README.md").read_text()
    assert SHA256 in readme


def test_arrays_shape_range_and_class_counts():
    X, y = load_arrays()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.all(np.isin(X * 16, np.arange(17)))
    assert np.bincount(y).tolist() == CLASS_COUNTS
    assert DIGITS.classes == tuple("0123456789")


def test_holdout_split_is_stratified_75_25():
    split = DIGITS.split(seed=0)
    assert split.X_train.shape == (1347, 64) and split.X_test.shape == (450, 64)
    test_counts = np.bincount(split.y_test, minlength=10)
    assert np.all(np.abs(test_counts - np.array(CLASS_COUNTS) / 4) < 1)
    assert np.all(np.bincount(split.y_train, minlength=10) + test_counts == CLASS_COUNTS)


def test_split_is_deterministic_per_seed_and_differs_across_seeds():
    a, b, c = DIGITS.split(1), DIGITS.split(1), DIGITS.split(2)
    assert np.array_equal(a.X_test, b.X_test) and np.array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.X_test, c.X_test)


def test_test_rows_are_not_training_rows():
    split = DIGITS.split(seed=0)
    X, _ = load_arrays()
    assert len(np.unique(np.vstack([split.X_train, split.X_test]), axis=0)) == len(
        np.unique(X, axis=0))


def test_checksum_mismatch_raises_data_error_naming_file_and_checksum(tmp_path):
    corrupted = tmp_path / "digits.csv.gz"
    data = bytearray(CSV_PATH.read_bytes())
    data[-1] ^= 0xFF
    corrupted.write_bytes(bytes(data))
    with pytest.raises(DataError) as info:
        load_arrays(corrupted)
    assert str(corrupted) in str(info.value) and SHA256 in str(info.value)


@pytest.mark.parametrize("rows, message", [
    ("1,2,3\n", "columns"),
    (",".join(["17"] * 64 + ["0"]) + "\n", "0..16"),
    (",".join(["0"] * 64 + ["10"]) + "\n", "labels"),
])
def test_malformed_contents_raise_data_error(tmp_path, rows, message):
    path = tmp_path / "bad.csv.gz"
    path.write_bytes(gzip.compress(rows.encode()))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DataError, match=message):
        load_arrays(path, sha256=digest)


def test_not_gzip_raises_data_error(tmp_path):
    path = tmp_path / "plain.csv.gz"
    path.write_bytes(b"0,1,2\n")
    with pytest.raises(DataError, match="gzipped CSV"):
        load_arrays(path, sha256=hashlib.sha256(b"0,1,2\n").hexdigest())


def test_course_recipe_follows_the_course():
    net, train = DIGITS.recipes["course"].net, DIGITS.recipes["course"].train
    assert net.layers[0] == 64 and len(net.hidden) == 1 and net.hidden[0] <= 8
    assert (net.activation, net.output, net.loss, net.init, net.bias) == (
        "sigmoid", "sigmoid", "mse", "normal_scaled", True)
    assert (train.optimizer, train.lr, train.batch_size, train.epochs, train.dtype) == (
        "sgd", 0.5, 1, 1000, "float64")  # course lr 0.1 -> course_lr(0.1, 10)
    assert DIGITS.protocol == "holdout" and DIGITS.target_accuracy == 0.95
