"""The local executor: every planned run in a process of its own, `jobs` at a time, a timeout
each, each record handed on as its run ends.

How a run gets its process (recorded in the record's `executor.mode`):

- "decided without a process": the backend is unavailable or declares the spec unsupported
  (`precheck`); the record is made here, in milliseconds.
- "forked" (the default isolation): a fork of the backend's pre-imported server
  (`forkserver`), so the framework's import is paid once per backend and suite, not once per
  run; every run still has a process of its own, started from the same post-import state.
  The servers are started, all at once, before the first run, so that their imports never
  run beside a timed run.
- "fresh": a new interpreter per run (`isolation="fresh"`, a run on a GPU, or a run of a
  backend whose server could not start; the record's `executor.note` says why).

A point of a scaling study (a run with `after`) starts only once the point before it has its
record, and is not run at all when that one was over its budget (`dropout`); other runs start
meanwhile, in plan order.

A worker that raises writes a `failed` record itself; one that dies (segfault, os._exit, out of
memory, its server gone) or outlives its timeout is turned into a `failed`/`timeout` record
here, with the tail of its output. On Ctrl-C or SIGTERM the running workers are stopped, every
finished record is already saved, and `Interrupted` tells the caller how far it got.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backends.registry import get_entry
from bench.execution import dropout, precheck, process
from bench.execution.forkserver import ForkServer, ForkServerError
from bench.execution.records import Record, RecordError
from bench.plan.runs import PlannedRun
from bench.plan.suite import ISOLATIONS
from bench.spec.devices import DEVICE_VARIABLE, split_label

STDERR_TAIL_LINES = 15
POLL_SECONDS = 0.01
RUN_TARGET = "bench.execution.worker:run_payload"
PREPARE_TARGET = "bench.execution.worker:prepare"


class Interrupted(Exception):
    """The suite was stopped by Ctrl-C or SIGTERM; `done` runs were saved."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} runs")
        self.done, self.total = done, total


@dataclass
class _Running:
    run: PlannedRun
    handle: Any            # a subprocess.Popen, or a forkserver.ForkedChild
    mode: str
    started: float
    result: Path
    log: Path
    note: str = ""
    timed_out: bool = False


def _tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "".join(text.splitlines(True)[-lines:])


def splits_by_label(runs: Iterable[PlannedRun],
                    first: Mapping[str, Sequence[tuple[str, int]]] | None = None
                    ) -> dict[str, list[tuple[str, int]]]:
    """The (task, seed) splits the runs of each label (`torch`, `torch@cuda`) use, in order of
    first use after the label's `first` ones: what a fork server of that label loads."""
    first = first or {}
    splits: dict[str, list[tuple[str, int]]] = {}
    for run in runs:
        needed = splits.setdefault(run.label, [tuple(s) for s in first.get(run.label, ())])
        if (run.task, run.seed) not in needed:
            needed.append((run.task, run.seed))
    return splits


