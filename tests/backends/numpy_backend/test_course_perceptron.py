"""Course section 1: the perceptron learning rule on AND, OR and XOR (and what it cannot do)."""

import numpy as np
import pytest

from backends.numpy_backend import NumpyModel
from bench.spec import NetSpec, SpecError, TrainSpec

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
AND = np.array([0, 0, 0, 1])
OR = np.array([0, 1, 1, 1])
XOR = np.array([0, 1, 1, 0])

COURSE_NET = NetSpec((2, 1), output="step", loss="mse", init="zeros", bias=False)
COURSE_TRAIN = TrainSpec(optimizer="perceptron", lr=0.1, batch_size=1, shuffle=False,
                         epochs=100, dtype="float64")


def test_and_is_learned_with_the_course_weights():
    model = NumpyModel(COURSE_NET, COURSE_TRAIN)
    seen = []
    model.fit(X, AND, on_epoch=lambda epoch, loss: seen.append(model.get_weights()[0][0].ravel()))
    assert (model.predict(X) == AND).all()
    (W, b), = model.get_weights()
    assert b is None and W.ravel().tolist() == [0.5, 0.5]
    # each epoch adds 0.1 to both weights on row (1,1), until the sum reaches the threshold 1
    np.testing.assert_allclose(seen[:5], [[0.1 * k] * 2 for k in range(1, 6)], rtol=1e-12)
    # five epochs with one error each (loss 1/4), then one clean epoch that stops training
    assert model.epochs_run == 6
    assert model.loss_history_ == [0.25] * 5 + [0.0]


def test_or_is_learned():
    model = NumpyModel(COURSE_NET, COURSE_TRAIN).fit(X, OR)
    assert (model.predict(X) == OR).all()
    assert model.loss_history_[-1] == 0 and model.epochs_run < COURSE_TRAIN.epochs


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("bias", [False, True])
def test_xor_is_never_learned(seed, bias):
    net = COURSE_NET.replace(bias=bias)
    train = COURSE_TRAIN.replace(shuffle=True, seed=seed, epochs=300)
    losses = []
    model = NumpyModel(net, train).fit(X, XOR, on_epoch=lambda e, loss: losses.append(loss))
    assert model.epochs_run == 300  # never an epoch without errors
    assert min(losses) >= 0.25  # at least one row of four wrong in every epoch
    assert (model.predict(X) == XOR).mean() < 1


def test_a_bias_is_needed_when_all_zero_inputs_must_fire():
    nand = np.array([1, 1, 1, 0])
    without = NumpyModel(COURSE_NET, COURSE_TRAIN).fit(X, nand)
    with_bias = NumpyModel(COURSE_NET.replace(bias=True), COURSE_TRAIN).fit(X, nand)
    assert (without.predict(X) == nand).mean() < 1
    assert (with_bias.predict(X) == nand).all()


def test_several_output_units_learn_independently():
    net = NetSpec((2, 2), output="step", loss="mse", init="zeros", bias=False)
    targets = np.stack([AND, OR], axis=1).astype(float)
    model = NumpyModel(net, COURSE_TRAIN).fit(X, targets)
    np.testing.assert_array_equal(model.predict_proba(X), targets)
    assert model.get_weights()[0][0][:, 0].tolist() == [0.5, 0.5]  # the AND unit, as above


def test_the_rule_is_online_whatever_the_batch_size():
    online = NumpyModel(COURSE_NET, COURSE_TRAIN).fit(X, AND)
    batched = NumpyModel(COURSE_NET, COURSE_TRAIN.replace(batch_size=None)).fit(X, AND)
    assert online.get_weights()[0][0].tolist() == batched.get_weights()[0][0].tolist()
    assert online.loss_history_ == batched.loss_history_


def test_on_epoch_can_stop_the_rule_early():
    model = NumpyModel(COURSE_NET, COURSE_TRAIN).fit(X, XOR, on_epoch=lambda e, loss: e == 2)
    assert model.epochs_run == 3


@pytest.mark.parametrize("change, reason", [
    ({"l2": 0.1}, "l2"), ({"momentum": 0.5}, "momentum"),
])
def test_settings_the_rule_cannot_follow_are_refused(change, reason):
    with pytest.raises(SpecError, match=reason):
        COURSE_TRAIN.replace(**change)


def test_float32_learns_and_too():
    model = NumpyModel(COURSE_NET, COURSE_TRAIN.replace(dtype="float32")).fit(X, AND)
    assert (model.predict(X) == AND).all() and model.get_weights()[0][0].dtype == np.float32
