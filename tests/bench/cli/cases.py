"""Bad inputs and faults as data: one `Case` each, run through the real command line.

The `test_errors_*` modules (one per area) run their cases and check the one rule of the CLI
(bench/cli/errors.py): the exit code, a message that names the thing and what to do, no
traceback, and nothing already recorded lost. `{tmp}` in a case's arguments is the test's
temporary directory.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.cli import ROOT, environment

XOR = ("run", "--tasks", "xor", "--recipe", "modern", "--backends", "numpy", "--threads", "1")


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    exit: int
    says: str                                   # a fragment of what the user sees
    setup: Callable[[Path], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    #: returns what was lost (None: nothing), checked after the command
    keeps: Callable[[Path], str | None] | None = None
    #: a limit on the size of any file the command writes (a disk that fills up), bytes
    file_limit: int | None = None

    def command(self, tmp: Path) -> list[str]:
        return [a.replace("{tmp}", str(tmp)) for a in self.args]


def _limit(size: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return apply


def run_case(case: Case, tmp: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    if case.setup:
        case.setup(tmp)
    return subprocess.run([sys.executable, "-m", "bench", *case.command(tmp)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env=environment(case.env),
                          preexec_fn=_limit(case.file_limit) if case.file_limit else None)


def check(case: Case, result: subprocess.CompletedProcess, tmp: Path) -> None:
    seen = result.stdout + result.stderr
    assert result.returncode == case.exit, (result.returncode, seen[-3000:])
    assert case.says.replace("{tmp}", str(tmp)) in seen, seen[-3000:]
    assert "Traceback" not in seen, seen[-3000:]
    if case.keeps:
        lost = case.keeps(tmp)
        assert lost is None, lost


# --- helpers for setups and checks ----------------------------------------------------------

def make_run(tmp: Path, name: str = "run", seeds: int = 2) -> Path:
    out = tmp / name
    done = subprocess.run([sys.executable, "-m", "bench", *XOR, "--seeds", str(seeds), "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=environment())
    assert done.returncode == 0, done.stderr
    return out


def records_of(out: Path) -> list[dict]:
    lines = (out / "runs.jsonl").read_text().splitlines() if (out / "runs.jsonl").exists() \
        else []
    return [json.loads(line) for line in lines if line.strip()]


def kept(name: str, count: int) -> Callable[[Path], str | None]:
    """A `keeps` check: DIR/runs.jsonl still holds `count` readable records."""
    def check(tmp: Path) -> str | None:
        got = len(records_of(tmp / name))
        return None if got == count else f"{name}/runs.jsonl holds {got} records, not {count}"
    return check


def no_leftovers(tmp: Path) -> str | None:
    """A `keeps` check: no temporary file left in the run directories under tmp."""
    left = [str(p) for p in tmp.rglob("*.tmp")]
    return f"temporary files left: {left}" if left else None
