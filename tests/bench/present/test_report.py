"""`nnbench report`: tables, plots, report.md and report.html from runs.jsonl alone."""

from __future__ import annotations

import base64
import csv
import json
import math
import re
import shutil

import pytest
from PIL import Image
from scipy import stats

from bench.cli import main
from bench.execution.records import History, Record
from bench.present import colours, plots
from bench.present.format import seconds as format_seconds
from bench.present.report.build import build_report
from bench.present.report.markdown import render_markdown
from bench.present.report.time_section import TIME_COLUMNS, time_table, time_text
from bench.present.report.write import write_report
from bench.results.rundir import REPORT_HTML, REPORT_MD, RunDir
from bench.results.summary import summarize_records, time_to_target
from bench.results.summary_csv import COLUMN_NAMES
from bench.results.time_spent import BackendTime, TimeSpent
from tests.bench.run_data import (
    PIPE_ERROR,
    TIMEOUT_ERROR,
    UNSUPPORTED,
    read_jsonl,
    real_run,
    run_stdout,
    several_backends,
    write_run,
)

GROUPS = [("xor", "perceptron"), ("xor", "course"), ("xor", "modern"), ("mystery", "modern")]
#: the groups of `several_backends` that two or more backends ran ok (three plots each); the
#: other one (mystery/modern, numpy only) gets a figure shared by its recipe's numpy-only tasks
COMPARED = GROUPS[:3]
#: every plot of `several_backends`: three per compared group, the shared one, the overview
PLOTS = 3 * len(COMPARED) + 2


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    return real_run(tmp_path_factory)


@pytest.fixture(scope="module")
def multi(real, tmp_path_factory):
    out = several_backends(real, tmp_path_factory.mktemp("multi") / "run")
    write_report(RunDir(out))
    return out


def load_run(path):
    return RunDir.open(path).read()


def section(markdown: str, task: str, recipe: str) -> str:
    """The Markdown of one task x recipe section."""
    return markdown.split(f"## {task} / {recipe}\n", 1)[1].split("\n## ", 1)[0] \
        .split("\n---\n", 1)[0]


def table_row(text: str, backend: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if ln.startswith(f"| {backend} |"))
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


# ------------------------------------------------------------------------- run writes a report

def test_run_ends_with_a_report(real):
    for name in ("summary.csv", REPORT_MD, REPORT_HTML):
        assert (real / name).is_file()
    # numpy alone: nothing to compare, so no overview and no one-point plots, one figure of
    # learning curves per recipe
    assert {p.name for p in (real / "plots").iterdir()} == {
        plots.plot_name("numpy-only", recipe, "curves")
        for recipe in ("perceptron", "course", "modern")}
    md = (real / REPORT_MD).read_text()
    assert "## Overview" not in md
    assert "Only numpy finished an ok run" in section(md, "xor", "modern")
    assert f"report: {real / REPORT_MD}" in run_stdout()


# ------------------------------------------------------------------------- tables

def test_every_backend_and_outcome_is_in_the_tables(multi):
    md = (multi / REPORT_MD).read_text()
    perceptron = section(md, "xor", "perceptron")
    row = table_row(perceptron, "keras")
    assert row[1] == "0/2 ok · unsupported 2" and row[2] == "-"
    assert f"unsupported (seeds 0, 1): {UNSUPPORTED}" in row[-1]
    course = section(md, "xor", "course")
    row = table_row(course, "zzfw")
    assert row[1] == "0/2 ok · failed 1 · timeout 1"
    assert f"timeout (seed 0): {TIMEOUT_ERROR}" in row[-1]
    assert "failed (seed 1): " + PIPE_ERROR.replace("|", "\\|") in row[-1]
    modern = section(md, "xor", "modern")
    assert table_row(modern, "jax")[1] == "0/1 ok · not run 1"
    assert "glorot init drawn in float32" in table_row(modern, "keras")[-1]
    for backend in ("numpy", "torch", "keras", "zzfw"):
        table_row(modern, backend)
    html = (multi / REPORT_HTML).read_text()
    assert UNSUPPORTED in html and TIMEOUT_ERROR in html and "shape mismatch | (2, 8)" in html


