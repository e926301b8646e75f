"""What the speed benchmarks time, shared by the benchmark files and their child processes.

- The cases: the digits `modern` recipe (64-256-10 relu softmax, Adam 3e-3, batch 32, on the
  1,347 training rows of seed 0's split) and the MNIST-sized net of the speed goals
  (784-256-128-10 relu softmax, Adam 1e-3, batch 128, float32, on 10,000 random rows with
  MNIST's geometry). PyBrain has no Adam and no ReLU layer, so its comparison with its
  idiomatic loop uses the same layer sizes with sigmoid hidden units and online SGD (lr 0.01,
  batch 1, float64: what `BackpropTrainer(batchlearning=False)` does), on both sides.
- `EpochStepper`: an adapter's steady epoch as `nnbench run` measures it, i.e. an epoch inside
  one long `fit`, not a fresh `fit(epochs=1)` per round (a fresh fit re-checks the data,
  starts a new optimizer state and, on Keras, compiles the train function again). `fit` runs
  in a background thread and its `on_epoch` callback waits for the benchmark to let the next
  epoch through; each timed call is one epoch plus a thread hand-off of some tens of
  microseconds.
- Keras on another engine than this process's (KERAS_BACKEND is fixed when keras is first
  imported; the benchmark process runs TensorFlow): `Remote` runs the same target in a child
  process started with that engine (`child.py`), warmed up there, and each timed call is one
  request over a pipe (a round trip of some tens of microseconds on top of the epoch).
- Threads: the benchmark process sets the thread variables of `bench.spec.threads` (from
  NNBENCH_THREADS, default all cores) before NumPy or any framework is imported (conftest.py),
  and child processes inherit them, so adapters and idiomatic loops get the same count.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from backends.registry import get_backend, get_entry
from bench.execution import process
from bench.execution.flops import training_flops_per_epoch
from bench.spec import NetSpec, TrainSpec
from bench.spec.threads import blas_threads, requested_threads
from bench.spec.weights import initial_weights

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

#: the MNIST `modern`-size net of the speed goals: 784-256-128-10, batch 128
MNIST_NET = NetSpec((784, 256, 128, 10), activation="relu", output="softmax",
                    loss="categorical_crossentropy", init="he_normal")
MNIST_TRAIN = TrainSpec(optimizer="adam", lr=1e-3, batch_size=128, epochs=1, dtype="float32")
MNIST_ROWS = 10_000

CASES = ("digits-modern", "mnist-sized")
#: the spec every backend but PyBrain is compared on: the case's own (Adam)
RECIPE = "recipe"
#: PyBrain's comparison spec: sigmoid hidden units, online SGD (see the module docstring)
SGD_ONLINE = "sgd-online-sigmoid"
#: rows of PyBrain's online-SGD epochs (one Python-level update per row); None: all of them
SGD_ONLINE_ROWS = {"digits-modern": None, "mnist-sized": 2_000}
#: epochs of the long fit an EpochStepper steps through (it is stopped long before)
STEPPER_EPOCHS = 100_000
#: the engine of Keras in this process (conftest.py sets it before anything imports keras)
DEFAULT_ENGINE = "tensorflow"


class Unsupported(Exception):
    """The backend cannot run this comparison; the benchmark is skipped with this reason."""


def mnist_sized_stream(rows: int = MNIST_ROWS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random rows with MNIST's geometry (784 features in [0, 1], 10 classes)."""
    rng = np.random.default_rng(seed)
    return rng.random((rows, 784), dtype=np.float32), rng.integers(0, 10, rows)


def case_data(case: str) -> tuple[NetSpec, TrainSpec, np.ndarray, np.ndarray]:
    """(net, train with epochs=1, X, y) of a case."""
    if case == "digits-modern":
        from tasks.registry import get_task

        task = get_task("digits")
        split, recipe = task.split(0), task.recipes["modern"]
        return recipe.net, recipe.train.replace(epochs=1), split.X_train, split.y_train
    if case == "mnist-sized":
        X, y = mnist_sized_stream()
        return MNIST_NET, MNIST_TRAIN, X, y
    raise ValueError(f"unknown case {case!r}; cases: {', '.join(CASES)}")


def comparison(case: str, spec: str = RECIPE):
    """(net, train, X, y) of a case under a comparison spec (RECIPE or SGD_ONLINE)."""
    net, train, X, y = case_data(case)
    if spec == RECIPE:
        return net, train, X, y
    if spec == SGD_ONLINE:
        rows = SGD_ONLINE_ROWS[case]
        if rows is not None:
            X, y = X[:rows], y[:rows]
        return (net.replace(activation="sigmoid", init="glorot_uniform"),
                TrainSpec(optimizer="sgd", lr=0.01, batch_size=1, epochs=1, dtype="float64",
                          seed=train.seed), X, y)
    raise ValueError(f"unknown spec {spec!r}")


def spec_for(backend: str) -> str:
    """The spec a backend's adapter is compared with its idiomatic loop on."""
    return SGD_ONLINE if backend == "pybrain" else RECIPE


def extra_info(case: str, backend: str, kind: str, spec: str) -> dict[str, Any]:
    """What ratios.py needs to pair and rate a benchmark: case, backend, kind, spec, rows,
    training FLOPs of one epoch (`bench.execution.flops`), batch size, net, dtype, threads, and the
    machine's load average (1, 5, 15 min) when the benchmark started."""
    net, train, X, _ = comparison(case, spec)
    return {"case": case, "backend": backend, "kind": kind, "spec": spec, "rows": len(X),
            "flops_per_epoch": training_flops_per_epoch(net.layers, len(X)),
            "batch_size": train.batch_size, "net": list(net.layers), "optimizer": train.optimizer,
            "dtype": train.dtype, "threads": requested_threads(),
            "blas_threads": sorted({p["threads"] for p in blas_threads()}),
            "load_average": list(os.getloadavg())}


