"""The accuracy regression gate: a run checked against a baseline, seed spread taken into account.

The rule, per task x recipe x backend of the baseline:

- **accuracy**: it regressed when the run's mean test accuracy falls below the baseline's by
  more than `max(FLOOR, Z * s_b * sqrt(1 / n_b + 1 / n_r))`: Z standard errors of the
  difference of two means if nothing changed, i.e. if both came from the baseline's
  distribution. Only the baseline's spread s_b counts, so a bug that makes results erratic
  cannot widen its own tolerance. The floor keeps a zero-variance entry (e.g. the gates, 1.000
  on every seed) from failing on rounding across machines, while one wrong row on one seed of
  a 4-row task (0.25 / n) still exceeds it.
- **status**: it regressed when a larger share of its runs failed, timed out, diverged or
  became unsupported/unavailable than in the baseline.
- **missing**: a baseline entry the run did not measure fails the gate too (it was not
  checked); entries the baseline does not know are listed as `new` and pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rich.table import Table

FLOOR = 0.01
Z = 3.0
WORSE_STATUSES = ("failed", "timeout", "diverged", "unsupported", "unavailable")


@dataclass(frozen=True)
class Verdict:
    key: str
    baseline: dict[str, Any] | None
    current: dict[str, Any] | None
    delta: float | None
    tolerance: float | None
    outcome: str          # ok | regressed | status worse | missing | new
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in ("regressed", "status worse", "missing")


def tolerance(base: dict[str, Any], current: dict[str, Any]) -> float:
    standard_error = (base["std"] or 0.0) * math.sqrt(1 / max(base["n"], 1)
                                                      + 1 / max(current["n"], 1))
    return max(FLOOR, Z * standard_error)


def _bad_share(entry: dict[str, Any]) -> float:
    bad = sum(entry["statuses"].get(s, 0) for s in WORSE_STATUSES)
    return bad / entry["runs"] if entry["runs"] else 0.0


def judge(key: str, base: dict[str, Any] | None, current: dict[str, Any] | None) -> Verdict:
    if current is None:
        return Verdict(key, base, None, None, None, "missing", "not measured by this run")
    if base is None:
        return Verdict(key, None, current, None, None, "new", "no baseline entry")
    if _bad_share(current) > _bad_share(base):
        worse = {s: n for s, n in current["statuses"].items() if s in WORSE_STATUSES}
        return Verdict(key, base, current, None, None, "status worse",
                       f"statuses {worse} (baseline {base['statuses']})")
    if base["mean"] is None or current["mean"] is None:
        return Verdict(key, base, current, None, None, "ok", "no accuracy to compare")
    delta = current["mean"] - base["mean"]
    tol = tolerance(base, current)
    if delta < -tol:
        return Verdict(key, base, current, delta, tol, "regressed",
                       f"mean fell {-delta:.4f}, more than the tolerance {tol:.4f}")
    return Verdict(key, base, current, delta, tol, "ok")


def check(baseline: dict[str, Any], current: dict[str, dict[str, Any]]) -> list[Verdict]:
    """Verdicts for every baseline entry and every new entry of the run, in key order."""
    entries = baseline["entries"]
    return [judge(key, entries.get(key), current.get(key))
            for key in sorted(set(entries) | set(current))]


def _stat(entry: dict[str, Any] | None) -> str:
    if entry is None or entry["mean"] is None:
        return "-"
    return f"{entry['mean']:.3f} ± {entry['std']:.3f} (n={entry['n']})"


def verdict_table(verdicts: list[Verdict]) -> Table:
    table = Table(title=f"accuracy gate: a mean may fall by max({FLOOR}, {Z:g} standard errors "
                  "of the difference, from the baseline's seed spread)", title_justify="left",
                  header_style="bold")
    for name in ("task/recipe/backend", "baseline (mean ± std)", "this run", "change",
                 "tolerance", "verdict"):
        table.add_column(name, no_wrap=name != "verdict")
    styles = {"ok": "green", "new": "cyan"}
    for v in verdicts:
        change = "-" if v.delta is None else f"{v.delta:+.4f}"
        tol = "-" if v.tolerance is None else f"{v.tolerance:.4f}"
        outcome = f"[{styles.get(v.outcome, 'bold red')}]{v.outcome}[/]"
        table.add_row(v.key, _stat(v.baseline), _stat(v.current), change, tol,
                      outcome + (f": {v.reason}" if v.reason else ""))
    return table
