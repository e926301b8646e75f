"""The spec layer: what a run is, in terms every backend and task shares.

The only part of `bench` that `backends/` and `tasks/` import (tests/test_layout.py keeps it
so): the specs (`specs`), the numbers that define their maths (`constants`), the shared initial
weights (`weights`), batch order (`batching`) and target encoding (`targets`), and thread
parity (`threads`).
"""

from bench.spec.specs import (
    DTYPES,
    HIDDEN_ACTIVATIONS,
    INITS,
    LOSS_OUTPUTS,
    LOSSES,
    OPTIMIZERS,
    OUTPUT_ACTIVATIONS,
    NetSpec,
    Recipe,
    SpecError,
    TrainSpec,
    check_pair,
)

__all__ = ["DTYPES", "HIDDEN_ACTIVATIONS", "INITS", "LOSSES", "LOSS_OUTPUTS", "OPTIMIZERS",
           "OUTPUT_ACTIVATIONS", "NetSpec", "Recipe", "SpecError", "TrainSpec", "check_pair"]
