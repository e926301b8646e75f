import json

from bench.results.records import (
    SCHEMA,
    TIMING_KEYS,
    append_record,
    cut_torn_tail,
    new_record,
    read_records,
)

RUN = {"run_id": "xor/modern/numpy/0", "task": "xor", "recipe": "modern", "backend": "numpy",
       "seed": 0, "net": {"layers": [2, 1]}, "train": {"lr": 0.1}}
REQUIRED = {"schema", "run_id", "task", "recipe", "backend", "seed", "status", "error", "metrics",
            "history", "timing", "peak_rss_mb", "n_params", "epochs_run", "net", "train", "env",
            "started_at"}


def test_new_record_has_every_schema_key():
    record = new_record(RUN)
    assert REQUIRED <= set(record)
    assert record["schema"] == SCHEMA
    assert set(record["timing"]) == set(TIMING_KEYS)
    assert {"loss", "val_loss", "val_accuracy", "epoch_seconds"} <= set(record["history"])


def test_append_then_read(tmp_path):
    path = tmp_path / "runs.jsonl"
    for seed in range(3):
        append_record(path, {**new_record(RUN), "run_id": f"r{seed}", "seed": seed})
    contents = read_records(path)
    assert [r["seed"] for r in contents.records] == [0, 1, 2]
    assert contents.run_ids == {"r0", "r1", "r2"} and contents.bad_lines == []


def test_a_torn_last_line_is_skipped_and_reported(tmp_path):
    path = tmp_path / "runs.jsonl"
    append_record(path, new_record(RUN))
    with open(path, "a") as fh:
        fh.write(json.dumps(new_record(RUN))[:40])
    contents = read_records(path)
    assert len(contents.records) == 1 and contents.bad_lines == [2]


def test_missing_file_reads_as_empty(tmp_path):
    assert read_records(tmp_path / "nope.jsonl").records == []


def test_append_after_a_torn_line_starts_a_new_line(tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text('{"run_id": "half')
    append_record(path, new_record(RUN))
    contents = read_records(path)
    assert len(contents.records) == 1 and contents.bad_lines == [1]


def test_cut_torn_tail_keeps_the_fragment_aside(tmp_path):
    path = tmp_path / "runs.jsonl"
    append_record(path, new_record(RUN))
    whole = path.read_text()
    with open(path, "a") as fh:
        fh.write('{"run_id": "half')
    assert cut_torn_tail(path) == len('{"run_id": "half')
    assert path.read_text() == whole
    assert (tmp_path / "runs.jsonl.torn").read_text() == '{"run_id": "half\n'
    assert cut_torn_tail(path) == 0
