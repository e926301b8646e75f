"""The harness: specs, suites, the process-per-run runner, records, statistics, summaries,
reports, the accuracy gate and the CLI.

It imports no machine-learning framework; backends are reached only through the registry.
"""
