"""Per task x recipe x backend summary of a run directory: summary.csv and the terminal table.

Only `ok` records enter the accuracy and time statistics; every record, whatever its status,
is counted in `statuses` and its reason kept in `errors`, so nothing is silently dropped.

Timing repeats (`nnbench run --repeat N`): accuracy statistics (and the task's metrics, train
accuracy, epochs run and time to target) take one record per seed, the ok record with the
lowest repeat index (repeat 0 unless it failed; a seed's repeats train the same network on the
same data in the same order, so they differ in time, not in what they learn). Timing columns
take every ok record: without repeats they show the mean over seeds, as they always did; with
repeats the median over every ok run of the group (seeds x repeats; the seeds' nets have the
same shape, so they are further timing samples) and its interquartile range, e.g.
"12.4 ms (IQR 0.3)". summary.csv has the mean, median and IQR either way.

Throughput: `steady_gflops` is the group's training FLOPs per epoch (`bench.execution.flops`, from each
record's `throughput`) over the steady-epoch time shown (mean, or median with repeats);
`steady_percent_of_peak` relates it to the machine's measured float32 matmul peak when the
run directory has one (`bench.execution.peak`, stored in plan.json).

Time to target: where a task sets `target_accuracy`, the training time (sum of epoch seconds,
evaluation excluded) until the first validation evaluation at or above the target; seeds that
never reach it are counted in `target_reached` and left out of the median.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.results.stats import summarize

SUMMARY_FILE = "summary.csv"
TIME_KEYS = ("fit_seconds", "first_epoch_seconds", "steady_epoch_seconds", "predict_seconds")
COLUMNS = ("task", "recipe", "backend", "runs", "ok", "statuses", "test_accuracy_mean",
           "test_accuracy_std", "test_accuracy_ci95", "test_accuracy_worst", "test_accuracy_best",
           "train_accuracy_mean", *(f"{k}_mean" for k in TIME_KEYS), "epochs_run_mean",
           "peak_rss_mb_max", "n_params", "deviations", "errors",
           # added with the report (older readers keep working: the columns above come first)
           "test_accuracy_worst_seed", "test_accuracy_best_seed", "import_seconds_mean",
           "build_seconds_mean", "target_accuracy", "target_reached",
           "time_to_target_seconds_median", "stop_reasons", "task_metrics",
           # added with timing repeats and throughput
           "repeats", "ok_seeds", *(f"{k}_{s}" for k in TIME_KEYS for s in ("median", "iqr")),
           "flops_per_epoch", "steady_gflops", "steady_percent_of_peak")

#: metrics every record has; anything else in `metrics` is a task's own (AUC, cost, ...)
STANDARD_METRICS = ("train_accuracy", "train_loss", "test_accuracy", "test_loss", "folds")


def task_metric_summaries(ok: list[dict[str, Any]]):
    """{name: Summary over seeds} of the task-specific metrics of ok records, sorted by name."""
    names = sorted({k for r in ok for k in r["metrics"] if k not in STANDARD_METRICS})
    return {name: summarize(r["metrics"].get(name) for r in ok) for name in names}


def _task_metrics_text(summaries) -> str:
    return "; ".join(f"{name}={s.mean:.4g}" + (f"±{s.ci95:.2g}" if s.n > 1 else "")
                     for name, s in summaries.items())


def target_accuracy(task: str) -> float | None:
    """The task's target accuracy from the registry; None for unknown tasks or no target."""
    try:
        from tasks.registry import get_task

        value = get_task(task).target_accuracy
    except (KeyError, ImportError, AttributeError, ValueError):
        return None
    return None if value is None else float(value)


def time_to_target(record: dict[str, Any], target: float | None) -> float | None:
    """Training seconds until the first validation evaluation reaching `target`, or None.

    Uses history.val_accuracy at history.val_epochs (1-based; every epoch when absent) and the
    per-epoch seconds, which exclude evaluation time.
    """
    if target is None:
        return None
    history = record.get("history") or {}
    accuracies = history.get("val_accuracy") or []
    seconds = history.get("epoch_seconds") or []
    epochs = history.get("val_epochs") or list(range(1, len(accuracies) + 1))
    for epoch, acc in zip(epochs, accuracies):
        if acc is not None and acc >= target - 1e-12:
            if epoch > len(seconds):
                return None
            return float(sum(seconds[:epoch]))
    return None


