"""Metrics for the credit tasks: ROC AUC, the UCI cost of German credit, trivial baselines.

All are computed from labels and the network's output activations (what `Task.metrics`
receives), in NumPy only. Class 1 is the "positive" class whose probability is scored: "bad"
for German credit, "default" for credit-default.

A network's score for class 1 is read from its outputs as follows: one output unit (sigmoid)
-> that unit; two units -> (1 + out[:, 1] - out[:, 0]) / 2, which is exactly out[:, 1] for
softmax outputs and orders rows as the argmax decision does for any other output.
"""

from __future__ import annotations

import numpy as np

from bench.spec.targets import decode_outputs

#: German credit's cost matrix (german.doc, section 8): a bad customer classified good costs 5,
#: a good customer classified bad costs 1, right answers cost nothing.
COST_BAD_AS_GOOD = 5.0
COST_GOOD_AS_BAD = 1.0
#: The decision threshold on P(bad) that minimises the expected cost: 1 / (1 + 5).
BAYES_THRESHOLD = COST_GOOD_AS_BAD / (COST_GOOD_AS_BAD + COST_BAD_AS_GOOD)


def positive_score(outputs: np.ndarray) -> np.ndarray:
    """Each row's score (probability, for softmax or one sigmoid unit) of class 1."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim != 2 or outputs.shape[1] not in (1, 2):
        raise ValueError(f"outputs of a two-class net have shape (n, 1) or (n, 2), "
                         f"got {outputs.shape}")
    if outputs.shape[1] == 1:
        return outputs[:, 0]
    return (1.0 + outputs[:, 1] - outputs[:, 0]) / 2.0


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve of `scores` for labels `y_true` (1 = positive, 0 = negative).

    Rank-based (Mann-Whitney U): the probability that a random positive scores higher than a
    random negative, ties counting one half (tied scores share their average rank). NaN when
    either class is absent.
    """
    y = np.asarray(y_true)
    scores = np.asarray(scores, dtype=np.float64)
    if y.shape != scores.shape or y.ndim != 1:
        raise ValueError(f"y_true {y.shape} and scores {scores.shape} must be equal-length 1-d")
    positive = y == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    # Average rank (1-based) of each run of tied scores.
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], scores.size]
    average = (starts + 1 + ends) / 2.0
    ranks = np.empty(scores.size)
    ranks[order] = np.repeat(average, ends - starts)
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def uci_cost(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean cost per row under German credit's cost matrix (labels: 0 = good, 1 = bad)."""
    y, pred = np.asarray(y_true), np.asarray(y_pred)
    if y.size == 0:
        return float("nan")
    cost = COST_BAD_AS_GOOD * np.sum((y == 1) & (pred == 0)) + \
        COST_GOOD_AS_BAD * np.sum((y == 0) & (pred == 1))
    return float(cost / y.size)


def majority_accuracy(y_true: np.ndarray) -> float:
    """Accuracy of always answering the most frequent class of `y_true`.

    With the tasks' stratified splits the test set's majority class is the training set's,
    so this is the accuracy of the majority-class rule a network has to beat.
    """
    y = np.asarray(y_true)
    return float(np.bincount(y).max() / y.size) if y.size else float("nan")


def german_credit_metrics(y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """test_auc, test_cost (argmax decisions), test_cost_bayes (bad when P(bad) >= 1/6),
    majority_accuracy, and baseline_cost (the cheaper constant answer: all good costs
    5 x share of bad, all bad costs 1 x share of good)."""
    y = np.asarray(y_true)
    score = positive_score(outputs)
    share_bad = float(np.mean(y == 1)) if y.size else float("nan")
    return {
        "test_auc": roc_auc(y, score),
        "test_cost": uci_cost(y, decode_outputs(outputs)),
        "test_cost_bayes": uci_cost(y, (score >= BAYES_THRESHOLD).astype(np.int64)),
        "majority_accuracy": majority_accuracy(y),
        "baseline_cost": min(COST_BAD_AS_GOOD * share_bad, COST_GOOD_AS_BAD * (1 - share_bad)),
    }


def auc_and_majority(y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """test_auc and majority_accuracy (credit-default)."""
    return {"test_auc": roc_auc(np.asarray(y_true), positive_score(outputs)),
            "majority_accuracy": majority_accuracy(y_true)}
