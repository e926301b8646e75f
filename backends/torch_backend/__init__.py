"""The PyTorch backend: `model` (`TorchModel`, nn.Linear layers, autograd, torch.optim) and
`capabilities` (what it cannot follow, decided without importing torch)."""

from backends.lazy import lazy_attributes

__getattr__ = lazy_attributes(__name__, {"TorchModel": "model"})
