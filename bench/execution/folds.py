"""Leave-one-out refits in parallel, on the cores the run may use.

The refits of a leave-one-out run are independent fits. With a thread budget of T >= 2, the
run forks min(T, folds) fold workers right after its backend is imported and before its own
model is built: the framework has then computed nothing in this process, so forking is as
safe as it is for the fork server. The workers wait (idle: no CPU taken from the run's timed
training) until the main fit and prediction are done, then each trains its share of the folds
single-threaded and sends back their output activations; the run waits for all of them.
`cross_validation_seconds` stays the wall time of all the refits, as before.

A worker that fails makes `map` raise, and the run fails with its reason. With T = 1 the folds
run one after another in the run's own process.
"""

from __future__ import annotations

import gc
import io
import os
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bench.execution.child import die_with_parent
from bench.spec.threads import thread_environment


class FoldWorkerError(RuntimeError):
    """A fold worker failed; the message holds its error."""


def _send(fd: int, data: bytes) -> None:
    os.write(fd, struct.pack("!Q", len(data)))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> bytes:
    def exactly(n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = os.read(fd, left)
            if not chunk:
                raise EOFError("fold worker closed its pipe")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    (size,) = struct.unpack("!Q", exactly(8))
    return exactly(size)


def _single_threaded() -> None:
    """This process computes with one thread from here on (BLAS pools included)."""
    os.environ.update(thread_environment(1))
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - a dependency of nnbench
        pass


class FoldWorkers:
    """`n` forked processes that will compute `fn(index)` for the indices they are given."""

    def __init__(self, n: int, fn: Callable[[int], np.ndarray]) -> None:
        self.n = n
        self.workers: list[tuple[int, int, int]] = []   # (pid, to worker, from worker)
        gc.freeze()  # as the fork server does: no copy of every page by a worker's collector
        for _ in range(n):
            requests_read, requests_write = os.pipe()    # parent -> worker
            answers_read, answers_write = os.pipe()      # worker -> parent
            pid = os.fork()
            if pid == 0:
                for fd in (requests_write, answers_read,
                           *(fd for _, *fds in self.workers for fd in fds)):
                    os.close(fd)  # only its own ends: a parent's close must reach the others
                self._serve(requests_read, answers_write, fn)
            os.close(requests_read)
            os.close(answers_write)
            self.workers.append((pid, requests_write, answers_read))

    @staticmethod
    def _serve(requests: int, answers: int, fn: Callable[[int], np.ndarray]) -> None:
        code = 0
        try:
            die_with_parent()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            indices = np.load(io.BytesIO(_receive(requests)), allow_pickle=False)
            _single_threaded()
            buffer = io.BytesIO()
            np.savez(buffer, **{str(i): np.asarray(fn(int(i))) for i in indices})
            _send(answers, b"ok" + buffer.getvalue())
        except BaseException as exc:
            code = 1
            try:
                _send(answers, b"er" + f"{type(exc).__name__}: {exc}\n"
                      f"{traceback.format_exc()}".encode())
            except OSError:
                pass
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def map(self, count: int) -> list[np.ndarray]:
        """fn(0), ..., fn(count - 1), shared round-robin among the workers."""
        shares = [np.arange(k, count, len(self.workers)) for k in range(len(self.workers))]
        for (_, to_worker, _), share in zip(self.workers, shares):
            buffer = io.BytesIO()
            np.save(buffer, share, allow_pickle=False)
            _send(to_worker, buffer.getvalue())
        results: dict[int, np.ndarray] = {}
        errors = []
        for _, _, from_worker in self.workers:
            try:
                answer = _receive(from_worker)
            except EOFError as exc:
                answer = b"er" + str(exc).encode()
            if answer[:2] == b"ok":
                with np.load(io.BytesIO(answer[2:]), allow_pickle=False) as archive:
                    results.update({int(k): archive[k] for k in archive.files})
            else:
                errors.append(answer[2:].decode(errors="replace"))
        self.close()
        if errors:
            first = errors[0].splitlines() or ["no reason given"]
            raise FoldWorkerError(f"a leave-one-out fold worker failed: {first[0]}")
        return [results[i] for i in range(count)]

    def close(self) -> None:
        for pid, to_worker, from_worker in self.workers:
            for fd in (to_worker, from_worker):
                try:
                    os.close(fd)
                except OSError:
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.workers = []


def parallel_refits(n_workers: int, fit_fold: Callable[[int], np.ndarray]
                    ) -> FoldWorkers | None:
    """Fold workers for a run with `n_workers` cores to use (None below 2: run them here)."""
    return FoldWorkers(n_workers, fit_fold) if n_workers >= 2 else None


def outputs_of(folds: Sequence[Any], fit_fold: Callable[[int], np.ndarray],
               workers: FoldWorkers | None) -> list[np.ndarray]:
    """Each fold's held-out output activations, in fold order."""
    if workers is None:
        return [fit_fold(i) for i in range(len(folds))]
    return workers.map(len(folds))
