"""Keras 3 on three engines: `KerasModel` (TensorFlow), `KerasTorchModel`, `KerasJaxModel`."""

from backends.keras_backend.model import ENGINE, KerasJaxModel, KerasModel, KerasTorchModel, keras

__all__ = ["ENGINE", "KerasJaxModel", "KerasModel", "KerasTorchModel", "keras"]
