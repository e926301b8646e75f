"""The `nnbench` command line (also `python -m bench`): list, run, report, compare, reference,
baseline, check, verify and fetch.

`parser` defines the arguments, `run` the run command, `results` the commands on finished run
directories, `tools` list / fetch / verify, `errors` the exit codes and the one rule for
errors (exit 2 with a message that names the thing and what to do, no traceback unless
--debug). Bad arguments are caught before an output directory is created, so a mistyped
command leaves nothing behind. Output degrades to ASCII where the terminal cannot print
nnbench's symbols.
"""

from __future__ import annotations

import sys

from rich.console import Console

from backends import registry as backend_registry
from bench.cli.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    UsageError,
    debugging,
    os_error_text,
    stderr,
)
from bench.cli.parser import build_parser
from bench.cli.results import cmd_baseline, cmd_check, cmd_compare, cmd_reference, cmd_report
from bench.cli.run import cmd_run
from bench.cli.tools import cmd_fetch, cmd_list, cmd_verify
from bench.present import encoding
from tasks import registry as task_registry

#: the width of the tables in a log or a pipe: wide enough for the run table's notes column
NON_TERMINAL_WIDTH = 200

COMMANDS = {"list": cmd_list, "run": cmd_run, "report": cmd_report, "compare": cmd_compare,
            "reference": cmd_reference, "baseline": cmd_baseline, "check": cmd_check,
            "fetch": cmd_fetch, "verify": cmd_verify}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out, err = encoding.safe(sys.stdout), stderr()
    # Logs and pipes get a wide table rather than rich's 80-column default.
    console = Console(file=out) if out.isatty() else Console(file=out, width=NON_TERMINAL_WIDTH)
    debug = debugging(args.debug)

    def say(message: str) -> None:
        print(f"nnbench {args.command}: {message}", file=err, flush=True)

    try:
        problems = [*backend_registry.EXTRA_ERRORS, *task_registry.EXTRA_ERRORS]
        if problems:
            raise UsageError("; ".join(problems))
        return COMMANDS[args.command](args, console)
    except UsageError as exc:
        say(f"error: {exc}")
        return EXIT_BAD_INPUT
    except OSError as exc:
        if debug:
            raise
        say(f"error: {os_error_text(exc)}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug:
            raise
        text = (str(exc).strip().splitlines() or [""])[0]
        say(f"internal error: {type(exc).__name__}: {text}. This is a bug in nnbench; run "
            "again with --debug (or NNBENCH_DEBUG=1) to see its traceback")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
