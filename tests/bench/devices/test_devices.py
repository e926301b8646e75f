"""--device cpu|cuda|auto on a machine without a GPU: flag, suite key, plan, records, clock.

What needs CUDA (the backends really on the GPU, verify there) is in test_cuda.py and skips
with a reason where no GPU is usable; everything here runs on any CPU.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from backends.clock import Clock
from backends.numpy_backend import NumpyModel
from backends.registry import BACKENDS, get_entry
from bench.execution import precheck
from bench.execution.records import Record
from bench.execution.worker import EpochMonitor
from bench.plan import devices
from bench.plan.planner import plan_runs
from bench.plan.runs import PlannedRun
from bench.plan.suite import Suite, SuiteError, suite_from_toml
from bench.spec import NetSpec, TrainSpec
from bench.spec.devices import backend_label, check_device, split_label
from tests.cli import ROOT, environment, nnbench, run_records

CPU_ONLY = ("numpy", "sklearn", "pybrain")
GPU_CAPABLE = ("torch", "keras", "keras-torch", "keras-jax")


def plan(device: str, backends=("numpy", "torch"), task="xor", recipe="modern"):
    return plan_runs(Suite(recipes=(recipe,), seeds=1, device=device), [task], list(backends))


# --- the flag and the suite key ------------------------------------------------------------------

def test_an_unknown_device_exits_2_saying_what_is_allowed():
    for command in ("run", "verify"):
        result = nnbench(command, "--device", "tpu")
        assert result.returncode == 2, result.stderr
        assert "cpu" in result.stderr and "cuda" in result.stderr and "auto" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_suite_file_names_its_device_and_refuses_an_unknown_one():
    assert suite_from_toml('device = "cuda"', "s").device == "cuda"
    assert suite_from_toml("", "s").device == "cpu"
    with pytest.raises(SuiteError, match="choose one of: cpu, cuda, auto"):
        suite_from_toml('device = "tpu"', "s")
    with pytest.raises(ValueError, match="not allowed"):
        check_device("gpu")


def test_a_cpu_suite_plans_the_ids_and_plan_json_of_before():
    runs = plan("cpu")
    assert [r.run_id for r in runs] == ["xor/modern/numpy/0", "xor/modern/torch/0"]
    assert all("device" not in r.to_dict() for r in runs)
    assert "device" not in Suite().to_dict()


def test_a_cuda_run_is_a_row_and_an_id_of_its_own():
    runs = plan("cuda")
    assert [r.run_id for r in runs] == ["xor/modern/numpy@cuda/0", "xor/modern/torch@cuda/0"]
    assert runs[1].group == ("xor", "modern", "torch@cuda") and runs[1].label == "torch@cuda"
    again = PlannedRun.from_dict(json.loads(json.dumps(runs[1].to_dict())))
    assert again == runs[1] and again.device == "cuda"
    assert backend_label("torch") == "torch" and split_label("torch@cuda") == ("torch", "cuda")


def test_auto_is_cuda_only_where_the_backend_has_it_and_a_gpu_is_present(monkeypatch):
    assert devices.resolve("auto", "torch", gpu=True) == "cuda"
    assert devices.resolve("auto", "torch", gpu=False) == "cpu"
    for backend in CPU_ONLY:
        assert devices.resolve("auto", backend, gpu=True) == "cpu"
    monkeypatch.setattr(devices, "gpu_present", lambda: False)
    assert [r.run_id for r in plan("auto")] == ["xor/modern/numpy/0", "xor/modern/torch/0"]
    monkeypatch.setattr(devices, "gpu_present", lambda: True)
    assert [r.run_id for r in plan("auto")] == ["xor/modern/numpy/0", "xor/modern/torch@cuda/0"]


def test_gpu_present_reads_the_driver_and_honours_cuda_visible_devices(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert not devices.gpu_present(tmp_path / "absent")
    (tmp_path / "0000:01:00.0").mkdir()
    assert devices.gpu_present(tmp_path)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert not devices.gpu_present(tmp_path)


# --- capabilities: decided without a framework -------------------------------------------------

def test_backends_declare_their_devices_statically():
    for name in CPU_ONLY:
        assert BACKENDS[name].devices == ("cpu",)
        assert "CPU only" in BACKENDS[name].device_reason("cuda")
    for name in GPU_CAPABLE:
        assert "cuda" in BACKENDS[name].devices and BACKENDS[name].device_reason("cuda") is None
    # Keras and JAX take a GPU when they see one: a cpu run says so before they are imported
    assert get_entry("keras-torch").env_for("cpu")["KERAS_TORCH_DEVICE"] == "cpu"
    assert get_entry("keras-jax").env_for("cpu")["JAX_PLATFORMS"] == "cpu"
    assert get_entry("keras-jax").env_for("cuda")["JAX_PLATFORMS"] == "cuda"
    assert get_entry("keras").env_for("cpu")["CUDA_VISIBLE_DEVICES"] == ""
    assert get_entry("torch").env_for("cpu") == {}


def test_cpu_only_backends_on_cuda_are_unsupported_without_a_process_or_an_import():
    code = """