def group_records(records: list[dict[str, Any]],
                  ) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Records by (task, recipe, backend): tasks, then their recipes, then backends, each in
    the order it first appears (runs finishing out of order, as with --jobs 2, or a resumed
    run, still list every task x recipe's backends together)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    first: dict[Any, int] = {}
    for record in records:
        task, recipe, backend = record["task"], record["recipe"], record["backend"]
        for key in (("task", task), ("recipe", task, recipe), ("backend", backend)):
            first.setdefault(key, len(first))
        groups.setdefault((task, recipe, backend), []).append(record)
    order = sorted(groups, key=lambda k: (first[("task", k[0])], first[("recipe", k[0], k[1])],
                                          first[("backend", k[2])]))
    return {key: groups[key] for key in order}


def repeat_of(record: dict[str, Any]) -> int:
    """The record's timing-repeat index (records written before repeats existed: 0)."""
    return int(record.get("repeat") or 0)


def per_seed(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per seed, in order of first appearance: the ok one with the lowest repeat
    index, else (no ok repeat) the one with the lowest repeat index. Without repeats: every
    record, unchanged."""
    by_seed: dict[Any, dict[str, Any]] = {}
    for record in records:
        seed = record.get("seed")
        best = by_seed.get(seed)
        if best is None or (record["status"] == "ok", -repeat_of(record)) > \
                (best["status"] == "ok", -repeat_of(best)):
            by_seed[seed] = record
    return list(by_seed.values())


def quartile_spread(values: Iterable[Any]) -> tuple[float, float]:
    """(median, interquartile range) of the finite values; (nan, nan) when there are none."""
    arr = np.array([v for v in values if v is not None], dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return float("nan"), float("nan")
    q1, q2, q3 = np.percentile(arr, [25, 50, 75])
    return float(q2), float(q3 - q1)


def _seed_time_to_target(records: list[dict[str, Any]], target: float | None
                         ) -> list[float]:
    """Per seed that reached the target: the median over its ok repeats that reached it."""
    times: dict[Any, list[float]] = {}
    for record in records:
        value = time_to_target(record, target)
        if value is not None:
            times.setdefault(record.get("seed"), []).append(value)
    return [statistics.median(t) for t in times.values()]


def _seed_of(records: list[dict[str, Any]], value: float) -> Any:
    return next((r["seed"] for r in records if r["metrics"].get("test_accuracy") == value), None)


def summarize_records(records: list[dict[str, Any]],
                      targets: Callable[[str], float | None] = target_accuracy,
                      peak_gflops: float | None = None) -> list[dict[str, Any]]:
    """One row per task x recipe x backend, in the order the groups first appear.

    `targets` maps a task name to its target accuracy (default: the task registry's);
    `peak_gflops` is the machine's measured matmul peak (for `steady_percent_of_peak`).
    """
    target_of: dict[str, float | None] = {}
    groups = group_records(records)
    rows = []
    for (task, recipe, backend), group in groups.items():
        ok_runs = [r for r in group if r["status"] == "ok"]   # timing: every repeat
        ok = [r for r in per_seed(group) if r["status"] == "ok"]  # accuracy: one per seed
        acc = summarize(r["metrics"].get("test_accuracy") for r in ok)
        statuses = Counter(r["status"] for r in group)
        repeats = 1 + max((repeat_of(r) for r in group), default=0)
        row: dict[str, Any] = {
            "task": task, "recipe": recipe, "backend": backend,
            "runs": len(group), "ok": len(ok_runs), "ok_seeds": len(ok), "repeats": repeats,
            "statuses": " ".join(f"{s}:{n}" for s, n in sorted(statuses.items())),
            "test_accuracy_mean": acc.mean, "test_accuracy_std": acc.std,
            "test_accuracy_ci95": acc.ci95, "test_accuracy_worst": acc.low,
            "test_accuracy_best": acc.high,
            "train_accuracy_mean": summarize(r["metrics"].get("train_accuracy") for r in ok).mean,
            "epochs_run_mean": summarize(r.get("epochs_run") for r in ok).mean,
            "peak_rss_mb_max": max((r["peak_rss_mb"] for r in ok_runs if r.get("peak_rss_mb")),
                                   default=float("nan")),
            "n_params": next((r["n_params"] for r in ok if r.get("n_params")), None),
            "deviations": "; ".join(sorted({d for r in group for d in r.get("deviations", [])})),
            "errors": "; ".join(sorted({r["error"] for r in group
                                        if r["status"] != "ok" and r.get("error")})),
        }
        for key in TIME_KEYS + ("import_seconds", "build_seconds"):
            values = [r["timing"].get(key) for r in ok_runs]
            row[f"{key}_mean"] = summarize(values).mean
            if key in TIME_KEYS:
                row[f"{key}_median"], row[f"{key}_iqr"] = quartile_spread(values)
        flops = [(r.get("throughput") or {}).get("flops_per_epoch") for r in ok_runs]
        flops = [f for f in flops if f]
        row["flops_per_epoch"] = statistics.median(flops) if flops else None
        steady = time_value(row, "steady_epoch_seconds")
        row["steady_gflops"] = (row["flops_per_epoch"] / steady / 1e9
                                if flops and math.isfinite(steady) and steady > 0
                                else float("nan"))
        row["steady_percent_of_peak"] = (100 * row["steady_gflops"] / peak_gflops
                                         if peak_gflops else float("nan"))
        if task not in target_of:
            target_of[task] = targets(task)
        target = target_of[task]
        reached = _seed_time_to_target(ok_runs, target)
        row["task_metric_summaries"] = task_metric_summaries(ok)
        row["task_metrics"] = _task_metrics_text(row["task_metric_summaries"])
        row.update(
            test_accuracy_worst_seed=_seed_of(ok, acc.low) if ok else None,
            test_accuracy_best_seed=_seed_of(ok, acc.high) if ok else None,
            target_accuracy=target,
            target_reached=len(reached) if target is not None else None,
            time_to_target_seconds_median=statistics.median(reached) if reached
            else float("nan"),
            stop_reasons="; ".join(sorted({r["stop_reason"] for r in group
                                           if r.get("stop_reason")})))
        rows.append(row)
    return rows


def time_value(row: dict[str, Any], key: str) -> float:
    """The time a table shows for `key` (e.g. "steady_epoch_seconds"): the mean over seeds,
    or with timing repeats the median over every ok run."""
    return row[f"{key}_median"] if row.get("repeats", 1) > 1 else row[f"{key}_mean"]


def _iqr_text(iqr: float, median: float) -> str:
    """The IQR in the unit `format_seconds` gives the median, without the unit."""
    scale = 1e6 if median < 1e-3 else 1e3 if median < 1 else 1.0
    value = iqr * scale
    return f"{value:.0f}" if value >= 100 else f"{value:.2g}"


def timing_cell(row: dict[str, Any], key: str,
                single: Callable[[float], str] | None = None) -> str:
    """`key`'s time as a table shows it: the seed mean ("12.4 ms", formatted by `single`,
    default `format_seconds`), or with timing repeats the median over every ok run and its
    interquartile range in the median's unit ("12.4 ms (IQR 0.3)")."""
    if row.get("repeats", 1) <= 1:
        return (single or format_seconds)(row[f"{key}_mean"])
    median, iqr = row[f"{key}_median"], row[f"{key}_iqr"]
    if median is None or not math.isfinite(median):
        return "-"
    return f"{format_seconds(median)} (IQR {_iqr_text(iqr, median)})"


def gflops_cell(row: dict[str, Any]) -> str:
    """Achieved GFLOP/s of the steady epoch, with the share of the matmul peak when known:
    "12.3 (41%)"; "-" without a throughput."""
    value = row.get("steady_gflops")
    if value is None or not math.isfinite(value):
        return "-"
    text = f"{value:.3g}" if value < 100 else f"{value:.0f}"
    share = row.get("steady_percent_of_peak")
    if share is not None and math.isfinite(share):
        text += f" ({share:.0f}%)" if share >= 10 else f" ({share:.2g}%)"
    return text


def write_summary_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row[k]) for k in COLUMNS})


