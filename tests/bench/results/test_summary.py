"""Typed summaries per task x recipe x backend, and the summary.csv built from them."""

import csv
import io

import pytest
from rich.console import Console

from bench.execution.records import Record, Throughput
from bench.judge.baseline import BaselineEntry
from bench.plan.runs import PlannedRun
from bench.present import format as fmt
from bench.present.terminal import summary_table
from bench.results.summary import per_seed, summarize_group, summarize_records
from bench.results.summary_csv import COLUMN_NAMES, summary_csv
from bench.spec import NetSpec, TrainSpec

NET, TRAIN = NetSpec((2, 3, 1), "tanh", "sigmoid", "binary_crossentropy"), TrainSpec()


def record(backend, seed, status="ok", acc=None, error=None):
    r = Record(run_id=f"xor/modern/{backend}/{seed}", task="xor", recipe="modern",
               backend=backend, seed=seed, net={}, train={}, status=status, error=error,
               n_params=17, peak_rss_mb=50.0, epochs_run=10)
    if status == "ok":
        r.metrics = {"test_accuracy": acc, "train_accuracy": 1.0}
        r.timing.fit_seconds, r.timing.steady_epoch_seconds = 0.5, 0.01
        r.timing.first_epoch_seconds, r.timing.predict_seconds = 0.02, 0.001
    return r


RECORDS = [record("numpy", 0, acc=1.0), record("slow", 0, status="timeout", error="too slow"),
           record("numpy", 1, acc=0.75), record("slow", 1, acc=0.5),
           record("numpy", 2, acc=1.0), record("slow", 2, status="failed", error="boom")]


def test_rows_group_by_task_recipe_backend_and_keep_failures():
    numpy_row, slow_row = summarize_records(RECORDS)
    assert (numpy_row.backend, numpy_row.runs, numpy_row.ok) == ("numpy", 3, 3)
    assert numpy_row.accuracy.mean == pytest.approx(2.75 / 3)
    assert (numpy_row.accuracy.low, numpy_row.accuracy.high) == (0.75, 1.0)
    assert numpy_row.accuracy.ci95 > 0
    assert slow_row.status_counts() == "failed:1 ok:1 timeout:1"
    assert slow_row.errors == ("boom", "too slow")
    assert slow_row.accuracy.mean == 0.5
    assert not slow_row.all_ok and numpy_row.all_ok


def test_csv_has_every_column():
    rows = list(csv.DictReader(io.StringIO(summary_csv(summarize_records(RECORDS)))))
    assert tuple(rows[0]) == COLUMN_NAMES and len(rows) == 2
    assert rows[1]["test_accuracy_ci95"] == ""  # one ok seed: no interval, not a fake one
    assert rows[0]["statuses"] == "ok:3" and rows[1]["errors"] == "boom; too slow"


def test_table_shows_interval_and_reasons():
    out = io.StringIO()
    Console(file=out, width=200).print(summary_table(summarize_records(RECORDS)))
    text = out.getvalue()
    assert "0.917 ±" in text and "0.750..1.000" in text
    assert "timeout 1" in text and "too slow" in text


def test_planned_runs_without_a_record_are_counted_as_not_run():
    missing = [PlannedRun("xor/modern/numpy/3", "xor", "modern", "numpy", 3, NET, TRAIN),
               PlannedRun("xor/modern/absent/0", "xor", "modern", "absent", 0, NET, TRAIN)]
    numpy_row, _, absent = summarize_records(RECORDS, missing)
    assert (numpy_row.runs, numpy_row.missing, numpy_row.all_ok) == (3, 1, False)
    assert fmt.runs_cell(numpy_row) == "3/4 ok · not run 1"
    assert (absent.backend, absent.runs, absent.missing) == ("absent", 0, 1)
    assert fmt.runs_cell(absent) == "0/1 ok · not run 1"


def timed(seed, repeat, steady, acc=1.0, status="ok"):
    r = record("numpy", seed, status=status, acc=acc, error=None if status == "ok" else "x")
    r.repeat, r.run_id = repeat, f"{r.run_id}/r{repeat}"
    if status == "ok":
        r.timing.steady_epoch_seconds = steady
        r.throughput = Throughput(100, 2_000_000, None)
    return r


