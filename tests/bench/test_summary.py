import csv
import io

import pytest
from rich.console import Console

from bench.records import new_record
from bench.summary import COLUMNS, summarize_records, summary_table, write_summary_csv


def record(backend, seed, status="ok", acc=None, error=None):
    r = new_record({"run_id": f"xor/modern/{backend}/{seed}", "task": "xor", "recipe": "modern",
                    "backend": backend, "seed": seed, "net": {}, "train": {}})
    r.update(status=status, error=error, n_params=17, peak_rss_mb=50.0, epochs_run=10)
    if status == "ok":
        r["metrics"] = {"test_accuracy": acc, "train_accuracy": 1.0}
        r["timing"].update(fit_seconds=0.5, steady_epoch_seconds=0.01, first_epoch_seconds=0.02,
                           predict_seconds=0.001)
    return r


RECORDS = [record("numpy", 0, acc=1.0), record("slow", 0, status="timeout", error="too slow"),
           record("numpy", 1, acc=0.75), record("slow", 1, acc=0.5),
           record("numpy", 2, acc=1.0), record("slow", 2, status="failed", error="boom")]


def test_rows_group_by_task_recipe_backend_and_keep_failures():
    numpy_row, slow_row = summarize_records(RECORDS)
    assert (numpy_row["backend"], numpy_row["runs"], numpy_row["ok"]) == ("numpy", 3, 3)
    assert numpy_row["test_accuracy_mean"] == pytest.approx(2.75 / 3)
    assert (numpy_row["test_accuracy_worst"], numpy_row["test_accuracy_best"]) == (0.75, 1.0)
    assert numpy_row["test_accuracy_ci95"] > 0
    assert slow_row["statuses"] == "failed:1 ok:1 timeout:1"
    assert slow_row["errors"] == "boom; too slow"
    assert slow_row["test_accuracy_mean"] == 0.5


def test_csv_has_every_column(tmp_path):
    path = tmp_path / "summary.csv"
    write_summary_csv(summarize_records(RECORDS), path)
    rows = list(csv.DictReader(open(path)))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 2
    assert rows[1]["test_accuracy_ci95"] == ""  # one ok seed: no interval, not a fake one


def test_table_shows_interval_and_reasons():
    out = io.StringIO()
    Console(file=out, width=200).print(summary_table(summarize_records(RECORDS)))
    text = out.getvalue()
    assert "0.917 ±" in text and "0.750..1.000" in text
    assert "timeout:1" in text and "too slow" in text
