"""A job in a child process: a function of nnbench called on a JSON payload, its JSON answer
written to a file. The same job runs in a fresh interpreter
(`python -m bench.execution.child TARGET JOB.json RESULT.json`) or in a process forked from a
pre-imported one (`bench.execution.forkserver`); either way the answer reaches the parent only
through RESULT.json, written whole or not at all.

TARGET is "module:function"; the function takes the payload (a dict) and returns a dict.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux; elsewhere nothing),
    so that no worker outlives the nnbench process that started it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent was already gone before the request took effect
        os._exit(1)


def target_function(target: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def write_result(path: Path, answer: dict[str, Any]) -> None:
    """The answer as JSON, renamed into place: a reader sees all of it or nothing."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(answer, allow_nan=True))
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m bench.execution.child MODULE:FUNCTION JOB.json RESULT.json",
              file=sys.stderr)
        return 2
    die_with_parent()
    target, job, result = argv
    payload = json.loads(Path(job).read_text())
    write_result(Path(result), target_function(target)(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
