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
- **unusable baseline**: an entry without accuracy whose runs failed, timed out or diverged
  (not unsupported by design) fails: a gate on it would pass anything. `nnbench baseline`
  refuses to write such entries; this catches hand-edited or older files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.judge.baseline import Baseline, BaselineEntry

FLOOR = 0.01
Z = 3.0
WORSE_STATUSES = ("failed", "timeout", "diverged", "unsupported", "unavailable")


@dataclass(frozen=True)
class Verdict:
    key: str
    baseline: BaselineEntry | None
    current: BaselineEntry | None
    delta: float | None
    tolerance: float | None
    outcome: str          # ok | regressed | status worse | missing | new
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in ("regressed", "status worse", "missing", "unusable baseline")


def tolerance(base: BaselineEntry, current: BaselineEntry) -> float:
    standard_error = (base.std or 0.0) * math.sqrt(1 / max(base.n, 1) + 1 / max(current.n, 1))
    return max(FLOOR, Z * standard_error)


def _bad_share(entry: BaselineEntry) -> float:
    bad = sum(entry.statuses.get(s, 0) for s in WORSE_STATUSES)
    return bad / entry.runs if entry.runs else 0.0


def judge(key: str, base: BaselineEntry | None, current: BaselineEntry | None) -> Verdict:
    if current is None:
        return Verdict(key, base, None, None, None, "missing", "not measured by this run")
    if base is None:
        return Verdict(key, None, current, None, None, "new", "no baseline entry")
    if not base.usable:
        return Verdict(key, base, current, None, None, "unusable baseline",
                       f"the baseline entry holds no accuracy (statuses {base.statuses}): "
                       "regenerate it from a run that learned")
    if _bad_share(current) > _bad_share(base):
        worse = {s: n for s, n in current.statuses.items() if s in WORSE_STATUSES}
        return Verdict(key, base, current, None, None, "status worse",
                       f"statuses {worse} (baseline {base.statuses})")
    if base.mean is None or current.mean is None:
        return Verdict(key, base, current, None, None, "ok", "no accuracy to compare")
    delta = current.mean - base.mean
    tol = tolerance(base, current)
    if delta < -tol:
        return Verdict(key, base, current, delta, tol, "regressed",
                       f"mean fell {-delta:.4f}, more than the tolerance {tol:.4f}")
    return Verdict(key, base, current, delta, tol, "ok")


def check(baseline: Baseline, current: dict[str, BaselineEntry]) -> list[Verdict]:
    """Verdicts for every baseline entry and every new entry of the run, in key order."""
    entries = baseline.entries
    return [judge(key, entries.get(key), current.get(key))
            for key in sorted(set(entries) | set(current))]
