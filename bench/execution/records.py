"""Run records: the typed schema of one line of runs.jsonl, and safe line-level append/read.

A `Record` is what one run produced (status, metrics, per-epoch history, phase timings,
throughput, environment). `Record.to_dict()` is the JSON form of the schema `nnbench.run/1`
(see DESIGN.md); `Record.from_dict()` reads it back, from every form an older nnbench wrote
(records before timing repeats have no `repeat`, before throughput no `throughput`, and so
on: the upgrade is done here, once), and raises RecordError for a line that is not a record.
Keys this version does not know are kept (`extra`) and written back unchanged. A run planned
on a device other than the CPU carries `device` ("cuda"; absent: "cpu"); what it really ran
on is described in `env.device`.

`runs.jsonl` is only ever appended to (one JSON object per line, flushed and fsynced as each
run ends), so a crash or Ctrl-C can at worst leave a torn last line.
"""

from __future__ import annotations

import gzip
import json
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bench.spec.devices import backend_label

SCHEMA = "nnbench.run/1"
#: schemas whose records `Record.from_dict` can read (and upgrade to SCHEMA)
READABLE_SCHEMAS = (SCHEMA,)
STATUSES = ("ok", "failed", "timeout", "diverged", "unsupported", "unavailable")
#: the phases every record times (DESIGN.md); cross_validation_seconds is added by
#: leave-one-out tasks
TIMING_KEYS = ("import_seconds", "build_seconds", "fit_seconds", "first_epoch_seconds",
               "steady_epoch_seconds", "predict_seconds")


class RecordError(ValueError):
    """A JSON object that is not a readable run record; the message says why."""


def _number(value: Any) -> float | None:
    """A finite float, or None for anything else (None, NaN, text, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass
class Timing:
    """Phase times in seconds (None: the phase did not run)."""

    import_seconds: float | None = None
    build_seconds: float | None = None
    fit_seconds: float | None = None
    first_epoch_seconds: float | None = None
    steady_epoch_seconds: float | None = None
    predict_seconds: float | None = None
    #: leave-one-out refits (credit-risk), outside every other phase
    cross_validation_seconds: float | None = None
    #: copying the training data to the device, once, before training (runs on a GPU only)
    transfer_seconds: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        out = {key: getattr(self, key) for key in TIMING_KEYS}
        for key in ("cross_validation_seconds", "transfer_seconds"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timing:
        return cls(**{f.name: _number(data.get(f.name)) for f in fields(cls)})


@dataclass
class History:
    """Per-epoch training loss and seconds; validation loss and accuracy at `val_epochs`."""

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    #: 1-based epochs of the validation values (records before it existed: every epoch)
    val_epochs: list[int] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, list]:
        return {"loss": self.loss, "val_loss": self.val_loss, "val_accuracy": self.val_accuracy,
                "val_epochs": self.val_epochs, "epoch_seconds": self.epoch_seconds}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        lists = {}
        for f in fields(cls):
            value = data.get(f.name) or []
            if not isinstance(value, list):
                raise RecordError(f"history.{f.name} must be a list")
            lists[f.name] = value
        if not lists["val_epochs"] and lists["val_accuracy"]:
            lists["val_epochs"] = list(range(1, len(lists["val_accuracy"]) + 1))
        return cls(**lists)


@dataclass
class Throughput:
    """Training rows, training FLOPs of one epoch (`bench.execution.flops`) and the steady
    epoch's GFLOP/s; all None where the run trained nothing."""

    rows: int | None = None
    flops_per_epoch: int | None = None
    steady_gflops: float | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.rows is None and self.flops_per_epoch is None and self.steady_gflops is None:
            return {}
        return {"rows": self.rows, "flops_per_epoch": self.flops_per_epoch,
                "steady_gflops": self.steady_gflops}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Throughput:
        rows, flops = data.get("rows"), data.get("flops_per_epoch")
        return cls(rows=rows if isinstance(rows, int) else None,
                   flops_per_epoch=flops if isinstance(flops, int) else None,
                   steady_gflops=_number(data.get("steady_gflops")))


