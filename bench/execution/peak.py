"""The machine's measured single-precision matrix-product peak, the yardstick of "% of peak".

`matmul_peak(threads)` times float32 NumPy matrix products (n x n by n x n, 2 n^3 FLOPs each)
with NumPy's BLAS limited to `threads` threads (threadpoolctl) and returns the best rate seen:
what this machine's BLAS reaches on the most favourable dense product, at the thread count the
runs get. It stops after `repeats` products or once `budget` seconds are spent (at least two
products, so the first one's warm-up is never the only sample); on a 2-core Xeon it takes
about half a second at 1 thread with n = 2048.

`nnbench run` measures it once, in its own process before the first run starts (never in the
workers), and stores it in the run directory's plan.json under "peak"; the report shows it in
its provenance and each backend's GFLOP/s as a share of it. It is a measurement, not a
datasheet figure: machine load at that moment lowers it as it lowers every run, and a
framework whose own BLAS is faster than NumPy's can exceed 100% of it.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

#: matrix size and limits of the measurement
SIZE = 2048
REPEATS = 5
BUDGET_SECONDS = 0.6


@dataclass(frozen=True)
class Peak:
    gflops: float        # best rate seen, 2 n^3 / fastest product
    threads: int         # BLAS threads it ran with
    n: int               # matrix size
    repeats: int         # products timed
    seconds: float       # the fastest product
    dtype: str = "float32"
    blas: str = ""       # the BLAS library that ran it (threadpoolctl), e.g. "openblas 0.3.27"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Peak | None:
        """The peak stored in plan.json, or None when it is absent or unreadable."""
        if not isinstance(data, dict):
            return None
        gflops = data.get("gflops")
        if isinstance(gflops, bool) or not isinstance(gflops, (int, float)) \
                or not math.isfinite(gflops) or gflops <= 0:
            return None
        try:
            return cls(gflops=float(gflops), threads=int(data.get("threads") or 0),
                       n=int(data.get("n") or 0), repeats=int(data.get("repeats") or 0),
                       seconds=float(data.get("seconds") or 0.0),
                       dtype=str(data.get("dtype") or "float32"), blas=str(data.get("blas") or ""))
        except (TypeError, ValueError):
            return None


def _blas_name() -> str:
    """NumPy's own BLAS (SciPy may load another copy): "openblas 0.3.31", or ""."""
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    pools = [p for p in pools if "numpy" in (p.get("filepath") or "")] or pools
    return ", ".join(dict.fromkeys(f"{p.get('internal_api')} {p.get('version') or ''}".strip()
                                   for p in pools))


def matmul_peak(threads: int, n: int = SIZE, repeats: int = REPEATS,
                budget: float = BUDGET_SECONDS) -> Peak:
    """The best float32 n x n matmul rate in GFLOP/s with NumPy's BLAS at `threads` threads."""
    from threadpoolctl import threadpool_limits

    if threads < 1 or n < 1 or repeats < 1:
        raise ValueError("threads, n and repeats must be >= 1")
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    times: list[float] = []
    with threadpool_limits(limits=threads, user_api="blas"):
        started = time.perf_counter()
        while len(times) < repeats:
            t0 = time.perf_counter()
            np.matmul(a, b, out=c)
            times.append(time.perf_counter() - t0)
            if len(times) >= 2 and time.perf_counter() - started > budget:
                break
        blas = _blas_name()
    best = min(times)
    return Peak(gflops=2.0 * n ** 3 / best / 1e9, threads=threads, n=n, repeats=len(times),
                seconds=best, blas=blas)
