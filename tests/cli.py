"""Running the real `nnbench` command from tests: a fresh interpreter in the project root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def nnbench(*args: str, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m bench ARGS` with the current environment plus `env`; output captured."""
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})
