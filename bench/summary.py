"""Per task x recipe x backend summary of a run directory: summary.csv and the terminal table.

Only `ok` records enter the accuracy and time statistics; every record, whatever its status,
is counted in `statuses` and its reason kept in `errors`, so nothing is silently dropped.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
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
           "peak_rss_mb_max", "n_params", "deviations", "errors")


def _group_key(record: dict[str, Any]) -> tuple[str, str, str]:
    return record["task"], record["recipe"], record["backend"]


def summarize_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per task x recipe x backend, in the order the groups first appear."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(_group_key(record), []).append(record)
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
        for key in TIME_KEYS:
            row[f"{key}_mean"] = summarize(r["timing"].get(key) for r in ok).mean
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
