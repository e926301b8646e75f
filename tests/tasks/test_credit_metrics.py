import itertools
import math

import numpy as np
import pytest

from tasks.credit_metrics import (
    BAYES_THRESHOLD,
    auc_and_majority,
    german_credit_metrics,
    majority_accuracy,
    positive_score,
    roc_auc,
    uci_cost,
)


def pairwise_auc(y, scores):
    """The definition: P(score of a positive > score of a negative), ties count 1/2."""
    pos, neg = scores[y == 1], scores[y == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


@pytest.mark.parametrize("scores, expected", [
    ([0.1, 0.2, 0.8, 0.9], 1.0),     # positives on top
    ([0.9, 0.8, 0.2, 0.1], 0.0),     # inverted
    ([0.5, 0.5, 0.5, 0.5], 0.5),     # all tied
    ([0.1, 0.8, 0.2, 0.9], 0.75),    # one of four pairs in the wrong order
    ([0.1, 0.5, 0.5, 0.9], 0.875),   # one tied pair counts one half
])
def test_auc_small_cases(scores, expected):
    assert roc_auc(np.array([0, 0, 1, 1]), np.array(scores)) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_the_pairwise_definition_with_many_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 60)
    scores = rng.integers(0, 6, 60) / 5.0  # only six distinct values: ties everywhere
    assert roc_auc(y, scores) == pytest.approx(pairwise_auc(y, scores))


def test_auc_is_nan_without_both_classes_and_checks_shapes():
    assert math.isnan(roc_auc(np.ones(3, dtype=int), np.array([0.1, 0.2, 0.3])))
    with pytest.raises(ValueError, match="equal-length"):
        roc_auc(np.array([0, 1]), np.array([0.1, 0.2, 0.3]))


def test_positive_score_from_one_or_two_outputs():
    assert positive_score(np.array([[0.3], [0.9]])).tolist() == [0.3, 0.9]
    softmax = np.array([[0.7, 0.3], [0.2, 0.8]])
    assert np.allclose(positive_score(softmax), [0.3, 0.8])
    # Two sigmoid units: ordered as the argmax decides, 0.5 where the two units agree.
    assert np.allclose(positive_score(np.array([[0.6, 0.6], [0.1, 0.9]])), [0.5, 0.9])
    with pytest.raises(ValueError, match="\\(n, 1\\) or \\(n, 2\\)"):
        positive_score(np.zeros((2, 3)))


def test_uci_cost_counts_five_for_bad_as_good_and_one_for_good_as_bad():
    y = np.array([0, 0, 1, 1, 1])       # good, good, bad, bad, bad
    pred = np.array([1, 0, 0, 1, 0])    # one good->bad (1), two bad->good (5 each)
    assert uci_cost(y, pred) == pytest.approx((1 + 5 + 5) / 5)
    assert uci_cost(y, y) == 0.0


def test_majority_accuracy():
    assert majority_accuracy(np.array([0] * 7 + [1] * 3)) == pytest.approx(0.7)
    assert majority_accuracy(np.array([1, 1, 0])) == pytest.approx(2 / 3)


def test_german_metrics_on_softmax_outputs():
    y = np.array([0] * 7 + [1] * 3)
    p_bad = np.array([0.05, 0.1, 0.1, 0.2, 0.3, 0.6, 0.1, 0.9, 0.4, 0.15])
    outputs = np.column_stack([1 - p_bad, p_bad])
    metrics = german_credit_metrics(y, outputs)
    assert metrics["majority_accuracy"] == pytest.approx(0.7)
    assert metrics["baseline_cost"] == pytest.approx(0.7)  # all bad: 7 goods x 1 / 10 rows
    # argmax: bad when p_bad > 0.5 -> rows 5 (good, cost 1), 7 (bad); rows 8, 9 bad->good.
    assert metrics["test_cost"] == pytest.approx((1 + 5 + 5) / 10)
    # Bayes: bad when p_bad >= 1/6 -> goods 3, 4, 5 (cost 3); bad row 9 (0.15) -> good (5).
    assert BAYES_THRESHOLD == pytest.approx(1 / 6)
    assert metrics["test_cost_bayes"] == pytest.approx((3 + 5) / 10)
    assert metrics["test_auc"] == pytest.approx(pairwise_auc(y, p_bad))


def test_credit_default_metrics_on_one_sigmoid_unit():
    y = np.array([0, 0, 0, 1])
    metrics = auc_and_majority(y, np.array([[0.1], [0.2], [0.9], [0.8]]))
    assert metrics == {"test_auc": pytest.approx(2 / 3), "majority_accuracy": 0.75}
