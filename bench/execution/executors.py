"""The one place an executor is chosen by name: "local" (this machine's processes,
`runner.Runner`) or "ray" (a Ray cluster, or an embedded local Ray:
`ray_executor.RayRunner`, imported only when chosen, so nnbench works without Ray).

Both take the same arguments and have the same `run_all(runs, done) -> records`; both hand
each record to `save` as its run ends and raise `runner.Interrupted` on Ctrl-C.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.execution.records import Record
from bench.plan.runs import PlannedRun
from bench.plan.suite import EXECUTORS


class ExecutorError(Exception):
    """An executor that cannot run here (Ray not installed, a cluster that cannot be reached
    or has no node fit for the runs); the message says what to do."""


@dataclass(frozen=True)
class Callbacks:
    """What an executor calls: `save` each record (the run directory's writer), then
    `on_done`; `on_start` as a run starts; `on_note` with a line for the user (e.g. a run
    retried after a node was lost)."""

    save: Callable[[Record], None]
    on_start: Callable[[PlannedRun], None] | None = None
    on_done: Callable[[Record], None] | None = None
    on_note: Callable[[str], None] | None = None


def check(name: str, address: str | None = None) -> None:
    """ExecutorError, in a second or so and before anything is created, when executor `name`
    cannot run here: Ray not installed, or nothing listening at `address`."""
    if name != "ray":
        return
    import importlib.util

    from bench.execution import ray_executor

    if importlib.util.find_spec("ray") is None:
        raise ExecutorError(ray_executor.NOT_INSTALLED)
    if address:
        ray_executor.check_reachable(address)


def build(name: str, callbacks: Callbacks, threads: int, jobs: int | None,
          isolation: str = "forked", address: str | None = None, placement: str = "pack"):
    """The executor called `name` (one of EXECUTORS). `jobs`: runs at a time (None for the
    ray executor: as many as the cluster's CPUs allow)."""
    if name == "local":
        from bench.execution.runner import Runner

        return Runner(callbacks.save, threads, jobs or 1, callbacks.on_start,
                      callbacks.on_done, isolation=isolation)
    if name == "ray":
        from bench.execution.ray_executor import RayRunner

        return RayRunner(callbacks, threads, jobs, isolation=isolation, address=address,
                         placement=placement)
    raise ValueError(f"executor={name!r}; choose one of {', '.join(EXECUTORS)}")
