"""What the PyTorch backend cannot follow, decided from the specs alone (no torch import)."""

from __future__ import annotations

from bench.spec import NetSpec, TrainSpec

#: the devices it trains on (cuda: the worker checks that torch has a CUDA build and a GPU)
DEVICES = ("cpu", "cuda")


def unsupported(net: NetSpec, train: TrainSpec) -> str | None:
    """None when the backend can train (net, train) exactly, else the reason it cannot."""
    if train.optimizer == "perceptron":
        return ("the perceptron rule trains a step output, which has no gradient for "
                "torch.optim to follow; the course's rule is implemented by the numpy "
                "backend")
    if train.optimizer == "finite-difference":
        return ("finite-difference gradient estimation is the NumPy reference's teaching "
                "optimizer (one forward pass per parameter); PyTorch trains by autodiff")
    return None
