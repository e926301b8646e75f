"""Results: what a run directory holds, and the statistics read from it.

`rundir` owns a run directory's files (it stores the records `bench.execution.records`
defines), `summary` holds the typed statistics per task x recipe x backend and `summary_csv`
their file, `stats` the seed statistics, `provenance` where and with what the records were
measured, `frames` the same as pandas DataFrames for notebooks.
"""
