import csv
import io

import pytest
from rich.console import Console

from bench.results.records import new_record
from bench.results.summary import (
    COLUMNS,
    gflops_cell,
    per_seed,
    summarize_records,
    summary_table,
    timing_cell,
    write_summary_csv,
)


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


def timed(seed, repeat, steady, acc=1.0, status="ok"):
    r = record("numpy", seed, status=status, acc=acc, error=None if status == "ok" else "x")
    r.update(repeat=repeat, run_id=f"{r['run_id']}/r{repeat}")
    if status == "ok":
        r["timing"]["steady_epoch_seconds"] = steady
        r["throughput"] = {"rows": 100, "flops_per_epoch": 2e6, "steady_gflops": None}
    return r


def test_repeats_give_one_accuracy_per_seed_and_median_iqr_times():
    # seed 1's repeat 0 failed: its accuracy comes from repeat 1, and counts once
    records = [timed(0, 0, 0.010, acc=1.0), timed(1, 0, None, status="failed"),
               timed(0, 1, 0.012, acc=1.0), timed(1, 1, 0.011, acc=0.5),
               timed(0, 2, 0.030, acc=1.0), timed(1, 2, 0.013, acc=0.5)]
    (row,) = summarize_records(records, peak_gflops=400.0)
    assert (row["runs"], row["ok"], row["ok_seeds"], row["repeats"]) == (6, 5, 2, 3)
    assert row["test_accuracy_mean"] == 0.75 and row["test_accuracy_worst"] == 0.5
    assert row["steady_epoch_seconds_median"] == pytest.approx(0.012)
    assert row["steady_epoch_seconds_iqr"] == pytest.approx(0.013 - 0.011)
    assert row["steady_gflops"] == pytest.approx(2e6 / 0.012 / 1e9)
    assert row["steady_percent_of_peak"] == pytest.approx(100 * row["steady_gflops"] / 400)
    out = io.StringIO()
    Console(file=out, width=250).print(summary_table([row]))
    assert "12 ms (IQR 2)" in out.getvalue()
    assert gflops_cell(row) == "0.167 (0.042%)"


def test_per_seed_prefers_the_lowest_ok_repeat():
    records = [timed(0, 0, None, status="failed"), timed(0, 2, 0.1, acc=0.2),
               timed(0, 1, 0.1, acc=0.1), timed(1, 0, None, status="timeout")]
    chosen = per_seed(records)
    assert [(r["seed"], r["repeat"], r["status"]) for r in chosen] == \
        [(0, 1, "ok"), (1, 0, "timeout")]


def test_without_repeats_times_are_seed_means_as_before():
    (numpy_row, _) = summarize_records(RECORDS)
    assert numpy_row["repeats"] == 1
    assert timing_cell(numpy_row, "steady_epoch_seconds") == "10 ms"  # the mean, no IQR
    assert gflops_cell(numpy_row) == "-"  # records without a throughput


def test_timing_cells_give_the_iqr_in_the_medians_unit():
    row = {"repeats": 2, "fit_seconds_median": 0.0124, "fit_seconds_iqr": 0.0003,
           "fit_seconds_mean": 0.0125}
    assert timing_cell(row, "fit_seconds") == "12.4 ms (IQR 0.3)"
    row.update(fit_seconds_median=2.5, fit_seconds_iqr=0.25)
    assert timing_cell(row, "fit_seconds") == "2.5 s (IQR 0.25)"


def test_the_accuracy_baseline_counts_seeds_not_repeats():
    from bench.judge.baseline import entry_from_records

    records = [timed(seed, repeat, 0.01, acc=0.5 + seed / 4) for repeat in range(3)
               for seed in range(2)]
    entry = entry_from_records(records)
    assert entry["n"] == 2 and entry["mean"] == pytest.approx(0.625)
    assert entry["runs"] == 6 and entry["statuses"] == {"ok": 6}