def test_repeats_give_one_accuracy_per_seed_and_median_iqr_times():
    # seed 1's repeat 0 failed: its accuracy comes from repeat 1, and counts once
    records = [timed(0, 0, 0.010, acc=1.0), timed(1, 0, None, status="failed"),
               timed(0, 1, 0.012, acc=1.0), timed(1, 1, 0.011, acc=0.5),
               timed(0, 2, 0.030, acc=1.0), timed(1, 2, 0.013, acc=0.5)]
    (row,) = summarize_records(records, peak_gflops=400.0)
    assert (row.runs, row.ok, row.ok_seeds, row.repeats) == (6, 5, 2, 3)
    assert row.accuracy.mean == 0.75 and row.accuracy.low == 0.5
    assert row.times.steady_epoch.median == pytest.approx(0.012)
    assert row.times.steady_epoch.iqr == pytest.approx(0.013 - 0.011)
    assert row.steady_gflops == pytest.approx(2e6 / 0.012 / 1e9)
    assert row.steady_percent_of_peak == pytest.approx(100 * row.steady_gflops / 400)
    out = io.StringIO()
    Console(file=out, width=250).print(summary_table([row]))
    assert "12 ms (IQR 2)" in out.getvalue()
    assert fmt.gflops_cell(row) == "0.167 (0.042%)"


def test_per_seed_prefers_the_lowest_ok_repeat():
    records = [timed(0, 0, None, status="failed"), timed(0, 2, 0.1, acc=0.2),
               timed(0, 1, 0.1, acc=0.1), timed(1, 0, None, status="timeout")]
    chosen = per_seed(records)
    assert [(r.seed, r.repeat, r.status) for r in chosen] == [(0, 1, "ok"), (1, 0, "timeout")]


def test_without_repeats_times_are_seed_means_as_before():
    (numpy_row, _) = summarize_records(RECORDS)
    assert numpy_row.repeats == 1
    assert fmt.time_cell(numpy_row, "steady_epoch") == "10 ms"  # the mean, no IQR
    assert fmt.gflops_cell(numpy_row) == "-"  # records without a throughput


def test_timing_cells_give_the_iqr_in_the_medians_unit():
    records = [timed(0, r, s) for r, s in enumerate((0.0121, 0.0124, 0.0125))]
    for r, fit in zip(records, (0.0121, 0.0124, 0.0125)):
        r.timing.fit_seconds = fit
    row = summarize_group(("xor", "modern", "numpy"), records)
    assert fmt.time_cell(row, "fit") == "12.4 ms (IQR 0.2)"
    for r, fit in zip(records, (2.25, 2.5, 2.75)):
        r.timing.fit_seconds = fit
    row = summarize_group(("xor", "modern", "numpy"), records)
    assert fmt.time_cell(row, "fit") == "2.5 s (IQR 0.25)"


def test_the_accuracy_baseline_counts_seeds_not_repeats():
    records = [timed(seed, repeat, 0.01, acc=0.5 + seed / 4) for repeat in range(3)
               for seed in range(2)]
    entry = BaselineEntry.of(summarize_group(("xor", "modern", "numpy"), records))
    assert entry.n == 2 and entry.mean == pytest.approx(0.625)
    assert entry.runs == 6 and entry.statuses == {"ok": 6}


def test_times_of_several_hosts_are_a_marked_row_and_every_host_is_in_the_provenance():
    from pathlib import Path

    from bench.results.provenance import provenance
    from bench.results.rundir import Contents

    records = [record("numpy", seed, acc=1.0) for seed in range(3)]
    for r, host in zip(records, ("node-a", "node-b", "node-a")):
        r.env = {"host": host, "cpu": "Xeon", "cores": 8}
    (row,) = summarize_records(records)
    assert row.trust.hosts == ("node-a", "node-b") and not row.trust.trusted
    assert "mixed hosts: times of 2 machines (node-a, node-b) averaged" in fmt.trust_note(row)
    (one_host,) = summarize_records(records[::2])
    assert one_host.trust.trusted
    hosts = provenance(Contents(Path("."), records)).hosts
    assert hosts == ("node-a (Xeon, 8 cores): 2 runs", "node-b (Xeon, 8 cores): 1 run")
    lines = dict(fmt.provenance_lines(provenance(Contents(Path("."), records))))
    assert lines["Hosts"] == "; ".join(hosts)
