"""Execution: every planned run in a process of its own, timed, turned into one record.

`worker` carries out one run and `records` is the schema of what it produces; `runner` runs a
plan's runs in worker processes; `process` is the one place a child process running nnbench
code is started and stopped; `environment`, `peak`, `flops` and `metrics` are what a run
measures besides training.
"""
