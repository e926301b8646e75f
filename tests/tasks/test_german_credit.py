from __future__ import annotations

import numpy as np
import pytest

from tasks.base import DataError
from tasks.datadir import DataDirLoader, DataFile, DataSet
from tasks.german_credit import COLUMNS, DATA, GERMAN_CREDIT, N_INPUTS, build_split, read_table
from tasks.tabular import encode_split, feature_names
from tests.tasks.conftest import sha256

ROW = "A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1"
N_NUMERIC = sum(c.categories is None for c in COLUMNS)


def test_encoding_is_declared_without_reading_data():
    assert len(COLUMNS) == 20 and N_NUMERIC == 7
    assert N_INPUTS == 63 == GERMAN_CREDIT.n_features
    assert GERMAN_CREDIT.classes == ("good", "bad")


def test_real_table_has_1000_rows_700_good_300_bad(real_data_dir):
    table, y = read_table(real_data_dir / "german-credit" / "german.data")
    assert len(y) == 1000 and np.bincount(y).tolist() == [700, 300]
    assert table["checking_account"][0] == "A11" and table["credit_amount"][0] == 1169


def test_real_split_is_stratified_and_standardised_on_training_rows(real_data_dir):
    split = GERMAN_CREDIT.split(seed=0)
    assert split.X_train.shape == (750, 63) and split.X_test.shape == (250, 63)
    assert np.bincount(split.y_test).tolist() == [175, 75]
    numeric = [i for i, name in enumerate(feature_names(COLUMNS)) if "=" not in name]
    assert len(numeric) == 7
    assert np.allclose(split.X_train[:, numeric].mean(axis=0), 0, atol=1e-9)
    assert np.allclose(split.X_train[:, numeric].std(axis=0), 1)
    assert not np.allclose(split.X_test[:, numeric].mean(axis=0), 0, atol=1e-3)
    one_hot = [i for i in range(63) if i not in numeric]
    assert set(np.unique(split.X_train[:, one_hot])) == {0.0, 1.0}
    assert np.all(split.X_train[:, one_hot].sum(axis=1) == 13)  # one code per attribute
    again, other = GERMAN_CREDIT.split(seed=0), GERMAN_CREDIT.split(seed=1)
    assert np.array_equal(again.X_test, split.X_test)
    assert not np.array_equal(other.X_test, split.X_test)


def test_real_metrics_hook_reports_auc_cost_and_baselines(real_data_dir):
    split = GERMAN_CREDIT.split(seed=0)
    always_good = np.tile([1.0, 0.0], (len(split.y_test), 1))
    metrics = GERMAN_CREDIT.metrics(split.y_test, always_good)
    assert metrics["majority_accuracy"] == pytest.approx(0.70)
    assert metrics["test_auc"] == 0.5 and metrics["test_cost"] == pytest.approx(1.5)
    assert metrics["baseline_cost"] == pytest.approx(0.70)


def _file(tmp_path, text: str):
    path = tmp_path / "german.data"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    (ROW + "\n" + ROW.rsplit(" ", 2)[0] + " 1\n", "line 2: 20 fields, expected 20 attributes"),
    (ROW[:-1] + "3\n", "line 1: class '3', expected 1 \\(good\\) or 2 \\(bad\\)"),
    (ROW.replace(" 1169 ", " ? ") + "\n", "column credit_amount, data row 1: '\\?' is not a "
                                          "number"),
    ("\n\n", "no data rows"),
])
def test_malformed_files_are_data_errors(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_table(_file(tmp_path, text))


@pytest.mark.parametrize("replace, message", [
    ((" 1169 ", " nan "), "column credit_amount, data row 2: nan is not a finite number"),
    (("A43", "A4X"), "column purpose, data row 2: value 'A4X' is not one of its categories"),
])
def test_bad_values_are_caught_when_encoding(tmp_path, replace, message):
    rows = [ROW, ROW.replace(*replace), ROW.replace("A11", "A12")[:-1] + "2",
            ROW[:-1] + "2"]
    path = _file(tmp_path, "\n".join(rows) + "\n")
    table, y = read_table(path)
    with pytest.raises(DataError, match=message):
        encode_split(COLUMNS, table, y, np.array([0, 1, 2]), np.array([3]), str(path))


def test_a_changed_file_fails_its_checksum_naming_fetch(tmp_path):
    (tmp_path / "german-credit").mkdir()
    (tmp_path / "german-credit" / "german.data").write_text(ROW + "\n")
    with pytest.raises(DataError) as info:
        GERMAN_CREDIT.load.load(seed=0, root=tmp_path)
    assert DATA.files[0].checksum[7:] in str(info.value)
    assert "nnbench fetch german-credit" in str(info.value)


def test_loader_on_a_small_file_with_its_own_checksum(tmp_path):
    goods = [ROW] * 6
    bads = [ROW.replace(" 67 ", " 30 ")[:-1] + "2"] * 4
    text = "\n".join(goods + bads) + "\n"
    (tmp_path / "german-credit").mkdir()
    (tmp_path / "german-credit" / "german.data").write_text(text)
    small = DataSet("german-credit", (DataFile("german.data", sha256(text.encode())),), (), "")
    split = DataDirLoader(small, build_split).load(seed=0, root=tmp_path)
    assert split.X_train.shape == (7, 63) and np.bincount(split.y_test).tolist() == [2, 1]
