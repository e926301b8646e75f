"""Terminal tables (rich): the run summary, `compare`, the gate's verdicts, `verify`, `list`.

Cells come from `bench.present.format`; every cell that holds a name or a reason is a
`rich.text.Text`, so what a user named (a recipe in a suite file) is printed literally and
never read as console markup. Only the styles this module adds are markup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.table import Table
from rich.text import Text

from bench.judge.compare import FASTER, SLOWER, Change
from bench.judge.gate import FLOOR, Verdict, Z
from bench.present import format as fmt
from bench.results.provenance import Provenance
from bench.results.scaling import TOP_POINTS, ScalingStudy
from bench.results.summary import GroupSummary

#: longest notes cell in the terminal table (the report's notes hold every reason in full)
NOTES_CELL_CHARS = 240
#: where a clipped note is read in full
IN_FULL = "in full: report.md"


def literal(text: object, style: str = "") -> Text:
    return Text(str(text), style=style)


def _columns(table: Table, names: Iterable[str], left: set[str], wrap: set[str]) -> None:
    for name in names:
        table.add_column(name, justify="left" if name in left else "right",
                         no_wrap=name not in wrap)


def _unsupported_only(s: GroupSummary) -> bool:
    return s.runs > 0 and not s.missing and set(s.statuses) == {"unsupported"}


def _fold_unsupported(members: list[GroupSummary]) -> tuple[list[GroupSummary], list[str], int]:
    """A task x recipe's rows, less the backends that cannot train it at all when there are
    two or more of them (the perceptron: every backend but NumPy): (rows, folded backends,
    their runs)."""
    folded = [s for s in members if _unsupported_only(s)]
    if len(folded) < 2:
        return members, [], 0
    return [s for s in members if s not in folded], [s.backend for s in folded], \
        sum(s.runs for s in folded)


#: below this console width the run table leaves its notes column out and the notes follow
#: the table as lines of their own (else rich squeezes the notes to nothing)
NOTES_COLUMN_MIN_WIDTH = 170


def summary_output(summaries: list[GroupSummary], title: str = "nnbench",
                   width: int = NOTES_COLUMN_MIN_WIDTH) -> list[Table | Text]:
    """What `nnbench run` and `report` print for a console `width` columns wide: the summary
    table, with its notes in a column where there is room for one, else under it, a line per
    row with a note."""
    if width >= NOTES_COLUMN_MIN_WIDTH:
        return [summary_table(summaries, title)]
    lines = [literal(f"{'/'.join(key)}: {note}", "dim") for key, note in _row_notes(summaries)]
    return [summary_table(summaries, title, notes=False),
            *([literal("notes:")] if lines else []), *lines]


def summary_table(summaries: list[GroupSummary], title: str = "nnbench",
                  notes: bool = True) -> Table:
    """Mean test accuracy ± 95% CI over seeds, seed range, times, run counts and (unless
    `notes` is False) notes per task x recipe x backend; the backends that cannot train a
    task x recipe by design share one row."""
    table = Table(title=literal(title), title_justify="left", header_style="bold")
    columns = ("task", "recipe", "backend", "test acc (95% CI)", "worst..best", "train acc",
               "fit", "steady epoch", "runs", "notes")
    _columns(table, columns if notes else columns[:-1],
             left={"task", "recipe", "backend", "runs", "notes"}, wrap={"runs", "notes"})
    previous_task = None
    for (task, recipe), rows, folded, folded_runs in _row_groups(summaries):
        if previous_task is not None and task != previous_task:
            table.add_section()
        previous_task = task
        first = True
        for s in rows:
            cells = [literal(task if first else ""), literal(recipe if first else ""),
                     literal(s.backend), fmt.accuracy_cell(s), fmt.worst_best(s),
                     fmt.train_accuracy(s), fmt.time_cell(s, "fit"),
                     fmt.time_cell(s, "steady_epoch"), literal(fmt.runs_cell(s))]
            table.add_row(*cells, *([literal(_note(s))] if notes else []))
            first = False
        if folded:
            cells = [literal(task if first else ""), literal(recipe if first else ""),
                     literal(f"{len(folded)} others"), *[fmt.DASH] * 5,
                     literal(f"0/{folded_runs} ok · unsupported {folded_runs}")]
            table.add_row(*cells, *([literal(_folded_note(folded))] if notes else []))
    return table


def _row_groups(summaries: list[GroupSummary]):
    """Per task x recipe, in the summaries' order: (key, rows, folded backends, their runs)."""
    groups: dict[tuple[str, str], list[GroupSummary]] = {}
    for s in summaries:
        groups.setdefault((s.task, s.recipe), []).append(s)
    for key, members in groups.items():
        yield (key, *_fold_unsupported(members))


def _row_notes(summaries: list[GroupSummary]) -> list[tuple[tuple[str, ...], str]]:
    """((task, recipe, backend), note) of every row of the table that has a note."""
    out = []
    for (task, recipe), rows, folded, _ in _row_groups(summaries):
        out += [((task, recipe, s.backend), _note(s)) for s in rows if _note(s)]
        if folded:
            out.append(((task, f"{recipe}, {len(folded)} others"), _folded_note(folded)))
    return out


def _note(s: GroupSummary) -> str:
    return fmt.clip(fmt.notes(s), NOTES_CELL_CHARS, IN_FULL)


def _folded_note(folded: list[str]) -> str:
    return f"unsupported by design: {', '.join(folded)} (each reason: report.md)"


