"""Network and training specifications: the one description of a run every backend follows.

`NetSpec` says what network to build, `TrainSpec` how to train it, and a `Recipe` is a named
pair of them that a task offers. All three are frozen dataclasses that validate every field on
construction (a `SpecError` names the field and the allowed values) and round-trip through
plain JSON dicts (`to_dict` / `from_dict`).

Conventions every backend must follow (they are what "the same network" means):

- `step` is the course's threshold unit: 1 where the weighted sum is >= 1, else 0.
- `mse` is the mean over output units and rows of (prediction - target)^2;
  `binary_crossentropy` and `categorical_crossentropy` are means over rows (BCE also over
  output units), as in Keras.
- Gradients are the gradient of the mean batch loss (mean over the rows of the batch).
- `l2` adds l2/2 * sum(W**2) over the weight matrices (not the biases) to the loss, so the
  gradient gains l2 * W (PyTorch's `weight_decay` on weights).
- `momentum` is classical momentum: v = momentum * v - lr * g; w += v.
- `adam` is Kingma & Ba with beta1 0.9, beta2 0.999, eps 1e-8 added to sqrt(v_hat).
- `finite-difference` is plain gradient descent, w -= lr * g, on the course's estimate of the
  gradient of the batch's objective (the mean loss plus the l2 penalty, as above) by forward
  differences: g_i = (cost(w + eps e_i) - cost(w)) / eps for every parameter i in turn, with
  eps = `fd_epsilon`. One forward pass per parameter: a teaching optimizer, not a fast one.
- Biases start at zero under every init scheme.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from bench.spec.constants import FD_EPSILON

HIDDEN_ACTIVATIONS = ("step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear")
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "linear", "step")
LOSSES = ("mse", "binary_crossentropy", "categorical_crossentropy")
INITS = ("glorot_uniform", "he_normal", "normal_scaled", "zeros")
OPTIMIZERS = ("sgd", "momentum", "adam", "perceptron", "finite-difference")
DTYPES = ("float32", "float64")

#: Which output activations each loss accepts (the pairs whose gradient means something).
LOSS_OUTPUTS = {
    "mse": ("softmax", "sigmoid", "linear", "step"),
    "binary_crossentropy": ("sigmoid",),
    "categorical_crossentropy": ("softmax",),
}


class SpecError(ValueError):
    """An invalid spec value; the message names the field and what is allowed."""


def _choice(field: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SpecError(f"{field}={value!r} is not allowed; choose one of: {', '.join(allowed)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_bool(field: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise SpecError(f"{field}={value!r} is not allowed; it must be true or false")


class _SpecDict:
    """JSON round-trip shared by the spec dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)  # type: ignore[call-overload]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise SpecError(
                f"unknown {cls.__name__} field(s) {', '.join(unknown)}; allowed: {', '.join(names)}"
            )
        return cls(**data)

    def replace(self, **changes: Any):
        """A copy with some fields changed (validated like a new spec)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class NetSpec(_SpecDict):
    """The network: layer sizes from input to output, activations, loss and initialisation."""

    layers: tuple[int, ...]
    activation: str = "relu"
    output: str = "softmax"
    loss: str = "categorical_crossentropy"
    init: str = "glorot_uniform"
    bias: bool = True

    def __post_init__(self) -> None:
        layers = self.layers
        if isinstance(layers, list):
            layers = tuple(layers)
            object.__setattr__(self, "layers", layers)
        if not isinstance(layers, tuple) or len(layers) < 2:
            raise SpecError(
                f"layers={self.layers!r} is not allowed; give at least an input and an output "
                "size, e.g. (784, 256, 10)"
            )
        for size in layers:
            if not _is_int(size) or size < 1:
                raise SpecError(
                    f"layers={list(layers)!r} is not allowed; every layer size must be an "
                    "integer >= 1"
                )
        _choice("activation", self.activation, HIDDEN_ACTIVATIONS)
        _choice("output", self.output, OUTPUT_ACTIVATIONS)
        _choice("loss", self.loss, LOSSES)
        _choice("init", self.init, INITS)
        _check_bool("bias", self.bias)
        if self.output not in LOSS_OUTPUTS[self.loss]:
            raise SpecError(
                f"loss={self.loss!r} with output={self.output!r} is not allowed; "
                f"{self.loss} needs output {' or '.join(LOSS_OUTPUTS[self.loss])}"
            )
        if self.output == "softmax" and layers[-1] < 2:
            raise SpecError(
                "output='softmax' with 1 output unit is not allowed (it is constantly 1); "
                "use 2 or more units, or output='sigmoid'"
            )

    @property
    def n_inputs(self) -> int:
        return self.layers[0]

    @property
    def n_outputs(self) -> int:
        return self.layers[-1]

    @property
    def hidden(self) -> tuple[int, ...]:
        return self.layers[1:-1]

    @property
    def n_params(self) -> int:
        """Weights plus (if `bias`) biases over all layers."""
        pairs = zip(self.layers[:-1], self.layers[1:])
        return sum(i * o + (o if self.bias else 0) for i, o in pairs)


@dataclass(frozen=True)
class TrainSpec(_SpecDict):
    """How to train: optimizer and its hyper-parameters, batching, epochs, seed and dtype.

    `batch_size`: 1 = online, None = full batch, k = mini-batch. `time_budget` (seconds): stop
    after the epoch that crosses it. `fd_epsilon`: the step of optimizer="finite-difference"'s
    forward differences (plans and records written before it existed read with the default).
    `rows`: train on the first `rows` rows of the task's training split (None: all of them).
    `time_budget` and `rows` are carried out by the harness, not the backends: the monitor
    stops the run, and a backend only ever sees the rows it trains on.
    """

    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.0
    batch_size: int | None = 32
    epochs: int = 10
    shuffle: bool = True
    l2: float = 0.0
    seed: int = 0
    dtype: str = "float32"
    time_budget: float | None = None
    fd_epsilon: float = FD_EPSILON
    rows: int | None = None

    def __post_init__(self) -> None:
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        if not _is_number(self.lr) or self.lr <= 0:
            raise SpecError(f"lr={self.lr!r} is not allowed; it must be a finite number > 0")
        if not _is_number(self.momentum) or not 0 <= self.momentum < 1:
            raise SpecError(f"momentum={self.momentum!r} is not allowed; it must be in [0, 1)")
        if self.batch_size is not None and (not _is_int(self.batch_size) or self.batch_size < 1):
            raise SpecError(
                f"batch_size={self.batch_size!r} is not allowed; use an integer >= 1 "
                "(1 = online) or None for full batch"
            )
        if not _is_int(self.epochs) or self.epochs < 1:
            raise SpecError(f"epochs={self.epochs!r} is not allowed; it must be an integer >= 1")
        if (self.optimizer == "momentum") != (self.momentum > 0):
            raise SpecError(
                f"momentum={self.momentum!r} with optimizer={self.optimizer!r} is not allowed; "
                "momentum > 0 goes with optimizer='momentum' (and only with it)"
            )
        _check_bool("shuffle", self.shuffle)
        if not _is_number(self.l2) or self.l2 < 0:
            raise SpecError(f"l2={self.l2!r} is not allowed; it must be a finite number >= 0")
        if not _is_int(self.seed) or self.seed < 0:
            raise SpecError(f"seed={self.seed!r} is not allowed; it must be an integer >= 0")
        if self.optimizer == "perceptron" and self.l2 > 0:
            raise SpecError(f"l2={self.l2!r} with optimizer='perceptron' is not allowed; the "
                            "perceptron rule has no weight penalty (use l2=0)")
        _choice("dtype", self.dtype, DTYPES)
        if self.time_budget is not None and (
            not _is_number(self.time_budget) or self.time_budget <= 0
        ):
            raise SpecError(
                f"time_budget={self.time_budget!r} is not allowed; give seconds > 0 or None"
            )
        if not _is_number(self.fd_epsilon) or self.fd_epsilon <= 0:
            raise SpecError(f"fd_epsilon={self.fd_epsilon!r} is not allowed; it must be a "
                            "finite number > 0")
        if self.fd_epsilon != FD_EPSILON and self.optimizer != "finite-difference":
            raise SpecError(
                f"fd_epsilon={self.fd_epsilon!r} with optimizer={self.optimizer!r} is not "
                "allowed; fd_epsilon is the step of optimizer='finite-difference' (and only "
                f"of it): leave it at {FD_EPSILON:g}"
            )
        if self.rows is not None and (not _is_int(self.rows) or self.rows < 1):
            raise SpecError(f"rows={self.rows!r} is not allowed; give an integer >= 1 (the "
                            "first rows of the training split) or None for all of them")


@dataclass(frozen=True)
class Recipe:
    """A named (NetSpec, TrainSpec) pair offered by a task; checks the two fit together."""

    name: str
    net: NetSpec
    train: TrainSpec
    description: str = ""

    def __post_init__(self) -> None:
        check_pair(self.net, self.train)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "net": self.net.to_dict(),
            "train": self.train.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        return cls(
            name=data["name"],
            net=NetSpec.from_dict(data["net"]),
            train=TrainSpec.from_dict(data["train"]),
            description=data.get("description", ""),
        )


def check_pair(net: NetSpec, train: TrainSpec) -> None:
    """Raise SpecError where the net and the training rule cannot go together."""
    if train.optimizer == "perceptron":
        if net.hidden or net.output != "step":
            raise SpecError(
                "optimizer='perceptron' needs a single-layer net with output='step' "
                f"(got layers={list(net.layers)}, output={net.output!r})"
            )
    elif net.hidden and net.activation == "step":
        raise SpecError(
            f"activation='step' with optimizer={train.optimizer!r} is not allowed: a step has "
            "no gradient, so its layers cannot learn; step hidden layers are for forward passes "
            "(set_weights + predict) only"
        )
    elif net.output == "step":
        raise SpecError(
            f"output='step' with optimizer={train.optimizer!r} is not allowed: a step has no "
            "gradient; use optimizer='perceptron' or another output"
        )
