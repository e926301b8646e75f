"""Training sanity: the backend learns small problems in every batch mode and configuration."""

import numpy as np
import pytest

from backends.numpy_backend import NumpyModel
from bench.spec import HIDDEN_ACTIVATIONS, NetSpec, TrainSpec

GATES = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR = np.array([0, 1, 1, 0])


def _blobs(n=120, seed=0):
    """Three well-separated Gaussian blobs in 2-D."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = rng.integers(0, 3, n)
    return centres[y] + rng.normal(scale=0.7, size=(n, 2)), y


@pytest.mark.parametrize("seed", range(5))
def test_xor_2_8_1_tanh_sigmoid_bce_adam_learns_it(seed):
    net = NetSpec((2, 8, 1), activation="tanh", output="sigmoid", loss="binary_crossentropy")
    train = TrainSpec(optimizer="adam", lr=0.05, batch_size=None, epochs=300, seed=seed)
    model = NumpyModel(net, train).fit(GATES, XOR)
    assert model.predict(GATES).tolist() == XOR.tolist()
    assert model.loss_history_[-1] < 0.05


@pytest.mark.parametrize("batch_size", [1, 16, None], ids=["online", "mini", "full"])
def test_every_batch_mode_trains(batch_size):
    X, y = _blobs()
    net = NetSpec((2, 8, 3), activation="relu")
    epochs = {1: 5, 16: 30, None: 300}[batch_size]
    train = TrainSpec(optimizer="sgd", lr=0.05, batch_size=batch_size, epochs=epochs)
    model = NumpyModel(net, train).fit(X, y)
    losses = model.loss_history_
    assert losses[-1] < 0.5 * losses[0]
    assert (model.predict(X) == y).mean() > 0.95


@pytest.mark.parametrize("activation", [a for a in HIDDEN_ACTIVATIONS if a != "step"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_hidden_activation_trains(activation, dtype):
    X, y = _blobs(seed=1)
    net = NetSpec((2, 6, 6, 3), activation=activation)
    train = TrainSpec(optimizer="momentum", lr=0.05, momentum=0.9, batch_size=16, epochs=20,
                      dtype=dtype)
    model = NumpyModel(net, train).fit(X, y)
    assert np.all(np.isfinite(model.loss_history_))
    assert (model.predict(X) == y).mean() > 0.95


@pytest.mark.parametrize("output, loss", [
    ("sigmoid", "binary_crossentropy"), ("sigmoid", "mse"), ("softmax", "mse"),
    ("linear", "mse"),
])
def test_other_output_and_loss_pairs_train(output, loss):
    X, y = _blobs(seed=2)
    net = NetSpec((2, 8, 3), activation="tanh", output=output, loss=loss)
    train = TrainSpec(optimizer="adam", lr=0.01, batch_size=16, epochs=30)
    model = NumpyModel(net, train).fit(X, y)
    assert model.loss_history_[-1] < 0.5 * model.loss_history_[0]
    assert (model.predict(X) == y).mean() > 0.95


def test_l2_shrinks_the_weights():
    X, y = _blobs()
    net = NetSpec((2, 16, 3), activation="relu")
    train = TrainSpec(optimizer="adam", lr=0.01, epochs=40, batch_size=16)
    free = NumpyModel(net, train).fit(X, y)
    decayed = NumpyModel(net, train.replace(l2=0.1)).fit(X, y)

    def norm(model):
        return sum(np.sum(W**2) for W, _ in model.get_weights())

    assert norm(decayed) < 0.5 * norm(free)
    assert (decayed.predict(X) == y).mean() > 0.9


def test_the_last_smaller_batch_is_used():
    # 10 rows in batches of 4: the last batch of 2 rows must move the weights as well
    X, y = _blobs(n=10)
    net = NetSpec((2, 3, 3))
    train = TrainSpec(batch_size=4, epochs=1, shuffle=False, dtype="float64")
    full = NumpyModel(net, train).fit(X, y).get_weights()[0][0]
    eight = NumpyModel(net, train).fit(X[:8], y[:8]).get_weights()[0][0]
    assert not np.array_equal(full, eight)


def test_course_digits_style_sigmoid_net_trains_online():
    # normal_scaled init (the course's N(0,1)/sqrt(fan_in)), sigmoid, lr 0.1, online updates
    X, y = _blobs(n=60)
    net = NetSpec((2, 5, 3), activation="sigmoid", output="sigmoid", loss="mse",
                  init="normal_scaled")
    train = TrainSpec(optimizer="sgd", lr=0.1, batch_size=1, epochs=60, dtype="float64")
    model = NumpyModel(net, train).fit(X, y)
    assert (model.predict(X) == y).mean() > 0.95
