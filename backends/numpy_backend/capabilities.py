"""What the NumPy reference cannot follow: nothing the spec allows (`bench.spec.check_pair`
already refuses what no backend can train). It is the only backend with the perceptron rule and
optimizer="finite-difference"."""

from __future__ import annotations

from bench.spec import NetSpec, TrainSpec

#: the devices it trains on (NumPy computes on the CPU only; `cuda` runs are unsupported)
DEVICES = ("cpu",)


def unsupported(net: NetSpec, train: TrainSpec) -> str | None:
    return None