# ------------------------------------------------------------------------------ targets

class EpochStepper:
    """One steady epoch of an adapter's long `fit` per call (see the module docstring).

    The first epoch (warm-up: allocation, graph building) runs in the constructor."""

    def __init__(self, model, X: np.ndarray, y: np.ndarray) -> None:
        self._go = threading.Semaphore(0)
        self._done = threading.Semaphore(0)
        self._stop = False
        self._error: BaseException | None = None

        def on_epoch(epoch: int, loss: float) -> bool:
            self._done.release()
            self._go.acquire()
            return self._stop

        def train() -> None:
            try:
                model.fit(X, y, on_epoch=on_epoch)
            except BaseException as exc:  # handed to the benchmark thread
                self._error = exc
            finally:
                self._done.release()

        self._thread = threading.Thread(target=train, name="fit", daemon=True)
        self._thread.start()
        self._done.acquire()
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def __call__(self) -> None:
        self._go.release()
        self._done.acquire()
        self._raise()

    def close(self) -> None:
        self._stop = True
        self._go.release()
        self._thread.join(timeout=600)


def adapter_epoch(backend: str, case: str, spec: str = RECIPE) -> EpochStepper:
    """The adapter of `backend` on the case, warmed by one epoch; each call: one more epoch."""
    net, train, X, y = comparison(case, spec)
    Model = get_backend(backend)
    reason = Model.supports(net, train)
    if reason:
        raise Unsupported(f"{backend} cannot run this spec: {reason}")
    model = Model(net, train.replace(epochs=STEPPER_EPOCHS))
    model.set_weights(initial_weights(net, train.seed, train.dtype))
    return EpochStepper(model, X, y)


def idiomatic_epoch(backend: str, case: str, spec: str = RECIPE) -> Callable[[], object]:
    """The framework's idiomatic loop on the case, warmed by one epoch; each call: one epoch."""
    from idiomatic import LOOPS

    if backend not in LOOPS:
        raise Unsupported(f"no idiomatic loop for {backend}")
    net, train, X, y = comparison(case, spec)
    epoch = LOOPS[backend](net, train, X, y)
    epoch()
    return epoch


def predictor(backend: str, rows: int) -> Callable[[], object]:
    """predict_proba of `rows` rows on an MNIST-sized model trained for one epoch."""
    X, y = mnist_sized_stream(2000)
    Model = get_backend(backend)
    reason = Model.supports(MNIST_NET, MNIST_TRAIN)
    if reason:
        raise Unsupported(f"{backend} cannot run this spec: {reason}")
    model = Model(MNIST_NET, MNIST_TRAIN)
    model.set_weights(initial_weights(MNIST_NET, MNIST_TRAIN.seed, MNIST_TRAIN.dtype))
    model.fit(X, y)
    batch = X[:rows]
    return lambda: model.predict_proba(batch)


FACTORIES = {"adapter_epoch": adapter_epoch, "idiomatic_epoch": idiomatic_epoch,
             "predictor": predictor}


# ------------------------------------------------------------------------------ processes

def engine_of(backend: str) -> str | None:
    """The KERAS_BACKEND a backend needs (None: it does not care)."""
    return get_entry(backend).env.get("KERAS_BACKEND")


def in_own_process(backend: str) -> bool:
    """Whether the backend needs another Keras engine than this process's."""
    engine = engine_of(backend)
    return engine is not None and engine != os.environ.get("KERAS_BACKEND", DEFAULT_ENGINE)


def child_environment(backend: str) -> dict[str, str]:
    """This process's environment (thread variables included) plus the backend's own (its
    KERAS_BACKEND), the project on PYTHONPATH, and single-threaded XLA for jax at 1 thread
    (what the Keras adapter sets; XLA has no thread-count knob)."""
    env = process.child_environment(extra=get_entry(backend).env)
    if env.get("KERAS_BACKEND") == "jax" and requested_threads() == 1 \
            and "xla_cpu_multi_thread_eigen" not in env.get("XLA_FLAGS", ""):
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false "
                            "intra_op_parallelism_threads=1").strip()
    return env


class Remote:
    """A FACTORIES target built and warmed in a child process (`child.py`); each call runs it
    once there and waits for the answer."""

    def __init__(self, backend: str, factory: str, *args: Any) -> None:
        self.process = process.start(
            [str(HERE / "child.py"), factory, json.dumps([backend, *args])],
            child_environment(backend), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1)
        self._expect("ready")

    def _expect(self, word: str) -> None:
        line = self.process.stdout.readline().strip()
        if line == word:
            return
        if line.startswith("unsupported: "):
            self.close()
            raise Unsupported(line.removeprefix("unsupported: "))
        self.process.kill()
        _, err = self.process.communicate()
        raise RuntimeError(f"benchmark child process answered {line!r} instead of {word!r}: "
                           f"{err[-2000:]}")

    def __call__(self) -> None:
        self.process.stdin.write("call\n")
        self._expect("done")

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.communicate()


def make_target(factory: str, backend: str, *args: Any):
    """(callable, close) of a FACTORIES target, in this process or, for another Keras engine,
    in a child process. Raises Unsupported when the backend cannot run it."""
    if in_own_process(backend):
        remote = Remote(backend, factory, *args)
        return remote, remote.close
    target = FACTORIES[factory](backend, *args)
    return target, getattr(target, "close", lambda: None)
