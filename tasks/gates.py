"""The logic gates AND, OR and XOR: four rows, resubstitution, and the course's three recipes.

The truth table *is* the problem, so the four rows are both the training and the test data.
The `perceptron` recipe shows the course's contrast (AND and OR are learned, XOR never is),
`course` is the course's from-scratch 2-2-1 sigmoid network, and `modern` a small current-
practice network that learns all three gates from every seed. XOR also offers
`finite-difference`, the lecture on gradient descent with estimated gradients.
"""

from __future__ import annotations

import numpy as np

from bench.spec import NetSpec, Recipe, TrainSpec
from tasks.base import Split, Task, course_lr

#: the inputs in truth-table order
INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)


def gate_recipes() -> dict[str, Recipe]:
    """The recipes every gate offers (a fresh dict per task)."""
    recipes = (
        Recipe(
            "perceptron",
            NetSpec((2, 1), output="step", loss="mse", init="zeros", bias=False),
            TrainSpec(optimizer="perceptron", lr=0.1, batch_size=1, shuffle=False, epochs=50,
                      dtype="float64"),
            "course perceptron rule: weights from 0, no bias, threshold 1, lr 0.1, online",
        ),
        Recipe(
            "course",
            NetSpec((2, 2, 1), activation="sigmoid", output="sigmoid", loss="mse",
                    init="normal_scaled", bias=True),
            TrainSpec(optimizer="sgd", lr=course_lr(0.1, 1), batch_size=1, epochs=1000,
                      dtype="float64"),
            "course from-scratch 2-2-1 sigmoid net, MSE, online SGD at the course's lr 0.1 "
            "(0.05 in nnbench's mse convention), 1000 epochs",
        ),
        Recipe(
            "modern",
            NetSpec((2, 8, 1), activation="tanh", output="sigmoid", loss="binary_crossentropy",
                    init="glorot_uniform"),
            TrainSpec(optimizer="adam", lr=0.05, batch_size=None, epochs=300, dtype="float64"),
            "2-8-1 tanh, sigmoid output, binary cross-entropy, Adam full batch, 300 epochs",
        ),
    )
    return {recipe.name: recipe for recipe in recipes}


#: the lecture that trains a 2-3-1 sigmoid net by gradient descent on gradients estimated by
#: forward differences (NumPy only). It shows no data; XOR fits the net's shape. Its cost, the
#: MSE summed over the output units and divided by the rows, is nnbench's mse for one output
#: unit, so its learning rate needs no translation (unlike course_lr's backprop rule).
FINITE_DIFFERENCE = Recipe(
    "finite-difference",
    NetSpec((2, 3, 1), activation="sigmoid", output="sigmoid", loss="mse", init="normal_scaled",
            bias=True),
    TrainSpec(optimizer="finite-difference", lr=0.01, batch_size=None, shuffle=False,
              epochs=1000, dtype="float64"),
    "the lecture's 2-3-1 sigmoid net, MSE, gradient descent on forward-difference estimates "
    "(eps 1e-4: 14 forward passes a step, one per parameter and one at the weights), the "
    "whole table each step, lr 0.01, 1000 epochs",
)


def gate_task(name: str, outputs: tuple[int, int, int, int], description: str,
              *extra: Recipe) -> Task:
    """A gate task whose truth table maps INPUTS to `outputs`, with `extra` recipes after the
    shared ones."""
    y = np.array(outputs, dtype=np.int64)

    def load(seed: int) -> Split:
        # The seed has nothing to choose: every row is both trained on and tested.
        return Split(INPUTS.copy(), y.copy(), INPUTS.copy(), y.copy())

    return Task(
        name=name,
        description=description,
        classes=("0", "1"),
        n_features=2,
        protocol="resubstitution",
        recipes={**gate_recipes(), **{recipe.name: recipe for recipe in extra}},
        load=load,
        target_accuracy=1.0,
        source="truth table",
    )


AND = gate_task("and", (0, 0, 0, 1), "logical AND of two bits (linearly separable)")
OR = gate_task("or", (0, 1, 1, 1), "logical OR of two bits (linearly separable)")
XOR = gate_task("xor", (0, 1, 1, 0),
                "logical XOR of two bits (not linearly separable: needs a hidden layer)",
                FINITE_DIFFERENCE)
