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
    #: plan.json's execution: executor, isolation, jobs, threads, cores ({} in older runs)
    execution: dict[str, Any]
    #: (mode, runs) of the records' `executor.mode`, most common first (empty: older runs)
    modes: tuple[tuple[str, int], ...]
    #: (backend, import seconds) of the backends whose imports were paid once, by a server
    imports_once: tuple[tuple[str, float], ...]
    #: the machines that ran the records: "host (CPU, N cores): R runs", in order of
    #: appearance (several with the ray executor on a cluster)
    hosts: tuple[str, ...] = ()
    #: the records' host names (env.host), in order of appearance
    host_names: tuple[str, ...] = ()


def started_at(record) -> datetime | None:
    """When the record's run started (UTC); None when it does not say."""
    try:
        return datetime.fromisoformat(record.started_at).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def _started(records) -> list[datetime]:
    return [stamp for stamp in map(started_at, records) if stamp is not None]


def _frameworks(records) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(backend, its distinct "framework version" texts), per backend in order of appearance."""
    def version(r) -> str | None:
        found = r.env.get("framework_version")
        return f"{r.env.get('framework') or r.backend} {found}" if found else None

    backends = dict.fromkeys(r.backend for r in records)
    return tuple((b, _distinct(version(r) for r in records if r.backend == b)) for b in backends)


def imports_once(records) -> tuple[tuple[str, float], ...]:
    """(backend, seconds) for every backend with forked runs: the import its server paid."""
    seen: dict[str, float] = {}
    for r in records:
        if r.executor.get("mode") == "forked" and r.timing.import_seconds is not None:
            seen.setdefault(r.backend, r.timing.import_seconds)
    return tuple(seen.items())


def _hosts(envs) -> tuple[str, ...]:
    counts = Counter((e.get("host"), e.get("cpu"), e.get("cores")) for e in envs
                     if e.get("host"))
    return tuple(f"{host} ({cpu or 'unknown CPU'}, {cores or '?'} cores): "
                 f"{n} run{'s' if n != 1 else ''}" for (host, cpu, cores), n in counts.items())


def _blas_pools(envs) -> tuple[str, ...]:
    pools = (pool for e in envs for pool in (e.get("blas") or []) if isinstance(pool, dict))
    return _distinct(f"{pool.get('api')} {pool.get('threads')}" for pool in pools)


def provenance(contents: Contents) -> Provenance:
    records = contents.records
    envs = [r.env for r in records]

    def seen(key: str) -> tuple[str, ...]:
        return _distinct(e.get(key) for e in envs)

    stamps = _started(records)
    return Provenance(
        cpus=seen("cpu"), cores=seen("cores"), platforms=seen("platform"),
        threads=seen("threads"), blas_pools=_blas_pools(envs), frameworks=_frameworks(records),
        pythons=seen("python"), numpys=seen("numpy"), commits=seen("nnbench_commit"),
        suite=contents.suite, first_started=min(stamps, default=None),
        last_started=max(stamps, default=None),
        statuses=tuple(Counter(r.status for r in records).most_common()),
        n_records=len(records), bad_lines=tuple(line.number for line in contents.bad_lines),
        peak=contents.peak, execution=contents.plan.execution if contents.plan else {},
        modes=tuple(Counter(r.executor["mode"] for r in records
                            if r.executor.get("mode")).most_common()),
        imports_once=imports_once(records), hosts=_hosts(envs),
        host_names=seen("host"))
