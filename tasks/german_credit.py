"""UCI Statlog German credit: 1,000 loan applicants, 20 attributes, good (700) or bad (300).

File: `$NNBENCH_DATA_DIR/german-credit/german.data` (space-separated, no header: 20 attributes
then the class, 1 = good, 2 = bad), the original file of the UCI repository (CC BY 4.0).
Inputs: the 13 categorical attributes one-hot over the codes german.doc defines (A11..A14, ...;
A47 and A95 are documented but never occur, so their inputs are always 0), the 7 numeric ones
standardised with the training rows' mean and standard deviation: 63 inputs. Classes:
("good", "bad"). Protocol: a stratified 75/25 holdout split drawn per seed (750 / 250 rows).

Besides accuracy, every run reports ROC AUC, the UCI cost per row (a bad customer classified
good costs 5, a good one classified bad costs 1) and the baselines a network must beat:
always "good" is right 70% of the time, always "bad" costs 0.70 per row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.spec import NetSpec, Recipe, TrainSpec
from tasks.base import DataError, Task
from tasks.credit_metrics import german_credit_metrics
from tasks.datadir import DataDirLoader, DataFile, DataSet
from tasks.tabular import Column, is_number, n_inputs, stratified_table_split

FILE = "german.data"
TEST_FRACTION = 0.25
CLASSES = ("good", "bad")

DATA = DataSet(
    name="german-credit",
    files=(DataFile(FILE,
                    "sha256:b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871"),),
    mirrors=(
        "https://archive.ics.uci.edu/ml/machine-learning-databases/statlog/german/",
        # The copy the verified file was taken from, pinned to its commit.
        "https://raw.githubusercontent.com/lfvvercosa/base_german/"
        "79e3c5d7dbed57ca5b2b92cba72c1d9350c6370a/",
    ),
    origin="UCI Machine Learning Repository, Statlog (German Credit Data), "
           "https://archive.ics.uci.edu/dataset/144 (file german.data)",
)


def _codes(attribute: int, last: int) -> tuple[str, ...]:
    return tuple(f"A{attribute}{k}" for k in range(last + 1))


#: The 20 attributes in file order (german.doc, section 7).
COLUMNS: tuple[Column, ...] = (
    Column("checking_account", _codes(1, 4)[1:]),          # A11..A14
    Column("duration_months"),
    Column("credit_history", _codes(3, 4)),                # A30..A34
    Column("purpose", (*_codes(4, 9), "A410")),            # A40..A49, A410
    Column("credit_amount"),
    Column("savings", _codes(6, 5)[1:]),                   # A61..A65
    Column("employment_since", _codes(7, 5)[1:]),          # A71..A75
    Column("installment_rate"),
    Column("personal_status_sex", _codes(9, 5)[1:]),       # A91..A95
    Column("other_debtors", _codes(10, 3)[1:]),            # A101..A103
    Column("residence_since"),
    Column("property", _codes(12, 4)[1:]),                 # A121..A124
    Column("age_years"),
    Column("other_installment_plans", _codes(14, 3)[1:]),  # A141..A143
    Column("housing", _codes(15, 3)[1:]),                  # A151..A153
    Column("existing_credits"),
    Column("job", _codes(17, 4)[1:]),                      # A171..A174
    Column("people_liable"),
    Column("telephone", _codes(19, 2)[1:]),                # A191, A192
    Column("foreign_worker", _codes(20, 2)[1:]),           # A201, A202
)
N_INPUTS = n_inputs(COLUMNS)


def read_table(path: str | Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(table, y) from german.data: column name -> values (codes as str, numbers as float64),
    y int64 with 0 = good, 1 = bad. DataError names the line of any malformed row."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a plain-text german.data file ({exc})") from None
    rows, labels = [], []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != len(COLUMNS) + 1:
            raise DataError(f"{path}, line {number}: {len(fields)} fields, expected "
                            f"{len(COLUMNS)} attributes and the class")
        if fields[-1] not in ("1", "2"):
            raise DataError(f"{path}, line {number}: class {fields[-1]!r}, expected 1 (good) "
                            "or 2 (bad)")
        rows.append(fields[:-1])
        labels.append(int(fields[-1]) - 1)
    if not rows:
        raise DataError(f"{path}: no data rows")
    table = {}
    for j, column in enumerate(COLUMNS):
        values = [row[j] for row in rows]
        if column.categories is None:
            try:
                table[column.name] = np.array(values, dtype=np.float64)
            except ValueError:
                line = next(i for i, v in enumerate(values, 1) if not is_number(v))
                raise DataError(f"{path}: column {column.name}, data row {line}: "
                                f"{values[line - 1]!r} is not a number") from None
        else:
            table[column.name] = np.array(values)
    return table, np.array(labels, dtype=np.int64)


build_split = stratified_table_split(FILE, COLUMNS, read_table, TEST_FRACTION)


_RECIPES = (
    Recipe(
        "course",
        # The course's rule of thumb for the hidden layer: (inputs + outputs) / 2 units, and its
        # Keras practice: sigmoid hidden units, softmax, cross-entropy, plain SGD.
        NetSpec((N_INPUTS, (N_INPUTS + 2) // 2, 2), activation="sigmoid", output="softmax",
                loss="categorical_crossentropy", init="glorot_uniform"),
        TrainSpec(optimizer="sgd", lr=0.1, batch_size=32, epochs=100, dtype="float32"),
        f"course-style {N_INPUTS}-{(N_INPUTS + 2) // 2}-2 sigmoid ((inputs + outputs) / 2 "
        "hidden units), softmax, categorical cross-entropy, SGD lr 0.1, batch 32, 100 epochs",
    ),
    Recipe(
        "modern",
        NetSpec((N_INPUTS, 64, 2), activation="relu", output="softmax",
                loss="categorical_crossentropy", init="he_normal"),
        TrainSpec(optimizer="adam", lr=0.001, batch_size=32, epochs=30, l2=0.03,
                  dtype="float32"),
        f"{N_INPUTS}-64-2 ReLU (he_normal), softmax, categorical cross-entropy, l2 0.03, "
        "Adam lr 0.001, batch 32, 30 epochs",
    ),
)

GERMAN_CREDIT = Task(
    name="german-credit",
    description="UCI German credit (1,000 applicants, good/bad), stratified 75/25 holdout",
    classes=CLASSES,
    n_features=N_INPUTS,
    protocol="holdout",
    recipes={recipe.name: recipe for recipe in _RECIPES},
    load=DataDirLoader(DATA, build_split),
    target_accuracy=None,
    source="UCI Statlog German credit, $NNBENCH_DATA_DIR/german-credit/german.data "
           "(`nnbench fetch german-credit`)",
    metrics=german_credit_metrics,
)
