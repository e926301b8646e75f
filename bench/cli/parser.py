"""The argument parser of `nnbench` and its subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from backends.registry import BACKENDS
from bench.execution.records import STATUSES
from bench.judge import verify as verification
from bench.judge.baseline import DEFAULT_PATH as DEFAULT_BASELINE
from bench.plan.runs import INIT_MODES
from bench.plan.suite import BUILTIN_SUITES, DEFAULT_MAX_RUNS, EXECUTORS, ISOLATIONS, PLACEMENTS
from bench.results.rundir import DEFAULT_REFERENCE
from bench.spec.devices import DEVICE_CHOICES
from tasks.registry import TASKS

#: the statuses --retry may name
RETRYABLE = tuple(s for s in STATUSES if s != "ok")


def positive(kind: type):
    """An argparse type: a finite number of `kind` greater than 0 (the suite checks its
    upper bound, with the allowed range in its message)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"{text!r} must be a finite number")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an error (also: NNBENCH_DEBUG=1)")
    parser = argparse.ArgumentParser(
        prog="nnbench", parents=[common], description="Train the same neural network on "
        "several frameworks and compare accuracy, loss curves and time.")
    parser.set_defaults(debug=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_parser = commands.add_parser

    def add_parser(name: str, **kwargs) -> argparse.ArgumentParser:
        return _add_parser(name, parents=[common], **kwargs)

    commands.add_parser = add_parser  # every command takes --debug
    listing = commands.add_parser("list", help="tasks, recipes and backends")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    run = commands.add_parser("run", help="run a benchmark suite")
    run.add_argument("--suite", default="quick",
                     help=f"built-in suite ({', '.join(BUILTIN_SUITES)}) or a suite TOML file "
                          "(default: quick)")
    run.add_argument("--tasks", help=f"comma-separated tasks ({', '.join(TASKS)})")
    run.add_argument("--backends", help=f"comma-separated backends ({', '.join(BACKENDS)})")
    run.add_argument("--recipe", help="comma-separated recipes (perceptron, course, modern, "
                     "finite-difference, or a suite's custom recipes)")
    run.add_argument("--seeds", type=positive(int), help="seeds per combination (default 3)")
    run.add_argument("--repeat", type=positive(int),
                     help="timing repeats: run every task/recipe/backend/seed N times; times "
                          "are then reported as median (IQR) over the repeats (default 1)")
    run.add_argument("--epochs", type=positive(int), help="override every recipe's epochs")
    run.add_argument("--init", choices=INIT_MODES,
                     help="shared: same initial weights on every backend (default); "
                          "native: each framework's own initialisers")
    run.add_argument("--device", choices=DEVICE_CHOICES,
                     help="cpu (default); cuda: the GPU, for the backends that have one "
                          "(torch, keras, keras-torch, keras-jax; numpy, sklearn and pybrain "
                          "are then unsupported); auto: cuda where the backend has it and a "
                          "GPU is present, else cpu")
    run.add_argument("--threads", type=positive(int),
                     help="compute threads per run (default 1, or the cores / --jobs)")
    run.add_argument("--jobs", type=positive(int),
                     help="runs at a time (default: one per core, or the cores / --threads)")
    run.add_argument("--isolation", choices=ISOLATIONS,
                     help="forked: every run a fork of a pre-imported process per backend "
                          "(default; imports paid once); fresh: every run a new interpreter")
    run.add_argument("--executor", choices=EXECUTORS,
                     help="local: this machine's processes (default); ray: Ray tasks, on an "
                          "embedded local Ray or on the cluster at --address / RAY_ADDRESS "
                          "(needs nnbench[ray]; see README, Running on a cluster)")
    run.add_argument("--address", metavar="HOST:PORT",
                     help="with --executor ray: the Ray cluster to join (default: "
                          "RAY_ADDRESS, else an embedded local Ray)")
    run.add_argument("--placement", choices=PLACEMENTS,
                     help="with --executor ray: pack: as many runs per node as its CPUs allow "
                          "(default; accuracy suites); one-per-node: one run at a time per "
                          "node (timing-sensitive suites)")
    run.add_argument("--timeout", type=positive(float), help="seconds per run (default 600)")
    run.add_argument("--out", type=Path, help="output directory (default: "
                     "results/runs/<UTC timestamp>)")
    run.add_argument("--resume", action="store_true",
                     help="continue the run in --out, running only what is missing")
    run.add_argument("--retry", metavar="STATUSES",
                     help="with --resume: also run again the runs recorded with these statuses "
                          f"({', '.join(RETRYABLE)}; comma-separated), e.g. --retry "
                          "failed,timeout --timeout 1800; their new records replace the old")
    run.add_argument("--max-runs", type=positive(int), dest="max_runs",
                     help=f"the most runs a plan may hold (default {DEFAULT_MAX_RUNS:,})")
    run.add_argument("--quiet", action="store_true",
                     help="print no line per run and no table: only the plan, the notes and "
                          "where the records and the report are (e.g. in CI, before "
                          "`nnbench check`)")

    report = commands.add_parser("report", help="(re)write DIR/report.md, DIR/report.html, "
                                 "DIR/plots/ and DIR/summary.csv from DIR/runs.jsonl")
    report.add_argument("dir", type=Path, metavar="DIR", help="output directory of a run")

    compare = commands.add_parser("compare", help="accuracy and time changes from run A to B")
    compare.add_argument("dir_a", type=Path, metavar="DIR_A",
                         help="the reference run (results: the committed reference run, "
                              f"{DEFAULT_REFERENCE}/)")
    compare.add_argument("dir_b", type=Path, metavar="DIR_B", help="the run to compare with it")

    reference = commands.add_parser(
        "reference", help="write the compact form of a run (plan.json + runs.jsonl.gz, "
        f"rounded histories) to commit as the reference run (default {DEFAULT_REFERENCE}/)")
    reference.add_argument("dir", type=Path, metavar="DIR", help="output directory of a run")
    reference.add_argument("--out", type=Path, default=DEFAULT_REFERENCE,
                           help=f"where to write it (default {DEFAULT_REFERENCE}; an earlier "
                                "compact form there is replaced)")

    baseline = commands.add_parser("baseline", help="write or update the accuracy baseline "
                                   "from a run")
    baseline.add_argument("dir", type=Path, metavar="DIR", help="output directory of a run")
    baseline.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE,
                          help=f"baseline file to write or update (default {DEFAULT_BASELINE})")

    check = commands.add_parser("check", help="exit 1 if a run's accuracy regressed against "
                                "the baseline")
    check.add_argument("dir", type=Path, metavar="DIR", help="output directory of a run")
    check.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE,
                       help=f"baseline file (default {DEFAULT_BASELINE})")
    check.add_argument("--all", action="store_true",
                       help="show every entry's verdict (default: only those not ok)")

    verify = commands.add_parser("verify", help="prove every backend trains the same network: "
                                 "losses and weights against the NumPy backend")
    verify.add_argument("--backends", help="comma-separated backends (default: every "
                        "available one)")
    verify.add_argument("--cases", help=f"comma-separated cases ({', '.join(verification.CASES)};"
                        " default: all)")
    verify.add_argument("--threads", type=positive(int),
                        help="compute threads per backend process (default: all cores)")
    verify.add_argument("--device", choices=DEVICE_CHOICES, default="cpu",
                        help="where the backends compute (the NumPy reference always on the "
                             "CPU): cpu (default), cuda, or auto (cuda where the backend has "
                             "it and a GPU is present)")

    fetch = commands.add_parser("fetch", help="download a task's data into the data directory "
                                "($NNBENCH_DATA_DIR) and verify its checksums")
    fetch.add_argument("name", metavar="NAME|all", help="a task with downloadable data, or all")
    return parser
