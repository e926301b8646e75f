"""Run records: the schema of one line of runs.jsonl, and safe append/read of that file.

`runs.jsonl` is only ever appended to (one JSON object per line, flushed and fsynced as each
run ends), so a crash or Ctrl-C can at worst leave a torn last line; `read_records` skips it
and reports it instead of failing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = "nnbench.run/1"
STATUSES = ("ok", "failed", "timeout", "diverged", "unsupported", "unavailable")
TIMING_KEYS = ("import_seconds", "build_seconds", "fit_seconds", "first_epoch_seconds",
               "steady_epoch_seconds", "predict_seconds")
RUNS_FILE = "runs.jsonl"


def new_record(run: dict[str, Any]) -> dict[str, Any]:
    """A record with every schema key present, filled from a run description.

    `run` holds run_id, task, recipe, backend, seed, net, train (dicts), init and (optional,
    default 0) repeat, the timing repeat's index.
    """
    return {
        "schema": SCHEMA,
        "run_id": run["run_id"],
        "task": run["task"],
        "recipe": run["recipe"],
        "backend": run["backend"],
        "seed": run["seed"],
        "repeat": run.get("repeat", 0),
        "init": run.get("init", "shared"),
        "status": "failed",
        "error": None,
        "detail": None,
        "deviations": [],
        "metrics": {},
        "history": {"loss": [], "val_loss": [], "val_accuracy": [], "val_epochs": [],
                    "epoch_seconds": []},
        "timing": {key: None for key in TIMING_KEYS},
        # rows, flops_per_epoch (bench.execution.flops) and steady_gflops, set by the worker
        "throughput": {},
        "peak_rss_mb": None,
        "n_params": None,
        "epochs_run": 0,
        "net": run["net"],
        "train": run["train"],
        "env": {},
        "started_at": None,
        "wall_seconds": None,
    }


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one record as one line, then flush and fsync so it survives a crash.

    If the file ends in a torn line, the record still starts on a line of its own.
    """
    line = json.dumps(record, allow_nan=True, separators=(",", ":")) + "\n"
    with open(path, "a+b") as fh:
        if fh.tell() > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                line = "\n" + line
        fh.write(line.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def cut_torn_tail(path: Path) -> int:
    """Remove an unterminated last line (a write cut short) from runs.jsonl.

    The removed bytes are appended to `<path>.torn` so nothing is destroyed. Returns how many
    bytes were cut (0 when the file ends cleanly or does not exist).
    """
    path = Path(path)
    if not path.exists():
        return 0
    data = path.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep == len(data):
        return 0
    with open(path.with_name(path.name + ".torn"), "ab") as fh:
        fh.write(data[keep:] + b"\n")
    with open(path, "r+b") as fh:
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    return len(data) - keep


@dataclass
class RecordFile:
    """The parsed contents of a runs.jsonl: its records and any lines that could not be read."""

    records: list[dict[str, Any]] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)

    @property
    def run_ids(self) -> set[str]:
        return {r["run_id"] for r in self.records}


def read_records(path: Path) -> RecordFile:
    """Parse runs.jsonl, skipping (and listing) lines that are not complete JSON objects."""
    out = RecordFile()
    if not Path(path).exists():
        return out
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                out.bad_lines.append(number)
                continue
            if isinstance(record, dict) and "run_id" in record:
                out.records.append(record)
            else:
                out.bad_lines.append(number)
    return out
