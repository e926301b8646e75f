"""What the Keras backends (every engine) cannot follow, decided from the specs alone (no
Keras import: the harness asks this in its own process)."""

from __future__ import annotations

from bench.spec import NetSpec, TrainSpec

#: the devices it trains on (cuda: the worker checks that the engine has a CUDA build and a GPU)
DEVICES = ("cpu", "cuda")


def unsupported(net: NetSpec, train: TrainSpec) -> str | None:
    """None when Keras can train (net, train) exactly, else the reason it cannot."""
    if train.optimizer == "perceptron":
        return ("the perceptron learning rule is not gradient descent; Keras trains by "
                "gradients only")
    if train.optimizer == "finite-difference":
        return ("finite-difference gradient estimation is the NumPy reference's teaching "
                "optimizer (one forward pass per parameter); Keras trains by autodiff")
    return None