def scaling_tables(study: ScalingStudy) -> list[Table | Text]:
    """Per task x axis of a scaling study: a table of exponents, shares of the peak and
    crossings per backend (the report's, less its notes column), who is fastest where, and a
    line per backend with points that did not run ok."""
    out: list[Table | Text] = []
    for axis in study.axes:
        columns = fmt.scaling_columns(axis, TOP_POINTS)[:-1]
        table = Table(title=literal(fmt.axis_title(axis)), title_justify="left",
                      header_style="bold")
        _columns(table, columns, left={"backend"}, wrap=set(columns))
        for curve in axis.curves:
            table.add_row(*(literal(cell) for cell in fmt.scaling_row(axis, curve)[:-1]))
        out += [table, literal(f"fastest: {fmt.fastest_text(axis)}")]
        out += [literal(f"  {curve.backend}: {fmt.dropped_cell(curve, axis.kind)}", "dim")
                for curve in axis.curves if fmt.dropped_cell(curve, axis.kind)]
    return out


def _delta_cell(change: Change) -> Text:
    if not math.isfinite(change.delta):
        if change.flagged:
            return literal("lost", "red") if change.worse else literal("regained", "green")
        return literal(fmt.DASH)
    text = fmt.accuracy_delta(change.delta)
    if change.flagged is None:
        return literal(text + " ?")
    if change.flagged:
        return literal(f"{text} *", "bold red" if change.delta < 0 else "bold green")
    return literal(text)


def _ratio_cell(ratio: float, trusted: bool = True) -> Text:
    if not math.isfinite(ratio):
        return literal(fmt.DASH)
    style = "red" if ratio > SLOWER else "green" if ratio < FASTER else ""
    return literal(fmt.ratio(ratio) + ("" if trusted else fmt.UNTRUSTED), style)


def compare_table(changes: list[Change], title: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    _columns(table, ("task", "recipe", "backend", "acc A", "acc B", "Δ acc", "spread",
                     "steady epoch B/A", "fit B/A", "notes"),
             left={"task", "recipe", "backend", "notes"}, wrap={"notes"})
    previous = None
    for c in changes:
        if previous is not None and c.task != previous[0]:
            table.add_section()
        same = (c.task, c.recipe) == previous
        table.add_row(literal("" if same else c.task), literal("" if same else c.recipe),
                      literal(c.backend), fmt.accuracy_cell(c.a) if c.a else fmt.DASH,
                      fmt.accuracy_cell(c.b) if c.b else fmt.DASH, _delta_cell(c),
                      f"{c.spread:.3f}" if math.isfinite(c.spread) else fmt.DASH,
                      _ratio_cell(c.steady_ratio, c.trusted),
                      _ratio_cell(c.fit_ratio, c.trusted),
                      literal("; ".join(filter(None, [c.note, *(
                          f"{side}: {fmt.trust_note(s)}" for side, s in (("A", c.a), ("B", c.b))
                          if s is not None and s.ok and not s.trust.trusted)]))))
        previous = (c.task, c.recipe)
    return table


def compare_side(side: str, path: object, n_records: int, p: Provenance) -> Text:
    """'A: DIR  (12 records, 2026-11-21 10:02 UTC, commit 253af2344a01, CPU, 1 thread)'."""
    date = f"{p.first_started:%Y-%m-%d %H:%M}" if p.first_started else "?"
    commit = ", ".join(fmt.short_commit(c) for c in p.commits) or "?"
    return literal(f"{side}: {path}  ({n_records} records, {date} UTC, commit {commit}, "
                   f"{', '.join(p.cpus) or '?'}, {', '.join(p.threads) or '?'} "
                   f"thread{'' if p.threads == ('1',) else 's'})")


def _entry(entry) -> str:
    if entry is None or entry.mean is None:
        return fmt.DASH
    return f"{entry.mean:.3f} ± {entry.std:.3f} (n={entry.n})"


def verdict_table(verdicts: list[Verdict]) -> Table:
    table = Table(title=f"accuracy gate: a mean may fall by max({FLOOR}, {Z:g} standard errors "
                  "of the difference, from the baseline's seed spread)", title_justify="left",
                  header_style="bold")
    for name in ("task/recipe/backend", "baseline (mean ± std)", "this run", "change",
                 "tolerance", "verdict"):
        table.add_column(name, no_wrap=name != "verdict")
    styles = {"ok": "green", "new": "cyan"}
    for v in verdicts:
        change = fmt.DASH if v.delta is None else f"{v.delta:+.4f}"
        tol = fmt.DASH if v.tolerance is None else f"{v.tolerance:.4f}"
        verdict = literal(v.outcome, styles.get(v.outcome, "bold red"))
        if v.reason:
            verdict.append(f": {v.reason}")
        table.add_row(literal(v.key), _entry(v.baseline), _entry(v.current), change, tol,
                      verdict)
    return table


def _gap(value: float) -> str:
    return "" if value != value else f"{value:.1e}"


def verify_table(rows) -> Table:
    """`nnbench verify`'s agreements (`bench.judge.verify.Agreement`) with NumPy."""
    table = Table(title="agreement with the NumPy backend (largest relative gap)")
    for column in ("backend", "case", "epochs", "n_params", "loss gap", "weight gap", "verdict"):
        table.add_column(column, justify="right" if column in ("epochs", "n_params") else "left")
    for row in rows:
        verdict = row.verdict if row.status == "ok" else f"{row.status}: {row.reason}"
        style = "green" if row.agrees else ("red" if row.status in ("ok", "failed") else "yellow")
        table.add_row(row.backend, row.case, str(row.epochs or ""), str(row.n_params or ""),
                      _gap(row.loss_gap), _gap(row.weight_gap), literal(verdict, style))
    return table
