"""The Keras 3 backends against the NumPy reference: exactness, spec mapping, engines.

This process runs Keras on TensorFlow (the module defaults KERAS_BACKEND to "tensorflow" when
it is unset); Keras fixes its engine at first import, so the torch and jax engines are tested
in subprocesses (marked slow: each imports a second framework and compiles its steps).

The float64 exactness checks use 1e-10, far tighter than the conformance target of 1e-6: a
float64 model that silently computes a matmul in float32 (as Keras does on torch and jax unless
told otherwise, see `dtypes.floatx`) is off by about 1e-7, which 1e-6 would let through.

The private Keras names the adapter relies on (all in `backends/keras_backend/private.py`)
and torch's `_foreach_*` functions its torch engine uses are checked at the end, so an upgrade
that changes them fails here loudly; so is the package's layout by engine.
"""

import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

keras_backend = pytest.importorskip("backends.keras_backend")

import keras  # noqa: E402  (after backends.keras_backend chose its engine)

from backends.keras_backend import engines, private  # noqa: E402
from backends.keras_backend.optimizers import SpecOptimizer  # noqa: E402
from backends.numpy_backend import NumpyModel  # noqa: E402
from bench.spec import NetSpec, TrainSpec  # noqa: E402
from bench.spec.weights import initial_weights  # noqa: E402
from tasks.registry import get_task  # noqa: E402

KerasModel = keras_backend.KerasModel
KerasTorchModel = keras_backend.KerasTorchModel
KerasJaxModel = keras_backend.KerasJaxModel

pytestmark = pytest.mark.skipif(keras_backend.ENGINE != "tensorflow",
                                reason="in-process tests expect Keras on TensorFlow")

TIGHT = 1e-10
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])
XOR_NET = NetSpec((2, 8, 1), "tanh", "sigmoid", "binary_crossentropy")
DIGITS_NET = NetSpec((64, 32, 10), "relu", "softmax", "categorical_crossentropy", "he_normal")
F64 = TrainSpec("sgd", lr=0.1, batch_size=None, shuffle=False, epochs=50, dtype="float64")


@pytest.fixture(scope="module")
def digits():
    split = get_task("digits").split(0)
    return split.X_train, split.y_train, split.X_test, split.y_test


def run_both(net, train, X, y, weights=None, Model=KerasModel):
    """Train NumpyModel and `Model` from the same weights; returns (reference, model)."""
    weights = initial_weights(net, train.seed, train.dtype) if weights is None else weights
    ref = NumpyModel(net, train)
    ref.set_weights(weights)
    ref.fit(X, y)
    model = Model(net, train)
    model.set_weights(weights)
    model.fit(X, y)
    return ref, model


def disagreement(ref, model):
    """(largest relative epoch-loss difference, largest absolute weight difference)."""
    a, b = np.array(ref.loss_history_), np.array(model.loss_history_)
    assert a.shape == b.shape
    loss = float(np.max(np.abs(a - b) / np.abs(a)))
    weight = 0.0
    for (Wa, ba), (Wb, bb) in zip(ref.get_weights(), model.get_weights()):
        assert Wb.dtype == Wa.dtype and Wb.shape == Wa.shape
        weight = max(weight, float(np.max(np.abs(Wa - Wb))))
        assert (ba is None) == (bb is None)
        if ba is not None:
            weight = max(weight, float(np.max(np.abs(ba - bb))))
    return loss, weight


def assert_exact(ref, model):
    loss, weight = disagreement(ref, model)
    assert loss < TIGHT and weight < TIGHT, (loss, weight)


# --- exactness against NumpyModel (float64, shared initial weights) ---------------------------

def test_xor_full_batch_sgd_is_exact():
    train = F64.replace(lr=0.5)
    ref, model = run_both(XOR_NET, train, XOR_X, XOR_Y)
    assert_exact(ref, model)
    assert model.epochs_run == 50
    np.testing.assert_allclose(model.predict_proba(XOR_X), ref.predict_proba(XOR_X), atol=TIGHT)


def test_digits_full_batch_sgd_is_exact(digits):
    X, y, X_test, _ = digits
    ref, model = run_both(DIGITS_NET, F64, X, y)
    assert_exact(ref, model)
    np.testing.assert_allclose(model.predict_proba(X_test), ref.predict_proba(X_test),
                               atol=TIGHT)
    np.testing.assert_array_equal(model.predict(X_test), ref.predict(X_test))


