"""What the scikit-learn backend cannot follow, decided from the specs alone (no sklearn import).

The harness asks this in its own process, before starting a worker; `SklearnModel.supports`
answers from it too, so the two never disagree.
"""

from __future__ import annotations

from bench.spec import NetSpec, TrainSpec

#: the devices it trains on (scikit-learn's MLP computes on the CPU only; `cuda` runs are
#: unsupported)
DEVICES = ("cpu",)

#: spec hidden activation -> MLPClassifier's `activation`
HIDDEN_ACTIVATIONS = {"linear": "identity", "sigmoid": "logistic", "tanh": "tanh",
                      "relu": "relu"}
#: the (output, loss) pairs MLPClassifier trains: its log-loss with delta = a - t
OUTPUT_LOSSES = {("softmax", "categorical_crossentropy"), ("sigmoid", "binary_crossentropy")}


def unsupported(net: NetSpec, train: TrainSpec) -> str | None:
    """None when MLPClassifier can train (net, train) exactly, else the reason it cannot."""
    if train.optimizer == "perceptron":
        return ("sklearn's MLPClassifier trains by backpropagation only; it has no "
                "perceptron rule (and no step units)")
    if train.optimizer == "finite-difference":
        return ("finite-difference gradient estimation is the NumPy reference's teaching "
                "optimizer (one forward pass per parameter); sklearn's MLPClassifier trains "
                "by backpropagation")
    if net.hidden and net.activation not in HIDDEN_ACTIVATIONS:
        return (f"activation={net.activation!r}: sklearn's MLPClassifier offers only "
                "identity, logistic, tanh and relu hidden units")
    if (net.output, net.loss) not in OUTPUT_LOSSES:
        return (f"loss={net.loss!r} with output={net.output!r}: sklearn's MLPClassifier "
                "trains only with log-loss, i.e. softmax + categorical_crossentropy or "
                "sigmoid + binary_crossentropy")
    return None
