"""`nnbench verify`: the comparison logic, and the command on every installed backend."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backends.registry import BACKENDS
from bench.judge import verify
from tests.cli import nnbench


@pytest.fixture(scope="module")
def reference():
    return verify.run_backend_here("numpy", ["xor", "course-2"])


def test_the_reference_agrees_with_itself(reference):
    row = verify.compare("numpy", "xor", reference["xor"], reference["xor"])
    assert row.agrees and row.loss_gap == 0 and row.weight_gap == 0 and row.epochs == 50


def test_a_small_loss_difference_is_caught(reference):
    off = json.loads(json.dumps(reference["xor"]))
    off["losses"][10] *= 1 + 5e-6
    row = verify.compare("other", "xor", off, reference["xor"])
    assert not row.agrees and row.verdict == "DIFFERS" and row.loss_gap == pytest.approx(5e-6)


def test_a_small_weight_difference_is_caught(reference):
    off = json.loads(json.dumps(reference["xor"]))
    off["weights"][1][1][0] += 2e-6
    row = verify.compare("other", "xor", off, reference["xor"])
    assert not row.agrees and row.weight_gap == pytest.approx(2e-6)


def test_a_wrong_parameter_count_is_caught(reference):
    off = dict(reference["xor"], n_params=34)
    assert "34 parameters" in verify.compare("other", "xor", off, reference["xor"]).verdict


def test_unsupported_and_failed_cases_keep_their_reason(reference):
    row = verify.compare("other", "xor", {"status": "unsupported", "reason": "no mse"},
                         reference["xor"])
    assert row.status == "unsupported" and row.reason == "no mse" and not row.agrees


def test_the_course_step_reproduces_the_course_weights(reference):
    (W_h, _), (W_o, _) = reference["course-2"]["weights"]
    np.testing.assert_allclose(W_o, [[-0.007], [-0.886], [0.154]], atol=0.003)


def test_unknown_case_is_bad_input():
    done = nnbench("verify", "--cases", "xro")
    assert done.returncode == 2 and "did you mean 'xor'" in done.stderr


@pytest.mark.slow
def test_every_installed_backend_agrees_with_numpy_in_its_own_process():
    names = [n for n, e in BACKENDS.items() if e.unavailable_reason() is None]
    done = nnbench("verify", "--backends", ",".join(names), timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every supported case agrees" in done.stdout
    for name in names:
        assert name in done.stdout
