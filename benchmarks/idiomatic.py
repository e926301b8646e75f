"""Idiomatic hand-written training loops, one per framework: the yardstick for each adapter.

Each function builds the network of `net` the way that framework's own documentation and
tutorials do, and returns `epoch()`, which trains it for one more epoch over (X, y) (labels
0..k-1). They are what a user of the framework would write without nnbench: no shared initial
weights, no shared batch order, no spec conventions (each uses the framework's own Adam,
initialisers, loss and shuffling). They run the same net (layer sizes, hidden activation,
softmax + cross-entropy), optimizer kind, learning rate, batch size and dtype as the adapter
they are compared with, so the ratio adapter / idiomatic is what nnbench's translation costs
(or saves). The frameworks are imported inside the functions, so this module imports none.

- torch: `nn.Sequential` of `nn.Linear` + `nn.ReLU`, `torch.randperm` + slicing for the batches,
  `nn.CrossEntropyLoss` on the logits, `torch.optim.Adam` (its default implementation).
- keras: a `keras.Sequential` of `Dense` layers (softmax output), compiled with the built-in
  `Adam` and sparse categorical cross-entropy; an epoch is `model.fit(X, y, batch_size,
  epochs=1, shuffle=True)`, so each epoch also pays `fit`'s own set-up (data adapter,
  callbacks), as it does for a user who calls it per epoch. Which engine runs it is
  KERAS_BACKEND's choice, made when keras is first imported in the process.
- sklearn: `MLPClassifier(solver="adam"|"sgd", batch_size, shuffle=True)`; an epoch is one
  `partial_fit(X, y)` (the first call, given `classes`, runs in the warm-up).
- pybrain: `buildNetwork(..., hiddenclass, outclass=SoftmaxLayer)`, a `SupervisedDataSet` of
  one-hot targets and `BackpropTrainer(net, ds, learningrate, batchlearning=False)`; an epoch
  is `trainer.train()`: online SGD (one update per row), as PyBrain has no Adam. PyBrain has
  no ReLU layer either, so its comparison uses sigmoid hidden units (buildNetwork's default).
- numpy: the textbook loop (`rng.permutation`, fancy-index batches, forward, backward, Adam as
  in Kingma & Ba), for the NumPy backend's comparison.

None of them flushes optimizer state that decays into subnormal numbers, as the adapters do
(`backends/numpy_backend/optimizers.py`): on the MNIST-sized stream the NumPy and PyTorch
loops run 2-3x slower per epoch from about the 9th epoch on (first moments of dead relu units
fall below float32's normal range some 700 Adam steps after the units die). The benchmarks
time earlier epochs; a user's long run of these loops would see the slowdown.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.spec import NetSpec, TrainSpec
from bench.spec.threads import requested_threads

Epoch = Callable[[], object]


def _check(net: NetSpec, train: TrainSpec, optimizers: tuple[str, ...]) -> None:
    if (net.output, net.loss) != ("softmax", "categorical_crossentropy"):
        raise ValueError("the idiomatic loops train softmax + categorical cross-entropy nets")
    if train.optimizer not in optimizers:
        raise ValueError(f"optimizer {train.optimizer!r}: this loop offers "
                         f"{', '.join(optimizers)}")
    if train.batch_size is None:
        raise ValueError("the idiomatic loops train mini-batches (batch_size >= 1)")


def torch_epoch(net: NetSpec, train: TrainSpec, X: np.ndarray, y: np.ndarray) -> Epoch:
    import torch
    from torch import nn

    _check(net, train, ("adam", "sgd"))
    torch.set_num_threads(requested_threads())
    torch.manual_seed(train.seed)
    dtype = {"float32": torch.float32, "float64": torch.float64}[train.dtype]
    activation = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[net.activation]
    modules: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(net.layers[:-1], net.layers[1:])):
        modules.append(nn.Linear(fan_in, fan_out))
        if i < len(net.layers) - 2:
            modules.append(activation())
    model = nn.Sequential(*modules).to(dtype)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = (torch.optim.Adam(model.parameters(), lr=train.lr) if train.optimizer == "adam"
                 else torch.optim.SGD(model.parameters(), lr=train.lr))
    inputs = torch.from_numpy(np.ascontiguousarray(X, dtype=train.dtype))
    labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
    n, size = len(labels), train.batch_size

    def epoch():
        model.train()
        perm = torch.randperm(n)
        for start in range(0, n, size):
            idx = perm[start:start + size]
            optimizer.zero_grad()
            loss = loss_fn(model(inputs[idx]), labels[idx])
            loss.backward()
            optimizer.step()
        return loss.item()

    return epoch


def _engine_threads(engine: str) -> None:
    """The run's thread count on Keras's engine, as a user asking for it would set it (XLA has
    no such call: jax gets single-threaded Eigen through XLA_FLAGS before it is imported, see
    `harness.child_environment`)."""
    threads = requested_threads()
    if engine == "tensorflow":
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TensorFlow already started (the adapter set the same values)
            pass
    elif engine == "torch":
        import torch

        torch.set_num_threads(threads)


def keras_epoch(net: NetSpec, train: TrainSpec, X: np.ndarray, y: np.ndarray) -> Epoch:
    import keras

    _check(net, train, ("adam", "sgd"))
    _engine_threads(keras.backend.backend())
    keras.utils.set_random_seed(train.seed)
    keras.config.set_floatx(train.dtype)
    layers = [keras.Input(shape=(net.n_inputs,))]
    layers += [keras.layers.Dense(units, activation=net.activation) for units in net.hidden]
    layers.append(keras.layers.Dense(net.n_outputs, activation="softmax"))
    model = keras.Sequential(layers)
    optimizer = (keras.optimizers.Adam(learning_rate=train.lr) if train.optimizer == "adam"
                 else keras.optimizers.SGD(learning_rate=train.lr))
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    inputs = np.ascontiguousarray(X, dtype=train.dtype)
    labels = np.asarray(y, dtype=np.int64)

    def epoch():
        return model.fit(inputs, labels, batch_size=train.batch_size, epochs=1, shuffle=True,
                         verbose=0)

    return epoch


def sklearn_epoch(net: NetSpec, train: TrainSpec, X: np.ndarray, y: np.ndarray) -> Epoch:
    from sklearn.neural_network import MLPClassifier

    _check(net, train, ("adam", "sgd"))
    activation = {"relu": "relu", "sigmoid": "logistic", "tanh": "tanh"}[net.activation]
    clf = MLPClassifier(hidden_layer_sizes=net.hidden, activation=activation,
                        solver=train.optimizer, learning_rate_init=train.lr,
                        batch_size=train.batch_size, shuffle=True, random_state=train.seed,
                        alpha=0.0, momentum=0.0)
    inputs = np.ascontiguousarray(X, dtype=train.dtype)
    labels = np.asarray(y)
    clf.partial_fit(inputs, labels, classes=np.arange(net.n_outputs))  # builds the network

    def epoch():
        return clf.partial_fit(inputs, labels)

    return epoch


def pybrain_epoch(net: NetSpec, train: TrainSpec, X: np.ndarray, y: np.ndarray) -> Epoch:
    from backends.pybrain_backend import compat

    compat.install()  # pybrain3 imports on current SciPy only through the project's shim
    from pybrain3.datasets import SupervisedDataSet
    from pybrain3.supervised.trainers import BackpropTrainer
    from pybrain3.tools.shortcuts import buildNetwork

    _check(net, train, ("sgd",))
    if train.batch_size != 1:
        raise ValueError("BackpropTrainer(batchlearning=False) updates after every row: "
                         "give batch_size=1")
    hidden = {"sigmoid": compat.SigmoidLayer, "tanh": compat.TanhLayer}.get(net.activation)
    if hidden is None:
        raise ValueError(f"PyBrain has no {net.activation} layer; use sigmoid or tanh")
    np.random.seed(train.seed)  # PyBrain initialises from NumPy's global generator
    network = buildNetwork(*net.layers, hiddenclass=hidden, outclass=compat.SoftmaxLayer,
                           bias=True)
    data = SupervisedDataSet(net.n_inputs, net.n_outputs)
    data.setField("input", np.asarray(X, dtype=np.float64))
    data.setField("target", np.eye(net.n_outputs)[np.asarray(y)])
    trainer = BackpropTrainer(network, data, learningrate=train.lr, batchlearning=False)
    return trainer.train


def numpy_epoch(net: NetSpec, train: TrainSpec, X: np.ndarray, y: np.ndarray) -> Epoch:
    _check(net, train, ("adam",))
    if net.activation != "relu":
        raise ValueError("the textbook NumPy loop uses relu hidden units")
    dtype = np.dtype(train.dtype)
    rng = np.random.default_rng(train.seed)
    W = [(rng.standard_normal((i, o)) * np.sqrt(2 / i)).astype(dtype)
         for i, o in zip(net.layers[:-1], net.layers[1:])]
    b = [np.zeros(o, dtype=dtype) for o in net.layers[1:]]
    params = W + b
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    inputs = np.ascontiguousarray(X, dtype=dtype)
    targets = np.eye(net.n_outputs, dtype=dtype)[np.asarray(y)]
    n, size, lr = len(targets), train.batch_size, train.lr
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    step = [0]

    def epoch():
        perm = rng.permutation(n)
        for start in range(0, n, size):
            idx = perm[start:start + size]
            x, t = inputs[idx], targets[idx]
            acts = [x]
            for layer in range(len(W)):
                z = acts[-1] @ W[layer] + b[layer]
                if layer < len(W) - 1:
                    acts.append(np.maximum(z, 0))
                else:
                    e = np.exp(z - z.max(axis=1, keepdims=True))
                    acts.append(e / e.sum(axis=1, keepdims=True))
            delta = (acts[-1] - t) / len(idx)
            grads_W, grads_b = [None] * len(W), [None] * len(W)
            for layer in reversed(range(len(W))):
                grads_W[layer] = acts[layer].T @ delta
                grads_b[layer] = delta.sum(axis=0)
                if layer > 0:
                    delta = (delta @ W[layer].T) * (acts[layer] > 0)
            step[0] += 1
            c1, c2 = 1 - beta1 ** step[0], 1 - beta2 ** step[0]
            for p, g, m_p, v_p in zip(params, grads_W + grads_b, m, v):
                m_p *= beta1
                m_p += (1 - beta1) * g
                v_p *= beta2
                v_p += (1 - beta2) * g * g
                p -= lr * (m_p / c1) / (np.sqrt(v_p / c2) + eps)

    return epoch


#: backend name -> its idiomatic loop (the Keras engines share one: KERAS_BACKEND picks it)
LOOPS: dict[str, Callable[[NetSpec, TrainSpec, np.ndarray, np.ndarray], Epoch]] = {
    "numpy": numpy_epoch,
    "sklearn": sklearn_epoch,
    "torch": torch_epoch,
    "keras": keras_epoch,
    "keras-torch": keras_epoch,
    "keras-jax": keras_epoch,
    "pybrain": pybrain_epoch,
}
