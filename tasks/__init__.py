"""Benchmark tasks: data, evaluation protocol and recipes; see `tasks.registry`."""

from tasks.base import DataError, Split, Task
from tasks.registry import TASKS, get_task

__all__ = ["TASKS", "DataError", "Split", "Task", "get_task"]
