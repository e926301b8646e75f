"""Default of credit card clients (Taiwan, 2005; I-Cheng Yeh, UCI): 30,000 clients, 23 inputs.

File: `$NNBENCH_DATA_DIR/credit-default/UCI_Credit_Card.csv`, the widely used CSV rendition of
UCI's `default of credit card clients.xls` (Kaggle "uciml"): a quoted header row
`ID, LIMIT_BAL, SEX, EDUCATION, MARRIAGE, AGE, PAY_0, PAY_2..PAY_6, BILL_AMT1..6, PAY_AMT1..6,
default.payment.next.month`, then 30,000 rows (6,636 defaults). UCI itself distributes only the
.xls; the download mirrors are copies of the CSV pinned to a commit and verified by checksum.

Inputs: ID dropped; SEX, EDUCATION and MARRIAGE one-hot over the codes that occur (EDUCATION
0..6 and MARRIAGE 0..3 include undocumented codes, kept as categories of their own); LIMIT_BAL,
AGE, the repayment statuses PAY_0, PAY_2..PAY_6 (ordinal months of delay, kept numeric), the
bill and payment amounts standardised with the training rows' statistics: 33 inputs.
Classes: ("no default", "default"). Protocol: a stratified 75/25 holdout split per seed.
Metrics: ROC AUC and the majority-class baseline (about 0.78).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from bench.spec import NetSpec, Recipe, TrainSpec
from tasks.base import DataError, Task
from tasks.credit_metrics import auc_and_majority
from tasks.datadir import DataDirLoader, DataFile, DataSet
from tasks.tabular import (
    Column,
    check_finite,
    is_number,
    n_inputs,
    stratified_table_split,
)

FILE = "UCI_Credit_Card.csv"
TEST_FRACTION = 0.25
CLASSES = ("no default", "default")
LABEL = "default.payment.next.month"

DATA = DataSet(
    name="credit-default",
    files=(DataFile(FILE,
                    "sha256:a0f0ab49d6326671d6cd83be5c88dcf18007025fe9a53ecd699119c871176ca1"),),
    # UCI serves the data only as an .xls; these are byte-identical copies of the CSV in public
    # repositories, each pinned to a commit (the checksum is what vouches for them).
    mirrors=(
        "https://raw.githubusercontent.com/sandeshsk12/credit_card/"
        "4fefccf512df15dbf9c26dfaf82145ddfde27ce0/",
        "https://raw.githubusercontent.com/Vinit21592/CreditCard-Default-Prediction/"
        "50c7e15a8ded4defae95b42d272f2c2ae04e5e52/",
    ),
    origin="UCI Machine Learning Repository, default of credit card clients "
           "(https://archive.ics.uci.edu/dataset/350, an .xls); the CSV UCI_Credit_Card.csv is "
           "Kaggle's https://www.kaggle.com/datasets/uciml/default-of-credit-card-clients-dataset",
)

PAY_STATUS = ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6")
BILLS = tuple(f"BILL_AMT{k}" for k in range(1, 7))
PAYMENTS = tuple(f"PAY_AMT{k}" for k in range(1, 7))
HEADER = ("ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE", *PAY_STATUS, *BILLS,
          *PAYMENTS, LABEL)

COLUMNS: tuple[Column, ...] = (
    Column("LIMIT_BAL"),
    Column("SEX", (1, 2)),
    Column("EDUCATION", tuple(range(7))),
    Column("MARRIAGE", tuple(range(4))),
    Column("AGE"),
    *(Column(name) for name in (*PAY_STATUS, *BILLS, *PAYMENTS)),
)
N_INPUTS = n_inputs(COLUMNS)


def read_table(path: str | Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(table, y) from the CSV: column name -> float64 values (categorical codes as int64),
    y int64 with 1 = default. DataError names the line of any malformed row."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != HEADER:
            raise DataError(f"{path}: header {header} should be {list(HEADER)}")
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(HEADER):
                raise DataError(f"{path}, line {reader.line_num}: {len(row)} fields, expected "
                                f"{len(HEADER)}")
            try:
                rows.append([float(v) for v in row])
            except ValueError:
                bad = next(i for i, v in enumerate(row) if not is_number(v))
                raise DataError(f"{path}, line {reader.line_num}: {HEADER[bad]}={row[bad]!r} "
                                "is not a number") from None
    if not rows:
        raise DataError(f"{path}: no data rows")
    data = np.array(rows, dtype=np.float64)
    table = {name: data[:, j] for j, name in enumerate(HEADER)}
    check_finite(table, [Column(name) for name in HEADER], str(path))
    for column in COLUMNS:
        if column.categories is not None:
            values = table[column.name]
            if np.any(values != np.round(values)):
                raise DataError(f"{path}: column {column.name} holds non-integer codes")
            table[column.name] = values.astype(np.int64)
    labels = table.pop(LABEL)
    if not np.all(np.isin(labels, (0, 1))):
        raise DataError(f"{path}: {LABEL} must be 0 or 1")
    del table["ID"]
    return table, labels.astype(np.int64)


build_split = stratified_table_split(FILE, COLUMNS, read_table, TEST_FRACTION)


_RECIPES = (
    Recipe(
        "course",
        NetSpec((N_INPUTS, (N_INPUTS + 2) // 2, 2), activation="sigmoid", output="softmax",
                loss="categorical_crossentropy", init="glorot_uniform"),
        TrainSpec(optimizer="sgd", lr=0.1, batch_size=128, epochs=30, dtype="float32"),
        f"course-style {N_INPUTS}-{(N_INPUTS + 2) // 2}-2 sigmoid ((inputs + outputs) / 2 "
        "hidden units), softmax, categorical cross-entropy, SGD lr 0.1, batch 128, 30 epochs",
    ),
    Recipe(
        "modern",
        NetSpec((N_INPUTS, 64, 32, 2), activation="relu", output="softmax",
                loss="categorical_crossentropy", init="he_normal"),
        TrainSpec(optimizer="adam", lr=0.001, batch_size=128, epochs=20, l2=0.001,
                  dtype="float32"),
        f"{N_INPUTS}-64-32-2 ReLU (he_normal), softmax, categorical cross-entropy, l2 0.001, "
        "Adam lr 0.001, batch 128, 20 epochs",
    ),
)

CREDIT_DEFAULT = Task(
    name="credit-default",
    description="credit card default (30,000 clients, Taiwan), stratified 75/25 holdout",
    classes=CLASSES,
    n_features=N_INPUTS,
    protocol="holdout",
    recipes={recipe.name: recipe for recipe in _RECIPES},
    load=DataDirLoader(DATA, build_split),
    target_accuracy=None,
    source="UCI default of credit card clients (CSV UCI_Credit_Card.csv), "
           "$NNBENCH_DATA_DIR/credit-default (`nnbench fetch credit-default`)",
    metrics=auc_and_majority,
)
