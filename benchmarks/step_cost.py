"""The cost of a training step by finite differences against backprop, from saved results.

    python benchmarks/step_cost.py                  # the newest file under results/perf/
    python benchmarks/step_cost.py FILE.json ...    # these files, merged (later ones win)

Per parameter count (test_finite_difference_step.py): the median step of backprop and of the
course's forward differences, the ratio finite-difference / backprop, and the finite-difference
step divided by the n_params + 1 forward passes it makes. Then the growth of each: the slope k
of log(step) = c + k log(n_params), fitted by least squares, over every size and over the
sizes from LARGE parameters on, where the arithmetic outweighs the per-call overhead of NumPy
(a step that costs the same at every size has k = 0, one proportional to the size k = 1).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from ratios import _number, load, newest

from bench.present.format import seconds as format_seconds

#: the smallest parameter count of the second fit
LARGE = 2_000
METHODS = ("backprop", "finite-difference")


def steps(benchmarks: list[dict]) -> dict[int, dict[str, float]]:
    """n_params -> {method: median step seconds} of the step benchmarks."""
    out: dict[int, dict[str, float]] = {}
    for bench in benchmarks:
        info = bench.get("extra_info", {})
        if info.get("kind") == "step":
            out.setdefault(info["n_params"], {})[info["method"]] = bench["stats"]["median"]
    return dict(sorted(out.items()))


def growth(sizes: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(seconds) against log(sizes); nan for fewer than 2."""
    if len(sizes) < 2:
        return math.nan
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def render(table: dict[int, dict[str, float]]) -> str:
    lines = ["| parameters | backprop step | finite-difference step | ratio | "
             "per forward pass |", "| ---: | ---: | ---: | ---: | ---: |"]
    for n, row in table.items():
        bp, fd = row.get("backprop", math.nan), row.get("finite-difference", math.nan)
        cells = [f"{n:,}", format_seconds(bp), format_seconds(fd), _number(fd / bp),
                 format_seconds(fd / (n + 1))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| growth k (step ~ n_params^k) | backprop | finite-difference |",
              "| --- | ---: | ---: |"]
    for label, low in ((f"all sizes ({min(table):,} to {max(table):,})", 0),
                       (f"from {LARGE:,} parameters", LARGE)):
        fits = []
        for method in METHODS:
            points = [(n, row[method]) for n, row in table.items() if n >= low and method in row]
            fits.append(growth([n for n, _ in points], [s for _, s in points]))
        lines.append(f"| {label} | {fits[0]:.2f} | {fits[1]:.2f} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [newest()]
    benchmarks, machine = load(paths)
    table = steps(benchmarks)
    if not table:
        print(f"no training-step benchmarks in {', '.join(map(str, paths))}; run "
              "pytest benchmarks/test_finite_difference_step.py --benchmark-only")
        return 1
    print(render(table))
    infos = [b["extra_info"] for b in benchmarks if b.get("extra_info", {}).get("kind") == "step"]
    threads = sorted({i["threads"] for i in infos})
    loads = [i["load_average"][0] for i in infos]
    cpu = (machine.get("cpu") or {}).get("brand_raw", "unknown CPU")
    print()
    print(f"{infos[0]['rows']} rows, {infos[0]['dtype']}, threads {threads}, {cpu}; "
          f"1-minute load {min(loads):.2f} to {max(loads):.2f}; medians over the rounds; from "
          f"{', '.join(p.name for p in paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
