"""`time_spent`: a run directory's time per backend (training, refits, imports, other) and the
suite's span and run slots, from the records of a real run and from records changed to each
kind of execution."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from bench.execution.records import Record
from bench.results.rundir import RunDir
from bench.results.time_spent import time_spent
from tests.bench.run_data import read_jsonl, real_run


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    return real_run(tmp_path_factory)


def test_a_real_run_is_split_into_its_records_times(real):
    contents = RunDir.open(real).read()
    spent = time_spent(contents.records, contents.plan.execution)
    (numpy,) = spent.backends
    records = contents.records
    assert numpy.runs == len(records) and numpy.decided == 0
    assert numpy.run_seconds == pytest.approx(sum(r.executor["elapsed_seconds"]
                                                  for r in records))
    assert numpy.training == pytest.approx(sum(r.timing.fit_seconds for r in records))
    assert numpy.refits == 0
    # numpy's runs are forked: its import was paid once, by the fork server
    assert numpy.server_import == records[0].timing.import_seconds
    assert numpy.imports_inside == 0 and numpy.fresh_runs == 0
    assert numpy.other == pytest.approx(numpy.run_seconds - numpy.training)
    assert 0 <= numpy.median_other <= numpy.run_seconds
    assert spent.slots == contents.plan.execution["jobs"]
    assert 0 <= spent.span <= numpy.run_seconds + 2   # started_at has whole seconds


def record(base: dict, backend: str, mode: str | None, *, elapsed: float, fit: float,
           refits: float | None = None, imports: float | None = None,
           start: int = 0) -> Record:
    r = copy.deepcopy(base)
    r.update(backend=backend, run_id=f"{r['task']}/{r['recipe']}/{backend}/{start}",
             wall_seconds=elapsed - 0.01,
             started_at=(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=start)).isoformat())
    r["executor"] = {} if mode is None else {"name": "local", "mode": mode,
                                              "elapsed_seconds": elapsed}
    r["timing"].update(fit_seconds=fit, cross_validation_seconds=refits, import_seconds=imports)
    return Record.from_dict(json.loads(json.dumps(r)))


def test_each_kind_of_execution_is_counted_where_its_time_was_spent(real):
    base = read_jsonl(real / "runs.jsonl")[0]
    records = [
        # forked: the import (5 s) was paid by the server, outside both runs
        record(base, "forked", "forked", elapsed=10, fit=2, refits=7, imports=5, start=0),
        record(base, "forked", "forked", elapsed=4, fit=3, imports=5, start=1),
        # fresh: the import is inside the run's own time
        record(base, "fresh", "fresh", elapsed=8, fit=1, imports=6, start=2),
        record(base, "fresh", "decided without a process", elapsed=0.005, fit=None, start=3),
        # a record from before executor modes: a fresh process, its wall time its slot's
        record(base, "old", None, elapsed=3.01, fit=1, imports=1.5, start=4),
        # a backend whose server could not serve every run: one forked, one fresh
        record(base, "mixed", "forked", elapsed=2, fit=1, imports=4, start=5),
        record(base, "mixed", "fresh", elapsed=7, fit=1, imports=4.5, start=6),
    ]
    spent = time_spent(records, {"executor": "local", "jobs": 2})
    forked, fresh, old, mixed = spent.backends
    assert (forked.runs, forked.run_seconds, forked.training, forked.refits) == (2, 14, 5, 7)
    assert forked.server_import == 5 == forked.imports and forked.imports_inside == 0
    assert forked.other == pytest.approx(2.0)           # (10 - 2 - 7) + (4 - 3)
    assert forked.median_other == pytest.approx(1.0)
    assert (fresh.runs, fresh.decided) == (1, 1)
    assert fresh.server_import == 0 and fresh.imports == 6 == fresh.imports_inside
    assert fresh.fresh_runs == 1
    assert fresh.other == pytest.approx(8 - 1 - 6 + 0.005)  # the decided run's time too
    assert fresh.median_other == pytest.approx(1.0)
    assert old.run_seconds == pytest.approx(3.0) and old.imports_inside == 1.5
    assert old.other == pytest.approx(0.5)
    assert (mixed.server_import, mixed.imports_inside, mixed.fresh_runs) == (4, 4.5, 1)
    assert mixed.other == pytest.approx((2 - 1) + (7 - 1 - 4.5))
    assert spent.imports_outside == 5 + 4
    assert spent.span == pytest.approx(12.99)           # the last run ends at 6 + 6.99
    assert spent.slot_seconds == pytest.approx(25.98)
    # Ray's slots are its CPUs, not a job count
    assert time_spent(records, {"executor": "ray", "jobs": 2}).slots is None
    assert time_spent([], {}).span is None
