"""Keras 3 on three engines: `KerasModel` (TensorFlow), `KerasTorchModel`, `KerasJaxModel`.

`engine` runs first: it chooses the engine once (KERAS_BACKEND, default "tensorflow"), sets
what must precede keras's import, imports keras and picks the module of `engines` for it;
everything that differs by engine lives there, one module per engine as in Keras's
`keras/src/backend/<engine>/`. The rest is written once, with `keras.ops`:

- `activations`: the spec's activations (leaky_relu and step written out).
- `network`: the Dense models (trained one ends in z, a second one applies the output) and
  Keras's initialisers for the spec's schemes.
- `losses`: `SpecLoss`, the clipped loss value with the fused gradient dL/dz.
- `optimizers`: `SpecOptimizer`, the spec's sgd, momentum and Adam with coupled l2.
- `feeding`: `SharedOrder`, the shared batch order as an endless PyDataset.
- `callbacks`: `EpochEnd`, epoch loss + l2 penalty, `on_epoch` and early stop.
- `dtypes`: `floatx`, the run's dtype (float64 kept float64 on every engine).
- `model`: the three Model classes the registry loads.

Translation choices are all exact (float64 runs agree with NumpyModel to about 1e-15); each
module's docstring says which it makes and why.

`capabilities` says what no engine can follow, from the specs alone; it is the one module
here that imports no Keras (this package's names below import Keras when first used).
"""

from backends.lazy import lazy_attributes

__getattr__ = lazy_attributes(__name__, {
    "ENGINE": "engine", "keras": "engine", "KerasModel": "model", "KerasTorchModel": "model",
    "KerasJaxModel": "model"})
