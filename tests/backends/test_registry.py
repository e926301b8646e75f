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
