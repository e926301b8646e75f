"""`nnbench compare DIR_A DIR_B`: what changed from run A to run B, per task x recipe x backend.

Accuracy: Δ = mean test accuracy of B's ok seeds − that of A's. The change is flagged as
beyond the seed spread when |Δ| > max(95% CI half-width of A, 95% CI half-width of B), the
same Student-t intervals the report prints. A side with a single ok seed has no interval and
does not count in that max; with no interval on either side the change is not judged ("?").
Deterministic results (every seed equal, interval 0) are flagged on any change at all.

Time: ratios B/A of the seed means of the steady-epoch time and of the fit time (< 1: B is
faster); a run with timing repeats contributes its median over every ok run instead. Times
are only comparable when both runs used the same machine and threads; the header shows both
runs' provenance and warns when they differ.

`overview` makes the same comparison inside one run: every backend (B) against the reference
backend (A, NumPy) on each task x recipe, for the report's overview.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bench.results.summary import GroupSummary

RULE = ("Δ acc = mean test accuracy of B − of A over ok seeds; flagged (*) when |Δ| > "
        "max(95% CI half-width of A, of B), i.e. the change exceeds the seed-to-seed spread; "
        "'?' when neither side has 2+ ok seeds. Time columns: B/A of the seed means, or of "
        "the medians over seeds x repeats for a run with timing repeats (< 1: B is faster).")
#: ratios beyond these are coloured (slower in red, faster in green)
SLOWER, FASTER = 1.25, 0.8


@dataclass
class Change:
    task: str
    recipe: str
    backend: str
    a: GroupSummary | None          # None: absent from that run
    b: GroupSummary | None
    delta: float = math.nan
    spread: float = math.nan          # the larger 95% CI half-width (nan: none)
    flagged: bool | None = None       # None: not judged
    steady_ratio: float = math.nan
    fit_ratio: float = math.nan
    note: str = ""

    @property
    def trusted(self) -> bool:
        """Can both sides' timings be trusted (so can the time ratios)?"""
        return all(s is None or s.trust.trusted for s in (self.a, self.b))

    @property
    def worse(self) -> bool:
        """A flagged change for the worse: accuracy fell, or every ok seed was lost."""
        if math.isfinite(self.delta):
            return self.delta < 0
        return bool(self.a and self.a.ok)


def ratio(b: float, a: float) -> float:
    """b / a, NaN unless both are finite and a > 0."""
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0:
        return math.nan
    return b / a


def compare_summaries(rows_a: list[GroupSummary], rows_b: list[GroupSummary]) -> list[Change]:
    """One Change per task x recipe x backend present in A or B, grouped by task x recipe
    (in order of first appearance, A before B). Groups with no record (planned, never run)
    are left out."""
    by_a = {s.key: s for s in rows_a if s.runs}
    by_b = {s.key: s for s in rows_b if s.runs}
    keys = list(dict.fromkeys([*by_a, *by_b]))
    group_order = {g: i for i, g in enumerate(dict.fromkeys(k[:2] for k in keys))}
    keys.sort(key=lambda k: group_order[k[:2]])
    return [_change(k, by_a.get(k), by_b.get(k)) for k in keys]


def _change(key: tuple[str, str, str], a: GroupSummary | None,
            b: GroupSummary | None) -> Change:
    change = Change(*key, a, b)
    if a is None or b is None:
        present = a or b
        change.note = "only in B (new)" if a is None else "only in A (gone from B)"
        if present.ok < present.runs:
            change.note += f": {present.status_counts()}"
    elif not a.ok or not b.ok:
        change.note = "; ".join(f"{n}: no ok run ({r.status_counts()})"
                                for n, r in (("A", a), ("B", b)) if not r.ok)
        change.flagged = bool(a.ok) != bool(b.ok)  # lost (or regained) every seed
    else:
        change.delta = b.accuracy.mean - a.accuracy.mean
        intervals = [r.accuracy.ci95 for r in (a, b) if math.isfinite(r.accuracy.ci95)]
        if intervals:
            change.spread = max(intervals)
            change.flagged = abs(change.delta) > change.spread + 1e-12
        change.steady_ratio = ratio(b.time("steady_epoch"), a.time("steady_epoch"))
        change.fit_ratio = ratio(b.time("fit"), a.time("fit"))
        if a.statuses != b.statuses:
            change.note = f"runs {a.status_counts()} → {b.status_counts()}"
    return change


#: the backend every other is measured against in a run's overview
REFERENCE = "numpy"


@dataclass
class Overview:
    """Every backend against the reference backend, per task x recipe of one run: `rows` are
    the task x recipes another backend ran ok (in order), `left_out` the ones it did not,
    `changes` the comparisons (A = the reference's group, B = the backend's)."""

    reference: str
    rows: list[tuple[str, str]]
    backends: list[str]
    references: dict[tuple[str, str], GroupSummary]
    changes: dict[tuple[str, str, str], Change] = field(default_factory=dict)
    left_out: list[tuple[str, str]] = field(default_factory=list)


def overview(summaries: list[GroupSummary], reference: str = REFERENCE) -> Overview | None:
    """The run's overview against `reference`; None when the run has no other backend or no
    group of the reference."""
    references = {(s.task, s.recipe): s for s in summaries if s.backend == reference and s.runs}
    others = [s for s in summaries if s.backend != reference and s.runs]
    if not references or not others:
        return None
    groups = list(dict.fromkeys((s.task, s.recipe) for s in summaries if s.runs))
    rows = [g for g in groups if any(s.ok for s in others if (s.task, s.recipe) == g)]
    result = Overview(reference, rows, list(dict.fromkeys(s.backend for s in others)),
                      references, left_out=[g for g in groups if g not in rows])
    for s in others:
        if (s.task, s.recipe) in rows:
            result.changes[s.key] = _change(s.key, references.get((s.task, s.recipe)), s)
    return result
