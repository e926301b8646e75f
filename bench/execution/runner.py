"""Runs a plan: one fresh worker process per run, a timeout each, records appended as runs end.

A worker that raises writes a `failed` record itself; one that dies (segfault, os._exit, out of
memory) or outlives its timeout is turned into a `failed`/`timeout` record here, with the tail
of its stderr. On Ctrl-C or SIGTERM the running workers are stopped, every finished record is
already on disk, and `Interrupted` tells the caller how far it got.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.results.records import RUNS_FILE, append_record, new_record
from bench.spec.threads import thread_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STDERR_TAIL_LINES = 15
POLL_SECONDS = 0.05


def worker_environment(threads: int | None = None,
                       extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a child that runs nnbench code: the thread variables
    (when `threads` is given), `extra` (e.g. a backend's KERAS_BACKEND), and the project root
    first on PYTHONPATH, so the child imports this checkout whatever is installed."""
    env = {**os.environ, **(thread_environment(threads) if threads else {}), **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


class Interrupted(Exception):
    """The suite was stopped by Ctrl-C or SIGTERM; `done` runs were saved."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} runs")
        self.done, self.total = done, total


@dataclass
class _Running:
    run: dict[str, Any]
    process: subprocess.Popen
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


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"worker process killed by {name}{hint}"
    return f"worker process exited with code {code} without a result"


def _kill(process: subprocess.Popen) -> None:
    """Stop a worker and anything it started (it leads its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


class Runner:
    """Executes runs in worker processes, `jobs` at a time, with `threads` threads each."""

    def __init__(self, out_dir: Path, threads: int, jobs: int = 1,
                 on_start: Callable[[dict], None] | None = None,
                 on_done: Callable[[dict], None] | None = None) -> None:
        self.out_dir, self.threads, self.jobs = Path(out_dir), threads, jobs
        self.on_start, self.on_done = on_start, on_done
        self.env = worker_environment(threads)

    def run_all(self, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
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
                    _kill(item.process)
                raise Interrupted(len(records), len(runs)) from None
        return records

    def _start(self, run: dict[str, Any], scratch: Path) -> _Running:
        stem = scratch / run["run_id"].replace("/", "__")
        job, result, stderr = (stem.with_suffix(s) for s in (".run.json", ".result.json", ".err"))
        job.write_text(json.dumps(run))
        if self.on_start:
            self.on_start(run)
        with open(stderr, "wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.execution.worker", str(job), str(result)],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=self.env,
                cwd=PROJECT_ROOT, start_new_session=True)
        return _Running(run, process, time.monotonic(), result, stderr)

    def _finished(self, item: _Running) -> bool:
        if item.process.poll() is not None:
            return True
        if time.monotonic() - item.started > item.run["timeout"]:
            _kill(item.process)
            item.timed_out = True
            return True
        return False

    def _collect(self, item: _Running) -> dict[str, Any]:
        code = item.process.returncode
        if item.result.exists():
            record = json.loads(item.result.read_text())
        else:
            record = new_record(item.run)
            record["started_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            record["wall_seconds"] = time.monotonic() - item.started
            record["env"] = {"threads": self.threads}
            if item.timed_out:
                record.update(status="timeout",
                              error=f"run exceeded its timeout of {item.run['timeout']:g} s "
                                    "and was stopped")
            else:
                record.update(status="failed", error=_exit_reason(code))
            record["detail"] = _tail(item.stderr) or None
        append_record(self.out_dir / RUNS_FILE, record)
        if self.on_done:
            self.on_done(record)
        return record
