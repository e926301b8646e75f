"""`BaseModel`: what every backend shares, so an adapter holds only its framework's code.

It checks the specs and the data the same way for every framework (so bad input reads the same
whichever backend gets it), keeps the epoch count and loss history, and turns output
activations into labels. A backend subclasses it and writes:

    _unsupported(net, train) -> str | None     # what this framework cannot follow (classmethod)
    framework_version() -> str                 # classmethod
    _set_weights(weights)                      # canonical [(W (fan_in, fan_out), b|None)]
    get_weights() -> weights                   # the same layout, as NumPy arrays
    _fit(X, T, on_epoch) -> list[float]        # X, T checked, in the run's dtype
    _forward(X) -> outputs                     # output-layer activations as a NumPy array

and may override `deviations(net, train)` and `framework_threads()`, describe its
framework's own initialisers in `native_init` (recorded as a deviation of init="native" runs),
and set `refits_in_place` when a second `fit` after `set_weights` trains as a new model would
(the harness then refits every leave-one-out fold on one model, keeping what it compiled; the
conformance tests check the claim to the last bit).

Devices: a backend that can train on a GPU lists it in `devices` (and in its capabilities'
`DEVICES`), takes `Model(net, train, device="cuda")`, and overrides `device_unavailable`
(why this process cannot use the device: no CUDA build, no GPU), `device_info` (what the
record's env says of the device), `synchronize` (wait for the device's queued work: the
`clock()` every phase is timed with calls it), `_stage(X, T)` (copy the training data to the
device once, before training, as its own timed phase) and `matmul_peak` (the device's
float32 matmul rate, measured with the framework). On the CPU none of them changes anything.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from backends.clock import Clock
from backends.protocol import EpochCallback, Weights
from bench.spec import NetSpec, SpecError, TrainSpec, check_pair, targets
from bench.spec.weights import check_weights


class BaseModel:
    """The Model protocol's shared half; see the module docstring for what subclasses add."""

    name: ClassVar[str] = "base"
    framework: ClassVar[str] = "none"
    #: what the framework's own initialisers draw (init="native"); None: the spec's scheme
    native_init: ClassVar[str | None] = None
    #: the devices it can train on
    devices: ClassVar[tuple[str, ...]] = ("cpu",)
    #: True: `set_weights(w)` then `fit` trains exactly as a new model given w would (no state
    #: of an earlier fit survives, e.g. the optimizer's), so the harness may train a run's
    #: leave-one-out refits on one model and keep what it compiled
    refits_in_place: ClassVar[bool] = False

    def __init__(self, net: NetSpec, train: TrainSpec, device: str = "cpu") -> None:
        if not isinstance(net, NetSpec) or not isinstance(train, TrainSpec):
            raise TypeError(f"{type(self).__name__}(net, train) needs a NetSpec and a TrainSpec")
        if device not in self.devices:
            raise ValueError(f"{self.name} cannot train on device={device!r}; it trains on: "
                             f"{', '.join(self.devices)}")
        self.net = net
        self.train = train
        self.device = device
        self.dtype = np.dtype(train.dtype)
        self._epochs_run = 0
        self._staged: tuple | None = None
        self.loss_history_: list[float] = []

    # --- devices ------------------------------------------------------------------------------

    @classmethod
    def device_unavailable(cls, device: str) -> str | None:
        """None when this process can train on `device`, else why not (imports allowed)."""
        if device in cls.devices:
            return None
        return f"{cls.name} runs on the CPU only"

    @classmethod
    def device_info(cls, device: str) -> dict:
        """What the record says of the device (kind, name, memory, driver, CUDA version,
        matmul precision); on the CPU, the kind alone (the CPU model is in env.cpu)."""
        return {"kind": device}

    @classmethod
    def matmul_peak(cls, device: str) -> float | None:
        """The device's measured float32 matmul GFLOP/s (None: not measured; on the CPU the
        harness measures NumPy's, `bench.execution.peak`)."""
        return None

    def synchronize(self) -> None:
        """Return once the device has finished its queued work (nothing to wait for on the
        CPU)."""

    def clock(self) -> Clock:
        """The clock to time this model's phases with: synchronizing on a device, plain
        `time.perf_counter` on the CPU."""
        return Clock() if self.device == "cpu" else Clock(self.synchronize)

    def stage(self, X: np.ndarray, y: np.ndarray) -> None:
        """Check X and y and copy them to the device now, so that `fit(X, y)` with the same
        arrays trains on the copy (the copy is then a phase of its own, not the first
        epoch's)."""
        Xc = self._inputs(X, "X")
        T = self._targets(y, Xc.shape[0])
        self._staged = (X, y, *self._stage(Xc, T))

    def _stage(self, X: np.ndarray, T: np.ndarray) -> tuple:
        """(X, T) as `_fit` takes them on the device; the CPU's: the arrays themselves."""
        return X, T

    # --- capabilities -------------------------------------------------------------------------

    @classmethod
    def supports(cls, net: NetSpec, train: TrainSpec) -> str | None:
        """None when `fit` can follow the specs (up to `deviations`), else the reason not."""
        try:
            check_pair(net, train)
        except SpecError as error:
            return str(error)
        return cls._unsupported(net, train)

    @classmethod
    def _unsupported(cls, net: NetSpec, train: TrainSpec) -> str | None:
        return None

    @classmethod
    def deviations(cls, net: NetSpec, train: TrainSpec) -> list[str]:
        """Each place a run of (net, train) departs from the spec; empty when it follows it."""
        return []

    @property
    def n_params(self) -> int:
        return self.net.n_params

    @property
    def epochs_run(self) -> int:
        return self._epochs_run

    # --- weights ------------------------------------------------------------------------------

    def set_weights(self, weights: Weights) -> None:
        """Load [(W, b), ...] (W: (fan_in, fan_out), b: (fan_out,) or None); values are copied."""
        check_weights(self.net, weights)
        for i, (W, b) in enumerate(weights):
            for part, values in (("W", W), ("b", b)):
                if values is not None and not np.all(np.isfinite(values)):
                    raise ValueError(f"layer {i}: {part} holds NaN or infinite values")
        self._set_weights([(np.asarray(W, dtype=self.dtype),
                            None if b is None else np.asarray(b, dtype=self.dtype))
                           for W, b in weights])

    def _set_weights(self, weights: Weights) -> None:
        raise NotImplementedError

    # --- training and prediction --------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, on_epoch: EpochCallback | None = None):
        """Train on X (n, n_inputs) and labels (n,) or targets (n, n_outputs); returns self.

        `on_epoch(epoch, loss)` is called after every epoch; training stops when it returns
        True.
        """
        reason = self.supports(self.net, self.train)
        if reason:
            raise ValueError(f"cannot train this network with {self.name}: {reason}")
        staged, self._staged = self._staged, None
        if staged is not None and staged[0] is X and staged[1] is y:
            self.loss_history_ = list(self._fit(staged[2], staged[3], on_epoch))
            self._epochs_run = len(self.loss_history_)
            return self
        X = self._inputs(X, "X")
        if X.shape[0] == 0:
            raise ValueError("X has no rows; fit needs at least one")
        T = self._targets(y, X.shape[0])
        self.loss_history_ = list(self._fit(X, T, on_epoch))
        self._epochs_run = len(self.loss_history_)
        return self

    def _fit(self, X: np.ndarray, T: np.ndarray, on_epoch: EpochCallback | None) -> list[float]:
        raise NotImplementedError

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Output-layer activations, shape (n, n_outputs), in the model's dtype."""
        return np.asarray(self._forward(self._inputs(X, "X")), dtype=self.dtype)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels (n,): threshold 0.5 for one output unit, else the largest output."""
        return targets.decode_outputs(self.predict_proba(X))

    # --- input checks -------------------------------------------------------------------------

    def _inputs(self, X, name: str) -> np.ndarray:
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise ValueError(f"{name} must hold numbers; got dtype {X.dtype}")
        if X.ndim != 2 or X.shape[1] != self.net.n_inputs:
            raise ValueError(f"{name} has shape {X.shape}; expected (n, {self.net.n_inputs}) "
                             f"for a net with {self.net.n_inputs} inputs")
        X = np.ascontiguousarray(X, dtype=self.dtype)
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} holds NaN or infinite values")
        return X

    def _targets(self, y, n_rows: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != n_rows:
            raise ValueError(f"y has shape {y.shape}; expected ({n_rows},) labels or "
                             f"({n_rows}, {self.net.n_outputs}) targets to match X")
        if y.dtype.kind not in "biuf":
            raise ValueError(f"y must hold numbers; got dtype {y.dtype}")
        T = np.ascontiguousarray(
            targets.encode_targets(y, self.net.n_outputs, self.train.dtype), dtype=self.dtype
        )
        if not np.all(np.isfinite(T)):
            raise ValueError("y holds NaN or infinite values")
        return T
