"""`SklearnModel` (scikit-learn's MLPClassifier) against the NumPy reference and against sklearn.

Real sklearn, real data (digits, xor), no mocks. The exactness cases are `bench.judge.verify`'s; the
extra ones cover what those leave out (several sigmoid units, bias=False, other hidden
activations, a 2-unit softmax). The private sklearn members the adapter relies on are checked
by name and signature at the end, so an sklearn upgrade that changes them fails here loudly.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.neural_network._stochastic_optimizers import (  # noqa: E402
    AdamOptimizer,
    SGDOptimizer,
)
from sklearn.utils import gen_batches  # noqa: E402

from backends.numpy_backend import NumpyModel  # noqa: E402
from backends.protocol import Model  # noqa: E402
from backends.registry import get_backend  # noqa: E402
from backends.sklearn_backend import SklearnModel  # noqa: E402
from backends.sklearn_backend import model as sklearn_backend  # noqa: E402
from bench.judge import verify  # noqa: E402
from bench.spec import NetSpec, TrainSpec  # noqa: E402
from bench.spec.batching import batches  # noqa: E402
from bench.spec.weights import initial_weights  # noqa: E402
from tasks.registry import get_task  # noqa: E402

TOL = 1e-6


@pytest.fixture(scope="module")
def digits():
    split = get_task("digits").split(0)
    return split.X_train, split.y_train, split.X_test, split.y_test


def train(Model, net, spec, X, y, weights="shared"):
    model = Model(net, spec)
    if weights == "shared":
        model.set_weights(initial_weights(net, spec.seed, spec.dtype))
    elif weights is not None:
        model.set_weights(weights)
    losses = []
    model.fit(X, y, on_epoch=lambda epoch, loss: losses.append(loss) or False)
    return model, np.array(losses)


def gaps(net, spec, X, y):
    """(largest relative loss gap, largest weight gap) of sklearn vs NumPy on the same run."""
    ref, ref_losses = train(NumpyModel, net, spec, X, y)
    model, losses = train(SklearnModel, net, spec, X, y)
    assert model.n_params == net.n_params and len(losses) == len(ref_losses)
    loss_gap = np.max(np.abs(losses - ref_losses) / np.abs(ref_losses))
    weight_gap = 0.0
    for (W, b), (W_ref, b_ref) in zip(model.get_weights(), ref.get_weights()):
        assert (b is None) == (b_ref is None)
        for got, want in ((W, W_ref), (b, b_ref)):
            if want is not None:
                weight_gap = max(weight_gap, np.max(np.abs(got - want) / np.maximum(1, abs(want))))
    return loss_gap, weight_gap


# --- the protocol -------------------------------------------------------------------------------

def test_follows_the_model_protocol():
    import sklearn

    assert get_backend("sklearn") is SklearnModel
    net, spec = verify.CASES["digits"].net, verify.CASES["digits"].train
    model = SklearnModel(net, spec)
    assert isinstance(model, Model)
    assert SklearnModel.name == "sklearn" and SklearnModel.framework == "sklearn"
    assert SklearnModel.framework_version() == sklearn.__version__
    assert model.n_params == net.n_params and model.epochs_run == 0
    threads = SklearnModel.framework_threads()
    assert isinstance(threads["blas"], int) and threads["blas"] >= 1


# --- exactness against the NumPy reference (float64, shared initial weights) -----------------

@pytest.fixture(scope="module")
def reference():
    return verify.run_backend_here("numpy", list(verify.CASES))


@pytest.mark.parametrize("case", ["xor", "digits", "digits-momentum-l2", "digits-adam"])
def test_verify_cases_agree_with_numpy(reference, case):
    result = verify.train_case(SklearnModel, verify.CASES[case])
    agreement = verify.compare("sklearn", case, result, reference[case])
    assert agreement.loss_gap <= TOL and agreement.weight_gap <= TOL, agreement
    assert agreement.n_params == verify.CASES[case].net.n_params
    assert agreement.epochs == verify.CASES[case].train.epochs
    assert result["deviations"] == []


def test_the_l2_case_has_a_smaller_last_batch(digits):
    """sklearn scales its penalty by the batch's rows: the short last batch must be exact too."""
    spec = verify.CASES["digits-momentum-l2"].train
    assert spec.l2 > 0 and len(digits[0]) % spec.batch_size != 0


