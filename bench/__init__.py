"""The harness. Its folders follow the flow of data, each depending only on those before it:

    spec/       the vocabulary: specs, their constants, shared weights, batch order, targets,
                thread parity (the only part backends/ and tasks/ import)
    plan/       suites -> the list of planned runs
    execution/  each run in a worker process -> one record
    results/    the run directory, typed records and summaries, provenance, DataFrames
    judge/      baseline and gate, compare, verify
    present/    formatting, terminal tables, report.md / report.html, plots
    cli/, api   the `nnbench` command and the Python API, on top of all of them

It imports no machine-learning framework; backends are reached only through the registry.
"""
