"""Dropping a slow backend out of a scaling study's costlier points instead of stalling it.

The points of a study's axis run cheapest first, and each planned run names the point before
it of the same backend (`PlannedRun.after`). The executor starts a point only once that one
has its record, and asks `reason_to_skip(previous)` whether to run it at all. It is not run
when the point before it

- took half its training budget or more for one epoch (the steady epoch, or the only one if
  the first already crossed the budget): a point with more work (up to 4 times as much, one
  step along an axis) could not fit a steady epoch in the budget. Half, not all of it, and
  the steady epoch, not the first, so that a framework's warm-up (graph tracing, several
  seconds on a loaded machine) never counts as the cost of a point;
- failed or timed out (a costlier net would run out of memory or time the same way);
- was itself not run for one of these reasons (the first reason is passed on).

The run's record is then made here, without a process: status "timeout" (a decision about
time, and no other status says it; the schema stays as it is), the reason in `error`, and
`executor.mode` = `SKIPPED` so the report can count such points apart from runs stopped by
their timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from bench.execution import precheck
from bench.execution.records import Record
from bench.plan.runs import PlannedRun

SKIPPED = "not run: an earlier point was over its budget"
#: the statuses of a point after which the costlier ones are not run
ENDS_THE_AXIS = ("failed", "timeout")


def reason_to_skip(previous: Record) -> str | None:
    """Why the points after `previous` (the point before them) are not run, or None."""
    if previous.executor.get("mode") == SKIPPED:
        return previous.error
    if previous.status in ENDS_THE_AXIS:
        return (f"not run: the point before it ({previous.recipe}) ended {previous.status}"
                f"{': ' + previous.error if previous.error else ''}")
    budget = previous.train.get("time_budget")
    epoch = previous.timing.steady_epoch_seconds
    if previous.ok and budget and epoch and epoch >= budget / 2:
        return (f"not run: one epoch of {previous.recipe} took {epoch:.3g} s, half or more "
                f"of the budget of {budget:g} s per point, and this point does more work")
    return None


def skipped_record(run: PlannedRun, reason: str, threads: int,
                   executor: str = "local") -> Record:
    """The record of a point that is not run because of `reason`."""
    return precheck.without_process(run, "timeout", reason, threads, executor, mode=SKIPPED)


def take_next(pending: list[PlannedRun], running: Collection[str], ended: dict[str, Record],
              skip: Callable[[PlannedRun, str], Record]) -> PlannedRun | None:
    """Remove and return the first of `pending` that can start now (None: none can), for any
    executor. `running`: the run ids in flight; `ended`: the records so far by run id. On the
    way, each point not run because the point before it was over its budget is handed to
    `skip(run, reason)`, whose record joins `ended`."""
    waiting = {r.run_id for r in pending} | set(running)
    for run in list(pending):
        if run.after in waiting:
            continue
        reason = reason_to_skip(ended[run.after]) if run.after in ended else None
        pending.remove(run)
        if reason is None:
            return run
        ended[run.run_id] = skip(run, reason)
        waiting.discard(run.run_id)
    return None
