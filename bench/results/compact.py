"""The compact form of a run, for committing a reference run (`results/reference/`, written by
`nnbench reference DIR`): a run directory of plan.json and runs.jsonl.gz that `nnbench compare`
and `nnbench report` read like any other.

Each record keeps every field of the schema; only the per-epoch history is made smaller:
losses and accuracies are rounded to `CURVE_DIGITS` significant digits (float32 carries about
7, so equal curves stay equal and the report's plots look the same), epoch seconds to
`SECONDS_DIGITS` (timing noise is far larger; the time to a target accuracy moves by at most
0.5%, the rounding's own bound), and the validation losses, which nothing reads, are
dropped. Only the records that count go in (one per run id, none that plan.json does not
plan); planned runs without a record stay missing.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path

from bench.execution.records import History, Record
from bench.results.rundir import RunDir, RunDirError

CURVE_DIGITS = 7
SECONDS_DIGITS = 3


def rounded(value: float | None, digits: int) -> float | None:
    """`value` to `digits` significant digits (None, 0 and non-finite values unchanged)."""
    if value is None or not isinstance(value, float) or not math.isfinite(value) or not value:
        return value
    return float(f"{value:.{digits - 1}e}")


def compact_record(record: Record) -> Record:
    """A copy of `record` with its history made smaller (see the module docstring)."""
    out = copy.deepcopy(record)
    h = record.history
    out.history = History(loss=[rounded(v, CURVE_DIGITS) for v in h.loss], val_loss=[],
                          val_accuracy=[rounded(v, CURVE_DIGITS) for v in h.val_accuracy],
                          val_epochs=list(h.val_epochs),
                          epoch_seconds=[rounded(v, SECONDS_DIGITS) for v in h.epoch_seconds])
    return out


@dataclass(frozen=True)
class Written:
    """What `write_reference` wrote: the records, and the bytes of each file."""

    path: Path
    records: int
    plan_bytes: int
    runs_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.plan_bytes + self.runs_bytes


def write_reference(source: Path, dest: Path) -> Written:
    """Write the compact form of the run directory `source` into `dest` (new, empty, or an
    earlier compact form, which it replaces). RunDirError when either cannot be used."""
    contents = RunDir.open(source).read()
    if not contents.records:
        raise RunDirError(f"{source} holds no readable record")
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()) and not RunDir(dest).compact:
        raise RunDirError(f"{dest} already exists and is no compact run directory; choose "
                          "another --out")
    dest.mkdir(parents=True, exist_ok=True)
    target = RunDir(dest)
    with target.lock("nnbench reference"):
        runs_bytes = target.write_compact(contents.plan,
                                          [compact_record(r) for r in contents.records])
        if contents.plan is None:
            target.plan_file.unlink(missing_ok=True)
    plan_bytes = target.plan_file.stat().st_size if target.plan_file.exists() else 0
    return Written(dest, len(contents.records), plan_bytes, runs_bytes)
