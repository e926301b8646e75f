"""The PyBrain backend against the NumPy reference: exactness in float64 from shared weights,
the SciPy shim, the weight layout, unsupported specs, deviations, native init, float32,
early stopping and determinism. Real pybrain3, real data (digits), no mocks."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

if importlib.util.find_spec("pybrain3") is None:  # importorskip would hide a broken shim
    pytest.skip("pybrain3 is not installed", allow_module_level=True)

from backends.numpy_backend import NumpyModel  # noqa: E402
from backends.pybrain_backend import PybrainModel, compat  # noqa: E402
from backends.registry import get_backend  # noqa: E402
from bench.spec import NetSpec, TrainSpec  # noqa: E402
from bench.spec.weights import initial_weights  # noqa: E402
from tasks.registry import get_task  # noqa: E402

TOL = 1e-6
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])
DIGITS_NET = NetSpec((64, 32, 10), "relu", "softmax", "categorical_crossentropy", "he_normal")
FULL_BATCH = TrainSpec(optimizer="sgd", lr=0.1, batch_size=None, shuffle=False, epochs=50,
                       dtype="float64")


@pytest.fixture(scope="module")
def digits():
    return get_task("digits").split(0)


def train_both(net, train, X, y, seed=0):
    """(numpy, pybrain) models trained from the same shared initial weights."""
    weights = initial_weights(net, seed, train.dtype)
    models = []
    for Model in (NumpyModel, PybrainModel):
        model = Model(net, train)
        model.set_weights(weights)
        models.append(model.fit(X, y))
    return models


def assert_agree(reference, model, tol=TOL):
    assert model.epochs_run == reference.epochs_run
    np.testing.assert_allclose(model.loss_history_, reference.loss_history_, rtol=tol)
    for (W0, b0), (W1, b1) in zip(reference.get_weights(), model.get_weights()):
        assert W1.shape == W0.shape
        np.testing.assert_allclose(W1, W0, rtol=0, atol=tol)
        if b0 is None:
            assert b1 is None
        else:
            np.testing.assert_allclose(b1, b0, rtol=0, atol=tol)


# --- the compatibility shim ------------------------------------------------------------------

def test_shim_covers_every_name_pybrain3_takes_from_scipy():
    import scipy

    root = Path(compat.pybrain3.__file__).parent
    names = set()
    for path in root.rglob("*.py"):
        source = path.read_text(errors="ignore")
        for match in re.finditer(r"^\s*from scipy import ([^\n#]*)", source, re.M):
            names.update(n for n in re.split(r"[,\s()\\]+", match.group(1)) if n)
        names.update(re.findall(r"\bscipy\.([A-Za-z_]\w*)", source))
    names -= {"weave"}  # scipy.weave, a long-gone C compiler: no NumPy equivalent (lsh only)
    missing = sorted(n for n in names if not hasattr(scipy, n))
    assert not missing, f"scipy lacks {missing} after the shim"
    assert len(names) > 40  # the grep found the imports at all


def test_shim_binds_numpy_objects_and_is_idempotent():
    import scipy

    assert compat.install() == []
    assert scipy.reshape is np.reshape and scipy.outer is np.outer
    assert scipy.random is np.random and scipy.randn is np.random.randn
    assert scipy.product is np.prod and scipy.mat is np.asmatrix
    assert scipy.sqrt(-1.0) == 1j  # old SciPy's numpy.lib.scimath versions
    assert scipy.linalg.__name__ == "scipy.linalg"  # SciPy's own names are left alone


# --- structure and weights -------------------------------------------------------------------

def test_registry_loads_the_backend():
    Model = get_backend("pybrain")
    assert Model is PybrainModel
    assert Model.name == "pybrain" and Model.framework == "pybrain3"
    assert Model.framework_version() == "3.0.4"


@pytest.mark.parametrize("net", [
    DIGITS_NET,
    NetSpec((784, 512, 256, 10), "relu", "softmax", "categorical_crossentropy"),
    NetSpec((2, 3, 1), "sigmoid", "sigmoid", "mse", bias=False),
    NetSpec((5, 1), output="sigmoid", loss="binary_crossentropy"),
])
def test_n_params_is_pybrains_own_count(net):
    model = PybrainModel(net, TrainSpec(dtype="float64"))
    assert model.n_params == model._pb.net.paramdim == net.n_params


def test_weights_round_trip_and_map_onto_pybrains_connections():
    net = NetSpec((3, 4, 2), "tanh", "softmax", "categorical_crossentropy")
    rng = np.random.default_rng(1)
    weights = [(rng.normal(size=(3, 4)), rng.normal(size=4)),
               (rng.normal(size=(4, 2)), rng.normal(size=2))]
    model = PybrainModel(net, TrainSpec(dtype="float64"))
    model.set_weights(weights)
    for (W, b), (W1, b1) in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(W1, W)
        np.testing.assert_array_equal(b1, b)
    # PyBrain's FullConnection holds (fan_out, fan_in) row-major: W[i, j] joins input i to unit j
    first = model._pb.weight_connections[0]
    assert first.params.reshape(4, 3)[1, 2] == weights[0][0][2, 1]
    x = rng.normal(size=(5, 3))
    hidden = np.tanh(x @ weights[0][0] + weights[0][1])
    z = hidden @ weights[1][0] + weights[1][1]
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(x), expected, rtol=1e-12)


@pytest.mark.parametrize("activation", ["step", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
                                        "linear"])
def test_forward_pass_matches_numpy_for_every_hidden_activation(activation):
    net = NetSpec((4, 6, 3), activation, "softmax", "categorical_crossentropy", "he_normal")
    train = TrainSpec(dtype="float64")
    weights = initial_weights(net, 3)
    X = np.random.default_rng(2).normal(size=(20, 4)) * 2
    outputs = []
    for Model in (NumpyModel, PybrainModel):
        model = Model(net, train)
        model.set_weights(weights)
        outputs.append(model.predict_proba(X))
    np.testing.assert_allclose(outputs[1], outputs[0], rtol=1e-12, atol=1e-15)


# --- exactness against NumpyModel (float64, shared weights) ------------------------------------

def test_xor_full_batch_sgd_is_exact():
    net = NetSpec((2, 8, 1), "tanh", "sigmoid", "binary_crossentropy")
    train = FULL_BATCH.replace(lr=0.5)
    assert_agree(*train_both(net, train, XOR_X, XOR_Y))


def test_digits_full_batch_sgd_is_exact_on_a_subset(digits):
    train = FULL_BATCH
    assert_agree(*train_both(DIGITS_NET, train, digits.X_train[:200], digits.y_train[:200]))


@pytest.mark.slow
def test_digits_full_batch_sgd_is_exact(digits):
    assert_agree(*train_both(DIGITS_NET, FULL_BATCH, digits.X_train, digits.y_train))


def test_minibatch_momentum_l2_shuffled_is_exact(digits):
    train = TrainSpec(optimizer="momentum", lr=0.1, momentum=0.9, batch_size=64, shuffle=True,
                      l2=1e-3, epochs=3, dtype="float64", seed=4)
    assert_agree(*train_both(DIGITS_NET, train, digits.X_train, digits.y_train, seed=4))


def test_adam_batch_128_is_exact(digits):
    train = TrainSpec(optimizer="adam", lr=1e-3, batch_size=128, epochs=3, dtype="float64")
    assert_agree(*train_both(DIGITS_NET, train, digits.X_train, digits.y_train))


def test_adam_with_l2_and_a_sigmoid_bce_output_is_exact(digits):
    net = NetSpec((64, 16, 10), "elu", "sigmoid", "binary_crossentropy")
    train = TrainSpec(optimizer="adam", lr=0.01, batch_size=50, epochs=3, l2=0.01,
                      dtype="float64")
    assert_agree(*train_both(net, train, digits.X_train[:400], digits.y_train[:400]))


def test_online_mse_sigmoid_output_shuffled_is_exact(digits):
    net = NetSpec((64, 12, 10), "sigmoid", "sigmoid", "mse", "normal_scaled")
    train = TrainSpec(optimizer="sgd", lr=0.5, batch_size=1, shuffle=True, epochs=2,
                      dtype="float64")
    assert_agree(*train_both(net, train, digits.X_train[:300], digits.y_train[:300]))


def test_no_bias_is_exact(digits):
    net = DIGITS_NET.replace(bias=False)
    train = TrainSpec(optimizer="sgd", lr=0.1, batch_size=32, epochs=3, dtype="float64")
    assert_agree(*train_both(net, train, digits.X_train, digits.y_train))


@pytest.mark.parametrize("activation,output,loss", [
    ("leaky_relu", "softmax", "mse"),
    ("elu", "linear", "mse"),
    ("linear", "softmax", "categorical_crossentropy"),
    ("tanh", "sigmoid", "mse"),
    ("relu", "sigmoid", "binary_crossentropy"),
])
def test_other_layer_and_loss_pairs_are_exact(digits, activation, output, loss):
    net = NetSpec((64, 10, 10), activation, output, loss, "glorot_uniform")
    train = TrainSpec(optimizer="momentum", lr=0.05, momentum=0.5, batch_size=16, epochs=2,
                      l2=1e-3, dtype="float64")
    assert_agree(*train_both(net, train, digits.X_train[:200], digits.y_train[:200]))


def test_soft_targets_for_categorical_crossentropy_are_exact(digits):
    rng = np.random.default_rng(0)
    T = rng.random((150, 10))
    T /= T.sum(axis=1, keepdims=True) * 1.5  # rows summing to 2/3: the general fused error
    train = TrainSpec(optimizer="sgd", lr=0.1, batch_size=25, epochs=2, dtype="float64")
    assert_agree(*train_both(DIGITS_NET, train, digits.X_train[:150], T))


# --- what PyBrain cannot follow -----------------------------------------------------------------

def test_perceptron_is_unsupported():
    net = NetSpec((2, 1), output="step", loss="mse", init="zeros", bias=False)
    train = TrainSpec(optimizer="perceptron", lr=0.1, batch_size=1, dtype="float64")
    reason = PybrainModel.supports(net, train)
    assert reason and "perceptron" in reason
    model = PybrainModel(net, train)
    with pytest.raises(ValueError, match="perceptron"):
        model.fit(XOR_X, XOR_Y)
    # a step output still runs forward
    model.set_weights([(np.array([[1.0], [1.0]]), None)])
    np.testing.assert_array_equal(model.predict(XOR_X), [0, 1, 1, 1])


def test_supported_specs_and_spec_errors():
    assert PybrainModel.supports(DIGITS_NET, FULL_BATCH) is None
    step_hidden = NetSpec((2, 3, 1), "step", "sigmoid", "mse")
    assert "step" in PybrainModel.supports(step_hidden, FULL_BATCH)


def test_deviations_name_float32_and_adam_only():
    assert PybrainModel.deviations(DIGITS_NET, FULL_BATCH) == []
    both = PybrainModel.deviations(DIGITS_NET, TrainSpec(optimizer="adam", dtype="float32"))
    assert len(both) == 2
    assert any("float64 only" in d for d in both)
    assert any("no Adam" in d for d in both)
    momentum = TrainSpec(optimizer="momentum", momentum=0.9, l2=0.1, dtype="float64")
    assert PybrainModel.deviations(DIGITS_NET, momentum) == []


def test_framework_threads_reports_blas():
    threads = PybrainModel.framework_threads()
    assert threads["python"] == 1
    assert threads["blas"] is None or threads["blas"] >= 1


# --- native init, float32, early stopping, determinism -----------------------------------------

def test_native_init_is_pybrains_seeded_standard_normal():
    net = NetSpec((64, 100, 10), "relu", "softmax", "categorical_crossentropy")
    state = np.random.get_state()
    a = PybrainModel(net, TrainSpec(seed=7, dtype="float64"))
    b = PybrainModel(net, TrainSpec(seed=7, dtype="float64"))
    c = PybrainModel(net, TrainSpec(seed=8, dtype="float64"))
    assert np.all(np.random.get_state()[1] == state[1])  # the global RNG is left as it was
    params = a._pb.net.params
    np.testing.assert_array_equal(params, b._pb.net.params)
    assert not np.array_equal(params, c._pb.net.params)
    assert abs(params.mean()) < 0.02 and abs(params.std() - 1) < 0.02
    assert np.any(a.get_weights()[0][1] != 0)  # PyBrain randomizes the biases too
    PybrainModel(net, TrainSpec(seed=2**40, dtype="float64"))  # seeds past 32 bits work


def test_native_init_trains(digits):
    net = NetSpec((64, 32, 10), "tanh", "softmax", "categorical_crossentropy")
    train = TrainSpec(optimizer="adam", lr=0.01, batch_size=32, epochs=4, dtype="float64")
    model = PybrainModel(net, train).fit(digits.X_train, digits.y_train)
    assert model.loss_history_[-1] < 0.5 * model.loss_history_[0]
    assert np.mean(model.predict(digits.X_test) == digits.y_test) > 0.8


def test_float32_modern_recipe_trains(digits):
    recipe = get_task("digits").recipes["modern"]
    assert recipe.train.dtype == "float32"
    train = recipe.train.replace(epochs=4)
    model = PybrainModel(recipe.net, train)
    model.set_weights(initial_weights(recipe.net, 0, "float32"))
    model.fit(digits.X_train, digits.y_train)
    (W, b), _ = model.get_weights()
    assert W.dtype == np.float32 and b.dtype == np.float32
    assert model.predict_proba(digits.X_test).dtype == np.float32
    assert np.mean(model.predict(digits.X_test) == digits.y_test) > 0.9


def test_on_epoch_stops_training(digits):
    seen = []

    def on_epoch(epoch, loss):
        seen.append((epoch, loss))
        return epoch == 1

    train = TrainSpec(optimizer="sgd", lr=0.1, batch_size=64, epochs=10, dtype="float64")
    model = PybrainModel(DIGITS_NET, train)
    model.fit(digits.X_train[:300], digits.y_train[:300], on_epoch=on_epoch)
    assert [e for e, _ in seen] == [0, 1]
    assert model.epochs_run == 2 and model.loss_history_ == [loss for _, loss in seen]


def test_same_seed_gives_identical_runs(digits):
    train = TrainSpec(optimizer="adam", lr=1e-3, batch_size=32, epochs=2, dtype="float32")
    runs = []
    for _ in range(2):
        model = PybrainModel(DIGITS_NET, train)  # native init
        model.fit(digits.X_train[:300], digits.y_train[:300])
        runs.append((model.loss_history_, model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for (W0, b0), (W1, b1) in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(W0, W1)
        np.testing.assert_array_equal(b0, b1)