SIGMOID_10 = NetSpec((64, 16, 10), "tanh", "sigmoid", "binary_crossentropy")
EXTRA_CASES = {
    # k sigmoid units: sklearn sums BCE over units, the spec averages (lr / k, eps * k, l2 * k)
    "sigmoid-10-momentum-l2": (SIGMOID_10, TrainSpec(
        optimizer="momentum", lr=0.05, momentum=0.9, batch_size=100, epochs=4, l2=1e-3,
        dtype="float64", seed=1)),
    "sigmoid-10-adam-l2": (SIGMOID_10, TrainSpec(
        optimizer="adam", lr=0.01, batch_size=100, epochs=4, l2=1e-3, dtype="float64")),
    "no-bias-adam-l2": (SIGMOID_10.replace(bias=False), TrainSpec(
        optimizer="adam", lr=0.01, batch_size=100, epochs=4, l2=1e-3, dtype="float64")),
    "no-bias-softmax-sgd": (NetSpec((64, 16, 10), "relu", bias=False), TrainSpec(
        lr=0.1, batch_size=None, shuffle=False, epochs=10, dtype="float64")),
    "linear-hidden": (NetSpec((64, 12, 8, 10), "linear", init="he_normal"), TrainSpec(
        optimizer="adam", lr=3e-3, batch_size=33, epochs=2, l2=1e-2, dtype="float64")),
    "sigmoid-hidden-online": (NetSpec((64, 8, 10), "sigmoid"), TrainSpec(
        lr=0.05, batch_size=1, epochs=1, dtype="float64")),
    "no-hidden-layer": (NetSpec((64, 10), "leaky_relu"), TrainSpec(
        lr=0.1, batch_size=None, epochs=5, dtype="float64")),
}


@pytest.mark.parametrize("case", list(EXTRA_CASES))
def test_more_cases_agree_with_numpy(digits, case):
    net, spec = EXTRA_CASES[case]
    X, y = digits[0], digits[1]
    if spec.batch_size == 1:
        X, y = X[:300], y[:300]
    assert SklearnModel.supports(net, spec) is None
    loss_gap, weight_gap = gaps(net, spec, X, y)
    assert loss_gap <= TOL and weight_gap <= TOL, (loss_gap, weight_gap)


def test_two_softmax_units_for_two_classes(digits):
    """The credit recipes' [..., 2] softmax: two real softmax units, not one logistic unit."""
    net = NetSpec((64, 16, 2), "relu", "softmax", "categorical_crossentropy")
    spec = TrainSpec(optimizer="adam", lr=1e-3, batch_size=32, epochs=3, l2=0.03,
                     dtype="float64")
    X, y = digits[0], digits[1] % 2
    loss_gap, weight_gap = gaps(net, spec, X, y)
    assert loss_gap <= TOL and weight_gap <= TOL
    model, _ = train(SklearnModel, net, spec, X, y)
    assert model._clf.out_activation_ == "softmax" and model._clf.coefs_[-1].shape == (16, 2)
    outputs = model.predict_proba(X[:5])
    assert outputs.shape == (5, 2)
    np.testing.assert_allclose(outputs.sum(axis=1), 1, rtol=1e-12)


