"""The worker's leave-one-out refits (`bench.execution.worker.Refits`)."""

from __future__ import annotations

import numpy as np
import pytest

from backends.registry import get_backend
from bench.execution.worker import Refits
from tasks.registry import get_task


@pytest.mark.parametrize("init, in_place", [("shared", True), ("native", False)])
def test_refits_on_one_model_give_what_a_new_model_per_fold_gives(init, in_place):
    Model = get_backend("torch")
    task = get_task("credit-risk")
    spec = task.recipes["modern"]
    train = spec.train.replace(epochs=30)
    folds = task.folds(0)[:4]
    kept = Refits(Model, spec.net, train, init)
    assert kept.in_place is in_place
    new_each_time = Refits(Model, spec.net, train, init)
    new_each_time.in_place = False
    models = []   # held, so that no id is reused
    for fold in folds:
        np.testing.assert_array_equal(kept(fold), new_each_time(fold))
        models.append(kept._model)
    assert len({id(m) for m in models}) == (1 if in_place else len(folds))


def test_a_backend_that_does_not_refit_in_place_gets_a_new_model_per_fold():
    Model = get_backend("numpy")
    assert not Model.refits_in_place
    spec = get_task("credit-risk").recipes["modern"]
    assert not Refits(Model, spec.net, spec.train, "shared").in_place
