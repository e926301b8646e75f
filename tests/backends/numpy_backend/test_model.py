"""`NumpyModel` as the harness uses it: the Model protocol, weights, input checks, callbacks."""

import numpy as np
import pytest

from backends import get_backend
from backends.numpy_backend import NumpyModel
from backends.protocol import Model
from bench.spec import NetSpec, TrainSpec
from bench.spec.weights import initial_weights

NET = NetSpec((4, 5, 3))
TRAIN = TrainSpec(epochs=3, seed=2)
RNG = np.random.default_rng(11)
X = RNG.normal(size=(20, 4))
Y = RNG.integers(0, 3, 20)


def test_follows_the_model_protocol():
    assert get_backend("numpy") is NumpyModel
    model = NumpyModel(NET, TRAIN)
    assert isinstance(model, Model)
    assert NumpyModel.name == "numpy" and NumpyModel.framework == "numpy"
    assert NumpyModel.framework_version() == np.__version__
    assert model.net is NET and model.train is TRAIN
    assert model.n_params == 4 * 5 + 5 + 5 * 3 + 3
    assert model.epochs_run == 0
    assert NumpyModel.supports(NET, TRAIN) is None


def test_initial_weights_are_the_shared_ones():
    model = NumpyModel(NET, TRAIN.replace(dtype="float64"))
    for (W, b), (W0, b0) in zip(model.get_weights(), initial_weights(NET, TRAIN.seed)):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_weights_round_trip_as_copies_in_the_model_dtype():
    model = NumpyModel(NET, TRAIN)
    weights = initial_weights(NET, 9, "float64")
    model.set_weights(weights)
    got = model.get_weights()
    for (W, b), (W0, b0) in zip(got, weights):
        assert W.dtype == np.float32 and b.dtype == np.float32
        np.testing.assert_array_equal(W, W0.astype(np.float32))
        np.testing.assert_array_equal(b, b0.astype(np.float32))
    got[0][0][:] = 99  # neither the returned arrays ...
    weights[0][0][:] = 99  # ... nor the ones given are the model's own
    assert not (model.get_weights()[0][0] == 99).any()


def test_no_bias_weights():
    net = NetSpec((2, 3, 1), output="sigmoid", loss="binary_crossentropy", bias=False)
    model = NumpyModel(net, TRAIN)
    assert all(b is None for _, b in model.get_weights())
    assert model.n_params == 2 * 3 + 3
    with pytest.raises(ValueError, match="no bias"):
        model.set_weights([(np.zeros((2, 3)), np.zeros(3)), (np.zeros((3, 1)), None)])


@pytest.mark.parametrize("weights, message", [
    ([(np.zeros((4, 5)), np.zeros(5))], "expected 2"),
    ([(np.zeros((5, 4)), np.zeros(5)), (np.zeros((5, 3)), np.zeros(3))], "layer 0: W has shape"),
    ([(np.zeros((4, 5)), np.zeros(5)), (np.zeros((5, 3)), np.zeros(2))], "layer 1: b has shape"),
    ([(np.zeros((4, 5)), np.zeros(5)), (np.full((5, 3), np.nan), np.zeros(3))], "NaN"),
])
def test_bad_weights_are_refused(weights, message):
    model = NumpyModel(NET, TRAIN)
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.set_weights(weights)
    np.testing.assert_array_equal(model.get_weights()[0][0], before[0][0])


@pytest.mark.parametrize("X_bad, message", [
    (np.zeros((5, 3)), r"expected \(n, 4\)"),
    (np.zeros(4), r"expected \(n, 4\)"),
    (np.array([[1.0, np.nan, 0, 0]]), "NaN"),
    (np.array([[1.0, np.inf, 0, 0]]), "infinite"),
    (np.array([["a", "b", "c", "d"]]), "numbers"),
    (np.zeros((0, 4)), "no rows"),
])
def test_bad_inputs_are_explained(X_bad, message):
    model = NumpyModel(NET, TRAIN)
    with pytest.raises(ValueError, match=message):
        model.fit(X_bad, np.zeros(len(X_bad), dtype=int))


@pytest.mark.parametrize("y_bad, message", [
    (np.zeros(19, dtype=int), r"expected \(20,\)"),
    (np.full(20, 3), r"0\.\.2"),
    (np.zeros((20, 2)), "2 columns"),
    (np.full((20, 3), np.nan), "NaN"),
])
def test_bad_targets_are_explained(y_bad, message):
    with pytest.raises(ValueError, match=message):
        NumpyModel(NET, TRAIN).fit(X, y_bad)


def test_predictions_have_the_protocol_shapes():
    model = NumpyModel(NET, TRAIN).fit(X, Y)
    proba = model.predict_proba(X)
    assert proba.shape == (20, 3) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    labels = model.predict(X)
    assert labels.shape == (20,) and labels.dtype == np.int64
    np.testing.assert_array_equal(labels, proba.argmax(axis=1))
    assert model.predict_proba(X[:0]).shape == (0, 3)


