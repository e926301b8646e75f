"""Thread parity: the same number of compute threads for every framework in every run.

The runner puts these variables into each worker's environment, so they are in force before
any framework (or NumPy's BLAS) is imported; backends read `NNBENCH_THREADS` to set their
framework's own knobs (e.g. torch.set_num_threads).
"""

from __future__ import annotations

import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "NNBENCH_THREADS")


def default_threads() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def requested_threads() -> int:
    """The thread count this run was given (NNBENCH_THREADS, else all cores)."""
    value = os.environ.get("NNBENCH_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else default_threads()


def thread_environment(threads: int) -> dict[str, str]:
    env = {name: str(threads) for name in THREAD_VARIABLES}
    env["TF_NUM_INTEROP_THREADS"] = "1"  # inter-op parallelism would add threads on top
    return env


def blas_threads() -> list[dict]:
    """What the loaded native thread pools report (threadpoolctl), for the record."""
    from threadpoolctl import threadpool_info

    return [{"api": p.get("internal_api"), "threads": p.get("num_threads")}
            for p in threadpool_info()]
