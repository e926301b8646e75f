"""Framework backends behind one Model protocol; see `backends.registry` for the list."""

from backends.registry import BACKENDS, BackendEntry, get_backend, get_entry

__all__ = ["BACKENDS", "BackendEntry", "get_backend", "get_entry"]
