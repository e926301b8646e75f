"""The backends on a real GPU: skipped, with the reason, where no CUDA device is usable.

On a GPU machine (benchmarks/gpu_check.sh runs the wider check): torch on cuda agrees with the
NumPy reference in float64 to about 1e-12, and a run on cuda records its device, the TF32
setting, the transfer phase and the GPU's measured matmul peak.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.cli import nnbench, run_records


def _cuda_reason() -> str | None:
    if importlib.util.find_spec("torch") is None:
        return "torch is not installed"
    import torch

    if torch.version.cuda is None:
        return f"torch {torch.__version__} is a CPU-only build"
    if not torch.cuda.is_available():
        return "no CUDA GPU is usable here (torch.cuda.is_available() is False)"
    return None


REASON = _cuda_reason()
needs_cuda = pytest.mark.skipif(REASON is not None, reason=f"needs CUDA: {REASON}")


@needs_cuda
def test_torch_on_cuda_agrees_with_numpy_in_float64():
    from backends.torch_backend import TorchModel
    from bench.judge.verify import CASES, compare, run_backend_here, train_case

    reference = run_backend_here("numpy", ["xor", "digits"])
    for name in ("xor", "digits"):
        result = train_case(TorchModel, CASES[name], device="cuda")
        agreement = compare("torch@cuda", name, result, reference[name])
        assert agreement.status == "ok", agreement.reason
        assert agreement.loss_gap < 1e-10 and agreement.weight_gap < 1e-10, agreement
        assert "TF32 off" in result["device"]["matmul_precision"]


@needs_cuda
def test_a_run_on_cuda_records_the_device_and_its_phases(tmp_path):
    out = tmp_path / "run"
    result = nnbench("run", "--tasks", "digits", "--recipe", "modern", "--seeds", "1",
                     "--backends", "torch", "--device", "cuda", "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr
    record = run_records(out)["digits/modern/torch@cuda/0"]
    assert record["status"] == "ok", record["error"]
    detail = record["env"]["device_detail"]
    assert detail["kind"] == "cuda" and detail["name"] == record["env"]["device"]
    assert detail["matmul_peak_gflops"] > 0 and detail["cuda"]
    assert record["timing"]["transfer_seconds"] >= 0
