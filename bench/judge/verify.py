"""Proof that every backend trains the same network: `nnbench verify`.

Each backend trains a fixed set of cases (float64, the shared initial weights, the same data
and batch order) in a process of its own, and its per-epoch training losses and final weights
are compared with the NumPy backend's. A backend agrees when every loss is within `TOLERANCE`
of NumPy's (relative) and every final weight within `TOLERANCE` (absolute, relative above 1),
and its parameter count is the net's. A case a backend cannot follow is shown as unsupported,
with its reason; anything else (a crash, a disagreement) makes the command exit 1.

Each case runs in a process forked from a server that imported the backend once, so a
forked run is what is proven equal (`run_backend_process`); on a GPU a backend's cases run
in one fresh interpreter instead, as GPU runs of `nnbench run` start fresh (no CUDA state
crosses a fork).

With `device="cuda"` (or "auto", resolved per backend as `nnbench run` does) the backends
compute on the GPU and the NumPy reference on the CPU; a backend without `cuda` is shown as
unsupported, a machine or build without a usable GPU as unavailable, each with the reason.
Each row names the device the backend ran on (`torch@cuda`) and, from the backend, the matmul
precision it set (TF32 off: float64 cases must agree to about 1e-12).
"""

from __future__ import annotations

import json
import os
import subprocess
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backends.registry import get_backend, get_entry
from bench.execution import process
from bench.execution.forkserver import ForkServer, ForkServerError
from bench.plan.devices import resolve
from bench.spec import NetSpec, TrainSpec
from bench.spec.devices import DEVICE_VARIABLE, backend_label
from bench.spec.weights import initial_weights
from tasks.registry import get_task

TOLERANCE = 1e-6
REFERENCE = "numpy"

#: the course's section 2 weights: 2-3-1, sigmoid, no bias (course-material.md)
COURSE_WEIGHTS = [(np.array([[-0.424, -0.740, -0.961], [0.358, -0.577, -0.469]]), None),
                  (np.array([[-0.017], [-0.893], [0.148]]), None)]


@dataclass(frozen=True)
class Case:
    """A net, its training and the task whose training rows it learns."""

    name: str
    task: str
    net: NetSpec
    train: TrainSpec
    description: str
    weights: list | None = field(default=None, compare=False)  # None: the shared init

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        split = get_task(self.task).split(self.train.seed)
        return split.X_train, split.y_train

    def start_weights(self):
        if self.weights is not None:
            return self.weights
        return initial_weights(self.net, self.train.seed, self.train.dtype)


def _sgd(lr: float, epochs: int, **changes: Any) -> TrainSpec:
    return TrainSpec(**{"optimizer": "sgd", "lr": lr, "batch_size": None, "epochs": epochs,
                        "shuffle": False, "dtype": "float64", **changes})


CASES: dict[str, Case] = {case.name: case for case in (
    Case("xor", "xor",
         NetSpec((2, 8, 1), "tanh", "sigmoid", "binary_crossentropy", "glorot_uniform"),
         _sgd(0.5, 50), "2-8-1 tanh/sigmoid, binary cross-entropy, full-batch SGD, 50 epochs"),
    Case("digits", "digits",
         NetSpec((64, 32, 10), "relu", "softmax", "categorical_crossentropy", "he_normal"),
         _sgd(0.1, 50), "64-32-10 relu/softmax, cross-entropy, full-batch SGD, 50 epochs"),
    Case("digits-momentum-l2", "digits",
         NetSpec((64, 32, 10), "tanh", "softmax", "categorical_crossentropy"),
         _sgd(0.05, 5, optimizer="momentum", momentum=0.9, batch_size=64, shuffle=True,
              l2=1e-3),
         "mini-batches of 64 in the shared shuffled order, momentum 0.9, l2 1e-3, 5 epochs"),
    Case("digits-adam", "digits",
         NetSpec((64, 32, 10), "relu", "softmax", "categorical_crossentropy", "he_normal"),
         _sgd(1e-3, 5, optimizer="adam", batch_size=128, shuffle=True),
         "Adam lr 1e-3, mini-batches of 128, shuffled, 5 epochs"),
    Case("xor-mse-online", "xor",
         NetSpec((2, 2, 1), "sigmoid", "sigmoid", "mse", "normal_scaled"),
         _sgd(0.5, 50, batch_size=1, shuffle=True),
         "the course's 2-2-1 sigmoid net, mse, online SGD in shuffled order, 50 epochs"),
    Case("course-2", "xor",
         NetSpec((2, 3, 1), "sigmoid", "sigmoid", "mse", bias=False),
         _sgd(0.6, 1), "course section 2: one full-batch step of the 2-3-1 net from the "
         "course's weights (lr 0.3 on the summed squared error = 0.6 on the mse)",
         weights=COURSE_WEIGHTS),
)}
#: the two cases the project's issue names; the others add mini-batches, momentum, l2, Adam
CORE_CASES = ("xor", "digits")


