"""`nnbench list`, `fetch` and `verify`: what is installed, data, and the proof of equality."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from backends.registry import BACKENDS
from bench.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, UsageError, stderr
from bench.cli.run import names
from bench.judge import verify as verification
from bench.plan.planner import available_backends
from bench.present import terminal
from bench.spec import threads
from tasks.base import DataError
from tasks.registry import TASKS, closest, get_task


def cmd_verify(args: argparse.Namespace, console: Console) -> int:
    backends = names("backends", args.backends, list(BACKENDS)) or available_backends()
    cases = list(names("cases", args.cases, list(verification.CASES)) or verification.CASES)
    n_threads = args.threads or threads.default_threads()
    device = getattr(args, "device", "cpu")
    on = "" if device == "cpu" else f" on device {device} (the reference on the CPU)"
    console.print(f"nnbench verify: {len(cases)} case(s) on {len(backends)} backend(s){on}, "
                  "float64, "
                  f"shared initial weights; tolerance {verification.TOLERANCE:g} against "
                  f"{verification.REFERENCE}", highlight=False, soft_wrap=True)
    rows = verification.verify(
        list(backends), cases, n_threads,
        on_backend=None if console.is_terminal else lambda b: console.print(f"  {b} ..."),
        device=device)
    console.print(terminal.verify_table(rows))
    deviations = {(r.backend, d) for r in rows for d in r.deviations}
    for backend, text in sorted(deviations):
        console.print(f"  deviation ({backend}): {text}",
                      highlight=False, markup=False, soft_wrap=True)
    bad = [r for r in rows if not r.agrees and r.status not in ("unsupported", "unavailable")]
    if bad:
        console.print(f"[bold red]{len(bad)} case(s) disagree or failed[/]",
                      highlight=False, soft_wrap=True)
        return EXIT_FAILED
    console.print("every supported case agrees", highlight=False, soft_wrap=True)
    return 0


def cmd_fetch(args: argparse.Namespace, console: Console) -> int:
    from tasks.datadir import data_dir, data_set_of, fetch

    of_task = {n: d for n in TASKS if (d := data_set_of(get_task(n))) is not None}
    data_sets = {d.name: d for d in of_task.values()}  # tasks may share one (mnist-small)
    if args.name in of_task:
        args.name = of_task[args.name].name
    if args.name != "all" and args.name not in data_sets:
        raise UsageError(f"no data to fetch for {args.name!r}{closest(args.name, data_sets)}; "
                         f"choose all or one of: {', '.join(data_sets)}")
    failed = 0
    for name in data_sets if args.name == "all" else [args.name]:
        try:
            paths = fetch(data_sets[name])
        except DataError as exc:
            failed += 1
            print(f"nnbench fetch: {name}: {exc}", file=stderr())
            continue
        console.print(f"{name}: {len(paths)} file(s) present and verified in "
                      f"{data_dir() / data_sets[name].name}",
                          highlight=False, markup=False, soft_wrap=True)
    return EXIT_BAD_INPUT if failed else 0


def list_data() -> dict[str, Any]:
    tasks = {}
    for name in TASKS:
        task = get_task(name)
        tasks[name] = {"description": task.description, "protocol": task.protocol,
                       "features": task.n_features, "classes": list(task.classes),
                       "source": task.source,
                       "recipes": {r: recipe.to_dict() for r, recipe in task.recipes.items()}}
    backends = {}
    for name, entry in BACKENDS.items():
        reason = entry.unavailable_reason()
        backends[name] = {"framework": entry.framework, "available": reason is None,
                          "version": entry.framework_version(), "reason": reason,
                          "devices": list(entry.devices)}
    return {"tasks": tasks, "backends": backends}


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    data = list_data()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    tasks = Table(title="tasks", title_justify="left", header_style="bold")
    for column in ("task", "protocol", "inputs", "classes", "recipes", "description"):
        tasks.add_column(column)
    for name, t in data["tasks"].items():
        tasks.add_row(terminal.literal(name), t["protocol"], str(t["features"]),
                      str(len(t["classes"])), terminal.literal(", ".join(t["recipes"])),
                      terminal.literal(t["description"]))
    backends = Table(title="backends", title_justify="left", header_style="bold")
    for column in ("backend", "framework", "devices", "version / why unavailable"):
        backends.add_column(column)
    for name, b in data["backends"].items():
        status = terminal.literal(b["version"] or "") if b["available"] else \
            terminal.literal("unavailable: ", "red").append(b["reason"])
        backends.add_row(terminal.literal(name), b["framework"], ", ".join(b["devices"]), status)
    console.print(tasks)
    console.print(backends)
    return 0
