"""The from-scratch NumPy backend: the reference implementation every framework is held against.

Modules: `activations` and `losses` (functions and their derivatives), `optimizers` (sgd,
momentum, adam), `mlp` (forward, backprop and the training loop), `perceptron` (the course's
learning rule), `finite_difference` (the course's forward-difference gradient estimate, which
optimizer="finite-difference" descends), `gradcheck` (finite-difference checks of backprop)
and `model` (`NumpyModel`, the Model protocol class the registry loads).
"""

from backends.numpy_backend.model import NumpyModel

__all__ = ["NumpyModel"]
