"""The command line's exit codes and its one kind of user error."""

EXIT_OK = 0
#: `check` found a regression, `verify` a disagreement, `fetch` could not get a data set
EXIT_FAILED = 1
#: bad input: a bad argument, file or directory (the message says what is allowed)
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the user: exit 2 with this message."""
