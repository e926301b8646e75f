"""Suites: which tasks, recipes, backends and seeds to run, from TOML files or built-ins.

A suite file's keys are all optional (see README.md): tasks, backends, recipes, seeds, epochs,
timeout, init, plus `repeat` (timing repeats of every run, default 1), `threads`, `skip` (a
list of "task/recipe" or "task/recipe/backend" patterns to leave out, `*` matching any name),
`[budgets]` (pattern = seconds of training per run: the run stops after the epoch that crosses
it, see TrainSpec.time_budget), and `[recipe.NAME]` tables defining custom recipes by hidden
sizes. `plan_runs` turns a suite into the ordered list of runs (dicts the worker understands).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path
from typing import Any

from bench.spec import NetSpec, Recipe, SpecError, TrainSpec
from tasks.registry import closest as suggest

BUILTIN_SUITES = ("quick", "full", "gate")
INIT_MODES = ("shared", "native")
SUITE_KEYS = ("tasks", "backends", "recipes", "seeds", "repeat", "epochs", "timeout", "init",
              "threads", "skip", "budgets", "recipe")
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
    skip: tuple[str, ...] = ()
    budgets: dict[str, float] = field(default_factory=dict)
    custom: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _positive_int("seeds", self.seeds)
        _positive_int("repeat", self.repeat)
        if self.epochs is not None:
            _positive_int("epochs", self.epochs)
        if self.threads is not None:
            _positive_int("threads", self.threads)
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)) \
                or self.timeout <= 0:
            raise SuiteError(f"timeout={self.timeout!r} is not allowed; give seconds > 0")
        if self.init not in INIT_MODES:
            raise SuiteError(f"init={self.init!r} is not allowed; choose one of: "
                             f"{', '.join(INIT_MODES)}")
        for pattern, seconds in self.budgets.items():
            if not isinstance(pattern, str) or pattern.count("/") != 2:
                raise SuiteError(f"budgets: {pattern!r} is not a task/recipe/backend pattern "
                                 "(e.g. \"mnist/*/pybrain\")")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
                    or not seconds > 0:
                raise SuiteError(f"budgets: {pattern!r} = {seconds!r} is not allowed; give "
                                 "seconds > 0")
        for name, table in self.custom.items():
            unknown = sorted(set(table) - set(CUSTOM_KEYS))
            if unknown:
                raise SuiteError(f"[recipe.{name}]: unknown key(s) {', '.join(unknown)}; "
                                 f"allowed: {', '.join(CUSTOM_KEYS)}")

    def with_overrides(self, **changes: Any) -> Suite:
        """A copy with the command-line values that were given (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SuiteError(f"{name}={value!r} is not allowed; it must be an integer >= 1")


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
    for key in ("seeds", "repeat", "epochs", "timeout", "init", "threads"):
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
    return Suite(**kwargs)


def load_suite(name_or_path: str) -> Suite:
    """A built-in suite by name, or a suite TOML file by path."""
    if name_or_path in BUILTIN_SUITES:
        text = resources.files("bench.plan.suites").joinpath(f"{name_or_path}.toml").read_text()
        return suite_from_toml(text, name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise SuiteError(f"suite {name_or_path!r} is neither a built-in suite "
                         f"({', '.join(BUILTIN_SUITES)}) nor an existing TOML file")
    return suite_from_toml(path.read_text(encoding="utf-8"), str(path))


def custom_recipe(name: str, table: dict[str, Any], task) -> Recipe:
    """Build a suite-defined recipe for `task`.

    `hidden` gives the hidden sizes (input and output sizes come from the task); `layers` gives
    every size and must fit the task.
    """
    table = dict(table)
    if "hidden" in table and "layers" in table:
        raise SuiteError(f"[recipe.{name}]: give hidden or layers, not both")
    hidden, layers = table.pop("hidden", []), table.pop("layers", None)
    for key, sizes in (("hidden", hidden), ("layers", layers or [])):
        if not isinstance(sizes, list) or not all(isinstance(h, int) for h in sizes):
            raise SuiteError(f"[recipe.{name}]: {key} must be a list of layer sizes, "
                             "e.g. [30, 30]")
    net_kw = {k: table.pop(k) for k in NET_FIELDS if k in table}
    if table.get("batch_size") == "full":
        table["batch_size"] = None
    output = net_kw.get("output", "softmax")
    if layers is None:
        n_out = 1 if task.n_classes == 2 and output != "softmax" else task.n_classes
        layers = [task.n_features, *hidden, n_out]
    elif len(layers) < 2 or layers[0] != task.n_features or layers[-1] not in task.output_sizes:
        outs = " or ".join(str(n) for n in task.output_sizes)
        raise SuiteError(f"[recipe.{name}]: layers {layers} do not fit task {task.name}: it has "
                         f"{task.n_features} inputs and takes {outs} outputs")
    try:
        net = NetSpec(layers=tuple(layers), **net_kw)
        return Recipe(name, net, TrainSpec(**table), description=f"custom recipe {name}")
    except (SpecError, TypeError) as exc:
        raise SuiteError(f"[recipe.{name}] for task {task.name}: {exc}") from None


def _matches(pattern: str, task: str, recipe: str, backend: str) -> bool:
    """Whether a "task/recipe" or "task/recipe/backend" pattern (with `*`) names this run."""
    parts = pattern.split("/")
    names = (task, recipe, backend)[:len(parts)]
    return len(parts) in (2, 3) and all(map(fnmatchcase, names, parts))


def _skipped(skip: tuple[str, ...], task: str, recipe: str, backend: str) -> bool:
    return any(_matches(pattern, task, recipe, backend) for pattern in skip)


def _budget(budgets: dict[str, float], task: str, recipe: str, backend: str) -> float | None:
    """The training budget of the first pattern naming this run (None: no budget)."""
    return next((float(s) for p, s in budgets.items() if _matches(p, task, recipe, backend)),
                None)


def run_id(task: str, recipe: str, backend: str, seed: int, repeat: int = 0,
           repeats: int = 1) -> str:
    """`task/recipe/backend/seed`, plus `/r<repeat>` when the suite repeats its runs."""
    base = f"{task}/{recipe}/{backend}/{seed}"
    return base if repeats == 1 else f"{base}/r{repeat}"


def plan_runs(suite: Suite, task_names, backend_names, get_task) -> list[dict[str, Any]]:
    """The runs of `suite`, repeat-major, then seed-major, so that backends interleave.

    The whole seed-major list is run once per timing repeat (`suite.repeat`): repeat 0 of
    every run, then repeat 1 of every run, and so on. Backends alternate within a seed and the
    repeats of one run lie a whole pass apart, so machine drift or a burst of load is shared
    by every backend and lands on one repeat of many runs, not on every repeat of one run; and
    an interrupted suite has finished whole passes (every seed's accuracy) first.
    Every run carries its `repeat` index; `run_id` gains `/r<repeat>` only when repeat > 1, so
    a suite without repeats keeps the `task/recipe/backend/seed` ids of older runs.

    `task_names`/`backend_names` are the resolved selections; `get_task(name)` gives a Task.
    Raises SuiteError when a named recipe exists nowhere or the plan is empty.
    """
    tasks = [get_task(name) for name in task_names]
    recipe_sets = {}
    for task in tasks:
        recipes = dict(task.recipes)
        for name, table in suite.custom.items():
            recipes[name] = custom_recipe(name, table, task)
        wanted = suite.recipes if suite.recipes is not None else tuple(recipes)
        recipe_sets[task.name] = [recipes[r] for r in wanted if r in recipes]
    if suite.recipes is not None:
        offered = {r.name for rs in recipe_sets.values() for r in rs}
        for name in suite.recipes:
            if name not in offered:
                known = sorted({n for t in tasks for n in t.recipes} | set(suite.custom))
                raise SuiteError(f"recipe {name!r}{suggest(name, known)} is not offered by "
                                 f"task(s) {', '.join(task_names)}; they offer: {', '.join(known)}")
    runs = []
    for repeat in range(suite.repeat):
        for seed in range(suite.seeds):
            for task in tasks:
                for recipe in recipe_sets[task.name]:
                    train = recipe.train.replace(seed=seed)
                    if suite.epochs is not None:
                        train = train.replace(epochs=suite.epochs)
                    for backend in backend_names:
                        if _skipped(suite.skip, task.name, recipe.name, backend):
                            continue
                        budget = _budget(suite.budgets, task.name, recipe.name, backend)
                        run_train = train if budget is None else train.replace(
                            time_budget=budget)
                        runs.append({
                            "run_id": run_id(task.name, recipe.name, backend, seed, repeat,
                                             suite.repeat),
                            "task": task.name, "recipe": recipe.name, "backend": backend,
                            "seed": seed, "repeat": repeat, "init": suite.init,
                            "timeout": suite.timeout, "net": recipe.net.to_dict(),
                            "train": run_train.to_dict(),
                        })
    if not runs:
        raise SuiteError("the selection holds no run (every task/recipe/backend combination "
                         "was skipped or absent)")
    return runs
