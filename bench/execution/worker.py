"""One run: data, model, training, metrics, one record. Run by the executor in a process of its
own, a fresh interpreter or a fork of a pre-imported one (`bench.execution.child` with the
target `run_payload`; `prepare` is what a backend's fork server does once).

It loads the task's data (not timed; cached per process, so a fork server loads each planned
split once for all its runs) and keeps the first `train.rows` training rows when the spec
asks for a subset, imports the backend (timed: import; in a forked run, the
import its server paid once), builds the model and sets the shared initial weights (build),
trains with a per-epoch monitor (first/steady epochs, fit), predicts (predict), computes
metrics, and returns one complete record. The record's `throughput` holds the training rows,
the training FLOPs of one epoch (`bench.execution.flops`, counted for the run's optimizer) and
the steady epoch's achieved GFLOP/s. On a device other than the CPU (`run.device`) the worker
first asks the backend whether this process can use it (else `unavailable`, with the reason),
records what the device is (`env.device_detail`) and its measured float32 matmul peak, copies
the training data to it once (timed: transfer), and reads every phase's clock through the
model's synchronizing `clock()`; on the CPU that clock is `time.perf_counter` itself. Any
exception becomes a `failed` record with its reason; a crash or hang is caught by the executor.
"""

from __future__ import annotations

import functools
import math
import os
import resource
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

import numpy as np

from backends.clock import Clock
from backends.registry import get_backend, get_entry
from bench.execution import environment
from bench.execution.flops import epoch_flops, gflops
from bench.execution.folds import outputs_of, parallel_refits
from bench.execution.metrics import accuracy, loss_value
from bench.execution.records import History, Record, Throughput
from bench.plan.runs import PlannedRun
from bench.spec import NetSpec, TrainSpec, threads
from bench.spec.devices import DEVICE_VARIABLE
from bench.spec.targets import decode_outputs, encode_targets
from bench.spec.weights import initial_weights
from tasks.base import Split
from tasks.registry import get_task

#: at most this many validation evaluations per run (they are excluded from timings)
MAX_EVALUATIONS = 100


class EpochMonitor:
    """The `on_epoch` callback: times epochs, records losses, evaluates, stops when asked to.

    Time spent inside the callback (validation predictions) is excluded from epoch times.
    """

    def __init__(self, model, net: NetSpec, train: TrainSpec, X_val, y_val,
                 clock: Clock | None = None) -> None:
        self.model, self.net, self.train = model, net, train
        self.clock = clock or Clock()
        self.X_val, self.y_val = X_val, y_val
        self.Y_val = encode_targets(y_val, net.n_outputs)
        self.every = max(1, math.ceil(train.epochs / MAX_EVALUATIONS))
        self.history = History()
        self.overhead = 0.0
        self.stop_reason: str | None = None
        self._mark = self.clock()

    def start(self) -> None:
        self._mark = self.clock()

    def __call__(self, epoch: int, loss: float) -> bool:
        entered = self.clock()
        self.history.epoch_seconds.append(entered - self._mark)
        self.history.loss.append(float(loss))
        if not math.isfinite(loss):
            self.stop_reason = f"training loss became {loss} in epoch {epoch + 1}"
        else:
            last = epoch + 1 == self.train.epochs
            if epoch % self.every == 0 or last:
                self._evaluate(epoch)
            budget = self.train.time_budget
            if budget is not None and sum(self.history.epoch_seconds) >= budget and not last:
                self.stop_reason = f"time budget of {budget:g} s reached after epoch {epoch + 1}"
        left = self.clock()
        self.overhead += left - entered
        self._mark = left
        return self.stop_reason is not None

    def _evaluate(self, epoch: int) -> None:
        outputs = self.model.predict_proba(self.X_val)
        self.history.val_epochs.append(epoch + 1)
        self.history.val_loss.append(loss_value(self.net.loss, outputs, self.Y_val))
        self.history.val_accuracy.append(accuracy(self.y_val, decode_outputs(outputs)))


def _build(Model, net: NetSpec, train: TrainSpec, init: str, device: str = "cpu"):
    # a CPU run builds the model as before devices existed (a backend added with
    # NNBENCH_EXTRA_BACKENDS may not take the keyword)
    model = Model(net, train) if device == "cpu" else Model(net, train, device=device)
    if init == "shared":
        model.set_weights(initial_weights(net, train.seed, train.dtype))
    return model