def test_shuffled_minibatch_momentum_with_l2_is_exact(digits):
    X, y, _, _ = digits
    train = F64.replace(optimizer="momentum", lr=0.05, momentum=0.9, batch_size=64,
                        shuffle=True, l2=1e-3, epochs=4)
    ref, model = run_both(DIGITS_NET, train, X, y)
    assert_exact(ref, model)


def test_adam_minibatch_is_exact(digits):
    X, y, _, _ = digits
    train = F64.replace(optimizer="adam", lr=1e-3, batch_size=128, shuffle=True, epochs=4)
    ref, model = run_both(DIGITS_NET, train, X, y)
    assert_exact(ref, model)


def test_online_mse_with_sigmoid_output_is_exact(digits):
    X, y, _, _ = digits
    net = NetSpec((64, 16, 10), "sigmoid", "sigmoid", "mse")
    train = F64.replace(lr=0.5, batch_size=1, shuffle=True, epochs=2)
    ref, model = run_both(net, train, X[:150], y[:150])
    assert_exact(ref, model)


def test_no_bias_and_unshuffled_minibatches_are_exact(digits):
    X, y, _, _ = digits
    net = NetSpec((64, 32, 10), "tanh", "softmax", "categorical_crossentropy", bias=False)
    train = F64.replace(batch_size=100, shuffle=False, epochs=5)
    ref, model = run_both(net, train, X, y)
    assert_exact(ref, model)
    assert all(b is None for _, b in model.get_weights())


@pytest.mark.parametrize("net", [
    NetSpec((64, 12, 1), "elu", "sigmoid", "binary_crossentropy"),
    NetSpec((64, 12, 10), "leaky_relu", "linear", "mse"),
    NetSpec((64, 12, 10), "linear", "softmax", "mse", "normal_scaled"),
], ids=["elu-bce", "leaky_relu-linear-mse", "linear-softmax-mse"])
def test_other_activations_and_losses_are_exact(digits, net):
    X, y, _, _ = digits
    y = (y > 4).astype(int) if net.n_outputs == 1 else y
    train = F64.replace(optimizer="adam", lr=1e-2, batch_size=200, shuffle=True, epochs=3,
                        l2=1e-2)
    ref, model = run_both(net, train, X, y)
    assert_exact(ref, model)


def test_saturated_outputs_clip_the_loss_but_not_the_gradient(digits):
    """With outputs below 1e-7 the reported loss is the clipped one and the gradient the fused
    a - t, as in NumPy (Keras's own losses on probabilities would zero the gradient there)."""
    X, y, _, _ = digits
    weights = [(20 * W, b) for W, b in initial_weights(DIGITS_NET, 0, "float64")]
    probabilities = NumpyModel(DIGITS_NET, F64)
    probabilities.set_weights(weights)
    assert np.mean(probabilities.predict_proba(X) < 1e-7) > 0.1  # the clip is really active
    ref, model = run_both(DIGITS_NET, F64.replace(lr=0.01, epochs=3), X, y, weights=weights)
    assert_exact(ref, model)


def test_tf_data_feed_and_pydataset_feed_give_the_same_run(digits):
    X, y, _, _ = digits
    train = F64.replace(optimizer="adam", lr=1e-3, batch_size=100, shuffle=True, epochs=3)
    runs = []
    for tf_data in (True, False):
        model = KerasModel(DIGITS_NET, train)
        model.tf_data = tf_data
        model.set_weights(initial_weights(DIGITS_NET, 0, "float64"))
        model.fit(X, y)
        runs.append(model)
    assert runs[0].loss_history_ == runs[1].loss_history_
    for (Wa, ba), (Wb, bb) in zip(runs[0].get_weights(), runs[1].get_weights()):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


# --- forward-only nets (step units) --------------------------------------------------------------

def test_step_units_forward_like_numpy():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 4))
    for net, train in [
        (NetSpec((4, 6, 3), "step", "sigmoid", "mse"), F64),
        (NetSpec((4, 2), "relu", "step", "mse", bias=True),
         TrainSpec("perceptron", lr=0.1, batch_size=1, dtype="float64")),
    ]:
        weights = [(rng.normal(size=W.shape), rng.normal(size=b.shape))
                   for W, b in initial_weights(net, 0, "float64")]
        ref, model = NumpyModel(net, train), KerasModel(net, train)
        ref.set_weights(weights)
        model.set_weights(weights)
        np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=TIGHT)


