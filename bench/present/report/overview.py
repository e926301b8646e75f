"""The report's overview, at its top: every task x recipe, every backend against NumPy (steady
epoch as a multiple of NumPy's, mean test accuracy minus NumPy's) as one table, and the same
numbers as a figure (`bench.present.overview_plot`). The numbers come from
`bench.judge.compare.overview`; cells whose timings cannot be trusted are marked " !".
"""

from __future__ import annotations

from bench.judge.compare import Overview
from bench.present import format as fmt
from bench.present.report.table import Table

#: the overview figure's file in plots/
OVERVIEW_PNG = "overview.png"


def overview_table(o: Overview) -> Table:
    """task, recipe, the reference's own cell, then one relative cell per other backend."""
    rows = [[task, recipe, fmt.reference_cell(o.references.get((task, recipe))),
             *(fmt.relative_cell(o.changes.get((task, recipe, b))) for b in o.backends)]
            for task, recipe in o.rows]
    return Table(["task", "recipe", o.reference, *o.backends], rows)


def overview_title(o: Overview) -> str:
    return f"Overview: every backend against {o.reference}"


def overview_text(o: Overview) -> str:
    """How to read the table, and which task x recipes it leaves out."""
    text = (f"Each cell: the backend's steady-epoch time as a multiple of {o.reference}'s "
            f"(×2.00: twice as long) · its mean test accuracy minus {o.reference}'s (±0: the "
            f"same); the {o.reference} column holds its own steady epoch and accuracy. "
            f"{fmt.UNTRUSTED.strip()} marks timings that cannot be trusted (the tables' notes "
            "say why).")
    if o.left_out:
        text += (f" Not shown, as no other backend ran them ok: "
                 f"{', '.join(f'{t}/{r}' for t, r in o.left_out)}.")
    return text
