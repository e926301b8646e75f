"""The one place a child process running nnbench code is started, stopped and explained.

Every child (a run's worker, a `verify` backend process, a benchmark's engine process) gets
this process's environment plus the run's thread variables (`bench.spec.threads`) and a
backend's own variables (e.g. KERAS_BACKEND), the project root first on PYTHONPATH (so it
imports this checkout whatever is installed), the project root as its working directory, and
a process group of its own, so that stopping it stops whatever it started too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.spec.threads import thread_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def child_environment(threads: int | None = None,
                      extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a child that runs nnbench code: the thread variables
    (when `threads` is given), `extra` (e.g. a backend's KERAS_BACKEND), and the project root
    first on PYTHONPATH."""
    env = {**os.environ, **(thread_environment(threads) if threads else {}), **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


def start(args: Sequence[str], env: dict[str, str], **popen: Any) -> subprocess.Popen:
    """`python ARGS` (e.g. ["-m", "bench.execution.worker", ...]) in a new process group, in
    the project root, with `env`; `popen` holds the streams (stdin defaults to nothing)."""
    popen.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen([sys.executable, *args], env=env, cwd=PROJECT_ROOT,
                            start_new_session=True, **popen)


def stop(process: subprocess.Popen) -> None:
    """Kill a child and everything in its process group, and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def run(args: Sequence[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """`start` and wait for it, output captured as text; past `timeout` seconds the child and
    its group are killed and subprocess.TimeoutExpired is raised."""
    process = start(args, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def exit_reason(code: int) -> str:
    """Why a child ended without a result: 'worker process killed by SIGSEGV', ..."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"worker process killed by {name}{hint}"
    return f"worker process exited with code {code} without a result"


#: the janitor: waits until its parent is gone (its stdin closes), then removes the directory
_JANITOR = "import shutil, sys; sys.stdin.buffer.read(); shutil.rmtree(sys.argv[1], True)"


@contextlib.contextmanager
def scratch_directory(prefix: str = "nnbench-") -> Iterator[Path]:
    """A temporary directory for the block, removed when it ends, and also when this process
    is killed outright (SIGKILL runs no cleanup of its own): a small janitor process reads a
    pipe from this one and removes the directory once the pipe closes, however this ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    janitor = subprocess.Popen([sys.executable, "-S", "-c", _JANITOR, str(path)],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        janitor.stdin.close()
        try:
            janitor.wait(timeout=10)
        except subprocess.TimeoutExpired:
            janitor.kill()
