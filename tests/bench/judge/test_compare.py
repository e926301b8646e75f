"""`nnbench compare DIR_A DIR_B`: accuracy changes against the seed spread, time ratios."""

from __future__ import annotations

import math

import pytest

from bench.cli import main
from bench.execution.records import Record
from bench.judge.compare import compare_summaries, overview
from bench.results.summary import summarize_records
from tests.bench.run_data import read_jsonl, real_run, several_backends, write_run


def record(backend, seed, acc, status="ok", steady=0.01, fit=1.0, recipe="modern"):
    r = Record(run_id=f"xor/{recipe}/{backend}/{seed}", task="xor", recipe=recipe,
               backend=backend, seed=seed, net={}, train={}, status=status)
    if status == "ok":
        r.metrics = {"test_accuracy": acc, "train_accuracy": acc}
        r.timing.fit_seconds, r.timing.steady_epoch_seconds = fit, steady
    else:
        r.error = "boom"
    return r


def change(a_accs, b_accs, **b_kwargs):
    a = summarize_records([record("numpy", i, v) for i, v in enumerate(a_accs)],
                          targets=lambda task: None)
    b = summarize_records([record("numpy", i, v, **b_kwargs) for i, v in enumerate(b_accs)],
                          targets=lambda task: None)
    (c,) = compare_summaries(a, b)
    return c


def test_a_drop_beyond_every_seed_interval_is_flagged():
    c = change([1.0, 1.0, 1.0], [0.75, 0.75, 0.75])
    assert c.delta == pytest.approx(-0.25) and c.spread == 0.0 and c.flagged is True


def test_a_change_within_the_seed_spread_is_not_flagged():
    c = change([1.0, 0.75, 1.0], [1.0, 1.0, 0.75])
    assert c.delta == pytest.approx(0.0) and c.flagged is False
    c = change([1.0, 0.75, 1.0], [0.75, 0.75, 1.0])   # -0.083 against a 0.36 interval
    assert c.delta == pytest.approx(-1 / 12) and c.spread > 0.3 and c.flagged is False


def test_the_larger_interval_decides():
    # A is noisy (interval 0.36), B is steady: a drop of 0.17 stays within A's spread
    c = change([1.0, 0.75, 1.0], [0.75, 0.75, 0.75])
    assert c.flagged is False and c.spread == pytest.approx(0.3586, abs=1e-3)


def test_single_seeds_are_not_judged():
    c = change([1.0], [0.5])
    assert c.delta == pytest.approx(-0.5) and c.flagged is None and math.isnan(c.spread)


def test_time_ratios_are_b_over_a():
    c = change([1.0, 1.0], [1.0, 1.0], steady=0.03, fit=0.5)
    assert c.steady_ratio == pytest.approx(3.0) and c.fit_ratio == pytest.approx(0.5)


def test_losing_every_seed_is_flagged_and_explained():
    c = change([1.0, 1.0], [1.0, 1.0], status="failed")
    assert c.flagged is True and "B: no ok run (failed:2)" in c.note


def test_combinations_on_one_side_only_are_listed():
    a = summarize_records([record("numpy", 0, 1.0)], targets=lambda task: None)
    b = summarize_records([record("torch", 0, 1.0)], targets=lambda task: None)
    notes = {c.backend: c.note for c in compare_summaries(a, b)}
    assert notes == {"numpy": "only in A (gone from B)", "torch": "only in B (new)"}


def test_cli_prints_the_table_and_the_rule(tmp_path_factory, tmp_path, capsys):
    real = real_run(tmp_path_factory)
    b_records = read_jsonl(real / "runs.jsonl")
    for r in b_records:
        if r["recipe"] == "modern":
            r["metrics"]["test_accuracy"] = 0.5  # both seeds: far beyond a zero spread
        r["timing"]["steady_epoch_seconds"] *= 2
    b = write_run(tmp_path / "b", b_records, None)
    assert main(["compare", str(real), str(b)]) == 0
    out = capsys.readouterr().out
    assert "-0.500 *" in out and "×2.00" in out
    assert "1 accuracy change(s) beyond the seed spread (1 worse, 0 better)" in out
    assert "max(95% CI half-width of A, of B)" in out


