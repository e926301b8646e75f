"""Results: what a run leaves behind, and the statistics read from it.

`rundir` owns a run directory's files, `records` is the schema of one run's record,
`summary` the typed statistics per task x recipe x backend, `provenance` where and with what
the records were measured, `frames` the same as pandas DataFrames for notebooks.
"""