# --- spec mapping: support, deviations, parameters --------------------------------------------

def test_perceptron_is_unsupported_and_fit_refuses_it():
    net = NetSpec((2, 1), "relu", "step", "mse", "zeros", bias=False)
    train = TrainSpec("perceptron", lr=0.1, batch_size=1, dtype="float64")
    reason = KerasModel.supports(net, train)
    assert reason and "perceptron" in reason
    with pytest.raises(ValueError, match="perceptron"):
        KerasModel(net, train).fit(XOR_X, XOR_Y)


def test_gradient_descent_specs_are_supported_without_deviations():
    for net in (XOR_NET, DIGITS_NET, NetSpec((3, 4, 4, 2), "leaky_relu", "linear", "mse")):
        for train in (F64, F64.replace(optimizer="adam", dtype="float32", batch_size=8),
                      F64.replace(optimizer="momentum", momentum=0.5, l2=0.1, batch_size=1)):
            assert KerasModel.supports(net, train) is None
            assert KerasModel.deviations(net, train) == []
    # a spec error is reported by supports, like every backend
    assert "step" in KerasModel.supports(NetSpec((2, 2, 1), "step", "sigmoid", "mse"), F64)


@pytest.mark.parametrize("net", [DIGITS_NET, NetSpec((5, 7, 3, 2), bias=False)])
def test_n_params_matches_the_spec_and_keras(net):
    model = KerasModel(net, F64)
    assert model.n_params == net.n_params == model._built().train.count_params()


def test_float64_model_keeps_float64_everywhere(digits):
    X, y, _, _ = digits
    model = KerasModel(DIGITS_NET, F64.replace(optimizer="adam", epochs=1, batch_size=500))
    model.fit(X, y)
    trained = model._built().train
    assert {v.dtype for v in trained.weights} == {"float64"}
    assert {v.dtype for v in trained.optimizer.variables if "iteration" not in v.path} \
        == {"float64"}
    assert model.predict_proba(X[:3]).dtype == np.float64


# --- native initialisation, float32, determinism, callbacks ------------------------------------

def test_native_init_is_seeded_and_follows_the_scheme():
    net = NetSpec((400, 300, 10), init="he_normal")
    first = KerasModel(net, F64).get_weights()
    again = KerasModel(net, F64).get_weights()
    other = KerasModel(net, F64.replace(seed=1)).get_weights()
    np.testing.assert_array_equal(first[0][0], again[0][0])
    assert not np.array_equal(first[0][0], other[0][0])
    assert all(np.all(b == 0) for _, b in first)
    W = first[0][0]
    assert W.std() == pytest.approx(np.sqrt(2 / 400), rel=0.03)  # untruncated he_normal
    assert np.abs(W).max() > 3 * np.sqrt(2 / 400)  # not truncated at two deviations
    glorot = KerasModel(NetSpec((400, 300, 10)), F64).get_weights()[0][0]
    limit = np.sqrt(6 / 700)
    assert np.abs(glorot).max() <= limit and glorot.std() == pytest.approx(limit / np.sqrt(3),
                                                                           rel=0.03)
    zeros = KerasModel(NetSpec((4, 3, 2), init="zeros"), F64).get_weights()
    assert all(np.all(W == 0) for W, _ in zeros)


def test_float32_digits_modern_recipe_trains(digits):
    X, y, X_test, y_test = digits
    recipe = get_task("digits").recipes["modern"]
    model = KerasModel(recipe.net, recipe.train.replace(epochs=4))  # Keras's own init
    model.fit(X, y)
    assert all(W.dtype == np.float32 for W, _ in model.get_weights())
    assert model.predict_proba(X_test).dtype == np.float32
    assert model.loss_history_[-1] < model.loss_history_[0]
    assert np.mean(model.predict(X_test) == y_test) > 0.9


