"""Suites: which tasks, recipes, backends and seeds to run, from TOML files or built-ins.

A suite file's keys are all optional (see README.md): tasks, backends, recipes, seeds, epochs,
timeout, init, plus `repeat` (timing repeats of every run, default 1), `threads`,
`executor` ("local" or "ray"), `address` (a Ray cluster's, for the ray executor),
`placement` (how the ray executor fills a cluster's nodes), `skip` (a
list of "task/recipe" or "task/recipe/backend" patterns to leave out, `*` matching any name),
`[budgets]` (pattern = seconds of training per run: the run stops after the epoch that crosses
it, see TrainSpec.time_budget), `[recipe.NAME]` tables defining custom recipes by hidden
sizes, `[scale]`, a scaling study whose points become recipes (`bench.plan.scale`), and
`device` ("cpu", the default; "cuda"; or "auto": `bench.plan.devices`).
`bench.plan.planner` turns a suite into the ordered list of runs.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from bench.plan.runs import INIT_MODES
from bench.plan.scale import ScaleError, ScaleSpec
from bench.spec import NetSpec, TrainSpec
from bench.spec.devices import check_device
from tasks.registry import closest as suggest

BUILTIN_SUITES = ("quick", "full", "gate", "scale")
SUITE_KEYS = ("tasks", "backends", "recipes", "seeds", "repeat", "epochs", "timeout", "init",
              "threads", "jobs", "isolation", "executor", "address", "placement", "max_runs",
              "skip", "budgets", "recipe", "scale", "device")
#: the range every count of a suite must lie in (sane bounds: beyond them a value is a typo)
COUNTS = {"seeds": (1, 100_000), "repeat": (1, 1_000), "epochs": (1, 10_000_000),
          "threads": (1, 1_024), "jobs": (1, 1_024), "max_runs": (1, 10_000_000)}
#: the most seconds a run may be given (a week): a timeout or budget is always finite
MAX_SECONDS = 7 * 24 * 3600.0
#: runs a plan may hold unless the suite (or --max-runs) allows more
DEFAULT_MAX_RUNS = 20_000
#: what a user-chosen name (a custom recipe) may be made of
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,47}")
NAME_RULE = ("1 to 48 letters, digits, '.', '_' or '-', starting with a letter or digit")
#: how runs get their process: forked from a pre-imported process per backend, or each a
#: fresh interpreter (bench.execution.runner)
ISOLATIONS = ("forked", "fresh")
#: where runs are executed: this machine's processes, or a Ray cluster (bench.execution.executors)
EXECUTORS = ("local", "ray")
#: how the ray executor fills a cluster: "pack" as many runs on a node as its CPUs allow
#: (accuracy suites), "one-per-node" one run at a time per node (timing-sensitive suites)
PLACEMENTS = ("pack", "one-per-node")
NET_FIELDS = tuple(f.name for f in fields(NetSpec) if f.name != "layers")
TRAIN_FIELDS = tuple(f.name for f in fields(TrainSpec) if f.name != "seed")
CUSTOM_KEYS = ("hidden", "layers", *NET_FIELDS, *TRAIN_FIELDS)


class SuiteError(ValueError):
    """A suite or command-line selection that cannot be run; the message says what is allowed."""


@dataclass(frozen=True)
class Suite:
    """A benchmark matrix. None for tasks/backends/recipes means "all" (available ones)."""

    name: str = "custom"
    tasks: tuple[str, ...] | None = None
    backends: tuple[str, ...] | None = None
    recipes: tuple[str, ...] | None = None
    seeds: int = 3
    #: timing repeats: every (task, recipe, backend, seed) run this many times
    repeat: int = 1
    epochs: int | None = None
    timeout: float = 600.0
    init: str = "shared"
    threads: int | None = None
    #: runs at a time (None: see `parallelism`)
    jobs: int | None = None
    isolation: str = "forked"
    executor: str = "local"
    #: the Ray cluster to join (None: RAY_ADDRESS, else an embedded local Ray)
    address: str | None = None
    placement: str = "pack"
    #: the most runs the plan may hold (a guard against e.g. seeds = 1000000000)
    max_runs: int = DEFAULT_MAX_RUNS
    skip: tuple[str, ...] = ()
    budgets: dict[str, float] = field(default_factory=dict)
    custom: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: a scaling study: its points are planned as recipes (None: no study)
    scale: ScaleSpec | None = None
    #: the device every run asks for: cpu, cuda or auto (`bench.plan.devices.resolve`)
    device: str = "cpu"

    def __post_init__(self) -> None:
        try:
            check_device(self.device)
        except ValueError as exc:
            raise SuiteError(str(exc)) from None
        for name, (low, high) in COUNTS.items():
            value = getattr(self, name)
            if value is not None:
                _count(name, value, low, high)
        for key, allowed in (("isolation", ISOLATIONS), ("executor", EXECUTORS),
                             ("placement", PLACEMENTS)):
            if getattr(self, key) not in allowed:
                raise SuiteError(f"{key}={getattr(self, key)!r} is not allowed; choose one of: "
                                 f"{', '.join(allowed)}")
        if self.address is not None and (not isinstance(self.address, str)
                                         or not self.address.strip()):
            raise SuiteError(f"address={self.address!r} is not allowed; give a Ray cluster's "
                             "address as HOST:PORT, e.g. \"10.0.0.1:6379\"")
        check_seconds("timeout", self.timeout)
        if self.init not in INIT_MODES:
            raise SuiteError(f"init={self.init!r} is not allowed; choose one of: "
                             f"{', '.join(INIT_MODES)}")
        for pattern in self.skip:
            check_pattern("skip", pattern, (2, 3))
        for pattern, seconds in self.budgets.items():
            check_pattern("budgets", pattern, (3,))
            check_seconds(f"budgets: {pattern!r}", seconds)
        for name, table in self.custom.items():
            check_name("recipe", name)
            unknown = sorted(set(table) - set(CUSTOM_KEYS))
            if unknown:
                raise SuiteError(f"[recipe.{name}]: unknown key(s) {', '.join(unknown)}; "
                                 f"allowed: {', '.join(CUSTOM_KEYS)}")
        if self.scale is not None:
            clash = sorted(set(self.custom) & set(self.scale.by_recipe()))
            if clash:
                raise SuiteError(f"[recipe.{clash[0]}] has the name of a point of [scale]; "
                                 "rename the recipe")

    def with_overrides(self, **changes: Any) -> Suite:
        """A copy with the command-line values that were given (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.scale is None:
            del out["scale"]  # plan.json of a suite without a study reads as before
        else:
            out["scale"] = self.scale.to_dict()
        if self.device == "cpu":
            del out["device"]  # nor does a CPU suite's
        for key, default in (("executor", "local"), ("address", None), ("placement", "pack")):
            if out[key] == default:
                del out[key]  # nor does that of a suite run as before
        return out

    def parallelism(self, cores: int) -> tuple[int, int]:
        """(threads per run, runs at a time) on a machine with `cores` cores.

        The default is one single-threaded run per core: every run has a core of its own, so
        the cores are all busy and no run's threads wait on another's. Given only threads,
        as many runs as fit the cores; given only jobs, the cores shared among them.
        """
        threads, jobs = self.threads, self.jobs
        if threads is None and jobs is None:
            return 1, max(1, cores)
        if threads is None:
            return max(1, cores // jobs), jobs
        return threads, jobs or max(1, cores // threads)


def _count(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SuiteError(f"{name}={value!r} is not allowed; it must be an integer from {low:,} "
                         f"to {high:,}")


def check_seconds(what: str, value: Any) -> None:
    """SuiteError unless `value` is a finite number of seconds in (0, MAX_SECONDS]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise SuiteError(f"{what} = {value!r} is not allowed; give a finite number of seconds "
                         f"> 0 and at most {MAX_SECONDS:,.0f} (a week)")


def check_pattern(key: str, pattern: Any, parts: tuple[int, ...]) -> None:
    """SuiteError unless `pattern` is a task/recipe[/backend] pattern of an allowed length."""
    forms = " or ".join({2: "task/recipe", 3: "task/recipe/backend"}[n] for n in parts)
    if not isinstance(pattern, str) or pattern.count("/") + 1 not in parts \
            or not all(pattern.split("/")):
        raise SuiteError(f"{key}: {pattern!r} can never match a run; give a {forms} pattern "
                         "(* matches any name, e.g. \"mnist/*/pybrain\")")


def check_name(kind: str, name: Any) -> None:
    """SuiteError unless a user-chosen name is one nnbench can show and store literally."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise SuiteError(f"{kind} name {name!r} is not allowed; use {NAME_RULE}")


def _string_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SuiteError(f"{key} must be a list of names, e.g. {key} = [\"a\", \"b\"]")
    return tuple(value)


def suite_from_toml(text: str, name: str) -> Suite:
    """Parse a suite file's text; syntax errors name the line, unknown keys are refused."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"suite {name}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - set(SUITE_KEYS))
    if unknown:
        hint = "; ".join(f"{k!r}{suggest(k, SUITE_KEYS)}" for k in unknown)
        raise SuiteError(f"suite {name}: unknown key(s) {hint}; allowed: {', '.join(SUITE_KEYS)}")
    kwargs: dict[str, Any] = {"name": name}
    for key in ("tasks", "backends", "recipes", "skip"):
        if key in data:
            kwargs[key] = _string_list(key, data[key])
    for key in ("seeds", "repeat", "epochs", "timeout", "init", "threads", "jobs", "isolation",
                "executor", "address", "placement", "max_runs", "device"):
        if key in data:
            kwargs[key] = data[key]
    budgets = data.get("budgets", {})
    if not isinstance(budgets, dict):
        raise SuiteError(f"suite {name}: budgets is a table, e.g. [budgets] "
                         "\"mnist/*/pybrain\" = 300")
    kwargs["budgets"] = budgets
    custom = data.get("recipe", {})
    if not isinstance(custom, dict) or not all(isinstance(v, dict) for v in custom.values()):
        raise SuiteError(f"suite {name}: custom recipes are tables, e.g. [recipe.tiny]")
    kwargs["custom"] = custom
    if "scale" in data:
        try:
            kwargs["scale"] = ScaleSpec.from_dict(data["scale"])
        except ScaleError as exc:
            raise SuiteError(f"suite {name}: {exc}") from None
    return Suite(**kwargs)


def load_suite(name_or_path: str) -> Suite:
    """A built-in suite by name, or a suite TOML file by path."""
    if name_or_path in BUILTIN_SUITES:
        text = resources.files("bench.plan.suites").joinpath(f"{name_or_path}.toml").read_text()
        return suite_from_toml(text, name_or_path)
    path = Path(name_or_path)
    if path.is_dir():
        raise SuiteError(f"suite {name_or_path!r} is a directory; give a suite TOML file or a "
                         f"built-in suite ({', '.join(BUILTIN_SUITES)})")
    if not path.is_file():
        raise SuiteError(f"suite {name_or_path!r} is neither a built-in suite "
                         f"({', '.join(BUILTIN_SUITES)}) nor an existing TOML file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SuiteError(f"suite {path} is not UTF-8 text (byte {exc.start}: {exc.reason}); "
                         "save it as UTF-8") from None
    except OSError as exc:
        raise SuiteError(f"suite {path} cannot be read: {exc.strerror or exc}") from None
    return suite_from_toml(text, str(path))