def test_accuracy_interval_and_seed_range_match_the_records(multi):
    records = [r for r in read_jsonl(multi / "runs.jsonl")
               if (r["task"], r["recipe"], r["backend"]) == ("xor", "modern", "torch")]
    values = [r["metrics"]["test_accuracy"] for r in records]
    assert sorted(values) == [0.75, 1.0]
    mean = sum(values) / 2
    half = stats.t.ppf(0.975, 1) * stats.tstd(values) / math.sqrt(2)
    row = table_row(section((multi / REPORT_MD).read_text(), "xor", "modern"), "torch")
    assert row[2] == f"{mean:.3f} ± {half:.3f}"
    assert row[3] == "0.750..1.000"


def test_times_are_the_seed_means_of_the_records(multi):
    records = [r for r in read_jsonl(multi / "runs.jsonl")
               if (r["task"], r["recipe"], r["backend"]) == ("xor", "course", "torch")]
    header = [c.strip() for c in section((multi / REPORT_MD).read_text(), "xor", "course")
              .split("\n\n")[1].splitlines()[0].split("|")[1:-1]]
    row = dict(zip(header, table_row(section((multi / REPORT_MD).read_text(), "xor", "course"),
                                     "torch")))
    for column, key in (("fit", "fit_seconds"), ("steady epoch", "steady_epoch_seconds"),
                        ("1st epoch", "first_epoch_seconds"), ("predict", "predict_seconds")):
        assert row[column] == format_seconds(sum(r["timing"][key] for r in records) / 2)
    assert row["params"] == str(records[0]["n_params"])
    assert row["peak RSS"].endswith(" MB")


def test_time_to_target_column_only_where_the_task_has_a_target(multi):
    md = (multi / REPORT_MD).read_text()
    assert "| time to 100% |" in section(md, "xor", "modern")  # xor's target_accuracy is 1.0
    assert "time to" not in section(md, "mystery", "modern")  # unknown task: tolerated
    row = table_row(section(md, "xor", "perceptron"), "numpy")
    assert row[4] == "not reached (0/2)"  # the perceptron cannot learn XOR


def with_history(**history) -> Record:
    return Record.from_dict({"run_id": "r", "task": "xor", "recipe": "m", "backend": "numpy",
                             "seed": 0, "status": "failed", "history": history})