def test_same_seed_twice_gives_identical_runs(digits):
    X, y, _, _ = digits
    train = F64.replace(optimizer="adam", lr=1e-3, batch_size=64, shuffle=True, epochs=2,
                        dtype="float32")
    runs = [KerasModel(DIGITS_NET, train).fit(X, y) for _ in range(2)]
    assert runs[0].loss_history_ == runs[1].loss_history_
    for (Wa, _), (Wb, _) in zip(runs[0].get_weights(), runs[1].get_weights()):
        np.testing.assert_array_equal(Wa, Wb)


def test_on_epoch_sees_every_epoch_and_can_stop_training():
    seen = []

    def on_epoch(epoch, loss):
        seen.append((epoch, loss))
        return epoch == 2

    model = KerasModel(XOR_NET, F64.replace(lr=0.5))
    model.fit(XOR_X, XOR_Y, on_epoch=on_epoch)
    assert model.epochs_run == 3
    assert [e for e, _ in seen] == [0, 1, 2]
    assert [loss for _, loss in seen] == model.loss_history_


def test_a_second_fit_continues_from_the_trained_weights_with_fresh_optimizer_state():
    train = F64.replace(optimizer="adam", lr=0.05, epochs=5)
    ref, model = NumpyModel(XOR_NET, train), KerasModel(XOR_NET, train)
    for m in (ref, model):
        m.set_weights(initial_weights(XOR_NET, 0, "float64"))
        m.fit(XOR_X, XOR_Y)
        m.fit(XOR_X, XOR_Y)
    assert_exact(ref, model)


# --- engines and threads -----------------------------------------------------------------------

def test_classes_refuse_an_engine_keras_does_not_run_on():
    for Model, engine in ((KerasTorchModel, "torch"), (KerasJaxModel, "jax")):
        with pytest.raises(RuntimeError, match=f"KERAS_BACKEND={engine} set before keras"):
            Model(XOR_NET, F64)
    assert (KerasModel.name, KerasTorchModel.name, KerasJaxModel.name) == (
        "keras", "keras-torch", "keras-jax")
    assert KerasModel.framework == KerasTorchModel.framework == "keras"


def test_framework_version_and_threads():
    assert "tensorflow" in KerasModel.framework_version()
    threads = KerasModel.framework_threads()
    assert threads["engine"] == "tensorflow"
    assert threads["inter_op"] == 1
    if "note" not in threads:  # unless TensorFlow ran before the module was imported
        assert threads["intra_op"] == threads["requested"]


