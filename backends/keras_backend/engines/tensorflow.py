"""Keras on TensorFlow: intra-op threads as requested, tf.data feeding, no XLA.

- Threads: intra-op = the requested count, inter-op 1 (settable only before TensorFlow runs
  its first op; a note says when that was too late); tf.data gets the same count and no
  thread pool of its own.
- Feeding: a tf.data pipeline of the shared batch order: the data become tensors once, each
  epoch's permutation is one Python call (`bench.spec.batching.epoch_order`), rows are gathered
  in tf.data, so no Python runs per batch.
- jit_compile False: XLA was no faster on CPU here and compiles for a second or more.
- steps_per_execution = one epoch.
"""

from __future__ import annotations

import numpy as np

from backends.keras_backend.optimizers import SpecOptimizer
from bench.spec import TrainSpec
from bench.spec.batching import batch_size_for, epoch_order

Optimizer = SpecOptimizer
JIT_COMPILE = False
EPOCH_PER_EXECUTION = True


def configure(threads: int) -> dict:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError as error:  # TensorFlow already ran an op in this process
        return {"note": f"thread settings not applied: {error}"}
    return {}


def framework_threads() -> dict:
    import tensorflow as tf

    return {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}


def feed(X: np.ndarray, T: np.ndarray, train: TrainSpec, threads: int):
    """The shared batch order as a tf.data pipeline: X and T become tensors once; each epoch's
    permutation comes from `bench.spec.batching.epoch_order` (one Python call per epoch) and
    batches are gathered in tf.data, so no Python runs per batch."""
    import tensorflow as tf

    n = X.shape[0]
    size = batch_size_for(n, train)
    Xc, Tc = tf.constant(X), tf.constant(T)
    if not train.shuffle:
        ds = (tf.data.Dataset.range(0, n, size)
              .map(lambda start: (Xc[start:start + size], Tc[start:start + size]))
              .repeat())
    else:
        def order(epoch):
            return epoch_order(n, train, int(epoch)).astype(np.int64)

        ds = (tf.data.Dataset.range(train.epochs)
              .map(lambda e: tf.ensure_shape(tf.numpy_function(order, [e], tf.int64), [n]))
              .flat_map(lambda o: tf.data.Dataset.from_tensor_slices(o).batch(size))
              .map(lambda idx: (tf.gather(Xc, idx), tf.gather(Tc, idx))))
    options = tf.data.Options()
    options.threading.private_threadpool_size = threads  # thread parity: no pool of its own
    options.threading.max_intra_op_parallelism = 1
    return ds.prefetch(1).with_options(options)


# --- devices ----------------------------------------------------------------------------------

def device_unavailable(device: str) -> str | None:
    import tensorflow as tf

    if device == "cpu":
        return None
    if not tf.config.list_physical_devices("GPU"):
        return (f"tensorflow {tf.__version__} sees no GPU (a CPU-only build, or no GPU: "
                "install tensorflow[and-cuda]); run with --device cpu")
    return None


def device_info(device: str) -> dict:
    import tensorflow as tf

    if device == "cpu":
        return {"kind": "cpu"}
    gpu = tf.config.list_physical_devices("GPU")[0]
    details = tf.config.experimental.get_device_details(gpu)
    build = tf.sysconfig.get_build_info()
    return {"kind": "cuda", "name": details.get("device_name", gpu.name),
            "cuda": build.get("cuda_version"), "framework": f"tensorflow {tf.__version__}",
            "matmul_precision": full_precision()}


def full_precision() -> str:
    import tensorflow as tf

    tf.config.experimental.enable_tensor_float_32_execution(False)
    return "highest (tf.config.experimental.enable_tensor_float_32_execution(False))"


def synchronize() -> None:
    # Keras on TensorFlow returns from fit/predict with results on the host; an op's value
    # fetched to NumPy (the loss each epoch) waits for the device
    import tensorflow as tf

    tf.constant(0.0).numpy()


def matmul_peak(device: str) -> float | None:
    return None  # not measured on TensorFlow (no GPU build on the machines checked)
