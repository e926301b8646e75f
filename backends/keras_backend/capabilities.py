"""What the Keras backends (every engine) cannot follow, decided from the specs alone (no
Keras import: the harness asks this in its own process)."""

from __future__ import annotations

from bench.spec import NetSpec, TrainSpec

#: the devices it trains on (cuda: the worker checks that the engine has a CUDA build and a GPU)
DEVICES = ("cpu", "cuda")

#: per engine and device, the environment Keras and its engine read on import: without it
#: Keras on torch, and JAX, take a GPU whenever one is present, whatever the run asked for
_DEVICE_ENV = {
    "tensorflow": {"cpu": {"CUDA_VISIBLE_DEVICES": ""}, "cuda": {}},
    "torch": {"cpu": {"KERAS_TORCH_DEVICE": "cpu"}, "cuda": {"KERAS_TORCH_DEVICE": "cuda"}},
    "jax": {"cpu": {"JAX_PLATFORMS": "cpu"}, "cuda": {"JAX_PLATFORMS": "cuda"}},
}


def device_env(device: str, env: dict[str, str]) -> dict[str, str]:
    """What a worker of the engine `env["KERAS_BACKEND"]` sets before importing Keras so that
    it computes on `device` (and on nothing else)."""
    return dict(_DEVICE_ENV.get(env.get("KERAS_BACKEND", "tensorflow"), {}).get(device, {}))


def unsupported(net: NetSpec, train: TrainSpec) -> str | None:
    """None when Keras can train (net, train) exactly, else the reason it cannot."""
    if train.optimizer == "perceptron":
        return ("the perceptron learning rule is not gradient descent; Keras trains by "
                "gradients only")
    if train.optimizer == "finite-difference":
        return ("finite-difference gradient estimation is the NumPy reference's teaching "
                "optimizer (one forward pass per parameter); Keras trains by autodiff")
    return None
