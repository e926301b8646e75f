"""Adapter vs idiomatic loop with every target interleaved, for a machine that is not idle.

    NNBENCH_THREADS=1 python benchmarks/interleaved.py [--rounds N] [--cases a,b]
                                                        [--backends a,b]

pytest-benchmark times all rounds of one benchmark, then the next: on a shared machine the
load changes between them, and a ratio of two benchmarks measures that change too. Here every
target (each backend's adapter steady epoch and idiomatic epoch, as in the pytest-benchmark
suite: `harness.py`) is built and warmed first, then each round times one epoch of every
target in turn (starting one target later each round) and measures the float32 matmul peak
(`bench.execution.peak`) once. Per case and backend it prints the medians over rounds, the
median of the per-round ratios adapter / idiomatic (with their IQR), and GFLOP/s with the
median of the per-round shares of that round's peak: epochs and peak that ran seconds apart
share the load.

Rounds default to 6 (epochs 2 to 7), about the epochs the pytest-benchmark suite times (3 to 7
on the MNIST-sized net): the idiomatic loops do not flush Adam state that decays into
subnormal numbers (the adapters do, see `backends/numpy_backend/optimizers.py`), and on the
MNIST-sized stream their epochs get 2-3x slower from about the 9th epoch on (some 700 Adam
steps after relu units die, beta1^t takes their first moments below float32's normal range).
More rounds mix that in.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bench.spec.threads import requested_threads, thread_environment  # noqa: E402

for _name, _value in thread_environment(requested_threads()).items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
from harness import CASES, Unsupported, extra_info, make_target, spec_for  # noqa: E402
from ratios import _number, _percent, header  # noqa: E402

from backends.registry import BACKENDS  # noqa: E402
from bench.execution.peak import matmul_peak  # noqa: E402
from bench.present.format import seconds as format_seconds  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--backends", default=",".join(
        n for n, e in BACKENDS.items() if e.unavailable_reason() is None))
    args = parser.parse_args(argv)
    threads = requested_threads()
    targets = []  # (case, backend, kind, spec, call, close, flops)
    for case in args.cases.split(","):
        for backend in args.backends.split(","):
            spec = spec_for(backend)
            for kind, factory in (("adapter", "adapter_epoch"), ("idiomatic", "idiomatic_epoch")):
                try:
                    call, close = make_target(factory, backend, case, spec)
                except Unsupported as reason:
                    print(f"skipped {case} {backend} {kind}: {reason}", file=sys.stderr)
                    continue
                flops = extra_info(case, backend, kind, spec)["flops_per_epoch"]
                targets.append((case, backend, kind, spec, call, close, flops))
    times = {t[:4]: [] for t in targets}
    peaks, loads = [], []
    try:
        for round_ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            peaks.append(matmul_peak(threads).gflops)
            shift = round_ % len(targets)
            for case, backend, kind, spec, call, _, _ in targets[shift:] + targets[:shift]:
                started = time.perf_counter()
                call()
                times[(case, backend, kind, spec)].append(time.perf_counter() - started)
            print(f"round {round_ + 1}/{args.rounds} done (load {loads[-1]:.2f}, peak "
                  f"{peaks[-1]:.1f} GFLOP/s)", file=sys.stderr)
    finally:
        for target in targets:
            target[5]()
    flops_of = {t[:4]: t[6] for t in targets}
    print("\n".join(header("adapter / idiomatic (IQR)")))
    peak_arr = np.array(peaks)
    for case, backend, spec in dict.fromkeys((k[0], k[1], k[3]) for k in times):
        cells = [case, backend, spec]
        series = {kind: np.array(times.get((case, backend, kind, spec), []))
                  for kind in ("adapter", "idiomatic")}
        for ts in series.values():
            cells.append(format_seconds(float(np.median(ts))) if ts.size else "-")
        if series["adapter"].size and series["idiomatic"].size:
            ratio = series["adapter"] / series["idiomatic"]
            q1, q2, q3 = np.percentile(ratio, [25, 50, 75])
            cells.append(f"{q2:.2f} ({q1:.2f}..{q3:.2f})")
        else:
            cells.append("-")
        for kind, ts in series.items():
            if not ts.size:
                cells += ["-", "-"]
                continue
            per_round = flops_of[(case, backend, kind, spec)] / ts / 1e9
            cells += [_number(float(np.median(per_round))),
                      _percent(float(np.median(100 * per_round / peak_arr)))]
        print("| " + " | ".join(cells) + " |")
    print(f"\n{args.rounds} interleaved rounds, {threads} thread(s); float32 matmul peak per "
          f"round: median {np.median(peak_arr):.1f}, best {peak_arr.max():.1f} GFLOP/s; "
          f"1-minute load average {min(loads):.2f} to {max(loads):.2f}")
    print("epochs: medians over rounds; ratio: median (IQR) of the per-round ratios; % of peak: "
          "median over rounds of that round's GFLOP/s over that round's peak")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
