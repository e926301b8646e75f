"""Typed summaries: one `GroupSummary` per task x recipe x backend of a run directory.

Everything that shows results reads these: the terminal table, summary.csv, report.md,
report.html, the plots, `compare`, `baseline` and the gate. Nothing downstream regroups
records or recomputes a spread.

Only `ok` records enter the accuracy and time statistics; every record, whatever its status,
is counted in `statuses` and its reason kept in `outcomes`, and a planned run without a record
in `missing`, so nothing is silently dropped.

Timing repeats (`nnbench run --repeat N`): accuracy statistics (and the task's metrics, train
accuracy, epochs run and the learning curves) take one record per seed, the ok record with
the lowest repeat index (a seed's repeats train the same network on the same data in the same
order, so they differ in time, not in what they learn). Timing statistics take every ok record:
`PhaseTimes` holds the mean, median, interquartile range and range of each phase; a table
shows the mean over seeds without repeats and the median over every ok run with them
(`GroupSummary.time`).

Throughput: `steady_gflops` is the group's training FLOPs per epoch (from the records'
`throughput`) over the steady-epoch time shown; `steady_percent_of_peak` relates it to the
machine's measured float32 matmul peak when the run directory has one (for runs on a GPU: the
GPU's own, measured by the backend in the run and kept in `env.device_detail`).

Time to target: where a task sets `target_accuracy`, the training time (sum of epoch seconds,
evaluation excluded) until the first validation evaluation at or above the target; seeds that
never reach it are counted in `target_reached` and left out of the median.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.execution.records import Record
from bench.plan.runs import PlannedRun
from bench.results.stats import Summary, summarize

#: the timed phases a summary holds (Timing field = phase + "_seconds")
PHASES = ("import", "build", "fit", "first_epoch", "steady_epoch", "predict")
#: metrics every record has; anything else in `metrics` is a task's own (AUC, cost, ...)
STANDARD_METRICS = ("train_accuracy", "train_loss", "test_accuracy", "test_loss", "folds")

NAN = float("nan")


def _finite(values: Iterable[Any]) -> np.ndarray:
    arr = np.array([v for v in values if v is not None], dtype=np.float64)
    return arr[np.isfinite(arr)]


@dataclass(frozen=True)
class TimeStats:
    """One phase's time over a group's ok runs, in seconds (NaN where there is none)."""

    n: int = 0
    mean: float = NAN
    median: float = NAN
    iqr: float = NAN
    low: float = NAN
    high: float = NAN

    @classmethod
    def of(cls, values: Iterable[float | None]) -> TimeStats:
        arr = _finite(values)
        if arr.size == 0:
            return cls()
        q1, q2, q3 = np.percentile(arr, [25, 50, 75])
        return cls(int(arr.size), float(arr.mean()), float(q2), float(q3 - q1),
                   float(arr.min()), float(arr.max()))


@dataclass(frozen=True)
class PhaseTimes:
    import_: TimeStats = TimeStats()
    build: TimeStats = TimeStats()
    fit: TimeStats = TimeStats()
    first_epoch: TimeStats = TimeStats()
    steady_epoch: TimeStats = TimeStats()
    predict: TimeStats = TimeStats()

    def of(self, phase: str) -> TimeStats:
        return getattr(self, "import_" if phase == "import" else phase)


@dataclass(frozen=True)
class Outcome:
    """Runs that share a status and a reason (a failure, a timeout, an early stop): which
    seeds, and why."""

    status: str
    reason: str
    seeds: tuple[Any, ...]


@dataclass(frozen=True)
class Band:
    """A curve over seeds: at each x, the mean and the min..max of the seeds that have it."""

    x: tuple[float, ...]
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    n: int   # how many seeds' curves went into it

    @classmethod
    def of(cls, series: Sequence[tuple[Sequence[float], Sequence[float]]]) -> Band | None:
        """Align (x, y) series on the union of their x; None when no series has a value."""
        xs = sorted({x for sx, _ in series for x in sx})
        index = {x: i for i, x in enumerate(xs)}
        table = np.full((len(series), len(xs)), np.nan)
        for row, (sx, sy) in enumerate(series):
            for x, y in zip(sx, sy):
                if y is not None and math.isfinite(y):
                    table[row, index[x]] = y
        keep = ~np.all(np.isnan(table), axis=0) if xs else np.zeros(0, bool)
        if not keep.any():
            return None
        table, x = table[:, keep], np.asarray(xs, dtype=float)[keep]
        return cls(tuple(x.tolist()), tuple(np.nanmean(table, axis=0).tolist()),
                   tuple(np.nanmin(table, axis=0).tolist()),
                   tuple(np.nanmax(table, axis=0).tolist()), len(series))


#: a run's timings are suspect when the machine's 1-minute load average around it exceeded
#: the CPUs it could use by more than this (other work competed for the cores)
BUSY_MARGIN = 0.5
#: a group's timings are suspect when its slowest steady epoch is this many times its fastest
SPREAD_LIMIT = 3.0


@dataclass(frozen=True)
class TimingTrust:
    """Whether a group's timings can be trusted: how many of its ok runs ran on a busy machine
    (and the highest load seen against the CPUs), the spread of its steady epochs, and the
    hosts its ok runs ran on (more than one: a mixed row, never a silent average)."""

    runs: int = 0
    busy_runs: int = 0
    max_load: float = NAN
    cpus: int | None = None
    steady_spread: float = NAN     # slowest / fastest steady epoch over the ok runs
    hosts: tuple[str, ...] = ()    # the ok runs' hosts (env.host), in order of appearance

    @property
    def busy(self) -> bool:
        return self.busy_runs > 0

    @property
    def spread(self) -> bool:
        return math.isfinite(self.steady_spread) and self.steady_spread > SPREAD_LIMIT

    @property
    def mixed(self) -> bool:
        return len(self.hosts) > 1

    @property
    def trusted(self) -> bool:
        return not (self.busy or self.spread or self.mixed)

    @classmethod
    def of(cls, ok_runs: list[Record], steady: TimeStats) -> TimingTrust:
        busy, loads, cpus = 0, [], None
        for r in ok_runs:
            seen = [v[0] for v in (r.env.get("load_before"), r.env.get("load_after"))
                    if isinstance(v, list) and v]
            cpus = r.env.get("cpus") or cpus
            if seen and r.env.get("cpus"):
                loads.append(max(seen))
                busy += max(seen) > r.env["cpus"] + BUSY_MARGIN
        spread = steady.high / steady.low if steady.n > 1 and steady.low > 0 else NAN
        hosts = tuple(dict.fromkeys(r.env["host"] for r in ok_runs if r.env.get("host")))
        return cls(len(ok_runs), busy, max(loads, default=NAN), cpus, spread, hosts)


@dataclass(frozen=True)
class GroupSummary:
    """The statistics of one task x recipe x backend (see the module docstring)."""

    task: str
    recipe: str
    backend: str
    runs: int                      # records
    missing: int                   # planned runs without a record
    ok: int                        # ok records (every repeat)
    ok_seeds: int                  # seeds with an ok record
    repeats: int
    statuses: dict[str, int]       # every record's status, sorted by status
    accuracy: Summary              # test accuracy over the ok seeds
    worst_seed: Any = None
    best_seed: Any = None
    train_accuracy: float = NAN
    epochs_run: float = NAN
    times: PhaseTimes = PhaseTimes()
    peak_rss_mb: float = NAN
    n_params: int | None = None
    flops_per_epoch: float | None = None
    steady_gflops: float = NAN
    steady_percent_of_peak: float = NAN
    deviations: tuple[str, ...] = ()
    outcomes: tuple[Outcome, ...] = ()      # runs not ok, by status and reason
    early_stops: tuple[Outcome, ...] = ()   # ok runs that stopped early, by reason
    stop_reasons: tuple[str, ...] = ()      # every distinct stop reason
    target: float | None = None
    target_reached: int | None = None
    time_to_target: float = NAN
    task_metrics: dict[str, Summary] = field(default_factory=dict)
    loss_curve: Band | None = None          # training loss per epoch, ok seeds
    accuracy_curve: Band | None = None      # validation accuracy per evaluated epoch
    net: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)   # of the first ok record (or any)
    measured_at: str | None = None                       # the latest started_at
    trust: TimingTrust = TimingTrust()

    @property
    def key(self) -> tuple[str, str, str]:
        return self.task, self.recipe, self.backend

    @property
    def all_ok(self) -> bool:
        """Did every planned run of this group finish ok?"""
        return self.runs > 0 and self.ok == self.runs and not self.missing

    def status_counts(self, sep: str = ":") -> str:
        """'ok:2 timeout:1' (with sep=' ×': 'ok ×2 timeout ×1')."""
        return " ".join(f"{status}{sep}{n}" for status, n in self.statuses.items())

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(sorted({o.reason for o in self.outcomes if o.reason}))

    def time(self, phase: str) -> float:
        """The time a table shows for `phase`: the mean over seeds, or with timing repeats the
        median over every ok run."""
        stats = self.times.of(phase)
        return stats.median if self.repeats > 1 else stats.mean


def repeat_of(record: Record) -> int:
    return record.repeat


def per_seed(records: Iterable[Record]) -> list[Record]:
    """One record per seed, in order of first appearance: the ok one with the lowest repeat
    index, else (no ok repeat) the one with the lowest repeat index. Without repeats: every
    record, unchanged."""
    by_seed: dict[Any, Record] = {}
    for record in records:
        best = by_seed.get(record.seed)
        if best is None or (record.ok, -record.repeat) > (best.ok, -best.repeat):
            by_seed[record.seed] = record
    return list(by_seed.values())


def time_to_target(record: Record, target: float | None) -> float | None:
    """Training seconds until the first validation evaluation reaching `target`, or None
    (evaluation time is not in the per-epoch seconds)."""
    if target is None:
        return None
    seconds = record.history.epoch_seconds
    for epoch, acc in zip(record.history.val_epochs, record.history.val_accuracy):
        if acc is not None and acc >= target - 1e-12:
            return None if epoch > len(seconds) else float(sum(seconds[:epoch]))
    return None


def group_order(keys: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """(task, recipe, backend) keys: tasks, then their recipes, then backends, each in the
    order it first appears (runs finishing out of order, as with --jobs 2, or a resumed run,
    still list every task x recipe's backends together)."""
    first: dict[Any, int] = {}
    keys = list(dict.fromkeys(keys))
    for task, recipe, backend in keys:
        for key in (("task", task), ("recipe", task, recipe), ("backend", backend)):
            first.setdefault(key, len(first))
    return sorted(keys, key=lambda k: (first[("task", k[0])], first[("recipe", k[0], k[1])],
                                       first[("backend", k[2])]))


def _seeds(records: Iterable[Record]) -> tuple[Any, ...]:
    return tuple(sorted({r.seed for r in records}, key=lambda s: (str(type(s)), s)))


def _outcomes(records: list[Record]) -> tuple[Outcome, ...]:
    by: dict[tuple[str, str], list[Record]] = {}
    for r in records:
        if not r.ok:
            by.setdefault((r.status, r.error or "no reason given"), []).append(r)
    return tuple(Outcome(s, e, _seeds(rs)) for (s, e), rs in sorted(by.items()))


def _early_stops(records: list[Record]) -> tuple[Outcome, ...]:
    by: dict[str, list[Record]] = {}
    for r in records:
        if r.ok and r.stop_reason:
            by.setdefault(r.stop_reason, []).append(r)
    return tuple(Outcome("ok", reason, _seeds(rs)) for reason, rs in sorted(by.items()))


def _seed_of(records: list[Record], value: float) -> Any:
    return next((r.seed for r in records if r.test_accuracy == value), None)


def _seed_times_to_target(records: list[Record], target: float | None) -> list[float]:
    """Per seed that reached the target: the median over its ok repeats that reached it."""
    times: dict[Any, list[float]] = {}
    for record in records:
        value = time_to_target(record, target)
        if value is not None:
            times.setdefault(record.seed, []).append(value)
    return [statistics.median(t) for t in times.values()]


def _curves(ok: list[Record]) -> tuple[Band | None, Band | None]:
    with_loss = [r for r in ok if r.history.loss]
    loss = Band.of([(list(range(1, len(r.history.loss) + 1)), r.history.loss)
                    for r in with_loss])
    accuracy = Band.of([(r.history.val_epochs, r.history.val_accuracy) for r in with_loss])
    return loss, accuracy


def _phase_times(ok_runs: list[Record]) -> PhaseTimes:
    def stats(phase: str) -> TimeStats:
        return TimeStats.of(getattr(r.timing, f"{phase}_seconds") for r in ok_runs)

    return PhaseTimes(stats("import"), stats("build"), stats("fit"), stats("first_epoch"),
                      stats("steady_epoch"), stats("predict"))


def _device_peak(records: list[Record]) -> float | None:
    """The median matmul peak the runs measured on their device (None: CPU runs, which use
    the run directory's NumPy peak)."""
    peaks = [v for r in records if r.device != "cpu"
             for v in [(r.env.get("device_detail") or {}).get("matmul_peak_gflops")]
             if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0]
    return float(statistics.median(peaks)) if peaks else None


def _throughput(ok_runs: list[Record], steady: float, peak_gflops: float | None
                ) -> tuple[float | None, float, float]:
    """(median training FLOPs per epoch, GFLOP/s at the `steady` epoch time, % of peak)."""
    flops = [r.throughput.flops_per_epoch for r in ok_runs if r.throughput.flops_per_epoch]
    if not flops or not math.isfinite(steady) or steady <= 0:
        return (statistics.median(flops) if flops else None), NAN, NAN
    per_epoch = statistics.median(flops)
    gflops = per_epoch / steady / 1e9
    return per_epoch, gflops, 100 * gflops / peak_gflops if peak_gflops else NAN


def _max_rss(records: list[Record]) -> float:
    return max((r.peak_rss_mb for r in records if r.peak_rss_mb), default=NAN)


def _task_metrics(ok: list[Record]) -> dict[str, Summary]:
    names = sorted({k for r in ok for k in r.metrics if k not in STANDARD_METRICS})
    return {name: summarize(r.metric(name) for r in ok) for name in names}


def _target_times(ok_runs: list[Record], target: float | None) -> tuple[int | None, float]:
    """(how many seeds reached the target, the median time they took); (None, nan) without
    a target."""
    if target is None:
        return None, NAN
    reached = _seed_times_to_target(ok_runs, target)
    return len(reached), statistics.median(reached) if reached else NAN


def _sorted_set(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))


