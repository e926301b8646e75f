"""The adapter-vs-idiomatic table from saved pytest-benchmark results.

    python benchmarks/ratios.py                  # the newest file under results/perf/
    python benchmarks/ratios.py FILE.json ...    # these files, merged (later ones win)

Per case and backend: the adapter's steady epoch and the idiomatic loop's epoch (medians over
their rounds), the ratio adapter / idiomatic (> 1: the adapter is slower than what a user of
the framework would write), and for both the achieved GFLOP/s (training FLOPs of the epoch,
`bench.execution.flops`, over the median) and its share of the float32 matmul peak measured in
the same session (test_matmul_peak: 2 n^3 over its fastest round). The output is a Markdown table,
followed by the threads and the load averages seen when the benchmarks started.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.present.format import seconds as format_seconds  # noqa: E402

PERF_DIR = ROOT / "results" / "perf"


def newest(directory: Path = PERF_DIR) -> Path:
    files = sorted(directory.glob("*/*.json"), key=lambda p: (p.stat().st_mtime, p.name))
    if not files:
        raise SystemExit(f"no saved benchmark results under {directory}; run `nox -s perf`")
    return files[-1]


def load(paths: list[Path]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Benchmarks of every file by name (a later file replaces an earlier one's), and the
    machine info of the last."""
    by_name: dict[str, dict[str, Any]] = {}
    machine: dict[str, Any] = {}
    for path in paths:
        data = json.loads(Path(path).read_text())
        machine = data.get("machine_info", machine)
        for bench in data.get("benchmarks", []):
            by_name[bench["fullname"]] = bench
    return list(by_name.values()), machine


def _rate(flops: float | None, seconds: float | None) -> float:
    if not flops or not seconds:
        return math.nan
    return flops / seconds / 1e9


def _number(value: float, digits: int = 3) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value:.{digits}g}" if value < 10 ** digits else f"{value:,.0f}"


def _percent(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.0f}%" if value >= 10 else \
        f"{value:.2g}%"


def table(benchmarks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """Rows of (case, backend, spec) with both kinds' medians and rates, and the peak."""
    peaks = [b for b in benchmarks if b.get("extra_info", {}).get("kind") == "peak"]
    peak = max((b["extra_info"]["flops"] / b["stats"]["min"] / 1e9 for b in peaks),
               default=math.nan)
    pairs: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    for bench in benchmarks:
        info = bench.get("extra_info", {})
        if info.get("kind") in ("adapter", "idiomatic") and "case" in info:
            key = (info["case"], info["backend"], info["spec"])
            pairs.setdefault(key, {})[info["kind"]] = bench
    rows = []
    for (case, backend, spec), kinds in sorted(pairs.items()):
        row: dict[str, Any] = {"case": case, "backend": backend, "spec": spec}
        for kind in ("adapter", "idiomatic"):
            bench = kinds.get(kind)
            median = bench["stats"]["median"] if bench else math.nan
            flops = bench["extra_info"].get("flops_per_epoch") if bench else None
            row[kind] = median
            row[f"{kind}_gflops"] = _rate(flops, median)
            row[f"{kind}_rounds"] = bench["stats"]["rounds"] if bench else 0
            row[f"{kind}_iqr"] = bench["stats"]["iqr"] if bench else math.nan
        row["ratio"] = row["adapter"] / row["idiomatic"] if row["idiomatic"] else math.nan
        rows.append(row)
    return rows, peak


def header(ratio: str = "adapter / idiomatic") -> list[str]:
    """The two Markdown header lines of the adapter-vs-idiomatic table."""
    return [f"| case | backend | spec | adapter steady epoch | idiomatic epoch | {ratio} | "
            "adapter GFLOP/s | % of peak | idiomatic GFLOP/s | % of peak |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]


def render(rows: list[dict[str, Any]], peak: float) -> str:
    lines = header()
    for r in rows:
        cells = [r["case"], r["backend"], r["spec"],
                 format_seconds(r["adapter"]) if math.isfinite(r["adapter"]) else "-",
                 format_seconds(r["idiomatic"]) if math.isfinite(r["idiomatic"]) else "-",
                 _number(r["ratio"], 2),
                 _number(r["adapter_gflops"]), _percent(100 * r["adapter_gflops"] / peak),
                 _number(r["idiomatic_gflops"]), _percent(100 * r["idiomatic_gflops"] / peak)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [newest()]
    benchmarks, machine = load(paths)
    rows, peak = table(benchmarks)
    if not rows:
        print(f"no adapter or idiomatic epoch benchmarks in {', '.join(map(str, paths))}")
        return 1
    print(render(rows, peak))
    infos = [b["extra_info"] for b in benchmarks if "threads" in b.get("extra_info", {})]
    threads = sorted({i["threads"] for i in infos})
    loads = [i["load_average"][0] for i in infos if i.get("load_average")]
    cpu = (machine.get("cpu") or {}).get("brand_raw", "unknown CPU")
    print()
    print(f"peak: {_number(peak, 4)} GFLOP/s float32 (NumPy matmul, fastest round); threads: "
          f"{', '.join(map(str, threads)) or '?'}; {cpu}; from {', '.join(p.name for p in paths)}")
    if loads:
        print(f"1-minute load average when the benchmarks started: {min(loads):.2f} to "
              f"{max(loads):.2f}")
    print("epochs: medians over the rounds; GFLOP/s: bench/flops.py's training FLOPs of one "
          "epoch over that median")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
