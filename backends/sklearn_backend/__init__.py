"""The scikit-learn backend: `model` (`SklearnModel`, MLPClassifier steered to the spec) and
`capabilities` (what it cannot follow, decided without importing sklearn)."""

from backends.lazy import lazy_attributes

__getattr__ = lazy_attributes(__name__, {"SklearnModel": "model"})
