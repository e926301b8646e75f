"""The task registry: task name -> Task. Adding a task means one module and one line here."""

from __future__ import annotations

import difflib
import importlib
import os

from tasks.base import Task

#: task name -> "module:attribute" holding the Task (imported on first use)
TASKS: dict[str, str] = {
    "and": "tasks.gates:AND",
    "or": "tasks.gates:OR",
    "xor": "tasks.gates:XOR",
    "credit-risk": "tasks.credit_risk:CREDIT_RISK",
    "digits": "tasks.digits:DIGITS",
    "mnist": "tasks.mnist:MNIST",
    "mnist-small": "tasks.mnist_subset:MNIST_SMALL",
    "fashion-mnist": "tasks.mnist:FASHION_MNIST",
    "german-credit": "tasks.german_credit:GERMAN_CREDIT",
    "credit-default": "tasks.credit_default:CREDIT_DEFAULT",
    "drug-trial": "tasks.drug_trial:DRUG_TRIAL",
    "synthetic": "tasks.synthetic:SYNTHETIC",
}


class UnknownTaskError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def closest(name: str, choices) -> str:
    """' (did you mean X?)' for the closest choice, or ''."""
    match = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


EXTRA_VARIABLE = "NNBENCH_EXTRA_TASKS"
#: what was wrong with EXTRA_VARIABLE (reported by the CLI and the planner, see
#: backends.registry.EXTRA_ERRORS)
EXTRA_ERRORS: list[str] = []


def _extra_tasks(spec: str) -> dict[str, str]:
    """Tasks added without editing this file: "name=module:attribute[,...]".

    For trying out a task of one's own, and for the tests' deliberately broken tasks; worker
    processes inherit the variable.
    """
    extra = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, target = item.partition("=")
        if not name or target.count(":") != 1 or target.startswith(":") or target.endswith(":"):
            EXTRA_ERRORS.append(f"{EXTRA_VARIABLE}: {item!r} is not of the form "
                                "name=module:attribute")
            continue
        extra[name] = target
    return extra


TASKS.update(_extra_tasks(os.environ.get(EXTRA_VARIABLE, "")))


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise UnknownTaskError(f"unknown task {name!r}{closest(name, TASKS)}; "
                               f"available: {', '.join(TASKS)}")
    module_name, attribute = TASKS[name].split(":")
    return getattr(importlib.import_module(module_name), attribute)
