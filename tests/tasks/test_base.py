import numpy as np
import pytest

from backends.numpy_backend import NumpyModel
from bench.spec import NetSpec, TrainSpec
from tasks.base import course_lr


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("n_outputs", [1, 3, 10])
def test_course_lr_takes_the_course_step(n_outputs):
    """One online step of the course's rule (w += lr * x^T (t - y) y (1 - y)) equals one step
    of nnbench's mse at course_lr(lr, n_outputs)."""
    rng = np.random.default_rng(n_outputs)
    x, t = rng.random((1, 4)), np.eye(n_outputs)[[0]] if n_outputs > 1 else np.array([[1.0]])
    W = rng.normal(size=(4, n_outputs))
    y = sigmoid(x @ W)
    course = W + 0.1 * x.T @ ((t - y) * y * (1 - y))

    net = NetSpec((4, n_outputs), output="sigmoid", loss="mse", bias=False)
    model = NumpyModel(net, TrainSpec(lr=course_lr(0.1, n_outputs), batch_size=1, epochs=1,
                                      dtype="float64"))
    model.set_weights([(W, None)])
    model.fit(x, t)
    np.testing.assert_allclose(model.get_weights()[0][0], course, rtol=1e-12)
