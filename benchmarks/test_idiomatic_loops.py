"""Per backend: one epoch of the framework's idiomatic loop (idiomatic.py), next to its adapter.

Each benchmark shares its group with the adapter's steady epoch on the same case
(test_backend_speed.py), so `nox -s perf` prints the two side by side; `python
benchmarks/ratios.py` turns the saved results into the table adapter / idiomatic, GFLOP/s and
% of the matmul peak. PyBrain is compared on online SGD with sigmoid hidden units (it has no
Adam and no ReLU layer): its idiomatic `BackpropTrainer` epoch and its adapter on that same
spec are both here (its adapter on the Adam recipe stays in test_backend_speed.py).
"""

from __future__ import annotations

import pytest
from conftest import AVAILABLE
from harness import SGD_ONLINE, extra_info, spec_for

#: rounds per case (PyBrain's online epochs are slow: fewer)
ROUNDS = {"digits-modern": 10, "mnist-sized": 5}


def rounds(case: str, backend: str) -> int:
    return 3 if backend == "pybrain" else ROUNDS[case]


@pytest.mark.parametrize("case", ["digits-modern", "mnist-sized"])
@pytest.mark.parametrize("backend", AVAILABLE)
def test_idiomatic_epoch(benchmark, target, backend, case):
    spec = spec_for(backend)
    epoch = target("idiomatic_epoch", backend, case, spec)
    benchmark.group = f"{case} epoch: {backend}"
    benchmark.extra_info.update(extra_info(case, backend, "idiomatic", spec))
    benchmark.pedantic(epoch, rounds=rounds(case, backend), warmup_rounds=1)


@pytest.mark.parametrize("case", ["digits-modern", "mnist-sized"])
def test_pybrain_adapter_sgd_online_epoch(benchmark, target, case):
    if "pybrain" not in AVAILABLE:
        pytest.skip("pybrain3 is not installed")
    epoch = target("adapter_epoch", "pybrain", case, SGD_ONLINE)
    benchmark.group = f"{case} epoch: pybrain"
    benchmark.extra_info.update(extra_info(case, "pybrain", "adapter", SGD_ONLINE))
    benchmark.pedantic(epoch, rounds=rounds(case, "pybrain"), warmup_rounds=1)
