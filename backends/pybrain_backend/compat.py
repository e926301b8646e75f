"""Import pybrain3 3.0.4 on current SciPy and NumPy: a small, contained compatibility layer.

pybrain3's modules do `from scipy import reshape, dot, outer, ...` and call `scipy.size`,
`scipy.concatenate`: SciPy used to re-export NumPy's namespace at its top level (with
`numpy.lib.scimath`'s complex-aware sqrt/log/log10/power over NumPy's, and numpy.random's
rand/randn), and current SciPy no longer does. The project's choice is this shim, not a pinned
old environment: before the first pybrain3 import, `install()` adds to the `scipy` module each
name of `SCIPY_ALIASES` that SciPy lacks, bound to the object old SciPy re-exported (NumPy's,
under NumPy 2's name where NumPy renamed it). Nothing else is patched: names SciPy still has
are left alone, and NumPy itself is not touched (pybrain3's `from numpy import Infinity`
(evolino, tools.neuralnets) and `from numpy import float` (tools.svmdata) fail on NumPy 2,
but no module this backend imports uses them; `from scipy import weave`, a compiler SciPy
removed long ago, is used only by supervised.knn.lsh and has no NumPy equivalent;
pybrain3.optimization needs `numpy.linalg.linalg`, gone in NumPy 2, and is not used either).

The list is every name pybrain3 3.0.4 takes from `scipy` (grep of its sources for
`from scipy import` and `scipy.<name>`), so any pybrain3 module imports, not only the few
this backend uses (structure, auxiliary.gradientdescent, supervised.trainers, datasets).
The code paths this backend runs were also checked for NumPy 2 changes: FullConnection,
NeuronLayer, SigmoidLayer, TanhLayer, LinearLayer, SoftmaxLayer, BiasUnit, Network and
GradientDescent use no removed NumPy alias and no float-valued shapes (PartialSoftmaxLayer's
`size / slicelength` shape would fail on Python 3 but is not used).
"""

from __future__ import annotations

import numpy
import numpy.lib.scimath
import numpy.random
import scipy

#: Every name pybrain3 3.0.4 takes from the top-level `scipy` namespace, and where old SciPy
#: got it from (it re-exported NumPy). Only the ones SciPy lacks are added (see the docstring).
SCIPY_ALIASES: dict[str, object] = {
    **{name: getattr(numpy, name) for name in (
        "amax", "amin", "arange", "argmax", "array", "asarray", "asmatrix", "c_", "clip",
        "concatenate", "cos", "cov", "diag", "dot", "exp", "eye", "floor", "inf", "isinf",
        "isnan", "isscalar", "matrix", "mean", "mgrid", "multiply", "ndarray", "ones", "outer",
        "pi", "r_", "ravel", "reshape", "resize", "sign", "sin", "size", "sort", "sum", "tan",
        "tanh", "tile", "var", "where", "zeros", "zeros_like",
    )},
    # old SciPy's `from numpy.lib.scimath import *` shadowed NumPy's versions of these
    **{name: getattr(numpy.lib.scimath, name) for name in ("log", "log10", "power", "sqrt")},
    "rand": numpy.random.rand,            # old SciPy: from numpy.random import rand, randn
    "randn": numpy.random.randn,
    "random": numpy.random,               # the numpy.random module (scipy.random.random(...))
    "mat": numpy.asmatrix,                # numpy.mat, removed in NumPy 2
    "product": numpy.prod,                # numpy.product, removed in NumPy 2
}


def install() -> list[str]:
    """Add the missing `SCIPY_ALIASES` to `scipy`; returns the names added (idempotent)."""
    added = []
    for name, value in SCIPY_ALIASES.items():
        if name not in vars(scipy):
            setattr(scipy, name, value)
            added.append(name)
    return added


install()

import pybrain3  # noqa: E402  (needs the aliases above)
from pybrain3.auxiliary import GradientDescent  # noqa: E402
from pybrain3.structure import (  # noqa: E402
    BiasUnit,
    FeedForwardNetwork,
    FullConnection,
    LinearLayer,
    SigmoidLayer,
    SoftmaxLayer,
    TanhLayer,
)
from pybrain3.structure.modules.neuronlayer import NeuronLayer  # noqa: E402
from pybrain3.tools.functions import safeExp, sigmoid  # noqa: E402

__all__ = ["SCIPY_ALIASES", "BiasUnit", "FeedForwardNetwork", "FullConnection",
           "GradientDescent", "LinearLayer", "NeuronLayer", "SigmoidLayer", "SoftmaxLayer",
           "TanhLayer", "install", "pybrain3", "safeExp", "sigmoid"]
