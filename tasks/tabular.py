"""Turning a table of mixed columns into network inputs (NumPy only).

A table is a dict column name -> 1-d array (strings or numbers), described by a tuple of
`Column`s: categorical columns list their categories (declared up front, from the data set's
documentation, so the number of inputs is known without reading the data), numeric ones do not.
`encode_split` one-hot encodes the categorical columns and standardises the numeric ones with
the mean and standard deviation of the *training rows only*, so nothing about the test rows
leaks into the inputs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tasks.base import DataError, Split
from tasks.datadir import file_key
from tasks.splits import stratified_split

Table = tuple[dict[str, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Column:
    """A table column: numeric when `categories` is None, else one input per category."""

    name: str
    categories: tuple | None = None

    @property
    def width(self) -> int:
        return 1 if self.categories is None else len(self.categories)


def n_inputs(columns: Sequence[Column]) -> int:
    return sum(c.width for c in columns)


def feature_names(columns: Sequence[Column]) -> list[str]:
    """Input names in encoding order: the column name, or "name=category" for one-hot inputs."""
    return [c.name if c.categories is None else f"{c.name}={k}"
            for c in columns for k in (c.categories or (None,))]


def one_hot(values: np.ndarray, column: Column, where: str) -> np.ndarray:
    """(n, len(categories)) float64 indicators; DataError naming a value outside the list."""
    values = np.asarray(values)
    hits = values[:, None] == np.asarray(column.categories)[None, :]
    unknown = np.flatnonzero(~hits.any(axis=1))
    if unknown.size:
        i = int(unknown[0])
        raise DataError(f"{where}: column {column.name}, data row {i + 1}: value "
                        f"{values[i].item()!r} is not one of its categories "
                        f"{', '.join(map(str, column.categories))} ({unknown.size} such row(s))")
    return hits.astype(np.float64)


def standardize(values: np.ndarray, train: np.ndarray) -> np.ndarray:
    """(values - mean) / std with the mean and std of `values[train]` (std 0 counts as 1)."""
    values = np.asarray(values, dtype=np.float64)
    mean, std = values[train].mean(), values[train].std()
    return (values - mean) / (std if std > 0 else 1.0)


def check_finite(table: dict[str, np.ndarray], columns: Sequence[Column], where: str) -> None:
    """DataError naming the first numeric column and data row holding NaN or infinity."""
    for column in columns:
        if column.categories is None:
            bad = np.flatnonzero(~np.isfinite(np.asarray(table[column.name], dtype=np.float64)))
            if bad.size:
                raise DataError(f"{where}: column {column.name}, data row {bad[0] + 1}: "
                                f"{table[column.name][bad[0]]} is not a finite number "
                                f"({bad.size} such row(s))")


def encode_split(columns: Sequence[Column], table: dict[str, np.ndarray], y: np.ndarray,
                 train: np.ndarray, test: np.ndarray, where: str) -> Split:
    """The Split of rows `train`/`test`: one-hot categories, numbers standardised on `train`."""
    check_finite(table, columns, where)
    parts = [one_hot(table[c.name], c, where) if c.categories is not None
             else standardize(table[c.name], train)[:, None] for c in columns]
    X = np.hstack(parts)
    return Split(X[train], y[train], X[test], y[test])


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def stratified_table_split(file: str, columns: Sequence[Column],
                           read_table: Callable[[Path], Table], test_fraction: float):
    """A `build_split(paths, seed)` for one table file: read it once per process (again if the
    file is replaced), split it stratified by seed, encode with the training rows' statistics."""

    @functools.cache
    def read(key: tuple[Path, int, int]) -> Table:
        return read_table(key[0])

    def build_split(paths: dict[str, Path], seed: int) -> Split:
        path = paths[file]
        table, y = read(file_key(path))
        train, test = stratified_split(y, test_fraction, seed)
        return encode_split(columns, table, y, train, test, str(path))

    build_split.read = read  # the per-process cache, for inspection
    return build_split
