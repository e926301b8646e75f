"""The run record: schema keys, JSON round trip, upgrade of older records, safe appends."""

import json

import pytest

from bench.execution.records import (
    SCHEMA,
    TIMING_KEYS,
    Record,
    RecordError,
    append_line,
    cut_torn_tail,
    read_lines,
)

REQUIRED = {"schema", "run_id", "task", "recipe", "backend", "seed", "status", "error", "metrics",
            "history", "timing", "peak_rss_mb", "n_params", "epochs_run", "net", "train", "env",
            "started_at"}


def new(run_id="xor/modern/numpy/0", seed=0, **changes) -> Record:
    return Record(run_id=run_id, task="xor", recipe="modern", backend="numpy", seed=seed,
                  net={"layers": [2, 1]}, train={"lr": 0.1}, **changes)


def test_a_record_has_every_schema_key():
    data = new().to_dict()
    assert REQUIRED <= set(data)
    assert data["schema"] == SCHEMA
    assert set(data["timing"]) == set(TIMING_KEYS)
    assert {"loss", "val_loss", "val_accuracy", "epoch_seconds"} <= set(data["history"])


def test_json_round_trip_keeps_unknown_keys():
    record = new(status="ok", metrics={"test_accuracy": 0.5})
    data = {**record.to_dict(), "added_later": {"x": 1}}
    again = Record.from_dict(json.loads(json.dumps(data)))
    assert again.to_dict() == data


def test_older_records_are_upgraded_on_read():
    old = {"schema": SCHEMA, "run_id": "r", "task": "xor", "recipe": "m", "backend": "numpy",
           "seed": 1, "status": "ok", "metrics": {"test_accuracy": 1.0},
           "history": {"loss": [0.5, 0.4], "val_accuracy": [0.5, 1.0]}, "timing": {},
           "net": {}, "train": {}, "env": {}}
    record = Record.from_dict(old)
    assert record.repeat == 0 and record.init == "shared"       # before timing repeats
    assert record.history.val_epochs == [1, 2]                  # before val_epochs
    assert record.throughput.rows is None and record.stop_reason is None


@pytest.mark.parametrize("change, message", [
    ({"schema": "nnbench.run/9"}, "schema 'nnbench.run/9'"),
    ({"status": "great"}, "status 'great'"),
    ({"run_id": None}, "run_id"),
    ({"metrics": [1]}, "metrics must be a JSON object"),
    ({"metrics": {"test_accuracy": "high"}}, "numeric metrics.test_accuracy"),
    ({"seed": "0"}, "seed"),
])
def test_a_broken_record_says_why(change, message):
    data = {**new(status="ok", metrics={"test_accuracy": 1.0}).to_dict(), **change}
    with pytest.raises(RecordError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Record.from_dict(data)


def test_append_then_read(tmp_path):
    path = tmp_path / "runs.jsonl"
    for seed in range(3):
        append_line(path, new(f"r{seed}", seed).to_json())
    lines = read_lines(path)
    assert [line.record.seed for line in lines] == [0, 1, 2]
    assert [line.number for line in lines] == [1, 2, 3]


def test_a_torn_last_line_is_kept_with_its_reason(tmp_path):
    path = tmp_path / "runs.jsonl"
    append_line(path, new().to_json())
    with open(path, "a") as fh:
        fh.write(new().to_json()[:40])
    lines = read_lines(path)
    assert lines[0].record is not None and lines[1].record is None
    assert lines[1].number == 2 and "torn" in lines[1].problem


def test_missing_file_reads_as_empty(tmp_path):
    assert read_lines(tmp_path / "nope.jsonl") == []


def test_append_after_a_torn_line_starts_a_new_line(tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text('{"run_id": "half')
    append_line(path, new().to_json())
    lines = read_lines(path)
    assert [line.record is not None for line in lines] == [False, True]


def test_cut_torn_tail_keeps_the_fragment_aside(tmp_path):
    path = tmp_path / "runs.jsonl"
    append_line(path, new().to_json())
    whole = path.read_text()
    with open(path, "a") as fh:
        fh.write('{"run_id": "half')
    assert cut_torn_tail(path) == len('{"run_id": "half')
    assert path.read_text() == whole
    assert (tmp_path / "runs.jsonl.torn").read_text() == '{"run_id": "half\n'
    assert cut_torn_tail(path) == 0
