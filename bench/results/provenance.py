"""Provenance of a run directory: the machines, threads, versions, commits, suite and dates its
records were measured with, gathered once from the records and plan.json.

The report prints all of it; `compare` prints the part that decides whether two runs' times
are comparable (CPU, threads, commit, date). Values are the distinct ones seen, in the order
they first appear.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.execution.peak import Peak
from bench.results.rundir import Contents


def _distinct(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(v) for v in values if v not in (None, "")))


@dataclass(frozen=True)
class Provenance:
    cpus: tuple[str, ...]
    cores: tuple[str, ...]
    platforms: tuple[str, ...]
    threads: tuple[str, ...]
    blas_pools: tuple[str, ...]          # "openblas 1", as threadpoolctl reported them
    frameworks: tuple[tuple[str, tuple[str, ...]], ...]   # (backend, "torch 2.13.0", ...)
    pythons: tuple[str, ...]
    numpys: tuple[str, ...]
    commits: tuple[str, ...]             # with "+dirty" for uncommitted changes
    suite: dict[str, Any] | None         # as plan.json holds it; None without a plan
    first_started: datetime | None
    last_started: datetime | None
    statuses: tuple[tuple[str, int], ...]  # most common first
    n_records: int
    bad_lines: tuple[int, ...]
    peak: Peak | None


def _started(records) -> list[datetime]:
    stamps = []
    for r in records:
        try:
            stamps.append(datetime.fromisoformat(r.started_at).astimezone(UTC))
        except (TypeError, ValueError):
            continue
    return stamps


def provenance(contents: Contents) -> Provenance:
    records = contents.records
    envs = [r.env for r in records]
    frameworks = []
    for backend in dict.fromkeys(r.backend for r in records):
        versions = _distinct(f"{r.env.get('framework') or backend} "
                             f"{r.env.get('framework_version')}"
                             if r.env.get("framework_version") else None
                             for r in records if r.backend == backend)
        frameworks.append((backend, versions))
    stamps = _started(records)
    return Provenance(
        cpus=_distinct(e.get("cpu") for e in envs),
        cores=_distinct(e.get("cores") for e in envs),
        platforms=_distinct(e.get("platform") for e in envs),
        threads=_distinct(e.get("threads") for e in envs),
        blas_pools=_distinct(f"{b.get('api')} {b.get('threads')}" for e in envs
                             for b in (e.get("blas") or []) if isinstance(b, dict)),
        frameworks=tuple(frameworks),
        pythons=_distinct(e.get("python") for e in envs),
        numpys=_distinct(e.get("numpy") for e in envs),
        commits=_distinct(e.get("nnbench_commit") for e in envs),
        suite=contents.suite,
        first_started=min(stamps) if stamps else None,
        last_started=max(stamps) if stamps else None,
        statuses=tuple(Counter(r.status for r in records).most_common()),
        n_records=len(records),
        bad_lines=tuple(line.number for line in contents.bad_lines),
        peak=contents.peak)
