"""A run directory as pandas DataFrames, for notebooks and analysis scripts.

`runs_frame`: one row per counted record, flat columns: the ids (run_id, task, recipe, backend,
seed, repeat, init), status, error, stop_reason, every metric under its own name
(test_accuracy, test_auc, ...), every phase time (fit_seconds, ...), throughput (rows,
flops_per_epoch, steady_gflops), epochs_run, n_params, peak_rss_mb, wall_seconds, started_at,
and the scalar fields of `env` prefixed `env_` (env_cpu, env_threads, env_framework_version...).
`summaries_frame`: one row per task x recipe x backend with the columns of summary.csv, as
numbers rather than text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bench.execution.records import Record
from bench.results.summary import GroupSummary
from bench.results.summary_csv import COLUMNS

ID_COLUMNS = ("run_id", "task", "recipe", "backend", "seed", "repeat", "init", "status",
              "error", "stop_reason")


def record_row(record: Record) -> dict[str, Any]:
    """One record as a flat dict (see the module docstring)."""
    row: dict[str, Any] = {key: getattr(record, key) for key in ID_COLUMNS}
    row.update(record.metrics)
    row.update(record.timing.to_dict())
    row.update(rows=record.throughput.rows, flops_per_epoch=record.throughput.flops_per_epoch,
               steady_gflops=record.throughput.steady_gflops, epochs_run=record.epochs_run,
               n_params=record.n_params, peak_rss_mb=record.peak_rss_mb,
               wall_seconds=record.wall_seconds, started_at=record.started_at)
    row.update({f"env_{k}": v for k, v in record.env.items()
                if v is None or isinstance(v, (str, int, float, bool))})
    return row


def runs_frame(records: list[Record]) -> pd.DataFrame:
    rows = [record_row(r) for r in records]
    columns = list(dict.fromkeys(k for row in rows for k in row)) or list(ID_COLUMNS)
    return pd.DataFrame(rows, columns=columns)


def summaries_frame(summaries: list[GroupSummary]) -> pd.DataFrame:
    return pd.DataFrame([{name: read(s) for name, read in COLUMNS} for s in summaries],
                        columns=[name for name, _ in COLUMNS])