ENGINE_SCRIPT = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import backends.keras_backend as kb
    from bench.spec.weights import initial_weights
    from backends.numpy_backend import NumpyModel
    from bench.spec import NetSpec, TrainSpec
    from tasks.registry import get_task

    Model = {"torch": kb.KerasTorchModel, "jax": kb.KerasJaxModel}[kb.ENGINE]
    split = get_task("digits").split(0)
    X, y = split.X_train, split.y_train
    xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float), np.array([0, 1, 1, 0])
    digits_net = NetSpec((64, 32, 10), "relu", "softmax", "categorical_crossentropy",
                         "he_normal")
    f64 = TrainSpec("sgd", lr=0.1, batch_size=None, shuffle=False, epochs=20,
                    dtype="float64")
    cases = {
        "xor": (NetSpec((2, 8, 1), "tanh", "sigmoid", "binary_crossentropy"),
                f64.replace(lr=0.5, epochs=50), *xor),
        "digits": (digits_net, f64, X, y),
        "momentum_l2": (digits_net, f64.replace(optimizer="momentum", lr=0.05, momentum=0.9,
                                                batch_size=64, shuffle=True, l2=1e-3,
                                                epochs=2), X, y),
        "adam": (digits_net, f64.replace(optimizer="adam", lr=1e-3, batch_size=128,
                                         shuffle=True, epochs=2), X, y),
        "mse_online": (NetSpec((64, 16, 10), "sigmoid", "sigmoid", "mse"),
                       f64.replace(lr=0.5, batch_size=1, shuffle=True, epochs=1),
                       X[:60], y[:60]),
        "no_bias_leaky": (NetSpec((64, 16, 10), "leaky_relu", "softmax",
                                  "categorical_crossentropy", bias=False),
                          f64.replace(batch_size=100, epochs=3), X, y),
    }
    out = {"engine": kb.ENGINE, "env": os.environ["KERAS_BACKEND"],
           "threads": Model.framework_threads(), "version": Model.framework_version()}
    for name, (net, train, Xc, yc) in cases.items():
        w0 = initial_weights(net, 0, "float64")
        ref = NumpyModel(net, train); ref.set_weights(w0); ref.fit(Xc, yc)
        m = Model(net, train); m.set_weights(w0); m.fit(Xc, yc)
        a, b = np.array(ref.loss_history_), np.array(m.loss_history_)
        weights = [max(np.max(np.abs(p - q)) for p, q in zip(A, B) if p is not None)
                   for A, B in zip(ref.get_weights(), m.get_weights())]
        out[name] = [float(np.max(np.abs(a - b) / a)), float(max(weights)),
                     str(m.get_weights()[0][0].dtype), len(b)]
    net, train = cases["adam"][:2]  # a refit in place (set_weights, fit) = a new model's fit
    w0 = initial_weights(net, 0, "float64")
    refit, new = Model(net, train), Model(net, train)
    for rows in (slice(0, 300), slice(300, 600)):
        refit.set_weights(w0); refit.fit(X[rows], y[rows])
    new.set_weights(w0); new.fit(X[300:600], y[300:600])
    out["refit_gap"] = max(float(np.max(np.abs(p - q))) for A, B in
                           zip(refit.get_weights(), new.get_weights())
                           for p, q in zip(A, B) if p is not None)
    recipe = get_task("digits").recipes["modern"]
    m = Model(recipe.net, recipe.train.replace(epochs=3)).fit(X, y)
    out["float32_accuracy"] = float(np.mean(m.predict(split.X_test) == split.y_test))
    out["float32_dtype"] = str(m.get_weights()[0][0].dtype)
    stopped = Model(*cases["xor"][:2]).fit(*xor, on_epoch=lambda epoch, loss: epoch == 1)
    out["stopped_after"] = stopped.epochs_run
    out["promotion_outside"] = kb.keras.backend.result_type("float64", "float64")
    try:
        kb.KerasModel(cases["xor"][0], f64)
    except RuntimeError as error:
        out["wrong_class"] = str(error)
    print("RESULT" + json.dumps(out))
