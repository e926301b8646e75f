"""The gate suite three ways, one after the other: the local executor, an embedded Ray, and a
two-node Ray cluster on this machine's loopback addresses (one CPU per node, so that every
way has the same two cores), then a table of wall time, Ray's per-run overhead and accuracy.

    python benchmarks/ray_gate.py OUT [local,embedded,cluster]

Overhead is a record's `executor.elapsed_seconds` minus its `wall_seconds` (the driver's clock
from submission to record, less the run's own); accuracy is compared run by run with the local
executor's records (status and test accuracy, to the last digit). Run it on a quiet machine:
it takes about three times the gate's ~7 minutes. Needs nnbench[ray] and NNBENCH_DATA_DIR.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bench.execution.ray_cluster import LocalCluster  # noqa: E402

GATE = ("--suite", "gate", "--jobs", "2", "--threads", "1", "--quiet")
WAYS = ("local", "embedded", "cluster")


def run_gate(out: Path, way: str) -> float:
    """Run the gate `way` into out/way; its wall time in seconds."""
    extra: list[str] = [] if way == "local" else ["--executor", "ray"]
    env = dict(os.environ)
    cluster = LocalCluster(nodes=2, cpus=1).start() if way == "cluster" else None
    try:
        if cluster is not None:
            extra += ["--address", cluster.address]
            env.update((k, v) for k, v in cluster.env.items() if k.startswith("RAY_"))
        start = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "bench", "run", *GATE, *extra, "--out",
                               str(out / way)], cwd=ROOT, env=env, capture_output=True,
                              text=True)
        wall = time.monotonic() - start
    finally:
        if cluster is not None:
            cluster.stop()
    (out / f"{way}.log").write_text(done.stdout + done.stderr)
    print(f"{way}: exit {done.returncode}, {wall:.0f} s", flush=True)
    return wall


def records(path: Path) -> dict[str, dict]:
    with open(path / "runs.jsonl") as f:
        return {r["run_id"]: r for r in map(json.loads, f)}


def table(out: Path, walls: dict[str, float]) -> str:
    local = records(out / "local")
    lines = ["| executor | wall | runs | ok | Ray's overhead per run: median (max) | nodes | "
             "accuracy as local |", "|---|---|---|---|---|---|---|"]
    for way in WAYS:
        if not (out / way / "runs.jsonl").exists():
            continue
        got = records(out / way)
        processed = [r for r in got.values() if r["wall_seconds"]]
        over = [r["executor"]["elapsed_seconds"] - r["wall_seconds"] for r in processed]
        same = sum((r["status"], r["metrics"].get("test_accuracy")) ==
                   (local[k]["status"], local[k]["metrics"].get("test_accuracy"))
                   for k, r in got.items() if k in local)
        nodes = sorted({r["executor"].get("node_ip", "-") for r in got.values()})
        lines.append(f"| {way} | {walls.get(way, float('nan')):.0f} s | {len(got)} | "
                     f"{sum(r['status'] == 'ok' for r in got.values())} | "
                     f"{statistics.median(over):.3f} s ({max(over):.2f} s) | "
                     f"{', '.join(nodes)} | {same}/{len(local)} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    ways = argv[1].split(",") if len(argv) > 1 else list(WAYS)
    walls_file = out / "walls.json"
    walls = json.loads(walls_file.read_text()) if walls_file.exists() else {}
    for way in ways:
        walls[way] = run_gate(out, way)
        walls_file.write_text(json.dumps(walls))
    print(table(out, walls))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
