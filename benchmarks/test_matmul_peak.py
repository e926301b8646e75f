"""The yardstick of "% of peak": float32 NumPy matmuls, 2048 x 2048, at the benchmark's threads.

The same measurement as `bench.execution.peak.matmul_peak` (which `nnbench run` stores in
plan.json), timed by pytest-benchmark so that ratios.py finds it in the same saved results:
the peak is 2 n^3 FLOPs over the fastest round.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from bench.execution.peak import SIZE
from bench.spec.threads import requested_threads


def test_matmul_peak(benchmark):
    threads = requested_threads()
    rng = np.random.default_rng(0)
    a, b = (rng.random((SIZE, SIZE), dtype=np.float32) for _ in range(2))
    c = np.empty_like(a)
    benchmark.group = "matmul peak"
    benchmark.extra_info.update(kind="peak", n=SIZE, flops=2 * SIZE ** 3, dtype="float32",
                                threads=threads)
    with threadpool_limits(limits=threads, user_api="blas"):
        benchmark.pedantic(np.matmul, args=(a, b), kwargs={"out": c}, rounds=5, warmup_rounds=1)
