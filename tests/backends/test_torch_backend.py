"""`TorchModel` against the NumPy reference: exactness in float64 from shared weights, the
protocol, weights layout, unsupported specs, native initialisation, float32 training, threads."""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from backends import get_backend  # noqa: E402
from backends.numpy_backend import NumpyModel  # noqa: E402
from backends.protocol import Model  # noqa: E402
from backends.torch_backend import TorchModel  # noqa: E402
from bench.spec import HIDDEN_ACTIVATIONS, NetSpec, TrainSpec  # noqa: E402
from bench.spec.weights import initial_weights  # noqa: E402
from tasks.registry import get_task  # noqa: E402

GATES = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR = np.array([0, 1, 1, 0])
DIGITS_NET = NetSpec((64, 32, 10), "relu", "softmax", "categorical_crossentropy", "he_normal")
F64 = TrainSpec(dtype="float64")


@pytest.fixture(scope="module")
def digits():
    split = get_task("digits").split(0)
    return split.X_train, split.y_train, split.X_test, split.y_test


def _pair(net, train, X, y, weights=None):
    """NumpyModel and TorchModel trained from the same weights; both returned."""
    weights = initial_weights(net, train.seed, "float64") if weights is None else weights
    models = []
    for Model_ in (NumpyModel, TorchModel):
        m = Model_(net, train)
        m.set_weights(weights)
        m.fit(X, y)
        models.append(m)
    return models


def _assert_same_run(reference, model, loss_rtol=1e-6, weight_atol=1e-6):
    assert model.epochs_run == reference.epochs_run
    np.testing.assert_allclose(model.loss_history_, reference.loss_history_, rtol=loss_rtol,
                               atol=0)
    for (W, b), (W0, b0) in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(W, W0, rtol=0, atol=weight_atol)
        if b0 is None:
            assert b is None
        else:
            np.testing.assert_allclose(b, b0, rtol=0, atol=weight_atol)


# --- exactness against the NumPy backend (float64, shared initial weights) ---------------------

CASES = {
    "xor_full_batch_sgd": (
        NetSpec((2, 8, 1), "tanh", "sigmoid", "binary_crossentropy"),
        F64.replace(lr=0.5, batch_size=None, shuffle=False, epochs=50), "xor"),
    "digits_full_batch_sgd": (
        DIGITS_NET, F64.replace(lr=0.1, batch_size=None, shuffle=False, epochs=50), "digits"),
    "digits_minibatch_momentum_l2": (
        DIGITS_NET, F64.replace(optimizer="momentum", momentum=0.9, lr=0.05, batch_size=64,
                                shuffle=True, l2=1e-3, epochs=6), "digits"),
    "digits_adam_128": (
        DIGITS_NET, F64.replace(optimizer="adam", lr=1e-3, batch_size=128, epochs=10), "digits"),
    "mse_sigmoid_online": (
        NetSpec((64, 16, 10), "sigmoid", "sigmoid", "mse"),
        F64.replace(lr=0.5, batch_size=1, shuffle=True, epochs=2), "digits_300"),
    "no_bias_adam": (
        DIGITS_NET.replace(bias=False), F64.replace(optimizer="adam", lr=3e-3, batch_size=32,
                                                    epochs=3), "digits"),
    "mse_softmax_elu_adam_l2": (
        NetSpec((64, 16, 10), "elu", "softmax", "mse"),
        F64.replace(optimizer="adam", lr=3e-3, batch_size=50, l2=1e-2, epochs=3), "digits"),
    "mse_linear_leaky_relu_momentum": (
        NetSpec((64, 16, 10), "leaky_relu", "linear", "mse"),
        F64.replace(optimizer="momentum", momentum=0.5, lr=1e-3, batch_size=50, epochs=3),
        "digits"),
    "bce_two_hidden_layers_linear_tanh_sgd": (
        NetSpec((64, 12, 6, 1), "linear", "sigmoid", "binary_crossentropy", "glorot_uniform"),
        F64.replace(lr=0.05, batch_size=100, epochs=3), "digits_odd"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_float64_training_matches_numpy(case, digits):
    net, train, data = CASES[case]
    X, y = {"xor": (GATES, XOR), "digits": digits[:2], "digits_300": (digits[0][:300],
                                                                       digits[1][:300]),
            "digits_odd": (digits[0], digits[1] % 2)}[data]
    reference, model = _pair(net, train, X, y)
    _assert_same_run(reference, model)
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), rtol=0,
                               atol=1e-6)


