"""The Keras lecture's generated clinical-trial table: its composition, seeds, ceiling, recipes."""

import numpy as np
import pytest

from backends.numpy_backend import NumpyModel
from bench.spec.weights import initial_weights
from tasks.credit_risk import lookup_ceiling
from tasks.drug_trial import DRUG_TRIAL, make_table
from tasks.registry import get_task


def _ages(X: np.ndarray) -> np.ndarray:
    """Whole-year ages back from the scaling (every seed's training table spans 13 to 100)."""
    return np.rint(X[:, 0] * (100 - 13) + 13).astype(int)


def _groups(ages: np.ndarray, y: np.ndarray) -> tuple[int, int, int, int]:
    """(younger with, younger without, older without, older with) side effects."""
    old = ages >= 65
    return (int(np.sum(~old & (y == 1))), int(np.sum(~old & (y == 0))),
            int(np.sum(old & (y == 0))), int(np.sum(old & (y == 1))))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_tables_have_the_lectures_composition(seed):
    split = DRUG_TRIAL.split(seed)
    assert split.X_train.shape == (2100, 1) and split.X_test.shape == (420, 1)
    assert split.X_train.min() == 0.0 and split.X_train.max() == 1.0  # scaled on its own rows
    assert 0.0 <= split.X_test.min() and split.X_test.max() <= 1.0
    train_ages, test_ages = _ages(split.X_train), _ages(split.X_test)
    np.testing.assert_allclose(split.X_train[:, 0], (train_ages - 13) / 87, atol=1e-12)
    assert _groups(train_ages, split.y_train) == (50, 1000, 50, 1000)
    assert _groups(test_ages, split.y_test) == (10, 200, 10, 200)  # a fifth, group by group
    assert set(train_ages) == set(range(13, 101))  # every whole year of both groups drawn
    assert not np.all(np.diff(split.y_train) >= 0)  # shuffled, not sorted by label


def test_each_seed_draws_its_own_table_and_always_the_same_one():
    first, again, other = DRUG_TRIAL.split(0), DRUG_TRIAL.split(0), DRUG_TRIAL.split(1)
    np.testing.assert_array_equal(first.X_train, again.X_train)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    assert not np.array_equal(first.X_train, other.X_train)


def test_make_table_scales_the_group_sizes():
    ages, labels = make_table(np.random.default_rng(0), scale=0.1)
    assert _groups(ages, labels) == (5, 100, 5, 100)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_no_model_can_beat_the_threshold_at_65(seed):
    """Side effects from 65 on gets 2,000/2,100 and 400/420 right, and no function of the age
    does better on the training table (the best answer for each age is its majority)."""
    split = DRUG_TRIAL.split(seed)
    assert np.sum((_ages(split.X_train) >= 65) == split.y_train) == 2000
    assert np.sum((_ages(split.X_test) >= 65) == split.y_test) == 400
    assert lookup_ceiling(split.X_train, split.y_train) == pytest.approx(2000 / 2100)


def test_course_recipe_is_the_lectures_keras_net():
    recipe = get_task("drug-trial").recipes["course"]
    net, train = recipe.net, recipe.train
    assert (net.layers, net.activation, net.output, net.loss, net.init) == (
        (1, 16, 32, 2), "relu", "softmax", "categorical_crossentropy", "glorot_uniform")
    assert (train.optimizer, train.lr, train.batch_size, train.shuffle, train.epochs) == (
        "adam", 1e-4, 10, True, 20)
    assert "sigmoid" in recipe.description and "softmax" in recipe.description


def _trained(recipe_name: str, seed: int) -> tuple[NumpyModel, object]:
    recipe, split = DRUG_TRIAL.recipes[recipe_name], DRUG_TRIAL.split(seed)
    train = recipe.train.replace(seed=seed)
    model = NumpyModel(recipe.net, train)
    model.set_weights(initial_weights(recipe.net, seed, train.dtype))
    return model.fit(split.X_train, split.y_train), split


def test_the_course_recipe_retraces_the_lectures_training_log():
    """The lecture printed loss 0.6400 after epoch 1 and 0.2824 (accuracy 0.9286) after 20."""
    model, split = _trained("course", 0)
    losses = model.loss_history_
    assert len(losses) == 20 and losses[0] == pytest.approx(0.64, abs=0.05)
    assert losses[-1] == pytest.approx(0.2824, abs=0.02)
    assert np.mean(model.predict(split.X_train) == split.y_train) == pytest.approx(0.9286,
                                                                                 abs=0.01)


def test_the_modern_recipe_reaches_the_ceiling():
    model, split = _trained("modern", 0)
    assert np.sum(model.predict(split.X_train) == split.y_train) == 2000
    assert np.sum(model.predict(split.X_test) == split.y_test) == 400