def test_one_sigmoid_unit_outputs_its_probability():
    case = verify.CASES["xor"]
    model, _ = train(SklearnModel, case.net, case.train, *case.data())
    clf = model._clf
    assert clf.out_activation_ == "logistic" and clf.coefs_[-1].shape == (8, 1)
    X = case.data()[0]
    outputs = model.predict_proba(X)
    assert outputs.shape == (len(X), 1)
    np.testing.assert_array_equal(outputs[:, 0], clf.predict_proba(X)[:, 1])


def test_no_bias_keeps_the_intercepts_at_zero(digits):
    net, spec = EXTRA_CASES["no-bias-adam-l2"]
    model, _ = train(SklearnModel, net, spec, digits[0], digits[1])
    assert all(b is None for _, b in model.get_weights())
    assert all(not np.any(b) for b in model._clf.intercepts_)
    assert model.n_params == net.n_params == 64 * 16 + 16 * 10
    native = SklearnModel(net, spec)
    assert all(not np.any(b) for b in native._clf.intercepts_)


def test_a_second_fit_continues_with_a_fresh_optimizer_as_numpy_does():
    case = verify.CASES["xor"]
    spec = case.train.replace(optimizer="adam", lr=0.05, epochs=5)
    X, y = case.data()
    models = []
    for backend in (NumpyModel, SklearnModel):
        model, _ = train(backend, case.net, spec, X, y)
        model.fit(X, y)
        models.append(model)
    for (W, b), (W2, b2) in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(W2, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b2, b, rtol=1e-10, atol=1e-12)


def test_the_epoch_loss_is_the_specs_not_sklearns(digits):
    """The spec clips probabilities at 1e-7 and adds the l2 penalty once, after the epoch;
    sklearn's loss_curve_ clips at the dtype's eps and adds each batch's penalty."""
    net, spec = EXTRA_CASES["sigmoid-10-adam-l2"]
    model, losses = train(SklearnModel, net, spec, digits[0], digits[1])
    sklearns = np.array(model._clf.loss_curve_) / net.n_outputs  # sklearn sums BCE over units
    assert np.all(np.abs(sklearns - losses) > 1e-9 * losses)  # the penalties differ ...
    ref, ref_losses = train(NumpyModel, net, spec, digits[0], digits[1])
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-12)  # ... ours is the spec's


@pytest.mark.parametrize("net", [
    NetSpec((64, 16, 10), "relu", "softmax", "categorical_crossentropy"),
    NetSpec((64, 16, 10), "tanh", "sigmoid", "binary_crossentropy"),
], ids=["softmax", "sigmoid"])
def test_saturated_probabilities_are_clipped_at_1e_7_as_the_spec_says(digits, net):
    """Large weights push many probabilities past 1e-7 and 1 - 1e-7, where sklearn's own loss
    (clipped at 2.2e-16) and the spec's part ways; the epoch loss must still be the spec's."""
    spec = TrainSpec(lr=1e-4, batch_size=None, shuffle=False, epochs=2, dtype="float64")
    weights = [(20 * W, b) for W, b in initial_weights(net, 0)]
    X, y = digits[0], digits[1]
    ref, ref_losses = train(NumpyModel, net, spec, X, y, weights)
    model, losses = train(SklearnModel, net, spec, X, y, weights)
    np.testing.assert_allclose(losses, ref_losses, rtol=TOL)
    sklearns = np.array(model._clf.loss_curve_) / (net.n_outputs if net.output == "sigmoid" else 1)
    assert np.all(np.abs(sklearns - ref_losses) > 1e-3 * ref_losses)


# --- what sklearn cannot do ------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["leaky_relu", "elu"])
def test_hidden_activations_sklearn_lacks_are_unsupported(activation):
    reason = SklearnModel.supports(NetSpec((4, 5, 3), activation), TrainSpec())
    assert reason and activation in reason and "relu" in reason


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
def test_mse_is_unsupported(output):
    reason = SklearnModel.supports(NetSpec((4, 5, 3), "relu", output, "mse"), TrainSpec())
    assert reason and "mse" in reason and "log-loss" in reason