def test_soft_targets_use_the_general_fused_gradient(digits):
    """Targets whose rows do not sum to 1: dL/dz = (a * sum t - t) / rows, as in NumPy."""
    X = digits[0][:200]
    T = np.random.default_rng(0).uniform(0, 0.3, size=(200, 10))
    train = F64.replace(lr=0.1, batch_size=40, epochs=3)
    reference, model = _pair(DIGITS_NET, train, X, T)
    _assert_same_run(reference, model)


def test_reported_loss_is_the_clipped_one():
    """Saturated softmax rows (p > 1 - 1e-7): the epoch loss is NumPy's clipped value, which a
    log_softmax value would miss by about 1e-7 per row (so a relative error of order 1)."""
    net = NetSpec((2, 3), activation="relu", output="softmax", loss="categorical_crossentropy")
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([0, 1])
    W = np.array([[40.0, 0.0, 20.0], [0.0, 40.0, 20.0]])  # right with 1 - p = 2e-9
    weights = [(W, np.zeros(3))]
    train = F64.replace(lr=1e-3, batch_size=None, shuffle=False, epochs=1)
    reference, model = _pair(net, train, X, y, weights)
    (loss,), (expected,) = model.loss_history_, reference.loss_history_
    assert loss == pytest.approx(expected, rel=1e-12)
    logits = torch.from_numpy(X @ W)
    unclipped = float(torch.nn.functional.cross_entropy(logits, torch.from_numpy(y)))
    assert expected == pytest.approx(-np.log(1 - 1e-7), rel=1e-6)
    assert unclipped < 0.1 * expected


def test_fit_twice_continues_with_a_fresh_optimizer_like_numpy(digits):
    X, y = digits[0][:400], digits[1][:400]
    train = F64.replace(optimizer="adam", lr=1e-2, batch_size=64, epochs=2)
    reference, model = _pair(DIGITS_NET, train, X, y)
    reference.fit(X, y)
    model.fit(X, y)
    _assert_same_run(reference, model)


# --- the protocol, weights and forward passes --------------------------------------------------

def test_follows_the_model_protocol():
    net, train = NetSpec((4, 5, 3)), TrainSpec(epochs=2)
    assert get_backend("torch") is TorchModel
    model = TorchModel(net, train)
    assert isinstance(model, Model)
    assert TorchModel.name == "torch" and TorchModel.framework == "torch"
    assert TorchModel.framework_version() == torch.__version__
    assert TorchModel.supports(net, train) is None
    assert model.epochs_run == 0 and model.net is net and model.train is train


@pytest.mark.parametrize("bias", [True, False])
def test_n_params_is_the_specs_and_torchs(bias):
    net = NetSpec((64, 32, 16, 10), bias=bias)
    model = TorchModel(net, TrainSpec())
    assert model.n_params == net.n_params
    assert sum(p.numel() for p in model.layers.parameters()) == net.n_params


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_weights_round_trip_as_copies_in_the_canonical_layout(dtype):
    net = NetSpec((4, 5, 3))
    model = TorchModel(net, TrainSpec(dtype=dtype))
    weights = initial_weights(net, 9, "float64")
    model.set_weights(weights)
    assert model.layers[0].weight.shape == (5, 4)  # PyTorch's (fan_out, fan_in) inside
    got = model.get_weights()
    for (W, b), (W0, b0) in zip(got, weights):
        assert W.dtype == np.dtype(dtype) and b.dtype == np.dtype(dtype)
        assert W.shape == W0.shape and W.flags.c_contiguous
        np.testing.assert_array_equal(W, W0.astype(dtype))
        np.testing.assert_array_equal(b, b0.astype(dtype))
    got[1][0][:] = 99
    weights[1][0][:] = 99
    assert not (model.get_weights()[1][0] == 99).any()