@pytest.mark.parametrize("changed, warning", [
    ({"host": "other-box"}, "A and B used different hosts (HOST vs other-box)"),
    ({"host": "other-box", "cpu": "Other CPU"}, "A and B used different machines (CPU vs Other "
                                                "CPU)"),
    ({"threads": 2}, "A and B used different thread counts (1 vs 2)"),
])
def test_cli_warns_when_a_and_b_ran_on_different_machines_or_threads(
        tmp_path_factory, tmp_path, capsys, changed, warning):
    real = real_run(tmp_path_factory)
    b_records = read_jsonl(real / "runs.jsonl")
    env = b_records[0]["env"]
    warning = warning.replace("HOST", env["host"]).replace("CPU vs", f"{env['cpu']} vs")
    for r in b_records:
        r["env"].update(changed)
    b = write_run(tmp_path / "b", b_records, None)
    assert main(["compare", str(real), str(b)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"warning: {warning}: time ratios compare the machines as much as the code" in out
    assert out.count("warning: A and B") == 1
    assert main(["compare", str(real), str(real)]) == 0
    assert "warning" not in capsys.readouterr().out


def test_cli_compares_runs_with_different_backends(tmp_path_factory, tmp_path, capsys):
    real = real_run(tmp_path_factory)
    multi = several_backends(real, tmp_path / "multi")
    assert main(["compare", str(real), str(multi)]) == 0
    out = capsys.readouterr().out
    assert "only in B (new): failed:1 timeout:1" in out  # zzfw on xor/course
    assert "mystery" in out


@pytest.mark.parametrize("which", ["a", "b"])
def test_cli_bad_directory_exits_2(tmp_path_factory, tmp_path, capsys, which):
    real = real_run(tmp_path_factory)
    missing = tmp_path / "nope"
    args = [str(missing), str(real)] if which == "a" else [str(real), str(missing)]
    assert main(["compare", *args]) == 2
    assert f"{missing} is not a directory" in capsys.readouterr().err


def test_the_overview_compares_every_backend_with_numpy_inside_one_run():
    records = [record("numpy", i, 1.0, steady=0.01) for i in range(2)]
    records += [record("torch", i, v, steady=0.03) for i, v in enumerate((1.0, 0.75))]
    records += [record("keras", i, 1.0, status="unsupported") for i in range(2)]
    records += [record("numpy", 0, 1.0, recipe="perceptron")]
    o = overview(summarize_records(records, targets=lambda task: None))
    assert o.reference == "numpy" and o.backends == ["torch", "keras"]
    assert o.rows == [("xor", "modern")] and o.left_out == [("xor", "perceptron")]
    torch = o.changes["xor", "modern", "torch"]
    assert torch.steady_ratio == pytest.approx(3.0) and torch.delta == pytest.approx(-0.125)
    assert o.changes["xor", "modern", "keras"].b.ok == 0
    assert overview(summarize_records(records[:2], targets=lambda task: None)) is None


def test_compare_reads_the_committed_reference_for_results(tmp_path_factory, tmp_path, capsys):
    real = real_run(tmp_path_factory)
    results = tmp_path / "results"
    assert main(["reference", str(real), "--out", str(results / "reference")]) == 0
    b_records = read_jsonl(real / "runs.jsonl")
    for r in b_records:
        if r["recipe"] == "modern":
            r["metrics"]["test_accuracy"] = 0.5
    b = write_run(tmp_path / "b", b_records, None)
    capsys.readouterr()
    assert main(["compare", str(results), str(b)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    assert f"A: {results} holds the committed reference run: comparing {results / 'reference'}" \
        in out
    assert "-0.500 *" in out and "×1.00" in out


def test_compare_with_a_results_directory_without_a_reference_says_how_to_make_one(
        tmp_path_factory, tmp_path, capsys):
    real = real_run(tmp_path_factory)
    (tmp_path / "results").mkdir()
    assert main(["compare", str(tmp_path / "results"), str(real)]) == 2
    err = capsys.readouterr().err
    assert "has no runs.jsonl" in err and "nnbench reference RUN_DIR" in err