def test_the_course_section_2_step_is_unsupported_because_of_its_mse():
    case = verify.CASES["course-2"]
    assert "mse" in SklearnModel.supports(case.net, case.train)
    assert "mse" in SklearnModel.supports(verify.CASES["xor-mse-online"].net,
                                          verify.CASES["xor-mse-online"].train)


def test_the_perceptron_rule_is_unsupported():
    recipe = get_task("and").recipes["perceptron"]
    reason = SklearnModel.supports(recipe.net, recipe.train)
    assert reason and "perceptron" in reason
    with pytest.raises(ValueError, match="cannot train"):
        SklearnModel(recipe.net, recipe.train).fit(*verify.CASES["xor"].data())


def test_soft_targets_are_refused():
    net = NetSpec((2, 3, 2), "tanh")
    model = SklearnModel(net, TrainSpec(epochs=1))
    with pytest.raises(ValueError, match="0/1 targets"):
        model.fit(np.zeros((2, 2)), np.array([[0.3, 0.7], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="one-hot"):
        model.fit(np.zeros((2, 2)), np.array([[1.0, 1.0], [1.0, 0.0]]))


def test_every_supported_recipe_runs_without_deviations():
    supported = 0
    for task in ("and", "or", "xor", "credit-risk", "digits", "mnist", "german-credit",
                 "credit-default"):
        for recipe in get_task(task).recipes.values():
            if SklearnModel.supports(recipe.net, recipe.train) is None:
                supported += 1
                assert SklearnModel.deviations(recipe.net, recipe.train) == []
    assert supported >= 10


# --- native init, float32, callbacks, determinism ----------------------------------------------

def test_native_init_is_sklearns_own_and_trains_like_mlpclassifier_fit(digits):
    """Without set_weights, training follows MLPClassifier.fit from random_state=seed exactly
    (sgd with classical momentum, sklearn's order: shuffle=False)."""
    X, y = digits[0], digits[1]
    net = NetSpec((64, 32, 10), "relu")
    spec = TrainSpec(optimizer="momentum", lr=0.05, momentum=0.9, batch_size=64, epochs=3,
                     shuffle=False, dtype="float64", seed=7)
    model, losses = train(SklearnModel, net, spec, X, y, weights=None)
    clf = MLPClassifier((32,), "relu", solver="sgd", alpha=0.0, batch_size=64,
                        learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=False,
                        shuffle=False, max_iter=3, random_state=7, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    for (W, b), W_sk, b_sk in zip(model.get_weights(), clf.coefs_, clf.intercepts_):
        np.testing.assert_allclose(W, W_sk, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b, b_sk, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(losses, clf.loss_curve_, rtol=1e-12)


def test_one_logistic_unit_trains_like_mlpclassifier_on_binary_labels():
    case = verify.CASES["xor"]
    X, y = case.data()
    model, _ = train(SklearnModel, case.net, case.train, X, y, weights=None)
    clf = MLPClassifier((8,), "tanh", solver="sgd", alpha=0.0, batch_size=len(X),
                        learning_rate_init=0.5, momentum=0.0, shuffle=False, max_iter=50,
                        random_state=case.train.seed, tol=0.0, n_iter_no_change=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    for (W, _), W_sk in zip(model.get_weights(), clf.coefs_):
        np.testing.assert_allclose(W, W_sk, rtol=1e-12, atol=1e-14)


def test_float32_trains_digits_modern_in_float32(digits):
    X, y, X_test, y_test = digits
    recipe = get_task("digits").recipes["modern"]
    spec = recipe.train.replace(epochs=3)
    assert spec.dtype == "float32"
    model, losses = train(SklearnModel, recipe.net, spec, X, y, weights=None)
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in model.get_weights())
    outputs = model.predict_proba(X_test)
    assert outputs.dtype == np.float32 and outputs.shape == (len(y_test), 10)
    assert np.mean(model.predict(X_test) == y_test) > 0.9
    assert losses[-1] < losses[0]
    shared, _ = train(SklearnModel, recipe.net, spec, X, y)
    assert np.mean(shared.predict(X_test) == y_test) > 0.9


def test_on_epoch_stops_training():
    case = verify.CASES["xor"]
    model = SklearnModel(case.net, case.train)
    seen = []
    model.fit(*case.data(), on_epoch=lambda epoch, loss: seen.append(epoch) or epoch == 2)
    assert seen == [0, 1, 2] and model.epochs_run == 3 and len(model.loss_history_) == 3


@pytest.mark.parametrize("weights", ["shared", None])
def test_the_same_seed_gives_the_same_run(digits, weights):
    net, spec = verify.CASES["digits-adam"].net, verify.CASES["digits-adam"].train
    spec = spec.replace(epochs=2, dtype="float32")
    (a, la), (b, lb) = (train(SklearnModel, net, spec, digits[0], digits[1], weights)
                        for _ in range(2))
    np.testing.assert_array_equal(la, lb)
    for (W, c), (W2, c2) in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(c, c2)


def test_weights_round_trip_as_copies():
    net = NetSpec((4, 5, 3))
    model = SklearnModel(net, TrainSpec(dtype="float64"))
    weights = [(W, b + 0.5) for W, b in initial_weights(net, 3)]
    model.set_weights(weights)
    got = model.get_weights()
    for (W, b), (W0, b0) in zip(got, weights):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    got[0][0][:] = 99
    assert not np.any(model.get_weights()[0][0] == 99)


# --- the sklearn internals the adapter relies on --------------------------------------------

def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_private_sklearn_members_used_are_still_there():
    """Fails when an sklearn release renames or reshapes what sklearn_backend's private block
    uses; adjust that block (and only it) then."""
    assert _parameters(MLPClassifier._initialize) == ["self", "y", "layer_units", "dtype"]
    assert _parameters(MLPClassifier._backprop) == [
        "self", "X", "y", "sample_weight", "activations", "deltas", "coef_grads",
        "intercept_grads"]
    assert _parameters(MLPClassifier._validate_input) == [
        "self", "X", "y", "incremental", "reset"]
    assert _parameters(SGDOptimizer.__init__) == [
        "self", "params", "learning_rate_init", "lr_schedule", "momentum", "nesterov", "power_t"]
    assert _parameters(AdamOptimizer.__init__) == [
        "self", "params", "learning_rate_init", "beta_1", "beta_2", "epsilon"]
    assert _parameters(AdamOptimizer._get_updates) == ["self", "grads"]
    source = inspect.getsource(MLPClassifier._fit_stochastic)
    assert 'not incremental or not hasattr(self, "_optimizer")' in source
    assert "self._optimizer.update_params(params, grads)" in source


def test_partial_fit_keeps_our_optimizer_and_calls_our_backprop(digits):
    net, spec = verify.CASES["digits-adam"].net, verify.CASES["digits-adam"].train
    model, _ = train(SklearnModel, net, spec, digits[0], digits[1])
    optimizer = model._clf._optimizer
    assert isinstance(optimizer, sklearn_backend._SpecAdam)
    steps = spec.epochs * -(-len(digits[0]) // spec.batch_size)
    assert optimizer.t == steps  # one optimizer over every epoch's partial_fit
    assert model._clf.spec_rows == len(digits[0])  # the last epoch's batches went through ours
    assert model._clf.spec_checked is False


@pytest.mark.parametrize("n, batch_size", [(10, 3), (1437, 64), (1437, 128), (5, 1), (7, 7)])
def test_sklearns_batches_are_the_shared_ones(n, batch_size):
    spec = TrainSpec(batch_size=batch_size, shuffle=False)
    ours = [idx.tolist() for idx in batches(n, spec, 0)]
    assert [list(range(n))[s] for s in gen_batches(n, batch_size)] == ours
