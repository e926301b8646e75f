"""A scaling study end to end through the command line: planned, run (a slow backend dropping
out of its costlier points), summarised in the terminal, and reported with its own section
and plots; and an ordinary report without any of it."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from bench.present import format as fmt
from bench.present.report.build import build_report
from bench.present.report.overview import OVERVIEW_PNG
from bench.results.rundir import REPORT_HTML, REPORT_MD, RunDir
from bench.results.scaling import study_of
from tests.bench.results.test_scaling import PEAK, SPEC, overhead_and_compute
from tests.bench.run_data import real_run
from tests.cli import nnbench, run_records

STUDY = """
tasks = ["synthetic"]
backends = ["numpy", "sklearn"]
seeds = 1
repeat = 2
threads = 1

[budgets]                      # sklearn's first point is over budget: it drops out
"synthetic/*/sklearn" = 1e-6

[scale]
budget = 30

[scale.base]
width = 16
depth = 2
batch_size = 32
rows = 256
epochs = 3

[scale.width]
values = [8, 16, 64]

[scale.batch]
values = [4, 64]
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    (root / "study.toml").write_text(STUDY)
    out = root / "run"
    result = nnbench("run", "--suite", str(root / "study.toml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_every_point_is_an_ordinary_run_and_the_slow_backend_drops_out(study):
    out, _ = study
    records = run_records(out)
    assert len(records) == 5 * 2 * 2                # points x backends x repeats
    numpy = [r for r in records.values() if r["backend"] == "numpy"]
    assert all(r["status"] == "ok" and r["epochs_run"] == 3 for r in numpy)
    assert {r["train"]["rows"] for r in numpy} == {256}
    assert {r["throughput"]["rows"] for r in numpy} == {256}
    sklearn = {(r["recipe"], r["repeat"]): r for r in records.values()
               if r["backend"] == "sklearn"}
    for repeat in (0, 1):
        for first, later in (("width-8", ("width-16", "width-64")),
                             ("batch-64", ("batch-4",))):
            assert sklearn[first, repeat]["status"] == "ok"
            for recipe in later:
                skipped = sklearn[recipe, repeat]
                assert skipped["status"] == "timeout"
                assert skipped["error"].startswith(f"not run: one epoch of {first} took")


def test_the_terminal_shows_the_curves_not_a_row_per_point(study):
    _, stdout = study
    assert "synthetic: width — per-step time; network 784-W-W-10 (W = width), batch 32" in stdout
    assert "fastest: numpy is fastest" in stdout
    assert "sklearn: width 16, 64: timeout: not run: one epoch of width-8 took" in stdout
    assert "the table of every point (10 rows) is in the report" in stdout


def test_the_report_has_a_scaling_section_with_its_tables_and_plots(study):
    out, _ = study
    md = (out / REPORT_MD).read_text()
    section = md.split("## Scaling study\n", 1)[1].split("\n## Test accuracy", 1)[0]
    assert "### synthetic: width — per-step time" in section
    assert "### synthetic: batch — per-step time; network 784-16-16-10, first 256 rows" \
        in section
    assert "**Fastest:** numpy is fastest" in section
    assert "| backend | points | per-step time (smallest → largest) | k, all points |" \
        in section
    numpy_row = next(line for line in section.splitlines() if line.startswith("| numpy | 3/3"))
    assert "| reference |" in numpy_row
    sklearn_row = next(ln for ln in section.splitlines() if ln.startswith("| sklearn | 1/3"))
    assert "width 16, 64: timeout: not run" in sklearn_row
    plots = {p.name for p in (out / "plots").iterdir()} - {OVERVIEW_PNG}
    assert plots == {"scale-synthetic-width.png", "scale-synthetic-batch.png",
                     "scale-synthetic-width-rss.png"}      # no learning curves per point
    for name in plots:
        assert f"(plots/{name})" in section
        with Image.open(out / "plots" / name) as image:
            assert image.mode in ("RGB", "RGBA")              # exact colours, no palette
            assert image.size[0] >= 500
    html = (out / REPORT_HTML).read_text()
    assert "<h2 id=\"scaling-study\">Scaling study</h2>" in html
    assert html.count("data:image/png;base64,") == 3 + (out / "plots" / OVERVIEW_PNG).exists()
    # the ordinary per-point sections are still there, with the rows in the spec line
    assert "## synthetic / width-8" in md and "first 256 rows" in md


def test_report_and_resume_work_on_a_study_unchanged(study, tmp_path):
    out, _ = study
    # everything but the minute the report was written
    unstamped = lambda: re.sub(r"Report written\*\*: .*", "", (out / REPORT_MD).read_text())  # noqa: E731
    before = unstamped()
    assert nnbench("report", str(out)).returncode == 0
    assert unstamped() == before
    resumed = nnbench("run", "--suite", str(out.parent / "study.toml"), "--out", str(out),
                      "--resume")
    assert resumed.returncode == 0 and "nnbench: 0 run(s) of 20" in resumed.stdout
    compared = nnbench("compare", str(out), str(out))
    assert compared.returncode == 0 and "synthetic" in compared.stdout


def test_an_ordinary_report_has_no_scaling_section(tmp_path_factory):
    real = real_run(tmp_path_factory)
    report = build_report(RunDir.open(real).read())
    assert report.scaling is None
    assert "Scaling study" not in (real / REPORT_MD).read_text()
    assert not list((real / "plots").glob("scale-*.png"))


def test_the_crossover_sentence_and_the_table_cells_say_where_the_lines_cross():
    (axis,) = study_of(SPEC, overhead_and_compute(), peak_gflops=PEAK).axes
    assert fmt.fastest_text(axis) == "torch is fastest up to width 64; numpy from width 128"
    (alone,) = study_of(SPEC, overhead_and_compute()[:2]).axes      # width 16 only
    assert fmt.fastest_text(alone) == "torch is fastest at width 16, the only value that ran"
    columns = fmt.scaling_columns(axis, 3)
    rows = {row[0]: dict(zip(columns, row)) for row in
            (fmt.scaling_row(axis, curve) for curve in axis.curves)}
    torch, numpy = rows["torch"], rows["numpy"]
    assert torch["vs numpy"] == "slower from width 128" and numpy["vs numpy"] == "reference"
    assert (torch["k, all points"], numpy["k, all points"]) == ("1.00", "0.00")
    assert torch["half of best % from"] == "width 512"
    assert torch["per-step time (smallest → largest)"] == "160 µs (16) → 10.2 ms (1,024)"
    assert torch["points"] == "7/7" and torch["notes"] == ""
