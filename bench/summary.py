"""Per task x recipe x backend summary of a run directory: summary.csv and the terminal table.

Only `ok` records enter the accuracy and time statistics; every record, whatever its status,
is counted in `statuses` and its reason kept in `errors`, so nothing is silently dropped.

Time to target: where a task sets `target_accuracy`, the training time (sum of epoch seconds,
evaluation excluded) until the first validation evaluation at or above the target; seeds that
never reach it are counted in `target_reached` and left out of the median.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.stats import summarize

SUMMARY_FILE = "summary.csv"
TIME_KEYS = ("fit_seconds", "first_epoch_seconds", "steady_epoch_seconds", "predict_seconds")
COLUMNS = ("task", "recipe", "backend", "runs", "ok", "statuses", "test_accuracy_mean",
           "test_accuracy_std", "test_accuracy_ci95", "test_accuracy_worst", "test_accuracy_best",
           "train_accuracy_mean", *(f"{k}_mean" for k in TIME_KEYS), "epochs_run_mean",
           "peak_rss_mb_max", "n_params", "deviations", "errors",
           # added with the report (older readers keep working: the columns above come first)
           "test_accuracy_worst_seed", "test_accuracy_best_seed", "import_seconds_mean",
           "build_seconds_mean", "target_accuracy", "target_reached",
           "time_to_target_seconds_median", "stop_reasons", "task_metrics")

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


def _seed_of(records: list[dict[str, Any]], value: float) -> Any:
    return next((r["seed"] for r in records if r["metrics"].get("test_accuracy") == value), None)


def summarize_records(records: list[dict[str, Any]],
                      targets: Callable[[str], float | None] = target_accuracy,
                      ) -> list[dict[str, Any]]:
    """One row per task x recipe x backend, in the order the groups first appear.

    `targets` maps a task name to its target accuracy (default: the task registry's).
    """
    target_of: dict[str, float | None] = {}
    groups = group_records(records)
    rows = []
    for (task, recipe, backend), group in groups.items():
        ok = [r for r in group if r["status"] == "ok"]
        acc = summarize(r["metrics"].get("test_accuracy") for r in ok)
        statuses = Counter(r["status"] for r in group)
        row: dict[str, Any] = {
            "task": task, "recipe": recipe, "backend": backend,
            "runs": len(group), "ok": len(ok),
            "statuses": " ".join(f"{s}:{n}" for s, n in sorted(statuses.items())),
            "test_accuracy_mean": acc.mean, "test_accuracy_std": acc.std,
            "test_accuracy_ci95": acc.ci95, "test_accuracy_worst": acc.low,
            "test_accuracy_best": acc.high,
            "train_accuracy_mean": summarize(r["metrics"].get("train_accuracy") for r in ok).mean,
            "epochs_run_mean": summarize(r.get("epochs_run") for r in ok).mean,
            "peak_rss_mb_max": max((r["peak_rss_mb"] for r in ok if r.get("peak_rss_mb")),
                                   default=float("nan")),
            "n_params": next((r["n_params"] for r in ok if r.get("n_params")), None),
            "deviations": "; ".join(sorted({d for r in group for d in r.get("deviations", [])})),
            "errors": "; ".join(sorted({r["error"] for r in group
                                        if r["status"] != "ok" and r.get("error")})),
        }
        for key in TIME_KEYS + ("import_seconds", "build_seconds"):
            row[f"{key}_mean"] = summarize(r["timing"].get(key) for r in ok).mean
        if task not in target_of:
            target_of[task] = targets(task)
        target = target_of[task]
        reached = [t for t in (time_to_target(r, target) for r in ok) if t is not None]
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
    if row["ok"] > 1:
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
                      _seconds(row["fit_seconds_mean"]),
                      _seconds(row["steady_epoch_seconds_mean"]), runs)
        previous = group
    return table


def print_summary(rows: list[dict[str, Any]], title: str, console: Console | None = None) -> None:
    (console or Console()).print(summary_table(rows, title))