@dataclass
class Record:
    """One run's outcome (the schema's fields; see the module docstring)."""

    run_id: str
    task: str
    recipe: str
    backend: str
    seed: int
    net: dict[str, Any]
    train: dict[str, Any]
    repeat: int = 0
    init: str = "shared"
    status: str = "failed"
    error: str | None = None
    detail: str | None = None
    deviations: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    history: History = field(default_factory=History)
    timing: Timing = field(default_factory=Timing)
    throughput: Throughput = field(default_factory=Throughput)
    peak_rss_mb: float | None = None
    n_params: int | None = None
    epochs_run: int = 0
    env: dict[str, Any] = field(default_factory=dict)
    started_at: str | None = None
    wall_seconds: float | None = None
    stop_reason: str | None = None
    #: how the run was executed: executor ("local", "ray"), mode ("forked", "fresh", "decided
    #: without a process"), the executor's own elapsed seconds for the run, ...
    executor: dict[str, Any] = field(default_factory=dict)
    #: the device the run was planned on ("cpu" or "cuda"); part of its group's name
    device: str = "cpu"
    schema: str = SCHEMA
    #: keys of the JSON object this version does not know, kept as they were
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_run(cls, run) -> Record:
        """A `failed` record of a `bench.plan.runs.PlannedRun`, to be filled in."""
        return cls(run_id=run.run_id, task=run.task, recipe=run.recipe, backend=run.backend,
                   seed=run.seed, repeat=run.repeat, init=run.init, net=run.net.to_dict(),
                   train=run.train.to_dict(), device=getattr(run, "device", "cpu"))

    @property
    def label(self) -> str:
        """The backend as tables name it: `torch`, or `torch@cuda` on the GPU."""
        return backend_label(self.backend, self.device)

    @property
    def group(self) -> tuple[str, str, str]:
        return self.task, self.recipe, self.label

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def metric(self, name: str) -> float | None:
        """A metric as a finite float, or None."""
        return _number(self.metrics.get(name))

    @property
    def test_accuracy(self) -> float | None:
        return self.metric("test_accuracy")

    def to_dict(self) -> dict[str, Any]:
        out = {
            "schema": self.schema, "run_id": self.run_id, "task": self.task,
            "recipe": self.recipe, "backend": self.backend, "seed": self.seed,
            "repeat": self.repeat, "init": self.init, "status": self.status,
            "error": self.error, "detail": self.detail, "deviations": self.deviations,
            "metrics": self.metrics, "history": self.history.to_dict(),
            "timing": self.timing.to_dict(), "throughput": self.throughput.to_dict(),
            "peak_rss_mb": self.peak_rss_mb, "n_params": self.n_params,
            "epochs_run": self.epochs_run, "net": self.net, "train": self.train,
            "env": self.env, "started_at": self.started_at, "wall_seconds": self.wall_seconds,
        }
        if self.stop_reason is not None or "stop_reason" in self.extra:
            out["stop_reason"] = self.stop_reason
        if self.executor:
            out["executor"] = self.executor
        if self.device != "cpu":
            out["device"] = self.device
        out.update({k: v for k, v in self.extra.items() if k not in out})
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), allow_nan=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Any) -> Record:
        """Read (and upgrade) one record; RecordError says why a line is not one."""
        parts = _checked_parts(data)
        known = {f.name for f in fields(cls)} | {"schema"}
        return cls(
            run_id=data["run_id"], task=data["task"], recipe=data["recipe"],
            backend=data["backend"], seed=data["seed"], repeat=data.get("repeat") or 0,
            init=data.get("init") or "shared", status=data["status"], error=data.get("error"),
            detail=data.get("detail"), deviations=[str(d) for d in parts["deviations"]],
            metrics=parts["metrics"], history=History.from_dict(parts["history"]),
            timing=Timing.from_dict(parts["timing"]),
            throughput=Throughput.from_dict(parts["throughput"]),
            peak_rss_mb=_number(data.get("peak_rss_mb")), n_params=data.get("n_params"),
            epochs_run=data.get("epochs_run") or 0, env=parts["env"], net=parts["net"],
            train=parts["train"], started_at=data.get("started_at"),
            wall_seconds=_number(data.get("wall_seconds")), stop_reason=data.get("stop_reason"),
            executor=parts["executor"], device=str(data.get("device") or "cpu"),
            extra={k: v for k, v in data.items() if k not in known})


def _checked_parts(data: Any) -> dict[str, Any]:
    """The record's nested parts (empty where absent), after checking what every statistic
    relies on: the schema, the names, the status, seed and repeat, and an ok record's
    accuracy. RecordError on the first problem."""
    if not isinstance(data, dict):
        raise RecordError("not a JSON object")
    schema = data.get("schema", SCHEMA)
    if schema not in READABLE_SCHEMAS:
        raise RecordError(f"schema {schema!r} is not one this nnbench reads "
                          f"({', '.join(READABLE_SCHEMAS)})")
    for key in ("run_id", "task", "recipe", "backend"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise RecordError(f"{key} is missing or not a name")
    if data.get("status") not in STATUSES:
        raise RecordError(f"status {data.get('status')!r} is not one of {', '.join(STATUSES)}")
    for key in ("seed", "repeat"):
        value = data.get(key, 0) or 0
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError("seed and repeat must be integers")
    parts = {key: data.get(key) or {} for key in ("metrics", "history", "timing", "throughput",
                                                   "env", "net", "train", "executor")}
    wrong = [key for key, value in parts.items() if not isinstance(value, dict)]
    if wrong:
        raise RecordError(f"{wrong[0]} must be a JSON object")
    if data["status"] == "ok" and _number(parts["metrics"].get("test_accuracy")) is None:
        raise RecordError("an ok record without a numeric metrics.test_accuracy")
    parts["deviations"] = data.get("deviations") or []
    if not isinstance(parts["deviations"], list):
        raise RecordError("deviations must be a list")
    return parts


def append_line(path: Path, line: str) -> None:
    """Append one line, then flush and fsync so it survives a crash. If the file ends in a
    torn line, the new line still starts on a line of its own."""
    data = line.rstrip("\n") + "\n"
    with open(path, "a+b") as fh:
        if fh.tell() > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                data = "\n" + data
        fh.write(data.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def cut_torn_tail(path: Path) -> int:
    """Remove an unterminated last line (a write cut short) from a JSON-lines file.

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


@dataclass(frozen=True)
class Line:
    """One non-empty line of runs.jsonl: its number, and the record or why it is none."""

    number: int
    text: str
    record: Record | None
    problem: str = ""


def read_lines(path: Path) -> list[Line]:
    """Every non-empty line of a runs.jsonl (or of a gzip-compressed runs.jsonl.gz), parsed (a
    torn or broken line is kept with the reason it is no record)."""
    out: list[Line] = []
    path = Path(path)
    if not path.exists():
        return out
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                out.append(Line(number, text, Record.from_dict(json.loads(text))))
            except json.JSONDecodeError:
                out.append(Line(number, text, None, "not complete JSON (a torn write?)"))
            except RecordError as exc:
                out.append(Line(number, text, None, str(exc)))
    return out