def test_labels_and_target_matrices_train_alike():
    a = NumpyModel(NET, TRAIN).fit(X, Y)
    b = NumpyModel(NET, TRAIN).fit(X, np.eye(3)[Y])
    for (Wa, ba), (Wb, bb) in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


def test_fit_returns_self_and_counts_epochs():
    model = NumpyModel(NET, TRAIN)
    assert model.fit(X, Y) is model
    assert model.epochs_run == 3 and len(model.loss_history_) == 3


def test_on_epoch_is_called_every_epoch_with_finite_losses():
    calls = []
    NumpyModel(NET, TRAIN.replace(epochs=5)).fit(X, Y, on_epoch=lambda e, loss: calls.append(
        (e, loss)))
    assert [e for e, _ in calls] == [0, 1, 2, 3, 4]
    assert all(isinstance(loss, float) and np.isfinite(loss) for _, loss in calls)


def test_on_epoch_returning_true_stops_training():
    calls = []

    def stop_after_two(epoch, loss):
        calls.append(epoch)
        return epoch == 1

    model = NumpyModel(NET, TRAIN.replace(epochs=10)).fit(X, Y, on_epoch=stop_after_two)
    assert calls == [0, 1] and model.epochs_run == 2


def test_same_seed_same_weights_other_seed_other_weights():
    train = TRAIN.replace(shuffle=True, batch_size=4)
    a = NumpyModel(NET, train).fit(X, Y).get_weights()
    b = NumpyModel(NET, train).fit(X, Y).get_weights()
    c = NumpyModel(NET, train.replace(seed=3)).fit(X, Y).get_weights()
    assert all(np.array_equal(Wa, Wb) for (Wa, _), (Wb, _) in zip(a, b))
    assert not np.array_equal(a[0][0], c[0][0])


def test_batch_order_alone_changes_the_result():
    """Same initial weights, different shuffling seed: the batch order reaches the weights."""
    start = initial_weights(NET, 0)
    results = []
    for seed in (0, 1):
        model = NumpyModel(NET, TRAIN.replace(seed=seed, batch_size=4))
        model.set_weights(start)
        results.append(model.fit(X, Y).get_weights()[0][0])
    assert not np.array_equal(*results)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept_everywhere(dtype):
    model = NumpyModel(NET, TRAIN.replace(dtype=dtype, optimizer="adam", l2=0.01))
    model.fit(X.astype(np.float64), Y)
    assert all(W.dtype == dtype and b.dtype == dtype for W, b in model.get_weights())
    assert model.predict_proba(X).dtype == dtype
    assert model.forward(X).activations[1].dtype == dtype
    assert all(dW.dtype == dtype for dW, _ in model.loss_gradients(X, Y).weights)


def test_fit_continues_from_the_current_weights():
    model = NumpyModel(NET, TRAIN.replace(epochs=2))
    model.fit(X, Y)
    after_two = model.get_weights()
    model.fit(X, Y)
    assert not np.array_equal(after_two[0][0], model.get_weights()[0][0])
    assert model.epochs_run == 2


def test_epoch_loss_includes_the_l2_penalty_at_the_end_of_the_epoch():
    train = TRAIN.replace(epochs=1, l2=0.5, batch_size=None, shuffle=False, dtype="float64")
    model = NumpyModel(NET, train)
    before = model.loss(X, Y)
    model.fit(X, Y)
    penalty_after = 0.25 * sum(np.sum(W**2) for W, _ in model.get_weights())
    penalty_before = 0.25 * sum(np.sum(W**2) for W, _ in NumpyModel(NET, train).get_weights())
    assert model.loss_history_[0] == pytest.approx(before - penalty_before + penalty_after)


def test_step_hidden_units_run_forward_only():
    # XOR by hand with the course's threshold units: OR-like and AND-like hidden units
    net = NetSpec((2, 2, 1), activation="step", output="step", loss="mse", bias=False)
    model = NumpyModel(net, TrainSpec())
    model.set_weights([(np.array([[1.0, 0.5], [1.0, 0.5]]), None),
                       (np.array([[1.0], [-1.0]]), None)])
    gates = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    assert model.predict(gates).tolist() == [0, 1, 1, 0]
    reason = NumpyModel.supports(net, TrainSpec())
    assert reason and "step" in reason
    with pytest.raises(ValueError, match="step"):
        model.fit(gates, np.array([0, 1, 1, 0]))


def test_perceptron_with_hidden_layers_is_unsupported():
    net = NetSpec((2, 3, 1), activation="sigmoid", output="step", loss="mse")
    assert "single-layer" in NumpyModel.supports(net, TrainSpec(optimizer="perceptron"))


def test_constructor_wants_specs():
    with pytest.raises(TypeError, match="NetSpec"):
        NumpyModel({"layers": [2, 1]}, TRAIN)
