"""The Ray executor: a suite's runs spread over a Ray cluster, or over an embedded local Ray,
with the local executor's interface, records and behaviour.

Each run is a Ray task that asks for the CPUs its `threads` need (and, with placement
"one-per-node", its node's one `NODE_RESOURCE` unit). On its node the task runs the local
executor for that one run (`runner.Runner`: the same worker path, timeout, precheck and failure
records as `--executor local`) and returns the record; the driver, the only writer of the run
directory, hands each record to `save` as it arrives. The fast path of the local executor
holds on the nodes too: each Ray worker process keeps its runner between tasks, and with it a
pre-imported fork server per backend (started by the first run of that backend on that
worker, loading every split of the suite that backend needs), so a run is a fork, not a new
interpreter, and a node pays each framework's import once per Ray worker (the record's
`executor.mode`: forked; with isolation "fresh", a new interpreter per run as locally). A
server's import may overlap another run on the same node with placement "pack"; with
"one-per-node" nothing runs beside it.
Points of a scaling study wait for the point before them and drop out as locally
(`dropout.take_next`).

Faults: a task whose Ray worker or node was lost is infrastructure, not a result: it is
submitted again, at most MAX_ATTEMPTS times in all, and the record says how many attempts it
took (`executor.attempts`). A framework error, a timeout or a divergence comes back as a
record and is never retried. A record that is not ok names the node it ran on. A task that no
node finishes within twice its timeout plus START_GRACE seconds (e.g. no node has the CPUs it
asks for) is cancelled and recorded as failed, never waited for forever.

`executor.elapsed_seconds` is the driver's clock from the last submission to the record's
arrival; minus the record's own `wall_seconds` it is the run's overhead of Ray and of its
process (a fork, or a new interpreter, plus the server's import for the first run of a
backend on a Ray worker). Ray is imported here only, when the executor starts.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.execution import dropout, process
from bench.execution.executors import Callbacks, ExecutorError
from bench.execution.records import Record
from bench.execution.runner import Interrupted, Runner, splits_by_label
from bench.plan.runs import PlannedRun
from bench.plan.suite import PLACEMENTS

#: a custom resource each node offers once: runs that ask for it run one at a time per node
NODE_RESOURCE = "nnbench_node"
#: attempts of a run whose worker or node is lost (the first included)
MAX_ATTEMPTS = 3
#: seconds a task may wait for a node on top of twice its timeout
START_GRACE = 300.0
POLL_SECONDS = 0.2
#: how long the driver tries to reach a cluster's address before saying it cannot
CONNECT_SECONDS = 10.0
#: the embedded Ray's object store (records are small; Ray's default is 30% of memory)
OBJECT_STORE_BYTES = 100 * 1024 * 1024
EMBEDDED = "embedded"
#: the longest Ray error text kept in a note or a record's reason
REASON_CHARS = 200
#: attempts to start the embedded Ray
EMBEDDED_STARTS = 3
NOT_INSTALLED = ("--executor ray needs Ray, which is not installed here: pip install "
                 "'nnbench[ray]' (or use --executor local)")


# ------------------------------------------------------------------------ on the node

def node_identity() -> dict[str, str]:
    """The Ray node this process runs on: its id, IP address and hostname."""
    import ray

    return {"node_id": ray.get_runtime_context().get_node_id(),
            "node_ip": ray.util.get_node_ip_address(), "host": socket.gethostname()}


#: this Ray worker process's local executor, kept from task to task: its fork servers (one per
#: backend, started by the first run of that backend this worker gets) serve every later run
#: of that backend here, so a node pays each framework's import once per Ray worker
_WORKER_RUNNER: Runner | None = None


def _worker_runner(threads: int, isolation: str) -> Runner:
    global _WORKER_RUNNER
    runner = _WORKER_RUNNER
    if runner is None or (runner.threads, runner.isolation) != (threads, isolation):
        if runner is not None:
            runner.close()
        runner = _WORKER_RUNNER = Runner(lambda record: None, threads, jobs=1,
                                         isolation=isolation, keep_servers=True)
        runner.name = "ray"
    return runner


def run_on_node(run: dict[str, Any], threads: int, isolation: str = "forked",
                splits: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    """The Ray task: one run through the local executor of this Ray worker (`_worker_runner`:
    a fork of the worker's pre-imported server for the run's backend, which loads `splits`
    when it starts, or a fresh interpreter with isolation "fresh"), its record's dict and the
    node's identity."""
    records: list[Record] = []
    planned = PlannedRun.from_dict(run)
    runner = _worker_runner(threads, isolation)
    runner.save = records.append
    runner.run_all([planned], splits={planned.label: splits or []})
    return {"record": records[0].to_dict(), "node": node_identity()}


