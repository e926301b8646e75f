"""The one place that chooses Keras's engine, once per process, and prepares it.

Keras picks its engine once, from KERAS_BACKEND, when it is first imported; the registry sets
that variable in the worker process before this package is imported, and this module never
changes it (when it is unset and Keras is not yet imported, as in a plain pytest process, it
defaults it to "tensorflow"). `ENGINE` is what Keras really runs on, `current` the module of
`engines` that holds everything that differs by engine; no other module asks which engine runs.

Import order matters, so this module runs first in the package (`model` imports it before
anything that imports keras). Set here, before keras (and with it the engine) is imported, and
only what cannot wait: the KERAS_BACKEND default and TF_CPP_MIN_LOG_LEVEL (TensorFlow's INFO
lines on import). Everything else (TensorFlow's and torch's thread counts, jax's float64
switch and its single-threaded XLA, which XLA reads when it first computes, not on import)
waits for `configure()`, which the model calls the first time it is built or asked for its
threads, with the thread count asked for then (`bench.spec.threads.requested_threads`):
importing the package changes no framework state, so a process that imported it (a fork
server) can fork children that each configure their engine as their run says.
"""

from __future__ import annotations

import importlib
import os
import sys

from bench.spec.threads import requested_threads

if "KERAS_BACKEND" not in os.environ and "keras" not in sys.modules:
    os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # TensorFlow's INFO lines on every import

import keras  # noqa: E402  (after the environment above)

#: the engine Keras runs on in this process: "tensorflow", "torch" or "jax"
ENGINE: str = keras.backend.backend()
#: the module of `engines` for ENGINE; None on an engine it has none for (Keras's numpy or
#: openvino engines: there every model class refuses to run, naming the engine it needs)
try:
    current = importlib.import_module(f"{__package__}.engines.{ENGINE}")
except ModuleNotFoundError as error:
    if error.name != f"{__package__}.engines.{ENGINE}":
        raise
    current = None

_notes: dict | None = None
#: the thread count `configure` applied (None: not yet configured)
threads: int | None = None


def configure() -> dict:
    """Apply the engine's settings for the requested threads, once per process; returns notes
    on what could not be set."""
    global _notes, threads
    if _notes is None:
        threads = requested_threads()
        _notes = current.configure(threads) if current else {}
    return _notes


def framework_threads() -> dict:
    """The thread settings the engine reports (after `configure`), with its notes."""
    notes = configure()
    reported = current.framework_threads() if current else {}
    return {"engine": ENGINE, "requested": threads, **reported, **notes}


def framework_version() -> str:
    version = getattr(sys.modules.get(ENGINE), "__version__", "?")
    return f"{keras.__version__} ({ENGINE} {version})"
