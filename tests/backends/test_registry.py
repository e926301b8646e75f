import json
import subprocess
import sys

import pytest

from backends.registry import BACKENDS, BackendEntry, UnknownBackendError, get_backend, get_entry


def test_numpy_backend_is_registered_and_available():
    assert BACKENDS["numpy"].unavailable_reason() is None
    assert BACKENDS["numpy"].framework_version()
    Model = get_backend("numpy")
    assert Model.name == "numpy"


def test_listing_does_not_import_frameworks():
    entry = BackendEntry("ghost", "backends.ghost", "GhostModel", "nnbench_no_such_framework",
                         "nnbench-no-such-framework", extra="ghost")
    assert "nnbench_no_such_framework" not in sys.modules
    reason = entry.unavailable_reason()
    assert 'pip install "nnbench[ghost]"' in reason
    assert entry.framework_version() is None


def test_unknown_backend_lists_the_valid_names():
    with pytest.raises(UnknownBackendError, match="available: numpy"):
        get_entry("tensorflow")


def test_only_numpy_trains_by_finite_differences_and_the_others_say_so_without_an_import():
    """The harness asks every backend's capabilities module in its own process: the answer
    for the finite-difference recipe must come without importing any framework."""
    script = """if True:
        import json, sys
        from backends.registry import BACKENDS
        from tasks.registry import get_task
        recipe = get_task("xor").recipes["finite-difference"]
        reasons = {name: entry.unsupported_reason(recipe.net, recipe.train)
                   for name, entry in BACKENDS.items()}
        heavy = {"torch", "tensorflow", "keras", "jax", "sklearn", "pybrain3"} & set(sys.modules)
        print(json.dumps({"reasons": reasons, "imported": sorted(heavy)}))
    """
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    answer = json.loads(out.stdout)
    assert answer["imported"] == []
    reasons = answer["reasons"]
    assert reasons.pop("numpy") is None
    assert set(reasons) >= {"sklearn", "torch", "keras", "keras-torch", "keras-jax", "pybrain"}
    for name, reason in reasons.items():
        assert "finite-difference" in reason and "NumPy reference" in reason, name
