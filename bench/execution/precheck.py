"""Runs that need no process: what a backend cannot follow, or cannot run here, decided in the
executor's own process from the specs and the registry alone, without importing a framework.

`decide(run)` returns the run's record when the backend is unavailable (its framework is not
installed) or declares the spec, or the run's device, unsupported (`capabilities.unsupported`,
`capabilities.DEVICES`: numpy, sklearn and pybrain have no `cuda`), else None: the run
goes to a worker. Such a record is the one a worker would write, minus what only a worker
measures (import time, BLAS pools, peak memory), and says where it was decided
(`executor.mode` = "decided without a process").
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from backends.registry import get_entry
from bench.execution import environment
from bench.execution.records import Record
from bench.plan.runs import PlannedRun

MODE = "decided without a process"


def decide(run: PlannedRun, threads: int, executor: str = "local") -> Record | None:
    entry = get_entry(run.backend)
    reason = entry.unavailable_reason()
    status = "unavailable"
    if reason is None:
        if not entry.decides_without_import:
            return None
        reason = entry.unsupported_reason(run.net, run.train, run.device)
        status = "unsupported"
        if reason is None:
            return None
    return without_process(run, status, reason, threads, executor)


def without_process(run: PlannedRun, status: str, reason: str, threads: int,
                    executor: str = "local", mode: str = MODE) -> Record:
    """The record of a run decided here: `status` and `reason`, the machine and framework
    (what the registry knows without importing it), and how it was decided (`mode`)."""
    started = time.perf_counter()
    entry = get_entry(run.backend)
    record = Record.for_run(run)
    record.status, record.error = status, reason
    record.started_at = datetime.now(UTC).isoformat(timespec="seconds")
    record.env = {**environment.machine(), "threads": threads,
                  "device": "cpu" if run.device == "cpu" else f"{run.device} (not used)",
                  "framework": entry.framework, "framework_version": entry.framework_version()}
    record.wall_seconds = time.perf_counter() - started
    record.executor = {"name": executor, "mode": mode, "elapsed_seconds": record.wall_seconds}
    return record