def test_time_to_target_reads_the_validation_history():
    record = with_history(val_accuracy=[0.5, 1.0, 1.0], val_epochs=[2, 4, 6],
                          epoch_seconds=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert time_to_target(record, 1.0) == 10.0   # epochs 1..4
    assert time_to_target(record, 0.5) == 3.0    # reached at the first evaluation, epoch 2
    assert time_to_target(record, None) is None
    record.history = History(val_accuracy=[0.5, 0.75, 0.75], val_epochs=[2, 4, 6],
                             epoch_seconds=[1.0] * 6)
    assert time_to_target(record, 1.0) is None
    every_epoch = with_history(val_accuracy=[0.2, 0.96], epoch_seconds=[0.5, 0.25])
    assert time_to_target(every_epoch, 0.95) == 0.75


def test_headline_tables_pivot_backends_into_columns(multi):
    md = (multi / REPORT_MD).read_text()
    accuracy = md.split("## Test accuracy", 1)[1].split("\n## ", 1)[0]
    assert "| task | recipe | numpy | torch | keras | zzfw |" in accuracy
    perceptron = next(ln for ln in accuracy.splitlines() if ln.startswith("| xor | perceptron"))
    assert "unsupported ×2" in perceptron and "(1/2 ok)" in perceptron


def test_summary_csv_keeps_every_old_column_and_adds_the_target(multi):
    with open(multi / "summary.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == COLUMN_NAMES
    for old in ("task", "recipe", "backend", "runs", "ok", "statuses", "test_accuracy_mean",
                "test_accuracy_ci95", "fit_seconds_mean", "steady_epoch_seconds_mean", "errors"):
        assert old in rows[0]
    row = next(r for r in rows if (r["recipe"], r["backend"]) == ("modern", "numpy")
               and r["task"] == "xor")
    assert float(row["target_accuracy"]) == 1.0 and row["target_reached"] == "2"
    assert float(row["time_to_target_seconds_median"]) > 0


# ------------------------------------------------------------------------- provenance

def test_provenance_names_machine_threads_versions_commit_suite_and_date(multi):
    record = read_jsonl(multi / "runs.jsonl")[0]
    md = (multi / REPORT_MD).read_text()
    head = md.split("## Test accuracy")[0]
    assert record["env"]["cpu"] in head and f"{record['env']['cores']} logical cores" in head
    assert "**Threads**: 1 per run" in head
    assert f"**Python**: {record['env']['python']}" in head
    assert "torch: torch-framework 1.2.3" in head and "numpy: numpy " in head
    commit = record["env"]["nnbench_commit"]
    assert commit is None or commit[:12] in head
    assert "**Suite**: quick (2 seeds; init shared" in head
    assert re.search(r"\*\*Date\*\*: 20\d\d-\d\d-\d\d \d\d:\d\d", head)
    assert "1 planned run of plan.json has no record" in md


def test_the_report_says_where_the_time_went_per_backend(multi):
    md = (multi / REPORT_MD).read_text()
    text = md.split("## Where the time went\n", 1)[1].split("\n## ", 1)[0]
    records = load_run(multi).records

    def fit(backend: str) -> float:
        return sum(r.timing.fit_seconds or 0 for r in records
                   if r.backend == backend and r.task != "mystery")

    # the fixture's torch records are numpy's (the mystery task's aside) with every timing x 3
    assert fit("torch") == pytest.approx(3 * fit("numpy"))
    assert table_row(text, "torch")[3].startswith(format_seconds(fit("torch")) + " (")
    assert table_row(text, "all")[1] == str(len(records))
    assert "Of the runs' time: training" in text
    assert "<h2>Where the time went</h2>" in (multi / REPORT_HTML).read_text()


def test_the_time_table_says_how_each_backend_paid_its_imports():
    # BackendTime(backend, runs, decided, run_seconds, training, refits, server_import,
    #             imports_inside, fresh_runs, other, median_other)
    spent = TimeSpent((BackendTime("forked", 2, 0, 10.0, 4.0, 5.0, 3.0, 0.0, 0, 1.0, 0.5),
                       BackendTime("fresh", 2, 1, 10.0, 2.0, 0.0, 0.0, 4.5, 2, 3.5, 1.5),
                       BackendTime("both", 2, 0, 9.0, 1.0, 0.0, 4.0, 4.5, 1, 3.5, 1.75)),
                      span=15.0, slots=2)
    table = time_table(spent)
    cells = {row[0]: dict(zip(TIME_COLUMNS, row)) for row in table.rows}
    assert [cells[b]["imports"] for b in ("forked", "fresh", "both")] == [
        "3 s once", "4.5 s in 2 runs", "4 s once + 4.5 s in 1 run"]
    assert cells["fresh"]["runs"] == "2 + 1 without a process"
    assert cells["fresh"]["leave-one-out refits"] == "-"
    assert cells["forked"]["training"] == "4 s (40%)"
    assert cells["all"]["run time"] == "29 s" and cells["all"]["imports"] == "16 s"
    text = time_text(spent)
    assert "2 runs at a time for 15 s" in text and "30 s of run slots" in text
    assert "29 s (97%)" in text and "paid 7 s of imports" in text
    assert "imports inside fresh processes 9 s (31%)" in text


# ------------------------------------------------------------------------- files

def test_markdown_is_short_and_links_only_existing_plots(multi):
    md = (multi / REPORT_MD).read_text()
    assert len(md) < 20_000  # a pull-request comment holds 65,536 characters
    links = re.findall(r"\]\((plots/[^)]+)\)", md)
    assert len(links) == PLOTS
    assert all((multi / link).is_file() for link in links)
    assert "seed 0 " not in md.replace("(seed 0)", "")  # no per-seed rows


def test_html_is_one_self_contained_file(multi):
    html = (multi / REPORT_HTML).read_text()
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == PLOTS
    for uri in images:
        assert uri.startswith("data:image/png;base64,")
        assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # the overview, two headlines, where the time went, then one per group
    assert html.count('<table class="data">') == 4 + len(GROUPS)


def test_plots_are_readable_full_colour_pngs_of_a_reasonable_size(multi):
    files = sorted((multi / "plots").glob("*.png"))
    assert len(files) == PLOTS
    for path in files:
        assert path.stat().st_size < 150_000, path.name
        with Image.open(path) as image:
            assert image.format == "PNG" and image.mode == "RGB", path.name  # no palette
            assert 600 <= image.width <= 1400 and 250 <= image.height <= 900, path.name


def test_report_can_be_rerun_and_drops_stale_plots(real, tmp_path, capsys):
    out = tmp_path / real.name  # the same name: the report's title is the directory's
    shutil.copytree(real, out)
    stale = out / "plots" / "gone__recipe__curves.png"
    stale.write_bytes(b"old")
    assert main(["report", str(out)]) == 0
    assert not stale.exists()
    strip = lambda text: re.sub(r"Report written\*\*: .*", "", text)  # noqa: E731
    assert strip((out / REPORT_MD).read_text()) == strip((real / REPORT_MD).read_text())
    printed = capsys.readouterr().out
    assert "test acc (95% CI)" in printed and f"report: {out / REPORT_MD}" in printed


def test_a_torn_last_line_is_skipped_and_reported(real, tmp_path):
    out = tmp_path / "torn"
    shutil.copytree(real, out)
    with open(out / "runs.jsonl", "a") as fh:
        fh.write('{"run_id": "xor/modern/numpy/9", "sta')
    report = build_report(load_run(out))
    assert any("unreadable line(s) 7" in w for w in report.warnings)
    assert "unreadable line(s) skipped: 7" in render_markdown(report)


@pytest.mark.parametrize("setup, message", [
    (lambda d: None, "is not a directory"),
    (lambda d: d.mkdir(), "has no runs.jsonl"),
    (lambda d: (d.mkdir(), (d / "runs.jsonl").write_text("")), "holds no readable record"),
])
def test_bad_directories_exit_2_with_a_clear_message(tmp_path, capsys, setup, message):
    target = tmp_path / "d"
    setup(target)
    assert main(["report", str(target)]) == 2
    assert message in capsys.readouterr().err


# ------------------------------------------------------------------------- colours

def test_every_backend_keeps_one_colour():
    assert colours.backend_colour("numpy") == colours.KNOWN_COLOURS["numpy"]
    colour = colours.backend_colour("my-new-framework")
    assert colour == colours.backend_colour("my-new-framework")
    assert colour not in colours.KNOWN_COLOURS.values()
    names = list(colours.KNOWN_COLOURS) + [f"fw{i}" for i in range(8)]
    palette = colours.palette(names)
    assert len(set(palette.values())) == len(names)  # collisions moved to a free colour
    assert palette == colours.palette(list(reversed(names)))
    assert all(palette[n] == colours.KNOWN_COLOURS[n] for n in colours.KNOWN_COLOURS)


def test_build_report_does_not_care_which_framework_a_record_came_from(multi):
    run = load_run(multi)
    renamed = load_run(multi)
    planned = renamed.plan.plan.runs if renamed.plan else ()
    for record in [*renamed.records, *renamed.missing, *planned]:
        object.__setattr__(record, "backend", {"numpy": "b1", "torch": "b2"}.get(
            record.backend, record.backend))
    a, b = build_report(run), build_report(renamed)
    for ga, gb in zip(a.groups, b.groups):
        assert [row[1:] for row in ga.table.rows] == [row[1:] for row in gb.table.rows]
    assert [s.accuracy.mean for s in summarize_records(run.records)] == pytest.approx(
        [s.accuracy.mean for s in summarize_records(renamed.records)], nan_ok=True)


def test_a_directory_without_plan_json_still_reports(real, tmp_path):
    records = read_jsonl(real / "runs.jsonl")[:1]  # one record: one seed, no interval
    out = write_run(tmp_path / "bare", records, plan=None)
    md = render_markdown(build_report(load_run(out)))
    assert "**Suite**: unknown (no readable plan.json)" in md
    row = table_row(section(md, records[0]["task"], records[0]["recipe"]), "numpy")
    assert row[1] == "1/1 ok" and " ± " not in row[2]


def test_task_metrics_get_their_own_columns_with_intervals(real, tmp_path):
    records = read_jsonl(real / "runs.jsonl")
    for record in records:
        if record["recipe"] == "modern":
            record["metrics"].update(test_auc=0.8 + 0.1 * record["seed"], majority_accuracy=0.7)
    out = write_run(tmp_path / "run", records, None)
    write_report(RunDir(out))
    text = section((out / REPORT_MD).read_text(), "xor", "modern")
    header = table_row(text, "backend")
    assert header.index("majority baseline") < header.index("AUC") < header.index("fit")
    row = dict(zip(header, table_row(text, "numpy")))
    half = stats.t.ppf(0.975, 1) * stats.tstd([0.8, 0.9]) / math.sqrt(2)
    assert row["AUC"] == f"0.850 ± {half:.3f}" and row["majority baseline"] == "0.700 ± 0.000"
    assert "AUC" not in section((out / REPORT_MD).read_text(), "xor", "perceptron")
    assert "test_auc=0.85±" in (out / "summary.csv").read_text()


def test_timings_of_a_busy_machine_are_marked_with_the_reason_and_the_fix(multi, tmp_path):
    records = read_jsonl(multi / "runs.jsonl")
    for record in records:
        if record["backend"] == "torch" and record["recipe"] == "modern":
            record["env"].update(cpus=2, load_before=[3.6, 3.0, 2.0], load_after=[3.4, 3.1, 2])
    out = write_run(tmp_path / "busy", records, json.loads((multi / "plan.json").read_text()))
    write_report(RunDir(out))
    md = (out / REPORT_MD).read_text()
    modern = section(md, "xor", "modern")
    header = table_row(modern, "backend")
    torch, numpy = (dict(zip(header, table_row(modern, b))) for b in ("torch", "numpy"))
    assert torch["steady epoch"].endswith(" !") and torch["fit"].endswith(" !")
    assert not numpy["steady epoch"].endswith("!")
    assert "timings not trustworthy (!): 2/2 runs on a busy machine (load 3.6 on 2 CPUs)" \
        in torch["notes"]
    # the fix is said once, under the table, not in every row
    assert "close other work and run again" not in torch["notes"]
    warning = next(line for line in md.splitlines() if "cannot be trusted" in line)
    assert "1 row has timings that cannot be trusted (marked !; the notes column says why): " \
        "xor/modern/torch" in warning
    assert "close other work and run again" in warning


# ------------------------------------------------------------------------- overview

def _mean(records, backend, recipe, read):
    values = [read(r) for r in records if (r["task"], r["recipe"], r["backend"], r["status"])
              == ("xor", recipe, backend, "ok")]
    return sum(values) / len(values)


def test_the_overview_gives_every_backend_against_numpy_and_marks_untrusted_timings(
        multi, tmp_path):
    records = read_jsonl(multi / "runs.jsonl")
    for record in records:
        if record["backend"] == "torch" and record["recipe"] == "modern":
            record["env"].update(cpus=2, load_before=[3.6, 3.0, 2.0], load_after=[3.4, 3.1, 2])
    out = write_run(tmp_path / "busy", records, json.loads((multi / "plan.json").read_text()))
    report, _ = write_report(RunDir(out))
    table = report.overview
    assert table.columns == ["task", "recipe", "numpy", "torch", "keras", "zzfw"]
    rows = {(row[0], row[1]): dict(zip(table.columns, row)) for row in table.rows}
    assert set(rows) == {("xor", "perceptron"), ("xor", "course"), ("xor", "modern")}
    assert "Not shown, as no other backend ran them ok: mystery/modern." in report.overview_text

    def steady(r):
        return r["timing"]["steady_epoch_seconds"]

    def acc(r):
        return r["metrics"]["test_accuracy"]

    modern = rows["xor", "modern"]
    numpy_steady = _mean(records, "numpy", "modern", steady)
    assert modern["numpy"] == (f"{format_seconds(numpy_steady)} · "
                               f"{_mean(records, 'numpy', 'modern', acc):.3f}")
    for backend, mark in (("torch", " !"), ("keras", ""), ("zzfw", "")):
        ratio = _mean(records, backend, "modern", steady) / numpy_steady
        delta = _mean(records, backend, "modern", acc) - _mean(records, "numpy", "modern", acc)
        text = f"×{ratio:.2f}" if ratio < 10 else f"×{ratio:.1f}"
        delta_text = "±0" if delta == 0 else f"{delta:+.3f}"
        assert modern[backend] == f"{text}{mark} · {delta_text}", backend
    assert modern["torch"] == "×3.00 ! · -0.125" and modern["keras"] == "×20.0 · ±0"
    assert rows["xor", "course"]["zzfw"] == "failed ×1 timeout ×1"
    assert rows["xor", "perceptron"]["keras"] == "unsupported ×2"
    md = (out / REPORT_MD).read_text()
    assert md.index("## Overview: every backend against numpy") < md.index("## Test accuracy")
    assert "| xor | modern |" in md.split("## Test accuracy")[0]
    assert "](plots/overview.png)" in md and (out / "plots" / "overview.png").is_file()
