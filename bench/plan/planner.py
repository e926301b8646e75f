"""From a suite to its plan: every task x recipe x backend x seed (x repeat), in run order.

`plan_suite` is what the command line and the Python API call: it resolves the suite's
defaults (every task of the suite, every available backend), checks every name against the
registries (with a suggestion for a typo), folds a name given twice into one with a note,
builds the suite's custom recipes (and the points of its scaling study) for each task,
applies `skip`, `budgets` and the epochs override, and loads each task's data once so that bad
or missing data (or more training rows asked for than a task has) is refused before a single
run starts. `plan_runs` is the ordering alone (see its docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Any

from backends import registry as backend_registry
from backends.registry import BACKENDS
from bench.plan import devices
from bench.plan.runs import Plan, PlannedRun, run_id
from bench.plan.suite import NET_FIELDS, Suite, SuiteError
from bench.spec import NetSpec, Recipe, SpecError, TrainSpec
from tasks import registry as task_registry
from tasks.base import DataError
from tasks.registry import TASKS, get_task
from tasks.registry import closest as suggest


def check_names(kind: str, names: Iterable[str], known: Iterable[str], where: str = "") -> None:
    """SuiteError for the first name that is not `known`: `where`, then 'unknown task 'xr'
    (did you mean 'xor'?); available: ...'."""
    known = list(known)
    for name in names:
        if name not in known:
            raise SuiteError(f"{where}unknown {kind} {name!r}{suggest(name, known)}; "
                             f"available: {', '.join(known)}")


def distinct(kind: str, names: tuple[str, ...] | None) -> tuple[tuple[str, ...] | None, list[str]]:
    """`names` with repeats folded into their first place, and a note per folded name."""
    if names is None:
        return None, []
    once = tuple(dict.fromkeys(names))
    notes = [f"{kind} names {name!r} {names.count(name)} times; it is planned once"
             for name in once if names.count(name) > 1]
    return once, notes


def available_backends() -> tuple[str, ...]:
    """Every registered backend whose framework is installed."""
    return tuple(n for n, e in BACKENDS.items() if e.unavailable_reason() is None)


def plan_suite(suite: Suite) -> Plan:
    """The plan of `suite` (see the module docstring). SuiteError, SpecError or DataError with
    a message that says what is allowed."""
    registry_errors = [*backend_registry.EXTRA_ERRORS, *task_registry.EXTRA_ERRORS]
    if registry_errors:
        raise SuiteError("; ".join(registry_errors))
    notes = []
    tasks, folded = distinct("tasks", suite.tasks)
    notes += folded
    backends, folded = distinct("backends", suite.backends)
    notes += folded
    recipes, folded = distinct("recipes", suite.recipes)
    notes += folded
    check_names("task", tasks or (), TASKS, f"suite {suite.name}: ")
    check_names("backend", backends or (), BACKENDS, f"suite {suite.name}: ")
    task_names = tasks or tuple(TASKS)
    backend_names = backends or available_backends()
    suite = suite.with_overrides(recipes=recipes)
    _check_size(suite, task_names, backend_names)
    runs = plan_runs(suite, task_names, backend_names, get_task)
    notes += _unused_patterns(suite)
    for name in task_names:  # bad or missing data is bad input: refuse it before any run
        _check_rows(get_task(name), runs)
    return Plan(tuple(runs), tuple(notes))


def _check_rows(task, runs: list[PlannedRun]) -> None:
    """Load the task's data; SuiteError when a run asks for more training rows than it has,
    or for a row subset of a task whose test rows are its training rows."""
    available = len(task.split(0).y_train)
    asked = {run.recipe: run.train.rows for run in runs
             if run.task == task.name and run.train.rows is not None}
    if asked and task.protocol != "holdout":
        raise SuiteError(f"recipe {next(iter(asked))} asks for rows, but task {task.name} "
                         f"is evaluated by {task.protocol}; rows is for holdout tasks")
    for recipe, rows in asked.items():
        if rows > available:
            raise SuiteError(f"recipe {recipe} asks for rows={rows}, but task {task.name} "
                             f"has {available} training rows")


def _check_size(suite: Suite, task_names, backend_names) -> None:
    """SuiteError, before a single run is planned, when the plan could exceed max_runs."""
    own = len(_suite_recipes(suite))
    recipes = max((len(get_task(t).recipes) + own for t in task_names), default=0)
    if suite.recipes is not None:
        recipes = min(recipes, len(suite.recipes))
    bound = len(task_names) * recipes * len(backend_names) * suite.seeds * suite.repeat
    if bound > suite.max_runs:
        raise SuiteError(
            f"the plan would hold up to {bound:,} runs ({len(task_names)} task(s) x {recipes} "
            f"recipe(s) x {len(backend_names)} backend(s) x {suite.seeds:,} seed(s) x "
            f"{suite.repeat} repeat(s)), more than the {suite.max_runs:,} allowed; choose fewer, "
            "or allow more with --max-runs N (max_runs in a suite file)")


