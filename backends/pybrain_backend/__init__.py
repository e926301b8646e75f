"""The PyBrain backend (pybrain3 3.0.4): a spec built and trained with PyBrain's own modules.

Modules: `compat` (the SciPy-namespace shim that lets pybrain3 import on current SciPy and
NumPy, then the pybrain3 imports), `layers` (the activations PyBrain lacks, as NeuronLayer
subclasses, and the output layers for the spec's losses), `network` (the FeedForwardNetwork of
a NetSpec and the mapping of its parameters to the canonical layout) and `model`
(`PybrainModel`, the Model protocol class the registry loads: per-sample backprop over the
shared batch order, sgd / momentum through PyBrain's GradientDescent, the spec's Adam).

pybrain3 3.0.4 does not import on current SciPy (it takes NumPy's names from the `scipy`
namespace); the project's choice is a contained shim rather than a pinned old environment,
see `compat`. `capabilities` says what it cannot follow without importing pybrain3.
"""

from backends.lazy import lazy_attributes

__getattr__ = lazy_attributes(__name__, {"PybrainModel": "model"})