def summarize_group(key: tuple[str, str, str], group: list[Record], missing: int = 0,
                    target: float | None = None,
                    peak_gflops: float | None = None) -> GroupSummary:
    """The summary of one group's records (see the module docstring)."""
    ok_runs = [r for r in group if r.ok]                     # timing: every repeat
    ok = [r for r in per_seed(group) if r.ok]                # accuracy: one per seed
    acc = summarize(r.test_accuracy for r in ok)
    times = _phase_times(ok_runs)
    repeats = 1 + max((r.repeat for r in group), default=0)
    steady = times.steady_epoch.median if repeats > 1 else times.steady_epoch.mean
    flops_per_epoch, gflops, share = _throughput(ok_runs, steady,
                                                 _device_peak(ok_runs) or peak_gflops)
    reached, time_to_target = _target_times(ok_runs, target)
    loss_curve, accuracy_curve = _curves(ok)
    first = next(iter(ok or group), None)
    return GroupSummary(
        *key, runs=len(group), missing=missing, ok=len(ok_runs), ok_seeds=len(ok),
        repeats=repeats, statuses=dict(sorted(Counter(r.status for r in group).items())),
        accuracy=acc, worst_seed=_seed_of(ok, acc.low), best_seed=_seed_of(ok, acc.high),
        train_accuracy=summarize(r.metric("train_accuracy") for r in ok).mean,
        epochs_run=summarize(r.epochs_run for r in ok).mean, times=times,
        peak_rss_mb=_max_rss(ok_runs), n_params=next(filter(None, (r.n_params for r in ok)),
                                                     None),
        flops_per_epoch=flops_per_epoch, steady_gflops=gflops, steady_percent_of_peak=share,
        deviations=_sorted_set(d for r in group for d in r.deviations),
        outcomes=_outcomes(group), early_stops=_early_stops(group),
        stop_reasons=_sorted_set(r.stop_reason for r in group), target=target,
        target_reached=reached, time_to_target=time_to_target,
        task_metrics=_task_metrics(ok), loss_curve=loss_curve, accuracy_curve=accuracy_curve,
        net=getattr(first, "net", {}), train=getattr(first, "train", {}),
        env=getattr(first, "env", {}), measured_at=max(r.started_at or "" for r in group)
        if group else None, trust=TimingTrust.of(ok_runs, times.steady_epoch))


