"""Developer and CI entry points: `nox -s tests` (the CI gate), `nox -s bench`, `nox -s lint`."""

from __future__ import annotations

import os
import shutil
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
    """The whole test suite (slow tests included), then the accuracy gate.

    Plain `pytest` skips the slow tests. The gate runs the `gate` suite and fails when any
    task x recipe x backend falls below results/baseline.json by more than its seed spread
    allows (see bench/gate.py). `nox -s tests -- -k spec` runs selected tests and no gate.
    """
    session.install(*CONSTRAINTS, "-e", ".[all,dev]")
    session.run("pytest", "-m", "slow or not slow", *session.posargs, env=data_env())
    if session.posargs:
        return
    out = Path(session.create_tmp()) / "gate-run"
    shutil.rmtree(out, ignore_errors=True)
    # Accuracy only, so two single-threaded runs at a time (timings of a gate run mean nothing).
    session.run("nnbench", "run", "--suite", "gate", "--out", str(out), "--jobs", "2",
                "--threads", "1", env=data_env())
    session.run("nnbench", "check", str(out), "--baseline", "results/baseline.json")


@nox.session
def bench(session: nox.Session) -> None:
    """The default quick suite on every installed backend; works offline.

    Extra arguments go to `nnbench run`, e.g. `nox -s bench -- --tasks xor --seeds 5`.
    """
    session.install(*CONSTRAINTS, "-e", ".[all]")
    session.run("nnbench", "run", *(session.posargs or ["--suite", "quick"]),
                env={"NNBENCH_OFFLINE": "1", **data_env()})


@nox.session
def verify(session: nox.Session) -> None:
    """Prove every backend trains the same network: losses and weights against NumPy's."""
    session.install(*CONSTRAINTS, "-e", ".[all]")
    session.run("nnbench", "verify", *session.posargs, env=data_env())


@nox.session
def perf(session: nox.Session) -> None:
    """Speed benchmarks (pytest-benchmark), saved under results/perf/, then the table of each
    adapter against its framework's idiomatic loop (benchmarks/ratios.py) and the cost of a
    training step by finite differences against backprop (benchmarks/step_cost.py).

    Threads: NNBENCH_THREADS (default all cores), e.g. `NNBENCH_THREADS=1 nox -s perf`. Keras
    on the torch and JAX engines runs in child processes of its own (benchmarks/harness.py),
    so one pytest process covers every backend. Compare with the last saved run and fail on a
    slowdown: `nox -s perf -- --benchmark-compare --benchmark-compare-fail=median:15%`.
    """
    session.install(*CONSTRAINTS, "-e", ".[all,dev]")
    session.run("pytest", "benchmarks", "-m", "slow or not slow", "--benchmark-only",
                "--benchmark-autosave", "--benchmark-storage=file://results/perf",
                "--benchmark-columns=min,median,iqr,mean,rounds", "--benchmark-sort=name",
                *session.posargs)
    session.run("python", "benchmarks/ratios.py")
    session.run("python", "benchmarks/step_cost.py")


@nox.session
def lint(session: nox.Session) -> None:
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", ".")
