"""What the PyBrain backend cannot follow, decided from the specs alone (no pybrain import)."""

from __future__ import annotations

from bench.spec import NetSpec, TrainSpec

#: the devices it trains on (PyBrain computes on the CPU only; `cuda` runs are unsupported)
DEVICES = ("cpu",)


def unsupported(net: NetSpec, train: TrainSpec) -> str | None:
    """None when the backend can train (net, train), else the reason it cannot."""
    if train.optimizer == "perceptron":
        return ("optimizer='perceptron': PyBrain has no perceptron learning rule (its "
                "trainers descend gradients, and a step unit has none)")
    if train.optimizer == "finite-difference":
        return ("finite-difference gradient estimation is the NumPy reference's teaching "
                "optimizer (one forward pass per parameter); PyBrain trains by "
                "backpropagation")
    return None