# --- one backend, in this process --------------------------------------------------------------

def train_case(Model, case: Case, device: str = "cpu") -> dict[str, Any]:
    """Train `case` with backend class `Model` on `device`: status, losses, final weights,
    n_params."""
    reason = Model.supports(case.net, case.train)
    if reason:
        return {"status": "unsupported", "reason": reason}
    if device != "cpu":
        reason = Model.device_unavailable(device)
        if reason:
            return {"status": "unavailable", "reason": reason}
    model = Model(case.net, case.train) if device == "cpu" else \
        Model(case.net, case.train, device=device)
    model.set_weights(case.start_weights())
    losses: list[float] = []

    def record_loss(epoch: int, loss: float) -> bool:
        losses.append(float(loss))
        return False

    X, y = case.data()
    model.fit(X, y, on_epoch=record_loss)
    weights = [(np.asarray(W).tolist(), None if b is None else np.asarray(b).tolist())
               for W, b in model.get_weights()]
    return {"status": "ok", "losses": losses, "weights": weights,
            "n_params": int(model.n_params), "device": Model.device_info(device)
            if hasattr(Model, "device_info") else {"kind": device},
            "deviations": list(getattr(Model, "deviations", lambda n, t: [])(case.net,
                                                                            case.train))}


def run_backend_here(backend: str, case_names: list[str],
                     device: str = "cpu") -> dict[str, dict[str, Any]]:
    """Every case on `backend`, in this process (its framework gets imported here)."""
    Model = get_backend(backend)
    results = {}
    for name in case_names:
        try:
            results[name] = train_case(Model, CASES[name], device)
        except Exception as exc:  # the comparison table is the error report
            results[name] = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}",
                             "detail": traceback.format_exc(limit=-4)}
    return results


# --- every backend in processes of its own -----------------------------------------------------

def prepare(payload: dict[str, Any]) -> dict[str, Any]:
    """A backend's fork server for verify: its framework imported, the cases' data loaded."""
    os.environ.update(get_entry(payload["backend"]).env_for(payload.get("device", "cpu")))
    get_backend(payload["backend"])
    for name in payload["cases"]:
        CASES[name].data()
    return {}


def case_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """One case on one backend, in a forked child: {"backend", "case"} -> its result."""
    return run_backend_here(payload["backend"], [payload["case"]],
                            payload.get("device", "cpu"))[payload["case"]]


def run_backend_process(backend: str, case_names: list[str], threads: int,
                        timeout: float = 900, device: str = "cpu") -> dict[str, dict[str, Any]]:
    """Every case on `backend` on `device`, each in a process forked from a server that
    imported the backend once (`bench.execution.forkserver`), with the thread parity and the
    backend's env for the device; a case that crashes or hangs fails alone."""
    entry = get_entry(backend)
    reason = entry.unavailable_reason()
    if reason:
        return {name: {"status": "unavailable", "reason": reason} for name in case_names}
    reason = entry.device_reason(device)
    if reason:  # decided from the capabilities: no process, no import
        return {name: {"status": "unsupported", "reason": reason} for name in case_names}
    env = {**process.child_environment(threads, entry.env_for(device)),
           DEVICE_VARIABLE: device}
    if device != "cpu":  # a fresh interpreter for the backend: no CUDA state crosses a fork
        with process.scratch_directory("nnbench-verify-") as scratch:
            return _fresh_cases(env, backend, case_names, scratch, timeout, device)
    with process.scratch_directory("nnbench-verify-") as scratch:
        try:
            server = ForkServer(f"{__name__}:prepare", {"backend": backend, "cases": case_names,
                                                        "device": device},
                                env, scratch / "server.log")
            server.wait_ready()
        except ForkServerError as exc:
            return {name: {"status": "failed", "reason": f"could not start: {exc}"}
                    for name in case_names}
        try:
            return {name: _forked_case(server, backend, name, scratch, timeout, device)
                    for name in case_names}
        finally:
            server.close()


