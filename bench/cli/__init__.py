"""The `nnbench` command line (also `python -m bench`): list, run, report, compare, reference,
baseline, check, verify and fetch.

`parser` defines the arguments, `run` the run command, `results` the commands on finished run
directories, `tools` list / fetch / verify. Every bad argument exits 2 with a message that says
what is allowed (`errors`), and is caught before an output directory is created, so a
mistyped command leaves nothing behind.
"""

from __future__ import annotations

import sys

from rich.console import Console

from bench.cli.errors import EXIT_BAD_INPUT, UsageError
from bench.cli.parser import build_parser
from bench.cli.results import cmd_baseline, cmd_check, cmd_compare, cmd_reference, cmd_report
from bench.cli.run import cmd_run
from bench.cli.tools import cmd_fetch, cmd_list, cmd_verify

COMMANDS = {"list": cmd_list, "run": cmd_run, "report": cmd_report, "compare": cmd_compare,
            "reference": cmd_reference, "baseline": cmd_baseline, "check": cmd_check,
            "fetch": cmd_fetch, "verify": cmd_verify}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Logs and pipes get a wide table rather than rich's 80-column default.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    try:
        return COMMANDS[args.command](args, console)
    except UsageError as exc:
        print(f"nnbench {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
