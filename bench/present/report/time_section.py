"""The report's "Where the time went" section: a sentence on the suite (its span, its run
slots and how they were used) and a table per backend, from `bench.results.time_spent`."""

from __future__ import annotations

from bench.present import format as fmt
from bench.present.report.table import Table
from bench.results.time_spent import BackendTime, TimeSpent

TIME_TITLE = "Where the time went"
TIME_COLUMNS = ["backend", "runs", "run time", "training", "leave-one-out refits", "imports",
                "other", "other per run (median)"]


def _share(part: float, whole: float) -> str:
    """'1.2 s (35%)'; '-' for nothing."""
    if not part:
        return fmt.DASH
    return f"{fmt.seconds(part)} ({part / whole:.0%})" if whole > 0 else fmt.seconds(part)


def _imports(b: BackendTime) -> str:
    """'6.28 s once' (a fork server's), '31.4 s in 5 runs' (fresh processes'), or both."""
    parts = []
    if b.server_import:
        parts.append(f"{fmt.seconds(b.server_import)} once")
    if b.imports_inside:
        parts.append(f"{fmt.seconds(b.imports_inside)} in {fmt.plural(b.fresh_runs, 'run')}")
    return " + ".join(parts) or fmt.DASH


def _runs(runs: int, decided: int) -> str:
    return str(runs) + (f" + {decided} without a process" if decided else "")


def time_table(spent: TimeSpent) -> Table:
    """One row per backend, then the sums; each time with its share of the row's run time."""
    rows = []
    for b in spent.backends:
        rows.append([b.backend, _runs(b.runs, b.decided), fmt.seconds(b.run_seconds),
                     _share(b.training, b.run_seconds), _share(b.refits, b.run_seconds),
                     _imports(b), _share(b.other, b.run_seconds), fmt.seconds(b.median_other)])
    total = spent.total("run_seconds")
    rows.append(["all", _runs(int(spent.total("runs")), int(spent.total("decided"))),
                 fmt.seconds(total), _share(spent.total("training"), total),
                 _share(spent.total("refits"), total), fmt.seconds(spent.total("imports")),
                 _share(spent.total("other"), total), fmt.DASH])
    return Table(TIME_COLUMNS, rows)


def time_text(spent: TimeSpent) -> str:
    """How the suite used its time, and how to read the table."""
    total = spent.total("run_seconds")
    parts = []
    if spent.span is not None:
        if spent.slot_seconds:
            parts.append(
                f"{spent.slots} runs at a time for {fmt.seconds(spent.span)} (first run's start "
                f"to last run's end): {fmt.seconds(spent.slot_seconds)} of run slots, which the "
                f"runs held for {_share(total, spent.slot_seconds)}")
        else:
            parts.append(f"The runs took {fmt.seconds(spent.span)} from the first one's start "
                         f"to the last one's end and held their slots for "
                         f"{fmt.seconds(total)}")
    else:
        parts.append(f"The runs held their slots for {fmt.seconds(total)}")
    if spent.imports_outside:
        parts[-1] += (f"; the backends' fork servers paid {fmt.seconds(spent.imports_outside)} "
                      "of imports, one per backend, outside every run's time (the local "
                      "executor's before the first run)")
    inside = sum(b.imports_inside for b in spent.backends)
    split = [f"training {_share(spent.total('training'), total)}",
             f"leave-one-out refits {_share(spent.total('refits'), total)}"]
    if inside:
        split.append(f"imports inside fresh processes {_share(inside, total)}")
    split.append(f"everything else {_share(spent.total('other'), total)}")
    parts.append("Of the runs' time: " + ", ".join(split))
    guide = ("*run time* is how long each run held its slot (process start or fork included); "
             "*training* the fit (validation evaluations excluded), *leave-one-out refits* the "
             "refits of leave-one-out tasks; *imports* the framework import, paid once by a "
             "backend's fork server outside its runs or by every fresh-process run inside its "
             "own time; *other* the rest of a run's time: process start, data, building the "
             "model, evaluations, prediction, and the runs decided without a process")
    return ". ".join(parts) + ". " + guide + "."
