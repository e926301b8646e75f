from __future__ import annotations

import numpy as np
import pytest

from tasks.base import DataError
from tasks.credit_default import COLUMNS, CREDIT_DEFAULT, HEADER, N_INPUTS, build_split, read_table
from tasks.datadir import DataDirLoader, DataFile, DataSet
from tests.tasks.conftest import sha256

HEADER_LINE = ",".join(f'"{h}"' for h in HEADER)
ROW = "1,20000,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1"
ROW0 = "2,5e+05,1,1,2,40,0,0,0,0,0,0,100,100,100,100,100,100,10,10,10,10,10,10,0"


def test_encoding_is_declared_without_reading_data():
    assert N_INPUTS == 33 == CREDIT_DEFAULT.n_features  # 20 numeric + 2 + 7 + 4 one-hot
    assert "ID" not in {c.name for c in COLUMNS}
    assert CREDIT_DEFAULT.classes == ("no default", "default")


def test_real_table_has_30000_rows_and_6636_defaults(real_data_dir):
    table, y = read_table(real_data_dir / "credit-default" / "UCI_Credit_Card.csv")
    assert len(y) == 30000 and int(y.sum()) == 6636
    assert "ID" not in table and table["LIMIT_BAL"].max() == 1e6  # "1e+06" read as a number
    assert set(np.unique(table["EDUCATION"])) == set(range(7))


def test_real_split_is_stratified_with_majority_near_078(real_data_dir):
    split = CREDIT_DEFAULT.split(seed=0)
    assert split.X_train.shape == (22500, 33) and split.X_test.shape == (7500, 33)
    assert int(split.y_test.sum()) == 1659  # round(7500 * 6636 / 30000)
    metrics = CREDIT_DEFAULT.metrics(split.y_test, np.tile([0.9, 0.1], (7500, 1)))
    assert metrics["majority_accuracy"] == pytest.approx(0.7788, abs=1e-4)
    assert metrics["test_auc"] == 0.5
    assert np.allclose(split.X_train[:, 0].mean(), 0, atol=1e-9)  # LIMIT_BAL standardised


def _write(tmp_path, *lines):
    path = tmp_path / "UCI_Credit_Card.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("lines, message", [
    (("ID,LIMIT_BAL", ROW), "header"),
    ((HEADER_LINE, ROW, ROW.rsplit(",", 1)[0]), "line 3: 24 fields, expected 25"),
    ((HEADER_LINE, ROW.replace(",24,", ",,")), "line 2: AGE='' is not a number"),
    ((HEADER_LINE, ROW.replace(",24,", ",NaN,")), "column AGE, data row 1: nan is not a finite"),
    ((HEADER_LINE, ROW[:-1] + "2"), "default.payment.next.month must be 0 or 1"),
    ((HEADER_LINE, ROW.replace("20000,2,2", "20000,2,2.5")), "EDUCATION holds non-integer"),
    ((HEADER_LINE,), "no data rows"),
])
def test_malformed_files_are_data_errors(tmp_path, lines, message):
    with pytest.raises(DataError, match=message):
        read_table(_write(tmp_path, *lines))


def test_unknown_category_is_caught_when_encoding(tmp_path):
    bad = ROW.replace("20000,2,2,1", "20000,2,9,1")
    lines = (HEADER_LINE, ROW, ROW0, bad, ROW0)
    path = _write(tmp_path, *lines)
    folder = tmp_path / "credit-default"
    folder.mkdir()
    path = path.rename(folder / path.name)
    small = DataSet("credit-default", (DataFile(path.name, sha256(path.read_bytes())),), (), "")
    with pytest.raises(DataError, match="column EDUCATION, data row 3: value 9 is not one"):
        DataDirLoader(small, build_split).load(seed=0, root=tmp_path)


def test_a_changed_file_fails_its_checksum(tmp_path):
    folder = tmp_path / "credit-default"
    folder.mkdir()
    (folder / "UCI_Credit_Card.csv").write_text(HEADER_LINE + "\n" + ROW + "\n")
    with pytest.raises(DataError, match="nnbench fetch credit-default"):
        CREDIT_DEFAULT.load.load(seed=0, root=tmp_path)