def target_accuracy(task: str) -> float | None:
    """The task's target accuracy from the registry; None for unknown tasks or no target."""
    try:
        from tasks.registry import get_task

        value = get_task(task).target_accuracy
    except (KeyError, ImportError, AttributeError, ValueError):
        return None
    return None if value is None else float(value)


def summarize_records(records: Sequence[Record], missing: Sequence[PlannedRun] = (),
                      targets: Callable[[str], float | None] = target_accuracy,
                      peak_gflops: float | None = None,
                      planned: Sequence[PlannedRun] = ()) -> list[GroupSummary]:
    """One summary per task x recipe x backend of `records` and of the `missing` planned
    runs, in `group_order` of the `planned` runs (the suite's order: tasks, recipes and
    backends as the registries list them), then of the records. `targets` maps a task to its
    target accuracy (default: the task registry's); `peak_gflops` is the machine's measured
    matmul peak."""
    groups: dict[tuple[str, str, str], list[Record]] = {}
    for record in records:
        groups.setdefault(record.group, []).append(record)
    not_run = Counter(run.group for run in missing)
    target_of: dict[str, float | None] = {}
    out = []
    present = {*groups, *not_run}
    for key in group_order([*(r.group for r in planned if r.group in present), *groups,
                            *not_run]):
        if key[0] not in target_of:
            target_of[key[0]] = targets(key[0])
        out.append(summarize_group(key, groups.get(key, []), not_run.get(key, 0),
                                   target_of[key[0]], peak_gflops))
    return out


def summarize_contents(contents) -> list[GroupSummary]:
    """The summaries of a run directory's `bench.results.rundir.Contents`."""
    peak = contents.peak
    return summarize_records(contents.records, contents.missing,
                             peak_gflops=peak.gflops if peak else None,
                             planned=contents.plan.plan.runs if contents.plan else ())