def test_single_unit_layers_are_copied_too():
    """A (k, 1) weight's transpose is contiguous both ways: get_weights must still copy it."""
    net = NetSpec((3, 1), output="sigmoid", loss="binary_crossentropy")
    model = TorchModel(net, F64)
    (W, b), = model.get_weights()
    W[:] = 5
    assert not (model.get_weights()[0][0] == 5).any()


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear", "step"])
def test_forward_pass_matches_numpy(activation, output):
    """Every hidden and output activation (step included: set_weights + predict only)."""
    loss = {"softmax": "categorical_crossentropy", "sigmoid": "binary_crossentropy"}.get(
        output, "mse")
    net = NetSpec((5, 7, 4), activation=activation, output=output, loss=loss,
                  init="normal_scaled")
    weights = initial_weights(net, 3, "float64")
    weights = [(W * 3, b + 0.3) for W, b in weights]  # both sides of every kink and threshold
    X = np.random.default_rng(1).normal(size=(50, 5))
    outputs = []
    for Model_ in (NumpyModel, TorchModel):
        m = Model_(net, F64)
        m.set_weights(weights)
        outputs.append(m.predict_proba(X))
    assert outputs[1].dtype == np.float64 and outputs[1].shape == (50, 4)
    np.testing.assert_allclose(outputs[1], outputs[0], rtol=1e-12, atol=1e-14)
    if output == "step":
        assert np.isin(outputs[1], [0, 1]).all()


def test_predict_does_not_track_gradients():
    model = TorchModel(NetSpec((4, 5, 3)), TrainSpec())
    X = np.ones((2, 4), dtype=np.float32)
    out = model.predict_proba(X)
    assert out.dtype == np.float32 and model.predict(X).shape == (2,)
    assert all(p.grad is None for p in model.layers.parameters())


def test_read_only_inputs_are_accepted_without_warnings():
    X = GATES.copy()
    y = XOR.copy()
    X.flags.writeable = False
    y.flags.writeable = False
    net = NetSpec((2, 4, 1), "tanh", "sigmoid", "binary_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = TorchModel(net, TrainSpec(batch_size=None, epochs=2)).fit(X, y)
        model.predict(X)


# --- what is unsupported, deviations -----------------------------------------------------------

def test_perceptron_is_unsupported_with_a_reason():
    net = NetSpec((2, 1), output="step", loss="mse")
    train = TrainSpec(optimizer="perceptron", lr=0.1)
    reason = TorchModel.supports(net, train)
    assert reason and "perceptron" in reason and "numpy" in reason
    with pytest.raises(ValueError, match="cannot train this network with torch"):
        TorchModel(net, train).fit(GATES, XOR)


def test_step_activations_cannot_be_trained():
    net = NetSpec((2, 3, 1), activation="step", output="sigmoid", loss="mse")
    assert "step" in TorchModel.supports(net, TrainSpec())


@pytest.mark.parametrize("case", ["digits_minibatch_momentum_l2", "digits_adam_128",
                                  "mse_sigmoid_online"])
def test_no_deviations(case):
    net, train, _ = CASES[case]
    assert TorchModel.deviations(net, train) == []


# --- optimizer details -------------------------------------------------------------------------

def test_decayed_optimizer_state_is_flushed_like_numpy():
    model = TorchModel(DIGITS_NET, TrainSpec(optimizer="adam", lr=0.01))
    optimizer = model._optimizer()
    W = model.layers[0].weight
    tiny = torch.finfo(torch.float32).tiny
    optimizer.state[W] = {"exp_avg": torch.tensor([1e-3, tiny, -tiny * 100, 0.0]),
                          "exp_avg_sq": torch.tensor([1e-35, 1e-20])}
    model._flush_state(optimizer)
    assert optimizer.state[W]["exp_avg"].tolist() == [pytest.approx(1e-3), 0, 0, 0]
    assert optimizer.state[W]["exp_avg_sq"].tolist() == [0, pytest.approx(1e-20)]


def test_l2_decays_weights_only():
    model = TorchModel(DIGITS_NET, TrainSpec(optimizer="momentum", momentum=0.9, l2=0.01))
    groups = model._optimizer().param_groups
    decayed = {id(p) for g in groups if g["weight_decay"] == 0.01 for p in g["params"]}
    assert decayed == {id(layer.weight) for layer in model.layers}
    assert all(g["momentum"] == 0.9 and g["dampening"] == 0 and not g["nesterov"]
               for g in groups)


# --- native initialisation, float32, callbacks, determinism, threads ---------------------------

def test_native_init_is_pytorchs_seeded_and_leaves_the_global_rng_alone(digits):
    net = DIGITS_NET
    state = torch.get_rng_state()
    a = TorchModel(net, TrainSpec(seed=4)).get_weights()
    assert torch.equal(torch.get_rng_state(), state)
    b = TorchModel(net, TrainSpec(seed=4)).get_weights()
    c = TorchModel(net, TrainSpec(seed=5)).get_weights()
    for (Wa, ba), (Wb, bb), (Wc, _) in zip(a, b, c):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)
        assert not np.array_equal(Wa, Wc)
        bound = 1 / np.sqrt(Wa.shape[0])  # kaiming_uniform(a=sqrt(5)) and the bias's bound
        assert np.abs(Wa).max() <= bound and np.abs(Wa).max() > 0.9 * bound
        assert np.abs(ba).max() <= bound and ba.any()
    model = TorchModel(net, TrainSpec(optimizer="adam", lr=3e-3, batch_size=32, epochs=3))
    model.fit(*digits[:2])
    assert (model.predict(digits[2]) == digits[3]).mean() > 0.85


