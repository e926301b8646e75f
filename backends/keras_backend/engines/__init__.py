"""What differs by Keras engine, one module per engine, as Keras lays out `keras/src/backend/`.

`engine` imports the one for the engine Keras runs on. Each module defines the same names:

- `configure(threads) -> dict`: the engine's thread knobs (and switches it needs, as jax's
  float64), applied once by `engine.configure`; returns notes on what could not be set.
- `framework_threads() -> dict`: the thread settings the engine reports.
- `feed(X, T, train, threads)`: the training data in the shared batch order, as `model.fit`
  takes it (TensorFlow: a tf.data pipeline; elsewhere `feeding.SharedOrder`).
- `Optimizer`: the `optimizers.SpecOptimizer` class to use (torch: one that updates every
  parameter at once with `torch._foreach_*`).
- `JIT_COMPILE`: `model.compile(jit_compile=...)`.
- `EPOCH_PER_EXECUTION`: whether `steps_per_execution` is one whole epoch (one call of the
  compiled train function per epoch, no Python per batch) or 1.
- Devices (`cuda`; the registry's capabilities set the variables that put Keras on it before
  it is imported): `device_unavailable(device)` (why this process cannot compute there),
  `device_info(device)` (what the record says of it), `full_precision()` (TF32 off, float32
  matmuls at full precision; returns the setting as recorded) and `synchronize()` (wait for
  the device's queued work), `matmul_peak(device)` (its float32 matmul GFLOP/s, or None).

They import their framework inside functions, so that any of them imports on any engine
(tests/backends/test_keras_backend.py compares their names).
"""

#: the names every engine module defines
INTERFACE = ("configure", "framework_threads", "feed", "Optimizer", "JIT_COMPILE",
             "EPOCH_PER_EXECUTION", "device_unavailable", "device_info", "full_precision",
             "synchronize", "matmul_peak")
