"""summary.csv: one row per task x recipe x backend, its columns derived from `GroupSummary`.

`COLUMNS` pairs each column name with how it is read from a summary. The first columns are
those of the first nnbench versions, later ones were appended, so older readers keep working;
numbers are written with 6 significant digits, a missing value as an empty cell.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from typing import Any

from bench.results.summary import GroupSummary

#: the four phases summary.csv has mean, median and IQR columns for
CSV_PHASES = ("fit", "first_epoch", "steady_epoch", "predict")


def _task_metrics(s: GroupSummary) -> str:
    return "; ".join(f"{name}={m.mean:.4g}" + (f"±{m.ci95:.2g}" if m.n > 1 else "")
                     for name, m in s.task_metrics.items())


def _phase(phase: str, stat: str) -> Callable[[GroupSummary], float]:
    return lambda s: getattr(s.times.of(phase), stat)


COLUMNS: tuple[tuple[str, Callable[[GroupSummary], Any]], ...] = (
    ("task", lambda s: s.task),
    ("recipe", lambda s: s.recipe),
    ("backend", lambda s: s.backend),
    ("runs", lambda s: s.runs),
    ("ok", lambda s: s.ok),
    ("statuses", lambda s: s.status_counts()),
    ("test_accuracy_mean", lambda s: s.accuracy.mean),
    ("test_accuracy_std", lambda s: s.accuracy.std),
    ("test_accuracy_ci95", lambda s: s.accuracy.ci95),
    ("test_accuracy_worst", lambda s: s.accuracy.low),
    ("test_accuracy_best", lambda s: s.accuracy.high),
    ("train_accuracy_mean", lambda s: s.train_accuracy),
    *((f"{p}_seconds_mean", _phase(p, "mean")) for p in CSV_PHASES),
    ("epochs_run_mean", lambda s: s.epochs_run),
    ("peak_rss_mb_max", lambda s: s.peak_rss_mb),
    ("n_params", lambda s: s.n_params),
    ("deviations", lambda s: "; ".join(s.deviations)),
    ("errors", lambda s: "; ".join(s.errors)),
    # added with the report
    ("test_accuracy_worst_seed", lambda s: s.worst_seed),
    ("test_accuracy_best_seed", lambda s: s.best_seed),
    ("import_seconds_mean", _phase("import", "mean")),
    ("build_seconds_mean", _phase("build", "mean")),
    ("target_accuracy", lambda s: s.target),
    ("target_reached", lambda s: s.target_reached),
    ("time_to_target_seconds_median", lambda s: s.time_to_target),
    ("stop_reasons", lambda s: "; ".join(s.stop_reasons)),
    ("task_metrics", _task_metrics),
    # added with timing repeats and throughput
    ("repeats", lambda s: s.repeats),
    ("ok_seeds", lambda s: s.ok_seeds),
    *((f"{p}_seconds_{stat}", _phase(p, stat)) for p in CSV_PHASES for stat in ("median", "iqr")),
    ("flops_per_epoch", lambda s: s.flops_per_epoch),
    ("steady_gflops", lambda s: s.steady_gflops),
    ("steady_percent_of_peak", lambda s: s.steady_percent_of_peak),
    # added with the run directory's planned-run accounting
    ("not_run", lambda s: s.missing),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)


def csv_value(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return "" if value is None else value


def csv_row(summary: GroupSummary) -> dict[str, Any]:
    """The summary's row as summary.csv writes it (column name -> cell)."""
    return {name: csv_value(read(summary)) for name, read in COLUMNS}


def summary_csv(summaries: list[GroupSummary]) -> str:
    """The text of summary.csv."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMN_NAMES, lineterminator="\r\n")
    writer.writeheader()
    for summary in summaries:
        writer.writerow(csv_row(summary))
    return buffer.getvalue()
