"""Where a run directory's time went: per backend, its runs' time split into training,
leave-one-out refits, imports and everything else, and for the whole suite how much of its run
slots (runs at a time x span) the runs filled.

A run's time is what its slot was held for: the executor's `elapsed_seconds` (submission to
record: process start or fork included) where the record has it, else its own `wall_seconds`.
Training is `fit_seconds` (validation evaluations excluded), refits are
`cross_validation_seconds`. A fresh-process run pays its framework import inside its own time;
a forked one does not: its backend's fork server paid it once, outside every run (with Ray,
once per Ray worker; `server_import` is one of them). "Other" is the rest of a run's time:
process start or fork, data, building the model, evaluations, prediction, the record. A run
that never had a process (unsupported, unavailable, a scaling point not run) is counted in
`decided`, its time in "other".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median

from bench.execution.dropout import SKIPPED
from bench.execution.records import Record
from bench.results.provenance import imports_once, started_at

#: executor modes whose runs imported their framework themselves, inside their own time (None:
#: a record from before modes were recorded, when every run had a fresh process)
IMPORTS_PER_RUN = ("fresh", None)
#: modes of runs that never had a process (decided from the specs; scaling points not run)
NO_PROCESS = ("decided without a process", SKIPPED)


@dataclass(frozen=True)
class BackendTime:
    """One backend's runs, their summed times in seconds."""

    backend: str
    runs: int                 # runs that had a process of their own
    decided: int              # runs decided without a process
    run_seconds: float        # slot time of every run (decided ones included)
    training: float
    refits: float
    server_import: float      # the fork server's one import, outside every run (0: none)
    imports_inside: float     # the imports fresh-process runs paid inside their own times
    fresh_runs: int           # how many runs paid those
    other: float              # run_seconds - training - refits - imports_inside
    median_other: float | None  # per run that had a process: its other time, the median

    @property
    def imports(self) -> float:
        return self.server_import + self.imports_inside


@dataclass(frozen=True)
class TimeSpent:
    """The suite's time: per-backend rows, and the span the runs took."""

    backends: tuple[BackendTime, ...]
    #: first run's start to last run's end, seconds (None: no record says when it started)
    span: float | None
    #: runs at a time on the local executor (None: unknown, or Ray, whose slots are its CPUs)
    slots: int | None

    def total(self, field: str) -> float:
        return sum(getattr(b, field) for b in self.backends)

    @property
    def imports_outside(self) -> float:
        """Import seconds fork servers paid outside every run."""
        return sum(b.server_import for b in self.backends)

    @property
    def slot_seconds(self) -> float | None:
        return None if self.span is None or self.slots is None else self.span * self.slots


def run_seconds(record: Record) -> float:
    elapsed = record.executor.get("elapsed_seconds")
    if isinstance(elapsed, (int, float)):
        return float(elapsed)
    return record.wall_seconds or 0.0


def _import_inside(record: Record) -> float:
    """The import seconds inside the run's own time (a fresh process's; 0 for a forked run)."""
    if record.executor.get("mode") in IMPORTS_PER_RUN:
        return record.timing.import_seconds or 0.0
    return 0.0


def _backend_time(backend: str, records: list[Record], server_import: float) -> BackendTime:
    decided = [r for r in records if r.executor.get("mode") in NO_PROCESS]
    ran = [r for r in records if r.executor.get("mode") not in NO_PROCESS]

    def other_of(r: Record) -> float:
        return max(0.0, run_seconds(r) - (r.timing.fit_seconds or 0.0)
                   - (r.timing.cross_validation_seconds or 0.0) - _import_inside(r))

    others = [other_of(r) for r in ran]
    return BackendTime(
        backend=backend, runs=len(ran), decided=len(decided),
        run_seconds=sum(run_seconds(r) for r in records),
        training=sum(r.timing.fit_seconds or 0.0 for r in ran),
        refits=sum(r.timing.cross_validation_seconds or 0.0 for r in ran),
        server_import=server_import,
        imports_inside=sum(map(_import_inside, ran)),
        fresh_runs=sum(r.executor.get("mode") in IMPORTS_PER_RUN for r in ran),
        other=sum(others) + sum(run_seconds(r) for r in decided),
        median_other=median(others) if others else None)


def _span(records: Iterable[Record]) -> float | None:
    starts, ends = [], []
    for r in records:
        stamp = started_at(r)
        if stamp is not None:
            starts.append(stamp.timestamp())
            ends.append(starts[-1] + (r.wall_seconds or 0.0))
    return max(ends) - min(starts) if starts else None


def time_spent(records: list[Record], execution: dict | None = None) -> TimeSpent:
    """The time summary of a run directory's records (`execution`: plan.json's)."""
    execution = execution or {}
    backends = list(dict.fromkeys(r.backend for r in records))
    servers = dict(imports_once(records))
    rows = tuple(_backend_time(b, [r for r in records if r.backend == b], servers.get(b, 0.0))
                 for b in backends)
    jobs = execution.get("jobs")
    local = execution.get("executor", "local") == "local"
    return TimeSpent(rows, _span(records), jobs if local and isinstance(jobs, int) else None)