class Runner:
    """Executes runs on this machine, `jobs` at a time, with `threads` threads each, and hands
    each record to `save` (e.g. `RunDir.append`) as the run ends, before `on_done`."""

    name = "local"

    def __init__(self, save: Callable[[Record], None], threads: int, jobs: int = 1,
                 on_start: Callable[[PlannedRun], None] | None = None,
                 on_done: Callable[[Record], None] | None = None,
                 isolation: str = "forked", keep_servers: bool = False) -> None:
        if isolation not in ISOLATIONS:
            raise ValueError(f"isolation={isolation!r}; choose one of {', '.join(ISOLATIONS)}")
        self.save, self.threads, self.jobs = save, threads, jobs
        self.on_start, self.on_done = on_start, on_done
        self.isolation = isolation
        self.env = process.child_environment(threads)
        self.servers: dict[str, ForkServer] = {}
        #: why a backend runs in fresh processes although forking was asked for
        self.fresh_because: dict[str, str] = {}
        #: True: the fork servers (and their scratch directory) outlive `run_all`, serving the
        #: runs of later calls too, until `close` (a Ray worker's runner, see ray_executor)
        self.keep_servers = keep_servers
        self._kept = contextlib.ExitStack()
        self._kept_scratch: Path | None = None

    # --- the loop ---------------------------------------------------------------------------

    def run_all(self, runs: list[PlannedRun], done: Iterable[Record] = (),
                splits: Mapping[str, Sequence[tuple[str, int]]] | None = None) -> list[Record]:
        """Every run's record, in the order they ended. `done`: records of earlier runs of the
        same plan (a resumed run directory), for the runs that wait for one of them. `splits`:
        the (task, seed) splits a new fork server of each label loads (default: those of
        `runs`; a kept server may serve later runs too)."""
        records: list[Record] = []
        pending = list(runs)
        running: list[_Running] = []
        ended = {record.run_id: record for record in done}
        with self._scratch() as scratch:
            try:
                pending = self._decide_in_parent(pending, records)
                ended.update((r.run_id, r) for r in records)
                if self.isolation == "forked":
                    self._start_servers(pending, Path(scratch), splits or {})
                while pending or running:
                    while len(running) < self.jobs:
                        run = self._next(pending, running, ended, records)
                        if run is None:
                            break
                        running.append(self._start(run, Path(scratch)))
                    for item in [r for r in running if self._finished(r)]:
                        running.remove(item)
                        records.append(self._collect(item))
                        ended[item.run.run_id] = records[-1]
                    time.sleep(POLL_SECONDS)
            except KeyboardInterrupt:
                for item in running:
                    process.stop(item.handle)
                raise Interrupted(len(records), len(runs)) from None
            except BaseException:  # e.g. a record could not be saved: no run goes on alone
                for item in running:
                    process.stop(item.handle)
                raise
            finally:
                if not self.keep_servers:
                    self.close()
        return records

    def _scratch(self) -> contextlib.AbstractContextManager[Path]:
        """The directory of the servers' and runs' files: one per `run_all`, or, with
        `keep_servers`, one for the runner's life (removed by `close` or when this process
        ends, however it ends)."""
        if not self.keep_servers:
            return process.scratch_directory()
        if self._kept_scratch is None:
            self._kept_scratch = self._kept.enter_context(process.scratch_directory())
        return contextlib.nullcontext(self._kept_scratch)

    def close(self) -> None:
        """Stop the fork servers (and remove a kept scratch directory)."""
        for server in self.servers.values():
            server.close()
        self.servers.clear()
        self._kept.close()
        self._kept_scratch = None

    def _next(self, pending: list[PlannedRun], running: list[_Running],
              ended: dict[str, Record], records: list[Record]) -> PlannedRun | None:
        """Take the first pending run that can start now (None: none can); the points not run
        on the way are recorded (`dropout.take_next`)."""
        def skip(run: PlannedRun, reason: str) -> Record:
            records.append(self._finish(dropout.skipped_record(run, reason, self.threads,
                                                               self.name)))
            return records[-1]

        return dropout.take_next(pending, [item.run.run_id for item in running], ended, skip)

    def _decide_in_parent(self, runs: list[PlannedRun], records: list[Record]
                          ) -> list[PlannedRun]:
        """Record every run that needs no process; the others, in order."""
        rest = []
        for run in runs:
            record = precheck.decide(run, self.threads, self.name)
            if record is None:
                rest.append(run)
            else:
                records.append(self._finish(record))
        return rest

    # --- processes --------------------------------------------------------------------------

    def _start_servers(self, runs: list[PlannedRun], scratch: Path,
                       preload: Mapping[str, Sequence[tuple[str, int]]]) -> None:
        """A fork server per backend and device of `runs` (its label: `torch`, `torch@cuda`)
        that has none yet, all importing at once, before any run."""
        serve = []
        for run in runs:
            if run.label in self.servers or run.label in self.fresh_because:
                continue
            if run.device != "cpu":  # a CUDA context cannot cross a fork: never risk one
                self.fresh_because[run.label] = (f"runs on {run.device} start in a fresh "
                                                 "interpreter (no GPU state crosses a fork)")
                continue
            serve.append(run)
        starting = {}
        for label, needed in splits_by_label(serve, preload).items():
            backend, device = split_label(label)
            starting[label] = ForkServer(
                PREPARE_TARGET, {"backend": backend, "splits": needed},
                self._env(backend, device), scratch / f"server-{label}.log")
        for backend, server in starting.items():
            try:
                server.wait_ready()
                self.servers[backend] = server
            except ForkServerError as exc:
                self.fresh_because[backend] = f"its fork server did not start: {exc}"

    def _env(self, backend: str, device: str) -> dict[str, str]:
        """A worker's environment: the runner's, the backend's for the device, the device."""
        return {**self.env, **get_entry(backend).env_for(device), DEVICE_VARIABLE: device}

    def _start(self, run: PlannedRun, scratch: Path) -> _Running:
        stem = scratch / run.run_id.replace("/", "__")
        job, result, log = (stem.with_suffix(s) for s in (".run.json", ".result.json", ".log"))
        for path in (result, log):  # a kept scratch directory may hold an earlier attempt's
            path.unlink(missing_ok=True)
        payload = {"run": run.to_dict()}
        if self.on_start:
            self.on_start(run)
        server = self.servers.get(run.label)
        note = self.fresh_because.get(run.label, "")
        if server is not None:
            try:
                child = server.fork(run.run_id, RUN_TARGET, payload, result, log)
                return _Running(run, child, "forked", time.monotonic(), result, log)
            except ForkServerError as exc:
                note = f"its fork server failed: {exc}"
                self.fresh_because[run.label] = note
                del self.servers[run.label]
                server.close()
        job.write_text(json.dumps(payload))
        env = self._env(run.backend, run.device)
        with open(log, "wb") as out:
            handle = process.start(["-m", "bench.execution.child", RUN_TARGET, str(job),
                                    str(result)], env, stdout=out, stderr=out)
        return _Running(run, handle, "fresh", time.monotonic(), result, log, note)

    def _finished(self, item: _Running) -> bool:
        if item.handle.poll() is not None:
            return True
        if time.monotonic() - item.started > item.run.timeout:
            process.stop(item.handle)
            item.timed_out = True
            return True
        return False

    def _collect(self, item: _Running) -> Record:
        record = None
        if item.result.exists() and not item.timed_out:
            try:
                record = Record.from_dict(json.loads(item.result.read_text()))
            except (ValueError, RecordError):
                record = None
        if record is None:
            record = self._failure(item)
        record.executor = {"name": self.name, "mode": item.mode,
                           "elapsed_seconds": time.monotonic() - item.started,
                           **({"note": item.note} if item.note else {})}
        return self._finish(record)

    def _failure(self, item: _Running) -> Record:
        """The record of a run whose process ended without one."""
        record = Record.for_run(item.run)
        record.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        record.wall_seconds = time.monotonic() - item.started
        record.env = {"threads": self.threads}
        if item.timed_out:
            record.status = "timeout"
            record.error = (f"run exceeded its timeout of {item.run.timeout:g} s and was "
                            "stopped")
        else:
            record.status = "failed"
            record.error = getattr(item.handle, "lost", "") or \
                process.exit_reason(item.handle.returncode)
        record.detail = _tail(item.log) or None
        return record

    def _finish(self, record: Record) -> Record:
        self.save(record)
        if self.on_done:
            self.on_done(record)
        return record
