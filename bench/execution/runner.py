"""Runs a plan: one fresh worker process per run, a timeout each, records appended as runs end.

A worker that raises writes a `failed` record itself; one that dies (segfault, os._exit, out of
memory) or outlives its timeout is turned into a `failed`/`timeout` record here, with the tail
of its stderr. On Ctrl-C or SIGTERM the running workers are stopped, every finished record is
already on disk, and `Interrupted` tells the caller how far it got.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.execution import process
from bench.execution.records import Record, RecordError
from bench.plan.runs import PlannedRun

STDERR_TAIL_LINES = 15
POLL_SECONDS = 0.05


class Interrupted(Exception):
    """The suite was stopped by Ctrl-C or SIGTERM; `done` runs were saved."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} runs")
        self.done, self.total = done, total


@dataclass
class _Running:
    run: PlannedRun
    process: object
    started: float
    result: Path
    stderr: Path
    timed_out: bool = False


def _tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "".join(text.splitlines(True)[-lines:])


class Runner:
    """Executes runs in worker processes, `jobs` at a time, with `threads` threads each, and
    hands each record to `save` (e.g. `RunDir.append`) as the run ends, before `on_done`."""

    def __init__(self, save: Callable[[Record], None], threads: int, jobs: int = 1,
                 on_start: Callable[[PlannedRun], None] | None = None,
                 on_done: Callable[[Record], None] | None = None) -> None:
        self.save, self.threads, self.jobs = save, threads, jobs
        self.on_start, self.on_done = on_start, on_done
        self.env = process.child_environment(threads)

    def run_all(self, runs: list[PlannedRun]) -> list[Record]:
        records: list[Record] = []
        pending = list(runs)
        running: list[_Running] = []
        with tempfile.TemporaryDirectory(prefix="nnbench-") as scratch:
            try:
                while pending or running:
                    while pending and len(running) < self.jobs:
                        running.append(self._start(pending.pop(0), Path(scratch)))
                    for item in [r for r in running if self._finished(r)]:
                        running.remove(item)
                        records.append(self._collect(item))
                    time.sleep(POLL_SECONDS)
            except KeyboardInterrupt:
                for item in running:
                    process.stop(item.process)
                raise Interrupted(len(records), len(runs)) from None
        return records

    def _start(self, run: PlannedRun, scratch: Path) -> _Running:
        stem = scratch / run.run_id.replace("/", "__")
        job, result, stderr = (stem.with_suffix(s) for s in (".run.json", ".result.json", ".err"))
        job.write_text(json.dumps(run.to_dict()))
        if self.on_start:
            self.on_start(run)
        with open(stderr, "wb") as err:
            child = process.start(["-m", "bench.execution.worker", str(job), str(result)],
                                  self.env, stdout=err, stderr=err)
        return _Running(run, child, time.monotonic(), result, stderr)

    def _finished(self, item: _Running) -> bool:
        if item.process.poll() is not None:
            return True
        if time.monotonic() - item.started > item.run.timeout:
            process.stop(item.process)
            item.timed_out = True
            return True
        return False

    def _collect(self, item: _Running) -> Record:
        code = item.process.returncode
        record = None
        if item.result.exists():
            try:
                record = Record.from_dict(json.loads(item.result.read_text()))
            except (ValueError, RecordError):
                record = None
        if record is None:
            record = Record.for_run(item.run)
            record.started_at = datetime.now(UTC).isoformat(timespec="seconds")
            record.wall_seconds = time.monotonic() - item.started
            record.env = {"threads": self.threads}
            if item.timed_out:
                record.status = "timeout"
                record.error = (f"run exceeded its timeout of {item.run.timeout:g} s and was "
                                "stopped")
            else:
                record.status, record.error = "failed", process.exit_reason(code)
            record.detail = _tail(item.stderr) or None
        self.save(record)
        if self.on_done:
            self.on_done(record)
        return record
