"""The measured float32 matmul peak: a real, quick measurement, and how runs store and show it."""

import math
import time

from bench.execution.peak import Peak, matmul_peak
from bench.present.format import peak_text


def test_the_peak_is_a_positive_rate_measured_quickly():
    peak = matmul_peak(threads=1, n=256, repeats=3)
    assert peak.gflops > 0 and math.isfinite(peak.gflops)
    assert peak.threads == 1 and peak.n == 256 and 2 <= peak.repeats <= 3
    assert peak.gflops == 2 * 256 ** 3 / peak.seconds / 1e9
    assert peak.dtype == "float32"


def test_the_default_measurement_stays_under_a_second_or_so():
    started = time.perf_counter()
    peak = matmul_peak(threads=1)  # 2048 x 2048, what `nnbench run` measures
    assert time.perf_counter() - started < 2.0  # about 0.6 s; slack for a loaded machine
    assert peak.n == 2048 and peak.repeats >= 2


def test_the_stored_peak_reads_back_and_anything_else_is_no_peak():
    peak = matmul_peak(threads=1, n=64, repeats=2)
    assert Peak.from_dict(peak.to_dict()) == peak
    for stored in (None, {}, {"gflops": 0}, {"gflops": float("nan")}, "fast", {"gflops": True}):
        assert Peak.from_dict(stored) is None
    text = peak_text(Peak.from_dict({**peak.to_dict(), "gflops": 1234.5, "n": 2048,
                                     "repeats": 5}))
    assert text.startswith("1,234.5 GFLOP/s float32 (NumPy matmul 2048x2048, best of 5, "
                           "1 thread")