def _csv_value(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return value


def _accuracy_cell(row: dict[str, Any]) -> str:
    if row["ok"] == 0:
        return "-"
    text = f"{row['test_accuracy_mean']:.3f}"
    if row.get("ok_seeds", row["ok"]) > 1:
        text += f" ± {row['test_accuracy_ci95']:.3f}"
    return text


def format_seconds(value: float | None) -> str:
    """3 significant digits in µs, ms or s; '-' for no value."""
    if value is None or not math.isfinite(value):
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s" if value < 1000 else f"{value:,.0f} s"


def _seconds(value: float) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value * 1000:.2f} ms" if value < 1 else f"{value:.2f} s"


def summary_table(rows: list[dict[str, Any]], title: str = "nnbench") -> Table:
    """A rich table: mean test accuracy ± 95% CI over seeds, seed range, times, statuses."""
    table = Table(title=title, title_justify="left", header_style="bold")
    for name, justify in (("task", "left"), ("recipe", "left"), ("backend", "left"),
                          ("test acc (95% CI)", "right"), ("worst..best", "right"),
                          ("train acc", "right"), ("fit", "right"), ("steady epoch", "right"),
                          ("runs", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "runs")
    previous = None
    for row in rows:
        group = (row["task"], row["recipe"])
        if previous is not None and group[0] != previous[0]:
            table.add_section()
        same = group == previous
        seeds = (f"{row['test_accuracy_worst']:.3f}..{row['test_accuracy_best']:.3f}"
                 if row["ok"] else "-")
        runs = row["statuses"] if row["ok"] == row["runs"] else \
            f"{row['statuses']} — {row['errors']}"[:120]
        train = "-" if row["ok"] == 0 else f"{row['train_accuracy_mean']:.3f}"
        table.add_row("" if same else row["task"], "" if same else row["recipe"],
                      row["backend"], _accuracy_cell(row), seeds, train,
                      timing_cell(row, "fit_seconds", _seconds),
                      timing_cell(row, "steady_epoch_seconds", _seconds), runs)
        previous = group
    return table


def print_summary(rows: list[dict[str, Any]], title: str, console: Console | None = None) -> None:
    (console or Console()).print(summary_table(rows, title))
