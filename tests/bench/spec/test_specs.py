import json

import pytest

from bench.spec import (
    HIDDEN_ACTIVATIONS,
    INITS,
    LOSSES,
    OPTIMIZERS,
    NetSpec,
    Recipe,
    SpecError,
    TrainSpec,
    check_pair,
)


def test_defaults_match_the_design_contract():
    net, train = NetSpec((784, 256, 128, 10)), TrainSpec()
    assert (net.activation, net.output, net.loss, net.init, net.bias) == (
        "relu", "softmax", "categorical_crossentropy", "glorot_uniform", True)
    assert (train.optimizer, train.lr, train.momentum, train.batch_size, train.epochs,
            train.shuffle, train.l2, train.seed, train.dtype, train.time_budget, train.rows) == (
        "sgd", 0.01, 0.0, 32, 10, True, 0.0, 0, "float32", None, None)
    assert train.fd_epsilon == 1e-4  # the course's forward-difference step


def test_json_round_trip_of_specs_and_recipes():
    net = NetSpec([4, 3, 3], activation="tanh", init="normal_scaled", bias=False)
    train = TrainSpec(optimizer="adam", lr=0.003, batch_size=None, epochs=7, dtype="float64")
    recipe = Recipe("r", net, train, "a recipe")
    assert net.layers == (4, 3, 3)
    again = Recipe.from_dict(json.loads(json.dumps(recipe.to_dict())))
    assert again == recipe
    assert NetSpec.from_dict(json.loads(json.dumps(net.to_dict()))) == net


def test_the_finite_difference_step_round_trips_and_older_dicts_read_with_the_default():
    train = TrainSpec(optimizer="finite-difference", lr=0.01, batch_size=None, fd_epsilon=1e-6)
    assert TrainSpec.from_dict(json.loads(json.dumps(train.to_dict()))) == train
    older = TrainSpec(optimizer="sgd").to_dict()
    del older["fd_epsilon"]  # a plan or record written before the field existed
    assert TrainSpec.from_dict(older) == TrainSpec(optimizer="sgd")
    assert TrainSpec.from_dict({"optimizer": "finite-difference"}).fd_epsilon == 1e-4


def test_parameter_count():
    assert NetSpec((784, 256, 128, 10)).n_params == 784 * 256 + 256 + 256 * 128 + 128 + 1290
    assert NetSpec((2, 3, 1), output="sigmoid", loss="mse", bias=False).n_params == 9


@pytest.mark.parametrize("field, value, allowed", [
    ("activation", "swish", HIDDEN_ACTIVATIONS),
    ("loss", "hinge", LOSSES),
    ("init", "orthogonal", INITS),
])
def test_unknown_net_choices_name_the_field_and_the_allowed_values(field, value, allowed):
    with pytest.raises(SpecError) as err:
        NetSpec((2, 2), **{field: value})
    message = str(err.value)
    assert field in message and all(a in message for a in allowed)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"lr": 0}, "lr=0"), ({"lr": -0.1}, "lr=-0.1"), ({"lr": float("nan")}, "lr=nan"),
    ({"epochs": 0}, "epochs=0"), ({"epochs": 2.5}, "epochs=2.5"),
    ({"batch_size": 0}, "batch_size=0"), ({"batch_size": True}, "batch_size=True"),
    ({"optimizer": "momentum", "momentum": 1.0}, "momentum=1.0"),
    ({"optimizer": "sgd", "momentum": 0.9}, "momentum=0.9"),
    ({"optimizer": "momentum"}, "momentum=0.0"),
    ({"optimizer": "perceptron", "l2": 0.1}, "l2=0.1"),
    ({"l2": -1}, "l2=-1"), ({"seed": -1}, "seed=-1"),
    ({"dtype": "float16"}, "dtype='float16'"), ({"optimizer": "rmsprop"}, "optimizer"),
    ({"time_budget": 0}, "time_budget=0"), ({"shuffle": "yes"}, "shuffle='yes'"),
    ({"rows": 0}, "rows=0"), ({"rows": 10.5}, "rows=10.5"), ({"rows": True}, "rows=True"),
    ({"optimizer": "finite-difference", "fd_epsilon": 0}, "fd_epsilon=0"),
    ({"optimizer": "finite-difference", "fd_epsilon": float("inf")}, "fd_epsilon=inf"),
    ({"optimizer": "finite-difference", "fd_epsilon": True}, "fd_epsilon=True"),
    ({"optimizer": "sgd", "fd_epsilon": 1e-6}, "fd_epsilon=1e-06 with optimizer='sgd'"),
])
def test_invalid_train_values_are_refused(kwargs, fragment):
    with pytest.raises(SpecError, match="not allowed") as err:
        TrainSpec(**kwargs)
    assert fragment in str(err.value)
    if kwargs.get("optimizer") == "rmsprop":
        assert all(o in str(err.value) for o in OPTIMIZERS)


@pytest.mark.parametrize("kwargs", [
    {"layers": (3,)}, {"layers": (3, 0, 2)}, {"layers": (3, 2.0)},
    {"layers": (3, 1), "output": "softmax"},
    {"layers": (3, 2), "output": "sigmoid", "loss": "categorical_crossentropy"},
    {"layers": (3, 2), "output": "softmax", "loss": "binary_crossentropy"},
])
def test_invalid_nets_are_refused(kwargs):
    with pytest.raises(SpecError, match="not allowed"):
        NetSpec(**kwargs)


def test_unknown_fields_in_a_dict_are_named():
    with pytest.raises(SpecError, match="learning_rate") as err:
        TrainSpec.from_dict({"learning_rate": 0.1})
    assert "lr" in str(err.value)


def test_perceptron_rule_needs_a_single_step_layer():
    step = NetSpec((2, 1), output="step", loss="mse")
    check_pair(step, TrainSpec(optimizer="perceptron"))
    with pytest.raises(SpecError, match="single-layer"):
        check_pair(NetSpec((2, 2, 1), output="step", loss="mse"), TrainSpec(optimizer="perceptron"))
    with pytest.raises(SpecError, match="no gradient"):
        Recipe("r", step, TrainSpec(optimizer="sgd"))
    with pytest.raises(SpecError, match="step"):
        Recipe("r", NetSpec((2, 2, 1), activation="step", output="sigmoid", loss="mse"),
               TrainSpec())


def test_replace_validates():
    with pytest.raises(SpecError):
        TrainSpec().replace(epochs=0)
    assert TrainSpec().replace(seed=4).seed == 4