def test_float32_modern_recipe_learns_digits(digits):
    recipe = get_task("digits").recipes["modern"]
    train = recipe.train.replace(epochs=4)
    model = TorchModel(recipe.net, train)
    model.set_weights(initial_weights(recipe.net, train.seed, train.dtype))
    model.fit(*digits[:2])
    assert model.get_weights()[0][0].dtype == np.float32
    assert model.predict_proba(digits[2]).dtype == np.float32
    losses = model.loss_history_
    assert losses[-1] < 0.3 * losses[0]
    assert (model.predict(digits[2]) == digits[3]).mean() > 0.93
    reference = NumpyModel(recipe.net, train)
    reference.fit(*digits[:2])
    np.testing.assert_allclose(losses, reference.loss_history_, rtol=1e-3)


def test_on_epoch_sees_every_loss_and_stops_training():
    net = NetSpec((2, 8, 1), "tanh", "sigmoid", "binary_crossentropy")
    seen = []

    def on_epoch(epoch, loss):
        seen.append((epoch, loss))
        return epoch == 2

    model = TorchModel(net, TrainSpec(batch_size=2, epochs=10)).fit(GATES, XOR, on_epoch)
    assert model.epochs_run == 3 and [e for e, _ in seen] == [0, 1, 2]
    assert [loss for _, loss in seen] == model.loss_history_


def test_same_seed_same_run(digits):
    X, y = digits[0][:500], digits[1][:500]
    train = TrainSpec(optimizer="adam", lr=3e-3, batch_size=32, epochs=2, seed=7)
    runs = [TorchModel(DIGITS_NET, train).fit(X, y) for _ in range(2)]
    assert runs[0].loss_history_ == runs[1].loss_history_
    for (Wa, ba), (Wb, bb) in zip(runs[0].get_weights(), runs[1].get_weights()):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


def test_threads_follow_the_request(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("NNBENCH_THREADS", "1")
        TorchModel(NetSpec((4, 5, 3)), TrainSpec())
        assert TorchModel.framework_threads()["intra_op"] == 1
        assert torch.get_num_threads() == 1
        assert set(TorchModel.framework_threads()) == {"intra_op", "inter_op"}
    finally:
        torch.set_num_threads(before)
