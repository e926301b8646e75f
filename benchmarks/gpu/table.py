"""The short table of `gpu_check.sh`: MNIST `modern` per backend and device, from the records.

    python benchmarks/gpu/table.py OUTDIR     -> prints it and writes OUTDIR/table.md

Reads the MNIST run directories under OUTDIR (`mnist-*/`; the width sweep has a report of its
own): per record its backend label (`torch@cuda`), status, test accuracy, steady epoch,
GFLOP/s and % of the peak it is measured against (a GPU run: the GPU's float32 matmul peak
the backend measured; a CPU run: the run directory's NumPy peak), the transfer phase, and
the device the record names.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.execution.records import read_lines


def _peak(rundir: Path) -> float | None:
    try:
        return (json.loads((rundir / "plan.json").read_text()).get("peak") or {}).get("gflops")
    except (OSError, ValueError):
        return None


def _cell(value, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def rows(out: Path) -> list[list[str]]:
    table = []
    for runs in sorted(out.glob("mnist-*/runs.jsonl")):
        cpu_peak = _peak(runs.parent)
        for line in read_lines(runs):
            r = line.record
            if r is None:
                continue
            detail = r.env.get("device_detail") or {}
            peak = detail.get("matmul_peak_gflops") if r.device != "cpu" else cpu_peak
            gflops = r.throughput.steady_gflops
            share = 100 * gflops / peak if gflops and peak else None
            table.append([runs.parent.name, r.recipe, r.label, r.status,
                          _cell(r.test_accuracy, ".4f"),
                          _cell(r.timing.steady_epoch_seconds, ".3f"), _cell(gflops, ".1f"),
                          _cell(peak, ".0f"), _cell(share, ".1f"),
                          _cell(r.timing.transfer_seconds, ".3f"),
                          str(r.env.get("device") or ""),
                          str(detail.get("matmul_precision") or ""),
                          (r.error or "")[:80]])
    return table


HEADER = ["dir", "recipe", "backend", "status", "test acc", "steady epoch s", "GFLOP/s",
          "peak GFLOP/s", "% of peak", "transfer s", "device", "matmul precision", "error"]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in rows(out)]
    text = "\n".join(lines) + "\n"
    (out / "table.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
