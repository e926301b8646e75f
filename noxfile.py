"""Developer and CI entry points: `nox -s tests` (the CI gate), `nox -s bench`, `nox -s lint`."""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
SHARED_DATA = ROOT.parent / "shared" / "data"
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True


def data_env() -> dict[str, str]:
    """Point the loaders at ../shared/data when it is there and nothing else was chosen."""
    if "NNBENCH_DATA_DIR" not in os.environ and SHARED_DATA.is_dir():
        return {"NNBENCH_DATA_DIR": str(SHARED_DATA)}
    return {}


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, slow tests included (plain `pytest` skips the slow ones)."""
    session.install(*CONSTRAINTS, "-e", ".[dev]")
    session.run("pytest", "-m", "slow or not slow", *session.posargs, env=data_env())


@nox.session
def bench(session: nox.Session) -> None:
    """The default quick suite on every installed backend; works offline.

    Extra arguments go to `nnbench run`, e.g. `nox -s bench -- --tasks xor --seeds 5`.
    """
    session.install(*CONSTRAINTS, "-e", ".")
    session.run("nnbench", "run", *(session.posargs or ["--suite", "quick"]),
                env={"NNBENCH_OFFLINE": "1", **data_env()})


@nox.session
def lint(session: nox.Session) -> None:
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", ".")
