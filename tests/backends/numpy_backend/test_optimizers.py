"""Optimizers against straightforward reference computations, alone and inside `fit`."""

import numpy as np
import pytest

from backends.numpy_backend import NumpyModel, optimizers
from backends.numpy_backend.optimizers import SGD, Adam, Momentum, make_optimizer
from bench.spec import NetSpec, TrainSpec
from bench.spec.batching import epoch_order

RNG = np.random.default_rng(3)
START = [RNG.normal(size=(3, 2)), RNG.normal(size=2)]
GRADS = [[RNG.normal(size=(3, 2)), RNG.normal(size=2)] for _ in range(3)]


def reference_momentum(w, grads, lr, m):
    v = np.zeros_like(w)
    for g in grads:
        v = m * v - lr * g
        w = w + v
    return w


def reference_adam(w, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


def _run(optimizer_class, **kwargs):
    params = [p.copy() for p in START]
    optimizer = optimizer_class(params, **kwargs)
    for grads in GRADS:
        optimizer.step(grads)
    return params


def test_sgd():
    params = _run(SGD, lr=0.1)
    for i, p in enumerate(params):
        np.testing.assert_allclose(p, START[i] - 0.1 * sum(g[i] for g in GRADS), rtol=1e-12)


def test_momentum_matches_the_classical_rule():
    params = _run(Momentum, lr=0.1, momentum=0.9)
    for i, p in enumerate(params):
        expected = reference_momentum(START[i], [g[i] for g in GRADS], 0.1, 0.9)
        np.testing.assert_allclose(p, expected, rtol=1e-12)


def test_adam_matches_kingma_and_ba():
    params = _run(Adam, lr=0.01)
    for i, p in enumerate(params):
        expected = reference_adam(START[i], [g[i] for g in GRADS], 0.01)
        np.testing.assert_allclose(p, expected, rtol=1e-12)


def test_adam_in_blocks_matches_kingma_and_ba(monkeypatch):
    # parameters larger than a block are updated block by block, the last block short
    big = [RNG.normal(size=(37, 11)), RNG.normal(size=5)]
    grads = [[RNG.normal(size=(37, 11)), RNG.normal(size=5)] for _ in range(3)]
    monkeypatch.setattr(optimizers, "CHUNK_BYTES", 8 * 50)
    params = [p.copy() for p in big]
    optimizer = Adam(params, lr=0.01)
    for g in grads:
        optimizer.step(g)
    for i, p in enumerate(params):
        expected = reference_adam(big[i], [g[i] for g in grads], 0.01)
        np.testing.assert_allclose(p, expected, rtol=1e-12)


def test_adam_refuses_a_parameter_it_could_not_update_in_place():
    with pytest.raises(ValueError, match="C-contiguous"):
        Adam([np.ones((4, 3)).T], lr=0.1)


def test_updates_are_in_place_and_keep_the_dtype():
    w = np.ones(4, dtype=np.float32)
    optimizer = Adam([w], lr=0.1)
    optimizer.step([np.full(4, 2.0, dtype=np.float32)])
    assert w.dtype == np.float32 and optimizer.m[0].dtype == np.float32
    np.testing.assert_allclose(w, 0.9, rtol=1e-6)  # Adam's first step is lr * sign(g)


@pytest.mark.parametrize("optimizer, momentum, expected", [
    ("sgd", 0.0, SGD), ("momentum", 0.9, Momentum), ("momentum", 0.5, Momentum),
    ("adam", 0.0, Adam), ("finite-difference", 0.0, SGD),  # plain descent, estimated g
])
def test_make_optimizer(optimizer, momentum, expected):
    train = TrainSpec(optimizer=optimizer, momentum=momentum)
    assert type(make_optimizer(train, [np.zeros(2)])) is expected


def test_make_optimizer_refuses_the_perceptron_rule():
    with pytest.raises(ValueError, match="perceptron"):
        make_optimizer(TrainSpec(optimizer="perceptron"), [np.zeros(2)])


# --- inside fit: the same rules, fed the model's own batch gradients -------------------------

NET = NetSpec((3, 4, 2), activation="tanh", output="softmax", loss="categorical_crossentropy")
X = RNG.normal(size=(10, 3))
Y = RNG.integers(0, 2, size=10)


def _flat(weights):
    return np.concatenate([p.ravel() for W, b in weights for p in (W, b) if p is not None])


def _unflat(flat, like):
    out, start = [], 0
    for W, b in like:
        new = []
        for p in (W, b):
            if p is None:
                new.append(None)
                continue
            new.append(flat[start:start + p.size].reshape(p.shape))
            start += p.size
        out.append(tuple(new))
    return out


def _penalty(weights, l2):
    return 0.5 * l2 * sum(float(np.sum(W**2)) for W, _ in weights)


def _reference_fit(train, update):
    """Walk the batches of `fit` by hand, asking a model for each batch's gradients."""
    model = NumpyModel(NET, train)
    weights = model.get_weights()
    state = {}
    epoch_losses = []
    for epoch in range(train.epochs):
        total = 0.0
        order = epoch_order(len(X), train, epoch)
        size = len(X) if train.batch_size is None else train.batch_size
        for start in range(0, len(X), size):
            idx = order[start:start + size]
            model.set_weights(weights)
            grads = model.loss_gradients(X[idx], Y[idx])
            total += (grads.loss - _penalty(weights, train.l2)) * len(idx)
            flat = update(_flat(weights), _flat(grads.weights), state)
            weights = _unflat(flat, weights)
        epoch_losses.append(total / len(X) + _penalty(weights, train.l2))
    return weights, epoch_losses


def _momentum_update(train):
    def update(w, g, state):
        state["v"] = train.momentum * state.get("v", 0.0) - train.lr * g
        return w + state["v"]
    return update


def _adam_update(train):
    def update(w, g, state):
        t = state["t"] = state.get("t", 0) + 1
        state["m"] = 0.9 * state.get("m", 0.0) + 0.1 * g
        state["v"] = 0.999 * state.get("v", 0.0) + 0.001 * g**2
        m_hat, v_hat = state["m"] / (1 - 0.9**t), state["v"] / (1 - 0.999**t)
        return w - train.lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    return update


@pytest.mark.parametrize("batch_size", [1, 4, None], ids=["online", "mini", "full"])
@pytest.mark.parametrize("rule", ["momentum", "adam"])
def test_fit_follows_the_reference_rule_batch_by_batch(rule, batch_size):
    train = TrainSpec(optimizer=rule, lr=0.05, momentum=0.8 if rule == "momentum" else 0.0,
                      batch_size=batch_size, epochs=2, l2=0.01, seed=4, dtype="float64")
    update = _momentum_update(train) if rule == "momentum" else _adam_update(train)
    expected, expected_losses = _reference_fit(train, update)
    model = NumpyModel(NET, train).fit(X, Y)
    for (W, b), (W_ref, b_ref) in zip(model.get_weights(), expected):
        np.testing.assert_allclose(W, W_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b, b_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.loss_history_, expected_losses, rtol=1e-10)


@pytest.mark.parametrize("optimizer_class, kwargs", [
    (Adam, {"lr": 0.01}), (Momentum, {"lr": 0.01, "momentum": 0.9}),
])
def test_state_of_idle_parameters_never_turns_subnormal(optimizer_class, kwargs):
    # one gradient, then zero gradients (a dead unit): after 880 steps 0.9^k * |g| lies
    # between float32's smallest subnormal (1.4e-45) and its smallest normal number (1.2e-38)
    w = np.ones(3, dtype=np.float32)
    optimizer = optimizer_class([w], **kwargs)
    grads = [np.array([1.0, -2.0, 0.0], dtype=np.float32)] + [np.zeros(3, np.float32)] * 880
    for g in grads:
        optimizer.step([g])
    state = optimizer.m[0] if optimizer_class is Adam else optimizer.velocity[0]
    tiny = np.finfo(np.float32).tiny
    assert not np.any((state != 0) & (np.abs(state) < tiny))
    reference = (reference_adam if optimizer_class is Adam else reference_momentum)(
        np.ones(3), grads, *kwargs.values())
    np.testing.assert_allclose(w, reference, rtol=1e-6)
