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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.present.report.build import RunData, accuracy_cell, load_run
from bench.results.summary import summarize_records, time_value

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
    a: dict[str, Any] | None          # summary rows (None: absent from that run)
    b: dict[str, Any] | None
    delta: float = math.nan
    spread: float = math.nan          # the larger 95% CI half-width (nan: none)
    flagged: bool | None = None       # None: not judged
    steady_ratio: float = math.nan
    fit_ratio: float = math.nan
    note: str = ""


def _ratio(b: float, a: float) -> float:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)) or a <= 0:
        return math.nan
    return b / a


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def compare_rows(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]]) -> list[Change]:
    """One Change per task x recipe x backend present in A or B, grouped by task x recipe
    (in order of first appearance, A before B)."""
    key = lambda r: (r["task"], r["recipe"], r["backend"])  # noqa: E731
    by_a, by_b = {key(r): r for r in rows_a}, {key(r): r for r in rows_b}
    keys = list(dict.fromkeys([*by_a, *by_b]))
    group_order = {g: i for i, g in enumerate(dict.fromkeys(k[:2] for k in keys))}
    keys.sort(key=lambda k: group_order[k[:2]])
    changes = []
    for k in keys:
        a, b = by_a.get(k), by_b.get(k)
        change = Change(*k, a, b)
        if a is None or b is None:
            present = a or b
            change.note = "only in B (new)" if a is None else "only in A (gone from B)"
            if present["ok"] < present["runs"]:
                change.note += f": {present['statuses']}"
        elif not a["ok"] or not b["ok"]:
            side = [f"{n}: no ok run ({r['statuses']})" for n, r in (("A", a), ("B", b))
                    if not r["ok"]]
            change.note = "; ".join(side)
            change.flagged = bool(a["ok"]) != bool(b["ok"])  # lost (or regained) every seed
        else:
            change.delta = b["test_accuracy_mean"] - a["test_accuracy_mean"]
            intervals = [r["test_accuracy_ci95"] for r in (a, b)
                         if _finite(r["test_accuracy_ci95"])]
            if intervals:
                change.spread = max(intervals)
                change.flagged = abs(change.delta) > change.spread + 1e-12
            change.steady_ratio = _ratio(time_value(b, "steady_epoch_seconds"),
                                         time_value(a, "steady_epoch_seconds"))
            change.fit_ratio = _ratio(time_value(b, "fit_seconds"), time_value(a, "fit_seconds"))
            if a["statuses"] != b["statuses"]:
                change.note = f"runs {a['statuses']} → {b['statuses']}"
        changes.append(change)
    return changes


def compare_runs(run_a: RunData, run_b: RunData) -> list[Change]:
    return compare_rows(summarize_records(run_a.records), summarize_records(run_b.records))


def _delta_cell(change: Change) -> str:
    if not math.isfinite(change.delta):
        return "[red]lost[/]" if change.flagged and change.a and change.a["ok"] else \
            "[green]regained[/]" if change.flagged else "-"
    text = f"{change.delta:+.3f}"
    if change.flagged is None:
        return text + " ?"
    if change.flagged:
        colour = "green" if change.delta > 0 else "red"
        return f"[bold {colour}]{text} *[/]"
    return text


def _ratio_cell(ratio: float) -> str:
    if not math.isfinite(ratio):
        return "-"
    text = f"×{ratio:.2f}"
    if ratio > SLOWER:
        return f"[red]{text}[/]"
    if ratio < FASTER:
        return f"[green]{text}[/]"
    return text


def compare_table(changes: list[Change], title: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for name in ("task", "recipe", "backend", "acc A", "acc B", "Δ acc", "spread",
                 "steady epoch B/A", "fit B/A", "notes"):
        table.add_column(name, justify="left" if name in ("task", "recipe", "backend", "notes")
                         else "right", no_wrap=name != "notes")
    previous = None
    for c in changes:
        if previous is not None and c.task != previous[0]:
            table.add_section()
        same = (c.task, c.recipe) == previous
        table.add_row("" if same else c.task, "" if same else c.recipe, c.backend,
                      accuracy_cell(c.a) if c.a else "-", accuracy_cell(c.b) if c.b else "-",
                      _delta_cell(c), f"{c.spread:.3f}" if math.isfinite(c.spread) else "-",
                      _ratio_cell(c.steady_ratio), _ratio_cell(c.fit_ratio), c.note)
        previous = (c.task, c.recipe)
    return table


def _provenance(run: RunData) -> dict[str, str]:
    envs = [r.get("env") or {} for r in run.records]

    def distinct(key: str) -> str:
        return ", ".join(dict.fromkeys(str(e[key]) for e in envs if e.get(key) is not None))

    stamps = sorted(r["started_at"] for r in run.records if r.get("started_at"))
    return {"cpu": distinct("cpu"), "threads": distinct("threads"),
            "commit": ", ".join(c[:12] + ("+dirty" if c.endswith("+dirty") else "")
                                for c in distinct("nnbench_commit").split(", ") if c),
            "date": stamps[0][:16].replace("T", " ") if stamps else "?"}


def compare_dirs(dir_a: Path, dir_b: Path, console: Console) -> int:
    """Print the comparison of two run directories; ReportError for a bad directory."""
    run_a, run_b = load_run(Path(dir_a)), load_run(Path(dir_b))
    changes = compare_runs(run_a, run_b)
    prov = {"A": _provenance(run_a), "B": _provenance(run_b)}
    for side, run in (("A", run_a), ("B", run_b)):
        p = prov[side]
        console.print(f"{side}: {run.path}  ({len(run.records)} records, {p['date']} UTC, "
                      f"commit {p['commit'] or '?'}, {p['cpu'] or '?'}, "
                      f"{p['threads'] or '?'} threads)", highlight=False)
    for key, what in (("cpu", "machines"), ("threads", "thread counts")):
        if prov["A"][key] != prov["B"][key]:
            console.print(f"[yellow]warning:[/] A and B used different {what} "
                          f"({prov['A'][key]} vs {prov['B'][key]}): time ratios compare "
                          "the machines as much as the code", highlight=False)
    console.print(compare_table(changes, "nnbench compare — B relative to A"))
    flagged = [c for c in changes if c.flagged]
    worse = sum(1 for c in flagged if (c.delta < 0 if math.isfinite(c.delta)
                                       else bool(c.a and c.a["ok"])))
    console.print(f"{len(changes)} combinations; {len(flagged)} accuracy change(s) beyond the "
                  f"seed spread ({worse} worse, {len(flagged) - worse} better).",
                  highlight=False)
    console.print(RULE, highlight=False)
    return 0