import json, sys
from bench.execution import precheck
from bench.plan.planner import plan_runs
from bench.plan.suite import Suite
runs = plan_runs(Suite(recipes=("modern",), seeds=1, device="cuda"), ["xor"],
                 ["numpy", "sklearn", "pybrain"])
records = [precheck.decide(run, threads=1) for run in runs]
print(json.dumps([[r.run_id, r.status, r.error, r.executor["mode"], r.env["device"]]
                  for r in records]
                 + [[m for m in ("sklearn", "torch", "pybrain3", "keras") if m in sys.modules]]))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=environment())
    assert done.returncode == 0, done.stderr
    *rows, imported = json.loads(done.stdout)
    assert imported == []
    for (run_id, status, error, mode, device), name in zip(rows, CPU_ONLY):
        assert run_id == f"xor/modern/{name}@cuda/0" and status == "unsupported"
        assert error.startswith(f"{name} runs on the CPU only") and "--device cpu" in error
        assert mode == precheck.MODE and device == "cuda (not used)"


@pytest.mark.skipif(BACKENDS["torch"].unavailable_reason() is not None, reason="torch missing")
def test_cuda_without_a_usable_gpu_is_unavailable_with_the_reason(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is usable here: the run would train (test_cuda.py covers it)")
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "xor", "--recipe", "modern", "--seeds", "1",
                     "--backends", "numpy,torch", "--device", "cuda", "--threads", "1",
                     "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr
    records = run_records(out)
    torch_run = records["xor/modern/torch@cuda/0"]
    assert torch_run["status"] == "unavailable" and torch_run["device"] == "cuda"
    assert "--device cpu" in torch_run["error"] and "Traceback" not in result.stderr
    assert records["xor/modern/numpy@cuda/0"]["status"] == "unsupported"
    assert "torch@cuda" in (out / "summary.csv").read_text()


# --- records ----------------------------------------------------------------------------------

def test_records_carry_the_device_and_cpu_records_read_as_before():
    cpu, cuda = plan("cuda", backends=("torch",))[0], plan("cpu", backends=("torch",))[0]
    gpu_record = Record.for_run(cpu)
    assert gpu_record.device == "cuda" and gpu_record.group[2] == "torch@cuda"
    again = Record.from_dict(json.loads(gpu_record.to_json()))
    assert again.device == "cuda" and again.label == "torch@cuda"
    cpu_record = Record.for_run(cuda)
    assert "device" not in cpu_record.to_dict() and cpu_record.label == "torch"
    assert Record.from_dict(cpu_record.to_dict()).device == "cpu"


def test_a_cpu_run_records_env_device(tmp_path):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "xor", "--recipe", "modern", "--seeds", "1",
                     "--backends", "numpy", "--threads", "1", "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr
    record = run_records(out)["xor/modern/numpy/0"]
    assert record["env"]["device"] == "cpu" and record["env"]["cpu"]
    assert "transfer_seconds" not in record["timing"] and "device" not in record


# --- the synchronizing clock -------------------------------------------------------------------

class FakeTime:
    def __init__(self, steps):
        self.steps, self.reads = list(steps), 0

    def __call__(self) -> float:
        self.reads += 1
        return self.steps.pop(0)


def test_the_cpu_clock_is_perf_counter_and_a_device_clock_syncs_before_every_read():
    assert not Clock().synchronizing
    events = []
    clock = Clock(lambda: events.append("sync"), now=lambda: events.append("read") or 1.0)
    clock()
    clock()
    assert events == ["sync", "read", "sync", "read"]
    model = NumpyModel(NetSpec((2, 2, 1), output="sigmoid", loss="binary_crossentropy"),
                       TrainSpec(epochs=2))
    assert model.clock().sync is None  # device cpu: nothing waited for


def test_the_epoch_monitor_on_the_cpu_clock_times_as_before(monkeypatch):
    """Today's timings: the monitor reads the clock exactly where it read perf_counter."""
    import time

    net = NetSpec((2, 2, 1), output="sigmoid", loss="binary_crossentropy")
    train = TrainSpec(epochs=3, batch_size=None, shuffle=False)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.array([0, 1, 1, 0])
    model = NumpyModel(net, train)
    # built, started, then each epoch: entered, left
    fake = FakeTime([0.0, 0.0, 1.0, 1.5, 3.0, 3.25, 6.0, 6.5])
    monkeypatch.setattr(time, "perf_counter", fake)  # what the CPU's Clock() reads
    monitor = EpochMonitor(model, net, train, X, y, model.clock())
    monkeypatch.setattr(monitor, "_evaluate", lambda epoch: None)
    monitor.start()
    for epoch in range(3):
        monitor(epoch, 0.5)
    # the marks of the old code: start 0; epochs end at 1, 3, 6; callbacks leave at 1.5, 3.25
    assert fake.reads == 8 and monitor.history.epoch_seconds == [1.0, 1.5, 2.75]
    assert monitor.overhead == pytest.approx(0.5 + 0.25 + 0.5)


def test_staged_data_train_exactly_as_unstaged_data_on_the_cpu():
    net = NetSpec((2, 4, 1), "tanh", "sigmoid", "binary_crossentropy")
    train = TrainSpec(epochs=20, batch_size=2, lr=0.3, dtype="float64")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.array([0, 1, 1, 0])
    plain, staged = NumpyModel(net, train), NumpyModel(net, train)
    from bench.spec.weights import initial_weights

    for m in (plain, staged):
        m.set_weights(initial_weights(net, 0, "float64"))
    plain.fit(X, y)
    staged.stage(X, y)
    staged.fit(X, y)
    assert staged.loss_history_ == plain.loss_history_


def test_a_cpu_only_model_refuses_another_device():
    from backends.base import BaseModel

    with pytest.raises(ValueError, match="cannot train on device='cuda'"):
        BaseModel(NetSpec((2, 1), output="sigmoid", loss="binary_crossentropy"), TrainSpec(),
                  device="cuda")
    assert NumpyModel.device_unavailable("cuda") == "numpy runs on the CPU only"


def test_list_names_each_backends_devices():
    result = nnbench("list", "--json")
    assert result.returncode == 0, result.stderr
    backends = json.loads(result.stdout)["backends"]
    assert backends["numpy"]["devices"] == ["cpu"]
    assert backends["torch"]["devices"] == ["cpu", "cuda"]


def test_verify_on_cuda_reports_cpu_only_backends_as_unsupported():
    result = nnbench("verify", "--device", "cuda", "--backends", "sklearn", "--cases", "xor",
                     "--threads", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sklearn@cuda" in result.stdout and "unsupported" in result.stdout


@pytest.mark.skipif(BACKENDS["torch"].unavailable_reason() is not None, reason="torch missing")
def test_verify_on_cuda_without_a_gpu_says_unavailable_from_a_fresh_process():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is usable here: the cases would run (test_cuda.py covers it)")
    result = nnbench("verify", "--device", "cuda", "--backends", "torch", "--cases",
                     "xor,digits", "--threads", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("torch@cuda") == 2 and "unavailable" in result.stdout


@pytest.mark.skipif(BACKENDS["torch"].unavailable_reason() is not None, reason="torch missing")
def test_torch_trains_staged_tensors_exactly_as_arrays():
    """The path a GPU run takes (data staged as tensors once, then fit), here on the CPU."""
    from backends.torch_backend import TorchModel
    from bench.spec.weights import initial_weights

    net = NetSpec((4, 8, 3), "relu", "softmax", "categorical_crossentropy")
    train = TrainSpec(optimizer="adam", lr=0.01, batch_size=5, epochs=4, dtype="float64")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(23, 4)), rng.integers(0, 3, 23)
    plain, staged = TorchModel(net, train), TorchModel(net, train, device="cpu")
    for m in (plain, staged):
        m.set_weights(initial_weights(net, 0, "float64"))
    plain.fit(X, y)
    staged.stage(X, y)
    staged.fit(X, y)
    assert staged.loss_history_ == plain.loss_history_
    for (W, b), (W2, b2) in zip(plain.get_weights(), staged.get_weights()):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)
