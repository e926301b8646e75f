"""The synchronizing clock: the time, read only once the device has finished its queued work.

A GPU runs asynchronously: a framework call returns when the work is queued, not done, so a
clock read straight after it times the queueing. `Clock(sync)` calls `sync()` (e.g.
`torch.cuda.synchronize`) before every reading; `Clock()` (the CPU, where every call has
finished when it returns) reads `time.perf_counter` and nothing else, so CPU timings are
exactly what they were before devices existed.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Clock:
    """Seconds (`clock()`), after `sync()` when one is given."""

    def __init__(self, sync: Callable[[], None] | None = None,
                 now: Callable[[], float] | None = None) -> None:
        self.sync = sync
        self._now = now  # None: time.perf_counter, looked up at every reading

    @property
    def synchronizing(self) -> bool:
        return self.sync is not None

    def __call__(self) -> float:
        if self.sync is not None:
            self.sync()
        return (self._now or time.perf_counter)()