def _unused_patterns(suite: Suite) -> list[str]:
    """Notes for skip and budget patterns that name no run of any task, recipe and backend
    nnbench knows (a typo: such a pattern has no effect). Patterns that only miss the tasks
    or backends of this run, narrowed on the command line, say nothing."""
    combos = [(t, r, b) for t in TASKS for r in (*get_task(t).recipes, *_suite_recipes(suite))
              for b in BACKENDS]
    notes = []
    for key, patterns in (("skip", suite.skip), ("budgets", tuple(suite.budgets))):
        for pattern in patterns:
            if not any(_matches(pattern, *combo) for combo in combos):
                notes.append(f"{key} pattern {pattern!r} matches no task/recipe/backend "
                             "nnbench knows; it has no effect (a typo?)")
    return notes


def _suite_recipes(suite: Suite) -> tuple[str, ...]:
    """The names of the recipes a suite defines: its custom ones and its study's points."""
    points = tuple(suite.scale.by_recipe()) if suite.scale is not None else ()
    return (*suite.custom, *points)


PLAN_ERRORS = (SuiteError, SpecError, DataError)

def custom_recipe(name: str, table: dict[str, Any], task,
                  description: str = "") -> Recipe:
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
        return Recipe(name, net, TrainSpec(**table),
                      description=description or f"custom recipe {name}")
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


def _recipes(suite: Suite, task) -> list[Recipe]:
    """The task's recipes the suite asks for (its own, the suite's custom ones and the points
    of its scaling study). By default every one of them, or in a suite with a study its
    points and custom recipes, not the task's own."""
    recipes = dict(task.recipes)
    for name, table in suite.custom.items():
        if name in recipes:
            raise SuiteError(f"[recipe.{name}]: {name!r} is a built-in recipe of task "
                             f"{task.name}; a custom recipe must not replace it: name yours "
                             f"differently, e.g. [recipe.{name}-mine]")
        recipes[name] = custom_recipe(name, table, task)
    points = suite.scale.points() if suite.scale is not None else []
    for point in points:
        recipes[point.recipe] = custom_recipe(point.recipe, point.table, task,
                                              f"scaling point: {point.axis} {point.value}")
    if suite.recipes is not None:  # points in the study's order, whatever order names them
        chosen = [p.recipe for p in points if p.recipe in suite.recipes]
        wanted = (*chosen, *(r for r in suite.recipes if r not in chosen))
    elif points:
        wanted = (*(p.recipe for p in points), *suite.custom)
    else:
        wanted = tuple(recipes)
    return [recipes[r] for r in wanted if r in recipes]


def _check_recipes_offered(suite: Suite, tasks, recipe_sets) -> None:
    offered = {r.name for rs in recipe_sets.values() for r in rs}
    for name in suite.recipes:
        if name not in offered:
            known = sorted({n for t in tasks for n in t.recipes} | set(suite.custom))
            raise SuiteError(f"recipe {name!r}{suggest(name, known)} is not offered by "
                             f"task(s) {', '.join(t.name for t in tasks)}; they offer: "
                             f"{', '.join(known)}")


def _runs_of(suite: Suite, task: str, recipe: Recipe, seed: int, repeat: int,
             backends: list[str]) -> list[PlannedRun]:
    """One seed and repeat of a task x recipe on every backend the suite does not skip."""
    train = recipe.train.replace(seed=seed)
    if suite.epochs is not None:
        train = train.replace(epochs=suite.epochs)
    runs = []
    for backend in backends:
        if _skipped(suite.skip, task, recipe.name, backend):
            continue
        budget = _budget(suite.budgets, task, recipe.name, backend)
        device = devices.resolve(suite.device, backend)
        runs.append(PlannedRun(
            run_id=run_id(task, recipe.name, backend, seed, repeat, suite.repeat, device),
            task=task, recipe=recipe.name, backend=backend, seed=seed, repeat=repeat,
            init=suite.init, timeout=float(suite.timeout), net=recipe.net,
            train=train if budget is None else train.replace(time_budget=budget),
            device=device))
    return runs


def plan_runs(suite: Suite, task_names: Iterable[str], backend_names: Iterable[str],
              get_task: Callable = get_task) -> list[PlannedRun]:
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
    task_names, backend_names = list(task_names), list(backend_names)
    tasks = [get_task(name) for name in task_names]
    recipe_sets = {task.name: _recipes(suite, task) for task in tasks}
    if suite.recipes is not None:
        _check_recipes_offered(suite, tasks, recipe_sets)
    runs = []
    for repeat in range(suite.repeat):
        for seed in range(suite.seeds):
            for task in tasks:
                for recipe in recipe_sets[task.name]:
                    runs += _runs_of(suite, task.name, recipe, seed, repeat, backend_names)
    if not runs:
        raise SuiteError("the selection holds no run (every task/recipe/backend combination "
                         "was skipped or absent)")
    return _chained(runs, suite) if suite.scale is not None else runs


def _chained(runs: list[PlannedRun], suite: Suite) -> list[PlannedRun]:
    """The runs, each point of the scaling study naming the planned run of the point before it
    on its axis (same task, backend, seed and repeat; `PlannedRun.after`)."""
    points = suite.scale.by_recipe()
    last: dict[tuple, str] = {}
    out = []
    for run in runs:
        point = points.get(run.recipe)
        if point is not None:
            chain = (point.axis, run.task, run.label, run.seed, run.repeat)
            if chain in last:
                run = replace(run, after=last[chain])
            last[chain] = run.run_id
        out.append(run)
    return out
