"""Developer and CI entry points: `nox -s tests` (the CI gate), `nox -s bench`, `nox -s lint`."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
SHARED_DATA = ROOT.parent / "shared" / "data"
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

#: the one environment every session that trains a network shares (tests, bench, verify, perf):
#: the frameworks weigh about 3.7 GB, so they are installed once, not once per session
FRAMEWORKS_ENV = ROOT / ".nox" / "frameworks"
EXTRAS = "all,dev"
#: what the installed environment was built from; a change to either reinstalls it
INSTALL_INPUTS = ("pyproject.toml", "constraints.txt")


def data_env() -> dict[str, str]:
    """Point the loaders at ../shared/data when it is there and nothing else was chosen."""
    if "NNBENCH_DATA_DIR" not in os.environ and SHARED_DATA.is_dir():
        return {"NNBENCH_DATA_DIR": str(SHARED_DATA)}
    return {}


def _install_stamp() -> str:
    digest = hashlib.sha256(EXTRAS.encode())
    for name in INSTALL_INPUTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def frameworks(session: nox.Session) -> Path:
    """The shared environment's bin/ directory, created and installed on first use (and again
    when pyproject.toml or constraints.txt changed)."""
    bin_dir = FRAMEWORKS_ENV / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    stamp = FRAMEWORKS_ENV / ".installed"
    wanted = _install_stamp()
    if stamp.is_file() and stamp.read_text() == wanted and python.exists():
        return bin_dir
    if not python.exists():
        # virtualenv (a dependency of nox) needs no ensurepip, which some system Pythons lack
        session.run(sys.executable, "-m", "virtualenv", "--quiet", str(FRAMEWORKS_ENV),
                    external=True)
    session.log(f"installing nnbench[{EXTRAS}] with every framework (TensorFlow, PyTorch, JAX, "
                f"scikit-learn, PyBrain: about 3.8 GB) into {FRAMEWORKS_ENV}; the first time "
                "takes a minute or a few (pip prints only its warnings meanwhile); later "
                "sessions reuse it")
    started = time.monotonic()
    session.run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                *CONSTRAINTS, "-e", f".[{EXTRAS}]", external=True)
    stamp.write_text(wanted)
    session.log(f"installed in {time.monotonic() - started:.0f} s")
    return bin_dir


def in_frameworks(session: nox.Session, bin_dir: Path, program: str, *args: str,
                  env: dict[str, str] | None = None) -> None:
    """Run `program` of the shared environment with that environment first on PATH (as nox
    does for its own environments: a test that starts `ray` or `nnbench` finds this one)."""
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    session.run(str(bin_dir / program), *args, external=True,
                env={"PATH": path, "VIRTUAL_ENV": str(FRAMEWORKS_ENV), **(env or {})})


def shared_session(func):
    """A session that runs in the shared frameworks environment (nox creates none of its own;
    nox cannot share one environment between sessions itself)."""
    return nox.session(venv_backend="none")(func)


@shared_session
def tests(session: nox.Session) -> None:
    """The whole test suite (slow tests included), then the accuracy gate.

    Plain `pytest` skips the slow tests. The gate runs the `gate` suite and fails when any
    task x recipe x backend falls below results/baseline.json by more than its seed spread
    allows (see bench/gate.py). `nox -s tests -- -k spec` runs selected tests and no gate.
    """
    bin_dir = frameworks(session)
    in_frameworks(session, bin_dir, "pytest", "-m", "slow or not slow", *session.posargs,
                  env=data_env())
    if session.posargs:
        return
    out = FRAMEWORKS_ENV / "tmp" / "gate-run"
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Accuracy only, so two single-threaded runs at a time (timings of a gate run mean
    # nothing); --quiet: the verdicts matter here, not the 200-row table of the run.
    in_frameworks(session, bin_dir, "nnbench", "run", "--suite", "gate", "--out", str(out),
                  "--jobs", "2", "--threads", "1", "--quiet", env=data_env())
    in_frameworks(session, bin_dir, "nnbench", "check", str(out), "--baseline",
                  "results/baseline.json")


@shared_session
def bench(session: nox.Session) -> None:
    """The default quick suite on every installed backend; works offline.

    Extra arguments go to `nnbench run`, e.g. `nox -s bench -- --tasks xor --seeds 5`.
    """
    in_frameworks(session, frameworks(session), "nnbench", "run",
                  *(session.posargs or ["--suite", "quick"]),
                  env={"NNBENCH_OFFLINE": "1", **data_env()})


@shared_session
def verify(session: nox.Session) -> None:
    """Prove every backend trains the same network: losses and weights against NumPy's."""
    in_frameworks(session, frameworks(session), "nnbench", "verify", *session.posargs,
                  env=data_env())


@shared_session
def perf(session: nox.Session) -> None:
    """Speed benchmarks (pytest-benchmark), saved under results/perf/, then the table of each
    adapter against its framework's idiomatic loop (benchmarks/ratios.py) and the cost of a
    training step by finite differences against backprop (benchmarks/step_cost.py).

    Threads: NNBENCH_THREADS (default all cores), e.g. `NNBENCH_THREADS=1 nox -s perf`. Keras
    on the torch and JAX engines runs in child processes of its own (benchmarks/harness.py),
    so one pytest process covers every backend. Compare with the last saved run and fail on a
    slowdown: `nox -s perf -- --benchmark-compare --benchmark-compare-fail=median:15%`.
    """
    bin_dir = frameworks(session)
    in_frameworks(session, bin_dir, "pytest", "benchmarks", "-m", "slow or not slow",
                  "--benchmark-only", "--benchmark-autosave",
                  "--benchmark-storage=file://results/perf",
                  "--benchmark-columns=min,median,iqr,mean,rounds", "--benchmark-sort=name",
                  *session.posargs)
    in_frameworks(session, bin_dir, "python", "benchmarks/ratios.py")
    in_frameworks(session, bin_dir, "python", "benchmarks/step_cost.py")


@nox.session
def lint(session: nox.Session) -> None:
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", ".")
