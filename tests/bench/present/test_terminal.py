"""The terminal's run table and the notes under it: full reasons or an ellipsis that says where
to read the rest, backends unsupported by design folded into one row, the suite's order, and
closing notes that tell "unsupported by design" from "did not finish"."""

import io

from rich.console import Console

from bench.execution.records import Record
from bench.plan.runs import PlannedRun
from bench.present import format as fmt
from bench.present import terminal
from bench.present.report.build import outcome_warnings
from bench.present.terminal import NOTES_CELL_CHARS, summary_table
from bench.results.summary import summarize_records
from bench.spec import NetSpec, TrainSpec

NET, TRAIN = NetSpec((2, 1), "step", "step", "mse"), TrainSpec(optimizer="perceptron")
BACKENDS = ("numpy", "sklearn", "torch", "keras", "pybrain")
WHY = {"sklearn": "sklearn's MLPClassifier trains by backpropagation only; it has no perceptron "
                  "rule (and no step units)",
       "torch": "the perceptron rule trains a step output, which has no gradient for "
                "torch.optim to follow; the course's rule is implemented by the numpy backend",
       "keras": "the perceptron learning rule is not gradient descent",
       "pybrain": "PyBrain has no perceptron learning rule"}


def record(task, recipe, backend, status="ok", error=None):
    r = Record(run_id=f"{task}/{recipe}/{backend}/0", task=task, recipe=recipe, backend=backend,
               seed=0, net={}, train={}, status=status, error=error, epochs_run=1)
    if status == "ok":
        r.metrics = {"test_accuracy": 1.0, "train_accuracy": 1.0}
        r.timing.fit_seconds, r.timing.steady_epoch_seconds = 0.01, 0.001
    return r


def planned(task, recipe, backend):
    return PlannedRun(f"{task}/{recipe}/{backend}/0", task, recipe, backend, 0, NET, TRAIN)


def perceptron_records(task="xor"):
    """The unsupported verdicts arrive first (decided without a process), numpy's run last."""
    return [*(record(task, "perceptron", b, "unsupported", WHY[b]) for b in BACKENDS[1:]),
            record(task, "perceptron", "numpy")]


def render(summaries, width=200) -> str:
    out = io.StringIO()
    Console(file=out, width=width).print(summary_table(summaries))
    return out.getvalue()


def test_backends_unsupported_by_design_share_one_row_naming_them():
    text = render(summarize_records(perceptron_records()), width=400)
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == 2, text  # numpy's row and the folded one
    assert "4 others" in rows[1] and "0/4 ok · unsupported 4" in rows[1]
    assert "unsupported by design: sklearn, torch, keras, pybrain (each reason: report.md)" \
        in rows[1]
    assert "no gradient" not in text  # the reasons are the report's, not repeated here


def test_one_unsupported_backend_keeps_its_row_with_the_full_reason():
    records = [record("xor", "perceptron", "numpy"),
               record("xor", "perceptron", "torch", "unsupported", WHY["torch"])]
    text = render(summarize_records(records), width=400)
    assert "the course's rule is implemented by the numpy backend" in text
    assert "others" not in text


def test_a_long_reason_ends_in_an_ellipsis_that_says_where_to_read_it():
    reason = "RuntimeError: " + "a very long message " * 30
    records = [record("xor", "modern", "torch", "failed", reason)]
    text = render(summarize_records(records), width=1000)
    assert "… (in full: report.md)" in text
    clipped = fmt.clip(f"failed (seed 0): {reason}", NOTES_CELL_CHARS, "in full: report.md")
    assert len(clipped) <= NOTES_CELL_CHARS + len("… (in full: report.md)")
    assert fmt.clip("short", 10) == "short"
    assert fmt.clip("one two three", 9) == "one two…"


def test_rows_follow_the_suite_order_with_numpy_first_whatever_finished_first():
    records = perceptron_records()
    plan = [planned("xor", "perceptron", b) for b in BACKENDS]
    summaries = summarize_records(records, planned=plan)
    assert [s.backend for s in summaries] == list(BACKENDS)
    # without a plan (an old directory): the order the records came in
    assert summarize_records(records)[0].backend == "sklearn"


def test_closing_notes_tell_unsupported_by_design_from_runs_that_did_not_finish():
    records = [*perceptron_records(),
               record("xor", "modern", "torch", "failed", "boom"),
               record("xor", "modern", "keras", "timeout", "no result after 600 s"),
               record("xor", "modern", "pybrain", "unavailable", "pybrain3 is not installed"),
               record("xor", "modern", "sklearn", "diverged", "training loss became nan")]
    notes = outcome_warnings(summarize_records(records))
    assert notes[0].startswith("4 runs unsupported by design: the backend cannot train that "
                               "recipe (or on that device), so nothing was run; the notes "
                               "column gives each reason")
    assert notes[1].startswith("1 run unavailable on this machine")
    assert notes[2].startswith("1 run diverged") and "(1 diverged)" not in notes[2]
    assert notes[3].startswith("2 runs did not finish ok (1 failed, 1 timeout)")
    assert "--resume --retry failed,timeout --out DIR" in notes[3]
    assert all("did not finish" not in note for note in notes[:3])
    assert outcome_warnings(summarize_records([record("xor", "modern", "numpy")])) == []


def test_a_narrow_console_gets_the_notes_under_the_table_not_squeezed_into_a_column():
    summaries = summarize_records(perceptron_records())
    wide, narrow = (terminal.summary_output(summaries, "t", width) for width in (200, 100))
    assert len(wide) == 1 and wide[0].columns[-1].header == "notes"
    assert narrow[0].columns[-1].header == "runs"
    out = io.StringIO()
    console = Console(file=out, width=100)
    for part in narrow:
        console.print(part)
    text = out.getvalue()
    assert "xor/perceptron, 4 others: unsupported by design: sklearn, torch, keras, pybrain" \
        in " ".join(text.split())
