"""The command line's exit codes, its one kind of user error, and how any error is shown.

One rule for every command: bad input, a bad file or an environment problem (a full disk, a
read-only directory, a path of the wrong kind) exits 2 with one message that names the thing,
what was expected and what to do; exit 1 means only that the gate found a regression or verify
a disagreement; 130 an interrupt, with how to resume. No traceback reaches the user unless they
ask for one (`--debug` or NNBENCH_DEBUG=1); an error nnbench did not foresee exits 3 and says
how to get its traceback.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TextIO

from bench.present import encoding

EXIT_OK = 0
#: `check` found a regression, `verify` a disagreement
EXIT_FAILED = 1
#: bad input: a bad argument, file, directory or environment (the message says what to do)
EXIT_BAD_INPUT = 2
#: an error nnbench did not foresee (a bug: the message says how to see its traceback)
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
DEBUG_VARIABLE = "NNBENCH_DEBUG"


class UsageError(Exception):
    """Bad input from the user: exit 2 with this message."""


def debugging(flag: bool = False) -> bool:
    """Whether tracebacks are wanted: --debug, or NNBENCH_DEBUG set to anything but 0/no/off."""
    value = os.environ.get(DEBUG_VARIABLE, "").strip().lower()
    return flag or value not in ("", "0", "false", "no", "off")


#: errors of a file system that is full (or of a file at its size limit)
FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def os_error_text(exc: OSError) -> str:
    """'cannot write /x/report.html: No space left on device; free some space ...' from an
    OSError."""
    where = f" {exc.filename}" if exc.filename else ""
    if exc.errno in FULL:
        return (f"cannot write{where}: {exc.strerror}; free some space and run the command "
                "again (what was recorded before is intact)")
    return f"cannot use{where}: {exc.strerror or exc}"


def stderr() -> TextIO:
    """Standard error, degraded to ASCII where it cannot print nnbench's symbols."""
    return encoding.safe(sys.stderr)