def _test_metrics(task, net: NetSpec, y: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """Accuracy, loss and the task's own metrics of output activations against labels."""
    metrics = {"test_accuracy": accuracy(y, decode_outputs(outputs)),
               "test_loss": loss_value(net.loss, outputs, encode_targets(y, net.n_outputs))}
    if task.metrics is not None:
        metrics.update(task.metrics(y, outputs))
    return metrics


class Refits:
    """A run's leave-one-out refits, each from the run's initial weights: its held-out output
    activations, `refits(fold)`. A backend that `refits_in_place` trains every fold of a
    process on one model given the shared initial weights again (what it compiled is kept);
    any other, and any init="native" run, builds a new model per fold."""

    def __init__(self, Model, net: NetSpec, train: TrainSpec, init: str) -> None:
        self.Model, self.net, self.train, self.init = Model, net, train, init
        self.in_place = init == "shared" and getattr(Model, "refits_in_place", False)
        self._model = None
        self._initial = initial_weights(net, train.seed, train.dtype) if self.in_place else None

    def _model_for_next_fold(self):
        if self._model is not None and self.in_place:
            self._model.set_weights(self._initial)
        else:
            self._model = _build(self.Model, self.net, self.train, self.init)
        return self._model

    def __call__(self, fold: Split) -> np.ndarray:
        model = self._model_for_next_fold()
        model.fit(fold.X_train, fold.y_train)
        return model.predict_proba(fold.X_test)


@functools.cache
def split_of(task_name: str, seed: int) -> Split:
    """The task's checked split for a seed, loaded once per process."""
    return get_task(task_name).split(seed)


def training_rows(split: Split, rows: int | None, task_name: str) -> Split:
    """The split with only the first `rows` training rows (all when None; views, no copy)."""
    if rows is None:
        return split
    available = len(split.y_train)
    if rows > available:
        raise ValueError(f"rows={rows} but task {task_name} has {available} training rows")
    return Split(split.X_train[:rows], split.y_train[:rows], split.X_test, split.y_test)


@functools.cache
def import_backend(name: str) -> tuple[type, float]:
    """(the backend's Model class, seconds its import took), imported once per process, with
    the backend's environment (e.g. KERAS_BACKEND) set first."""
    entry = get_entry(name)
    device = os.environ.get(DEVICE_VARIABLE)  # set by the runner for its processes only
    os.environ.update(entry.env if device is None else entry.env_for(device))
    t0 = time.perf_counter()
    Model = get_backend(name)
    return Model, time.perf_counter() - t0


def prepare(payload: dict) -> dict:
    """What a backend's fork server does once, before forking its runs: import the backend
    and load every split its runs will use. A split that cannot be loaded (e.g. a data set this
    machine lacks) is left to the runs that need it: each records why, and the backend's other
    runs keep their fork server. Returns the import time."""
    _, seconds = import_backend(payload["backend"])
    for task, seed in payload.get("splits", []):
        try:
            split_of(task, seed)
        except Exception:  # noqa: BLE001 - the run that needs it records this error
            pass
    return {"import_seconds": seconds}


def execute(run: PlannedRun, record: Record) -> None:
    """Carry out one run, filling `record` in place (status and error included)."""
    net, train = run.net, run.train
    task = get_task(run.task)
    split = training_rows(split_of(run.task, run.seed), train.rows, run.task)
    entry = get_entry(run.backend)
    record.env.update(framework=entry.framework, framework_version=entry.framework_version())
    reason = entry.unavailable_reason()
    if reason:
        record.status, record.error = "unavailable", reason
        return

    Model, seconds = import_backend(entry.name)
    timing = record.timing
    timing.import_seconds = seconds
    record.env["framework_version"] = Model.framework_version()
    reason = Model.supports(net, train)
    if reason:
        record.status, record.error = "unsupported", reason
        return
    if run.device != "cpu":
        reason = _device_unavailable(Model, run.device)
        if reason:
            record.status, record.error = "unavailable", reason
            return
        detail = dict(Model.device_info(run.device))
        record.env["device"] = detail.get("name") or run.device
        peak = Model.matmul_peak(run.device)
        if peak:
            detail["matmul_peak_gflops"] = peak
        record.env["device_detail"] = detail
    record.deviations = list(getattr(Model, "deviations", lambda n, t: [])(net, train))
    if run.init == "native" and getattr(Model, "native_init", None):
        record.deviations.append(f"init=native: {Model.native_init}, not the spec's {net.init}")
    folds = task.folds(run.seed) if task.protocol == "leave-one-out" else []

    refits = Refits(Model, net, train, run.init)

    def fit_fold(index: int) -> np.ndarray:
        return refits(folds[index])

    # forked now, before this process builds a model (see bench.execution.folds)
    workers = parallel_refits(min(threads.requested_threads(), len(folds)), fit_fold) \
        if folds else None
    try:
        _train_and_evaluate(run, record, Model, task, split, folds, fit_fold, workers)
    finally:
        if workers is not None:
            workers.close()


def _device_unavailable(Model, device: str) -> str | None:
    """Why this process cannot train `Model` on `device` (None: it can)."""
    check = getattr(Model, "device_unavailable", None)
    if check is None:
        return f"{getattr(Model, 'name', Model.__name__)} declares no devices but the CPU"
    return check(device)


def _train_and_evaluate(run: PlannedRun, record: Record, Model, task, split: Split, folds,
                        fit_fold, workers) -> None:
    net, train, timing = run.net, run.train, record.timing
    t0 = time.perf_counter()
    model = _build(Model, net, train, run.init, run.device)
    clock = model.clock() if run.device != "cpu" else Clock()
    timing.build_seconds = clock() - t0
    record.n_params = int(model.n_params)
    if run.device != "cpu":  # the one copy of the training data to the device, timed apart
        t0 = clock()
        model.stage(split.X_train, split.y_train)
        timing.transfer_seconds = clock() - t0

    monitor = EpochMonitor(model, net, train, split.X_test, split.y_test, clock)
    t0 = clock()
    monitor.start()
    model.fit(split.X_train, split.y_train, on_epoch=monitor)
    timing.fit_seconds = clock() - t0 - monitor.overhead
    if hasattr(Model, "framework_threads"):  # what the framework itself says it uses
        record.env["framework_threads"] = Model.framework_threads()
    record.history = monitor.history
    record.epochs_run = int(model.epochs_run)
    epochs = monitor.history.epoch_seconds
    if epochs:
        timing.first_epoch_seconds = epochs[0]
        timing.steady_epoch_seconds = median(epochs[1:]) if len(epochs) > 1 else epochs[0]
    rows = int(len(split.y_train))
    flops = epoch_flops(net, train, rows)
    record.throughput = Throughput(rows, flops, None)
    if timing.steady_epoch_seconds:
        record.throughput.steady_gflops = gflops(flops, timing.steady_epoch_seconds)
    record.stop_reason = monitor.stop_reason

    t0 = clock()
    test_out = model.predict_proba(split.X_test)
    timing.predict_seconds = clock() - t0
    train_out = model.predict_proba(split.X_train)
    if not (np.all(np.isfinite(test_out)) and np.all(np.isfinite(train_out))):
        record.status = "diverged"
        record.error = monitor.stop_reason or "the network's outputs are not finite"
        return
    metrics = {
        "train_accuracy": accuracy(split.y_train, decode_outputs(train_out)),
        "train_loss": loss_value(net.loss, train_out, encode_targets(split.y_train,
                                                                     net.n_outputs)),
    }
    if folds:
        t0 = time.perf_counter()
        held_out = np.concatenate(outputs_of(folds, fit_fold, workers))
        timing.cross_validation_seconds = time.perf_counter() - t0
        y_held_out = np.concatenate([fold.y_test for fold in folds])
        metrics.update(_test_metrics(task, net, y_held_out, held_out), folds=len(folds))
        record.env["refit_workers"] = workers.n if workers else 1
    else:
        metrics.update(_test_metrics(task, net, split.y_test, test_out))
    record.metrics = metrics
    if monitor.stop_reason and monitor.stop_reason.startswith("training loss became"):
        record.status, record.error = "diverged", monitor.stop_reason
    else:
        record.status = "ok"


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB.

    Linux's VmHWM belongs to the process's own address space, which exec replaces; ru_maxrss
    (the fallback elsewhere) carries the forking parent's peak over exec, so a worker started
    by a large parent would report the parent's memory as its own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return text[0] if text else type(exc).__name__


def run_in_process(run: PlannedRun) -> Record:
    """Execute `run` here and return its record; exceptions become `failed` records."""
    started = time.perf_counter()
    record = Record.for_run(run)
    record.started_at = datetime.now(UTC).isoformat(timespec="seconds")
    # the machine's load around the run, and the CPUs it could use: how busy the machine was
    # decides whether its timings can be trusted (bench.results.summary.TimingTrust)
    record.env = {**environment.machine(), "threads": threads.requested_threads(),
                  "device": "cpu", "cpus": environment.usable_cpus(),
                  "load_before": environment.load_average()}
    try:
        execute(run, record)
    except Exception as exc:  # the record is the error report; the suite carries on
        record.status, record.error = "failed", _one_line(exc)
        record.detail = "".join(traceback.format_exc().splitlines(True)[-12:])
    record.env["load_after"] = environment.load_average()
    record.env["blas"] = threads.blas_threads()
    record.peak_rss_mb = peak_rss_mb()
    record.wall_seconds = time.perf_counter() - started
    return record


def run_payload(payload: dict) -> dict:
    """The child process's job: {"run": a PlannedRun's dict} -> the record's dict."""
    return run_in_process(PlannedRun.from_dict(payload["run"])).to_dict()
