"""The compact form of a run (`nnbench reference DIR`): what the committed reference run is
made of, read back like the run it came from."""

from __future__ import annotations

import gzip
import json

import pytest

from bench.cli import main
from bench.results.compact import CURVE_DIGITS, SECONDS_DIGITS, rounded
from bench.results.rundir import COMPACT_RUNS_FILE, RunDir, RunDirError
from bench.results.summary import summarize_contents
from tests.bench.run_data import real_run


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    return real_run(tmp_path_factory)


@pytest.fixture(scope="module")
def reference(real, tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "reference"
    assert main(["reference", str(real), "--out", str(out)]) == 0
    return out


def test_it_is_a_plan_and_compressed_records_much_smaller_than_the_run(real, reference):
    assert sorted(p.name for p in reference.iterdir() if not p.name.startswith(".")) == [
        "plan.json", COMPACT_RUNS_FILE]
    assert (reference / "plan.json").read_text() == (real / "plan.json").read_text()
    assert (reference / COMPACT_RUNS_FILE).stat().st_size < (real / "runs.jsonl").stat().st_size / 5
    lines = gzip.decompress((reference / COMPACT_RUNS_FILE).read_bytes()).decode().splitlines()
    for line in lines:
        history = json.loads(line)["history"]
        assert history["val_loss"] == []
        assert all(len(repr(v).replace("0.", "").lstrip("0")) <= CURVE_DIGITS + 5
                   for v in history["loss"])


def test_it_reads_back_as_the_same_run(real, reference):
    a, b = RunDir.open(real).read(), RunDir.open(reference).read()
    assert b.runs_name == COMPACT_RUNS_FILE and not b.missing and not b.bad_lines
    assert [r.run_id for r in a.records] == [r.run_id for r in b.records]
    for sa, sb in zip(summarize_contents(a), summarize_contents(b), strict=True):
        assert (sa.key, sa.statuses, sa.accuracy, sa.times, sa.trust) == \
            (sb.key, sb.statuses, sb.accuracy, sb.times, sb.trust)
        assert sb.loss_curve.mean == pytest.approx(sa.loss_curve.mean, rel=1e-6)
        assert sb.accuracy_curve.mean == pytest.approx(sa.accuracy_curve.mean, rel=1e-6)
        # a sum of epoch seconds, each rounded to SECONDS_DIGITS significant digits
        assert sb.time_to_target == pytest.approx(sa.time_to_target,
                                                  rel=0.5 * 10.0 ** (1 - SECONDS_DIGITS),
                                                  nan_ok=True)
        assert sb.target_reached == sa.target_reached


def test_writing_it_again_gives_the_same_bytes(real, reference, capsys):
    before = (reference / COMPACT_RUNS_FILE).read_bytes()
    assert main(["reference", str(real), "--out", str(reference)]) == 0
    assert (reference / COMPACT_RUNS_FILE).read_bytes() == before
    assert "records of" in capsys.readouterr().out


def test_it_is_never_run_into_and_never_overwrites_a_run(real, reference, capsys):
    record = RunDir.open(reference).read().records[0]
    with pytest.raises(RunDirError, match="compact run directory"):
        RunDir(reference).append(record)
    assert main(["run", "--tasks", "xor", "--backends", "numpy", "--seeds", "2",
                 "--resume", "--out", str(reference)]) == 2
    assert "compact run directory" in capsys.readouterr().err
    assert not (reference / "runs.jsonl").exists()
    assert main(["reference", str(real), "--out", str(real)]) == 2
    assert "no compact run directory" in capsys.readouterr().err


def test_its_report_reads_the_compressed_records(reference, tmp_path):
    assert main(["report", str(reference)]) == 0
    assert f"in {COMPACT_RUNS_FILE} (" in (reference / "report.md").read_text()


def test_rounding_keeps_significant_digits():
    assert rounded(0.123456789123, 7) == 0.1234568
    assert rounded(1234.5678, 3) == 1230.0
    assert rounded(0.0, 7) == 0.0 and rounded(None, 7) is None
