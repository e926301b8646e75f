"""Running the real `nnbench` command from tests: a fresh interpreter in the project root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def environment(env: dict | None = None) -> dict[str, str]:
    """This process's environment plus `env`, with the project first on PYTHONPATH."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **(env or {})}


def nnbench(*args: str, env: dict | None = None, timeout: float = 300,
            cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`python -m bench ARGS` in `cwd` with the current environment plus `env`; output
    captured."""
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=environment(env))


def start_nnbench(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """`python -m bench ARGS` started in the background, output piped."""
    return subprocess.Popen([sys.executable, "-m", "bench", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(env))


def run_records(out: Path) -> dict[str, dict]:
    """The records of a run directory's runs.jsonl, as the JSON objects written, by run id."""
    from bench.execution.records import read_lines

    return {line.record.run_id: json.loads(line.text) for line in read_lines(out / "runs.jsonl")
            if line.record is not None}


def unreadable_lines(out: Path) -> list[int]:
    from bench.execution.records import read_lines

    return [line.number for line in read_lines(out / "runs.jsonl") if line.record is None]


def recorded_ids(out: Path) -> list[str]:
    """Every run id in runs.jsonl, in file order, duplicates included."""
    from bench.execution.records import read_lines

    return [line.record.run_id for line in read_lines(out / "runs.jsonl")
            if line.record is not None]