# ------------------------------------------------------------------------ in the driver

@dataclass
class _InFlight:
    run: PlannedRun
    attempt: int
    submitted: float
    #: why earlier attempts were lost
    lost: list[str] = field(default_factory=list)


def _import_ray(embedded: bool):
    """Ray, imported now; ExecutorError with the install command when it is missing."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if embedded:  # a local Ray advertises the loopback address only (must precede the import)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError:
        raise ExecutorError(NOT_INSTALLED) from None
    return ray


def _unreachable(address: str | None, why: str) -> str:
    return (f"cannot join the Ray cluster at {address}: {why}. Start one there (`ray start "
            "--head` on the head node), check the address (HOST:PORT, as `ray start --head` "
            "printed it; also read from RAY_ADDRESS), or run without --address for an "
            "embedded local Ray")


def check_reachable(address: str) -> None:
    """ExecutorError, within CONNECT_SECONDS, when nothing listens at a HOST:PORT address
    (Ray itself would wait for minutes); other forms ("auto", "ray://...") are Ray's."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or "://" in address:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_SECONDS).close()
    except OSError as exc:
        raise ExecutorError(_unreachable(address, exc.strerror or str(exc))) from None


def _infrastructure_errors(ray) -> tuple[type[BaseException], ...]:
    """Ray's errors that mean a worker, node or object was lost (retried), not a result."""
    names = ("WorkerCrashedError", "NodeDiedError", "LocalRayletDiedError", "ObjectLostError",
             "OwnerDiedError", "TaskUnschedulableError", "RaySystemError",
             "ActorDiedError", "ActorUnavailableError")
    return tuple(getattr(ray.exceptions, n) for n in names if hasattr(ray.exceptions, n))