""")


def run_engine(engine: str) -> dict:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "KERAS_BACKEND": engine, "NNBENCH_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", ENGINE_SCRIPT], env=env, cwd=root,
                          capture_output=True, text=True, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT"):])


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["torch", "jax"])
def test_other_engines_are_exact_in_a_subprocess(engine):
    out = run_engine(engine)
    assert out["engine"] == out["env"] == engine  # the module left KERAS_BACKEND alone
    assert engine in out["version"]
    for name in ("xor", "digits", "momentum_l2", "adam", "mse_online", "no_bias_leaky"):
        loss, weight, dtype, epochs = out[name]
        assert loss < TIGHT and weight < TIGHT, (name, loss, weight)
        assert dtype == "float64" and epochs > 0
    assert out["float32_dtype"] == "float32" and out["float32_accuracy"] > 0.9
    assert f"this process runs keras on {engine}" in out["wrong_class"]
    assert out["stopped_after"] == 2
    assert out["refit_gap"] == 0.0
    assert out["promotion_outside"] == "float32"  # Keras's own rule, restored after our runs
    if engine == "torch":
        assert out["threads"]["intra_op"] == 1
    else:
        assert out["threads"]["x64"] is True and out["threads"]["intra_op"] == 1


@pytest.mark.slow
def test_unset_keras_backend_defaults_to_tensorflow_in_a_fresh_process():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    code = ("import os, backends.keras_backend as kb; "
            "print('RESULT', kb.ENGINE, os.environ['KERAS_BACKEND'])")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert "RESULT tensorflow tensorflow" in done.stdout, done.stderr[-2000:]


# --- the package's layout by engine ------------------------------------------------------------

def test_every_engine_module_defines_the_same_names():
    for name in ("tensorflow", "torch", "jax"):
        module = importlib.import_module(f"backends.keras_backend.engines.{name}")
        missing = [attr for attr in engines.INTERFACE if not hasattr(module, attr)]
        assert not missing, f"engines/{name}.py lacks {missing}"
        assert issubclass(module.Optimizer, SpecOptimizer)
    assert keras_backend.engine.current.__name__.endswith(f".engines.{keras_backend.ENGINE}")


def test_only_engine_py_asks_which_engine_keras_runs_on():
    package = os.path.dirname(keras_backend.__file__)
    for folder, _, files in os.walk(package):
        for name in files:
            path = os.path.join(folder, name)
            if not name.endswith(".py") or path == keras_backend.engine.__file__:
                continue
            with open(path) as source:
                text = source.read()
            for asks in ("ENGINE ==", "backend.backend()", "KERAS_BACKEND\"]"):
                assert asks not in text, f"{path} asks {asks!r}: that is engine.py's job"


# --- the private Keras API the adapter uses (backends/keras_backend/private.py) -----------------

def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_keras_type_promotion_table_is_still_there_and_still_consulted():
    """Fails when a Keras release moves, reshapes or stops consulting BIT64_TO_BIT32_DTYPE,
    which `private.float64_kept` (entered by `dtypes.floatx` for float64 runs) rewrites so that
    float64 stays float64 on torch and jax; adjust private.py (and only it) then."""
    from keras.src.backend.common import dtypes as keras_dtypes

    where = "keras.src.backend.common.dtypes.BIT64_TO_BIT32_DTYPE (private.PROMOTION_64)"
    table = getattr(keras_dtypes, "BIT64_TO_BIT32_DTYPE", None)
    assert isinstance(table, dict), f"{where} is gone"
    assert private.PROMOTION_64 is table, f"private.py no longer imports {where}"
    keras_rule = "float64" if keras_backend.ENGINE == "tensorflow" else "float32"
    assert table.get("float64") == keras_rule, (
        f"{where} maps float64 to {table.get('float64')!r}, not {keras_rule!r}: if Keras now "
        "keeps float64 on every engine (keras-team/keras#23704), private.float64_kept can go")
    saved = table["float64"]
    try:
        table["float64"] = "float32"  # Keras's rule outside TensorFlow
        assert keras.backend.result_type("float64", "float64") == "float32", (
            f"keras.backend.result_type no longer consults {where}")
        with private.float64_kept():
            assert keras.backend.result_type("float64", "float64") == "float64"
        assert table["float64"] == "float32", "private.float64_kept did not restore the table"
    finally:
        table["float64"] = saved


def test_keras_optimizer_private_members_are_still_there():
    """Fails when a Keras release renames or reshapes `_get_variable_index` (wrapped by
    private.variable_index for SpecOptimizer) or `_backend_update_step` (overridden by
    private.WholeStepUpdate for the torch engine's optimizer), or when `apply` stops calling
    the latter once per step; adjust private.py (and only it) then."""
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    def member(name: str, used_by: str, parameters: list[str]):
        found = getattr(BaseOptimizer, name, None)
        assert callable(found), f"keras BaseOptimizer.{name} is gone ({used_by})"
        assert _parameters(found) == ["self", *parameters], (
            f"keras BaseOptimizer.{name} now takes {_parameters(found)} ({used_by})")

    member("_get_variable_index", "private.variable_index", ["variable"])
    member("_backend_update_step", "private.WholeStepUpdate",
           ["grads", "trainable_variables", "learning_rate"])
    class Probe(private.WholeStepUpdate, SpecOptimizer):
        def update_all(self, grads, trainable_variables):
            calls.append([private.variable_index(self, v) for v in trainable_variables])

    calls: list = []
    variables = [keras.Variable(np.zeros(3), name=name) for name in ("a", "b")]
    optimizer = Probe(F64, {v.path for v in variables})
    optimizer.apply([np.ones(3), np.ones(3)], variables)
    assert calls == [[0, 1]], (
        "keras Optimizer.apply no longer makes one _backend_update_step call per step "
        "(private.WholeStepUpdate)")


def test_torch_private_foreach_functions_used_are_still_there():
    """Fails when a torch release drops a `torch._foreach_*` function that engines/torch.py's
    fenced block calls."""
    torch = pytest.importorskip("torch")
    path = importlib.import_module("backends.keras_backend.engines.torch").__file__
    with open(path) as source:
        used = sorted(set(re.findall(r"torch\.(_foreach_\w+)", source.read())))
    assert used, "engines/torch.py calls no torch._foreach_* any more: drop this test"
    missing = [name for name in used if not callable(getattr(torch, name, None))]
    assert not missing, f"torch lacks {missing}, used by backends/keras_backend/engines/torch.py"
