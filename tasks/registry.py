"""The task registry: task name -> Task. Adding a task means one module and one line here."""

from __future__ import annotations

import difflib
import importlib

from tasks.base import Task

#: task name -> "module:attribute" holding the Task (imported on first use)
TASKS: dict[str, str] = {
    "and": "tasks.gates:AND",
    "or": "tasks.gates:OR",
    "xor": "tasks.gates:XOR",
    "credit-risk": "tasks.credit_risk:CREDIT_RISK",
    "digits": "tasks.digits:DIGITS",
}


class UnknownTaskError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def closest(name: str, choices) -> str:
    """' (did you mean X?)' for the closest choice, or ''."""
    match = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise UnknownTaskError(f"unknown task {name!r}{closest(name, TASKS)}; "
                               f"available: {', '.join(TASKS)}")
    module_name, attribute = TASKS[name].split(":")
    return getattr(importlib.import_module(module_name), attribute)