def _first_line(exc: BaseException) -> str:
    """'NodeDiedError: Task failed because the node ... Node IP: 127.0.0.3, node ID: ...':
    the error's first line, without Ray's advice after it, at most REASON_CHARS long."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = (lines[0] if lines else "").split(" This can happen")[0]
    if len(text) > REASON_CHARS:
        text = text[:REASON_CHARS - 1] + "…"
    return f"{type(exc).__name__}: {text}".rstrip(": ")


class RayRunner:
    """Executes runs as Ray tasks, at most `jobs` at a time (None: as many as the cluster's
    CPUs allow), and hands each record to `callbacks.save` as it arrives."""

    name = "ray"

    def __init__(self, callbacks: Callbacks, threads: int, jobs: int | None = None,
                 isolation: str = "forked", address: str | None = None,
                 placement: str = "pack") -> None:
        if placement not in PLACEMENTS:
            raise ValueError(f"placement={placement!r}; choose one of {', '.join(PLACEMENTS)}")
        self.callbacks, self.threads, self.jobs = callbacks, threads, jobs
        self.isolation, self.placement = isolation, placement
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.where = self.address or EMBEDDED
        self.ray: Any = None
        self.task: Any = None
        self.capacity = 1
        #: each backend's (task, seed) splits in the suite, by run label
        self.splits: dict[str, list[tuple[str, int]]] = {}

    # --- connecting ---------------------------------------------------------------------------

    def connect(self) -> None:
        """Join the cluster at `address`, or start an embedded local Ray, and check that some
        node can take the runs; ExecutorError says why not. Idempotent."""
        if self.ray is not None:
            return
        if self.address is not None:
            check_reachable(self.address)
        ray = _import_ray(self.address is None)
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            if self.address is None:
                self._start_embedded(ray)
            else:
                ray.init(address=self.address, log_to_driver=False, logging_level="WARNING")
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ExecutorError(_unreachable(self.address, _first_line(exc))) from None
        except Exception as exc:  # Ray raises bare Exceptions, e.g. a node that timed out
            raise ExecutorError(f"Ray could not start ({self.where}): {_first_line(exc)}; on "
                                "a busy machine, run again (or use --executor local)") from None
        finally:  # Ray may install its own handlers; Ctrl-C and SIGTERM stay the suite's
            for sig, handler in handlers.items():
                if handler is not None:
                    signal.signal(sig, handler)
        self.ray = ray
        try:
            self.capacity = self._check_nodes()
        except ExecutorError:
            self.close()
            raise
        self.task = ray.remote(run_on_node)

    def _start_embedded(self, ray) -> None:
        # the Ray workers import this checkout, as the local executor's children do
        # (`process.child_environment`); on a cluster nnbench is installed on every node
        root = str(process.PROJECT_ROOT)
        paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if root not in paths:
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, *paths) if p)
        for attempt in range(1, EMBEDDED_STARTS + 1):
            try:
                ray.init(num_cpus=os.cpu_count() or 1, resources={NODE_RESOURCE: 1},
                         include_dashboard=False, log_to_driver=False,
                         logging_level="WARNING", object_store_memory=OBJECT_STORE_BYTES)
                return
            except Exception:  # Ray waits 30 s for its node, too little on a loaded machine
                ray.shutdown()
                if attempt == EMBEDDED_STARTS:
                    raise

    def _check_nodes(self) -> int:
        """How many runs can be in flight; ExecutorError when no node fits a run."""
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        cpus = [n.get("Resources", {}).get("CPU", 0) for n in nodes]
        if not nodes or max(cpus) < self.threads:
            raise ExecutorError(
                f"no node of the Ray cluster ({self.where}) has {self.threads} CPU(s) for a run "
                f"(--threads {self.threads}); the largest has {max(cpus, default=0):g}: use "
                "fewer --threads, or start nodes with more CPUs (ray start --num-cpus N)")
        slots = sum(int(c // self.threads) for c in cpus)
        if self.placement == "one-per-node":
            slots = sum(1 for n, c in zip(nodes, cpus) if c >= self.threads
                        and n.get("Resources", {}).get(NODE_RESOURCE, 0) >= 1)
            if not slots:
                raise ExecutorError(
                    f"placement one-per-node needs every node to offer the resource "
                    f"{NODE_RESOURCE}, and no node of the Ray cluster ({self.where}) does: "
                    f"start each node with ray start ... --resources='{{\"{NODE_RESOURCE}\": "
                    "1}', or use placement pack")
        return self.jobs or max(1, slots)

    def close(self) -> None:
        """Leave the cluster (an embedded Ray stops)."""
        if self.ray is not None:
            self.ray.shutdown()
            self.ray = None

    # --- the loop -----------------------------------------------------------------------------

    def run_all(self, runs: list[PlannedRun], done: Iterable[Record] = ()) -> list[Record]:
        """Every run's record, in the order they arrived (see `runner.Runner.run_all`)."""
        self.connect()
        self.splits = splits_by_label(runs)  # what a Ray worker's new fork server loads
        try:
            return self._loop(runs, done)
        finally:
            self.close()

    def _loop(self, runs: list[PlannedRun], done: Iterable[Record]) -> list[Record]:
        records: list[Record] = []
        pending = list(runs)
        flight: dict[Any, _InFlight] = {}
        ended = {record.run_id: record for record in done}

        def skip(run: PlannedRun, reason: str) -> Record:
            records.append(self._finish(dropout.skipped_record(run, reason, self.threads,
                                                               self.name)))
            return records[-1]

        try:
            while pending or flight:
                while len(flight) < self.capacity:
                    run = dropout.take_next(pending, [f.run.run_id for f in flight.values()],
                                            ended, skip)
                    if run is None:
                        break
                    if self.callbacks.on_start:
                        self.callbacks.on_start(run)
                    flight[self._submit(run)] = _InFlight(run, 1, time.monotonic())
                if not flight:
                    continue
                ready, _ = self.ray.wait(list(flight), num_returns=1, timeout=POLL_SECONDS)
                for ref in ready:
                    item = flight.pop(ref)
                    record = self._collect(ref, item)
                    if record is None:  # lost: submitted again
                        item.attempt += 1
                        item.submitted = time.monotonic()
                        flight[self._submit(item.run)] = item
                    else:
                        records.append(record)
                        ended[item.run.run_id] = record
                for ref, item in list(flight.items()):
                    if time.monotonic() - item.submitted > self._deadline(item.run):
                        del flight[ref]
                        self.ray.cancel(ref, force=True)
                        records.append(self._finish(self._unfinished(item)))
                        ended[item.run.run_id] = records[-1]
        except KeyboardInterrupt:
            self._cancel(flight)
            raise Interrupted(len(records), len(runs)) from None
        except BaseException:  # e.g. a record could not be saved: no run goes on alone
            self._cancel(flight)
            raise
        return records

    def _submit(self, run: PlannedRun):
        resources = {NODE_RESOURCE: 1} if self.placement == "one-per-node" else {}
        return self.task.options(num_cpus=self.threads, resources=resources,
                                 max_retries=0).remote(run.to_dict(), self.threads,
                                                       self.isolation,
                                                       self.splits.get(run.label, []))

    @staticmethod
    def _deadline(run: PlannedRun) -> float:
        return 2 * run.timeout + START_GRACE

    def _cancel(self, flight: dict[Any, _InFlight]) -> None:
        for ref in flight:
            try:
                self.ray.cancel(ref, force=True)
            except Exception:  # the cluster may be gone already
                pass
        flight.clear()

    def _collect(self, ref, item: _InFlight) -> Record | None:
        """The run's record, or None when its worker or node was lost and it is to be
        submitted again."""
        ray = self.ray
        node: dict[str, str] = {}
        try:
            answer = ray.get(ref)
        except _infrastructure_errors(ray) as exc:
            item.lost.append(_first_line(exc))
            if item.attempt < MAX_ATTEMPTS:
                self._note(f"{item.run.run_id}: Ray lost it (attempt {item.attempt} of "
                           f"{MAX_ATTEMPTS}: {item.lost[-1]}); running it again")
                return None
            record = self._lost(item.run, f"Ray lost this run {MAX_ATTEMPTS} times (last: "
                                f"{item.lost[-1]}); check the cluster's nodes (ray status)")
        except ray.exceptions.RayError as exc:  # e.g. nnbench cannot be imported on the node
            record = self._lost(item.run, f"the Ray task failed on its node: {_first_line(exc)}"
                                "; is nnbench (with its data directory) installed on every "
                                "node?")
            record.detail = str(exc)[-2000:] or None
        else:
            record = Record.from_dict(answer["record"])
            node = answer["node"]
        on_node = record.executor
        record.executor = {
            "name": self.name, "mode": on_node.get("mode", "lost"), "address": self.where,
            "placement": self.placement, "attempts": item.attempt,
            "elapsed_seconds": time.monotonic() - item.submitted,
            **({"node_elapsed_seconds": on_node["elapsed_seconds"]}
               if "elapsed_seconds" in on_node else {}),
            **({"node_id": node["node_id"], "node_ip": node["node_ip"]} if node else {}),
            **({"lost": item.lost} if item.lost else {}),
            **({"note": on_node["note"]} if on_node.get("note") else {})}
        if node and record.status in ("failed", "unavailable") and record.error:
            # the fix of a missing framework is the node's own; a failure's reason (a crash, a
            # missing data set with its `nnbench fetch`) needs only to say where it happened
            fix = ": install what it lacks there" if record.status == "unavailable" else ""
            record.error += f" (on Ray node {node['host']}, {node['node_ip']}{fix})"
        return self._finish(record)

    def _lost(self, run: PlannedRun, reason: str) -> Record:
        """The record of a run whose task ended without one."""
        record = Record.for_run(run)
        record.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        record.env = {"threads": self.threads}
        record.error = reason
        return record

    def _unfinished(self, item: _InFlight) -> Record:
        record = self._lost(item.run, f"no Ray node finished this run within "
                            f"{self._deadline(item.run):g} s of its submission (twice its "
                            f"timeout plus {START_GRACE:g} s); check that the cluster's nodes "
                            f"have {self.threads} free CPU(s) (ray status)")
        record.executor = {"name": self.name, "mode": "lost", "address": self.where,
                           "attempts": item.attempt,
                           "elapsed_seconds": time.monotonic() - item.submitted}
        return record

    def _note(self, text: str) -> None:
        if self.callbacks.on_note:
            self.callbacks.on_note(text)
        else:
            print(f"nnbench: {text}", file=sys.stderr, flush=True)

    def _finish(self, record: Record) -> Record:
        self.callbacks.save(record)
        if self.callbacks.on_done:
            self.callbacks.on_done(record)
        return record