def cases_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Every case of one backend on a device, in a fresh interpreter."""
    return run_backend_here(payload["backend"], payload["cases"], payload["device"])


def _fresh_cases(env: dict[str, str], backend: str, names: list[str], scratch: Path,
                 timeout: float, device: str) -> dict[str, dict[str, Any]]:
    """The cases on `backend` in one fresh interpreter (a failure fails them all, with why)."""
    job, result, log = (scratch / f"{backend}{s}" for s in (".job.json", ".json", ".log"))
    job.write_text(json.dumps({"backend": backend, "cases": names, "device": device}))
    with open(log, "wb") as out:
        child = process.start(["-m", "bench.execution.child", f"{__name__}:cases_payload",
                               str(job), str(result)], env, stdout=out, stderr=out)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            process.stop(child)
            failed = {"status": "failed", "reason": f"did not finish within {timeout:g} s"}
            return {name: failed for name in names}
    if not result.exists():
        tail = "".join(log.read_text(errors="replace").splitlines(True)[-8:]).strip()
        why = process.exit_reason(child.returncode)
        failed = {"status": "failed", "reason": f"{why}: {tail}" if tail else why}
        return {name: failed for name in names}
    return json.loads(result.read_text())


def _forked_case(server: ForkServer, backend: str, name: str, scratch: Path,
                 timeout: float, device: str = "cpu") -> dict[str, Any]:
    result, log = scratch / f"{name}.json", scratch / f"{name}.log"
    try:
        child = server.fork(name, f"{__name__}:case_payload",
                            {"backend": backend, "case": name, "device": device}, result, log)
    except ForkServerError as exc:
        return {"status": "failed", "reason": str(exc)}
    if child.wait(timeout) is None:
        process.stop(child)
        return {"status": "failed", "reason": f"did not finish within {timeout:g} s"}
    if not result.exists():
        tail = "".join(log.read_text(errors="replace").splitlines(True)[-8:]).strip() \
            if log.exists() else ""
        why = child.lost or process.exit_reason(child.returncode)
        return {"status": "failed", "reason": f"{why}: {tail}" if tail else why}
    return json.loads(result.read_text())


@dataclass
class Agreement:
    """How one backend's run of one case compares with the reference's."""

    backend: str
    case: str
    status: str
    reason: str = ""
    loss_gap: float = float("nan")     # largest relative difference of an epoch loss
    weight_gap: float = float("nan")   # largest difference of a final weight (relative > 1)
    n_params: int | None = None
    epochs: int = 0
    deviations: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return self.status == "ok" and self.loss_gap <= TOLERANCE \
            and self.weight_gap <= TOLERANCE and self.n_params == CASES[self.case].net.n_params

    @property
    def verdict(self) -> str:
        if self.status != "ok":
            return self.status
        expected = CASES[self.case].net.n_params
        if self.n_params != expected:
            return f"DIFFERS: {self.n_params} parameters, the net has {expected}"
        return "agrees" if self.agrees else "DIFFERS"


def _flat(weights) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(part, dtype=np.float64))
                           for W, b in weights for part in (W, b) if part is not None])


def compare(backend: str, case: str, result: dict[str, Any],
            reference: dict[str, Any]) -> Agreement:
    """The agreement of `result` (one backend, one case) with the reference's result."""
    if result["status"] != "ok":
        return Agreement(backend, case, result["status"], result.get("reason", ""))
    if reference.get("status") != "ok":
        return Agreement(backend, case, "failed", f"the {REFERENCE} reference has no result: "
                         f"{reference.get('reason', '')}")
    losses, ref_losses = np.asarray(result["losses"]), np.asarray(reference["losses"])
    agreement = Agreement(backend, case, "ok", n_params=result["n_params"],
                          epochs=len(losses), deviations=result.get("deviations", []))
    if losses.shape != ref_losses.shape:
        agreement.reason = f"{losses.size} epoch losses, the reference has {ref_losses.size}"
        agreement.loss_gap = float("inf")
    else:
        scale = np.maximum(np.abs(ref_losses), np.finfo(float).tiny)
        agreement.loss_gap = float(np.max(np.abs(losses - ref_losses) / scale, initial=0.0))
    W, W_ref = _flat(result["weights"]), _flat(reference["weights"])
    if W.shape != W_ref.shape:
        agreement.weight_gap = float("inf")
    else:
        agreement.weight_gap = float(np.max(np.abs(W - W_ref) / np.maximum(1, np.abs(W_ref)),
                                            initial=0.0))
    return agreement


def verify(backends: list[str], case_names: list[str], threads: int,
           on_backend=None, device: str = "cpu") -> list[Agreement]:
    """Run the cases on the reference (on the CPU) and on every backend on `device` (cpu,
    cuda, or auto: `bench.plan.devices.resolve`); one Agreement per pair, its backend named
    with the device it ran on (`torch@cuda`)."""
    reference = run_backend_process(REFERENCE, case_names, threads)
    rows = []
    for backend in backends:
        if on_backend:
            on_backend(backend)
        on = resolve(device, backend)
        results = reference if backend == REFERENCE and on == "cpu" else \
            run_backend_process(backend, case_names, threads, device=on)
        rows += [compare(backend_label(backend, on), name, results[name], reference[name])
                 for name in case_names]
    return rows
