"""Bad values on the command line: numbers that are not numbers, bounds, names, options that
need others. Each exits 2 at once with what is allowed, and leaves no directory behind (or,
for a value that is allowed but unwise, runs and says why it is unwise)."""

import pytest

from tests.bench.cli.cases import XOR, Case, check, run_case

CASES = [
    Case("timeout-nan", (*XOR, "--timeout", "nan", "--out", "{tmp}/o"), 2,
         "argument --timeout: 'nan' must be a finite number"),
    Case("timeout-inf", (*XOR, "--timeout", "inf", "--out", "{tmp}/o"), 2,
         "argument --timeout: 'inf' must be a finite number"),
    Case("timeout-too-long", (*XOR, "--timeout", "1e9", "--out", "{tmp}/o"), 2,
         "timeout = 1000000000.0 is not allowed; give a finite number of seconds > 0 and at "
         "most 604,800 (a week)"),
    Case("seeds-a-billion", (*XOR, "--seeds", "1000000000", "--out", "{tmp}/o"), 2,
         "seeds=1000000000 is not allowed; it must be an integer from 1 to 100,000"),
    Case("plan-too-large", ("run", "--tasks", "xor", "--backends", "numpy", "--seeds",
                            "100000", "--out", "{tmp}/o"), 2,
         "the plan would hold up to 300,000 runs (1 task(s) x 3 recipe(s) x 1 backend(s) x "
         "100,000 seed(s) x 1 repeat(s)), more than the 20,000 allowed; choose fewer, or allow "
         "more with --max-runs N"),
    Case("epochs-zero", (*XOR, "--epochs", "0", "--out", "{tmp}/o"), 2,
         "argument --epochs: '0' must be greater than 0"),
    Case("epochs-absurd", (*XOR, "--epochs", "99999999999", "--out", "{tmp}/o"), 2,
         "epochs=99999999999 is not allowed; it must be an integer from 1 to 10,000,000"),
    Case("threads-absurd", (*XOR, "--threads", "5000", "--out", "{tmp}/o"), 2,
         "threads=5000 is not allowed; it must be an integer from 1 to 1,024"),
    Case("jobs-zero", (*XOR, "--jobs", "0", "--out", "{tmp}/o"), 2,
         "argument --jobs: '0' must be greater than 0"),
    Case("empty-task-list", ("run", "--tasks", ",", "--out", "{tmp}/o"), 2,
         "--tasks needs at least one name; available: and, or, xor"),
    Case("retry-without-resume", (*XOR, "--retry", "failed", "--out", "{tmp}/o"), 2,
         "--retry re-runs runs of an earlier run: it needs --resume --out DIR"),
    Case("retry-unknown-status", (*XOR, "--retry", "broken", "--resume", "--out", "{tmp}/o"),
         2, "unknown status 'broken'; available: failed, timeout, diverged, unsupported, "
            "unavailable"),
    Case("isolation-unknown", (*XOR, "--isolation", "threads", "--out", "{tmp}/o"), 2,
         "argument --isolation: invalid choice: 'threads' (choose from 'forked', 'fresh')"),
    Case("extra-backend-malformed", ("list",), 2,
         "NNBENCH_EXTRA_BACKENDS: 'mine' is not of the form name=module:Class",
         env={"NNBENCH_EXTRA_BACKENDS": "mine"}),
    Case("extra-task-malformed", (*XOR, "--out", "{tmp}/o"), 2,
         "NNBENCH_EXTRA_TASKS: 'x=y' is not of the form name=module:attribute",
         env={"NNBENCH_EXTRA_TASKS": "x=y"}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_value_exits_2_at_once_and_leaves_nothing(case, tmp_path):
    result = run_case(case, tmp_path)
    check(case, result, tmp_path)
    assert not (tmp_path / "o").exists()


def test_more_threads_than_cpus_runs_and_says_why_that_hurts(tmp_path):
    case = Case("threads-oversubscribed", (*XOR, "--seeds", "1", "--epochs", "3", "--threads",
                                           "999", "--out", "{tmp}/o"), 0,
                "threads beyond the CPUs wait on one another and every timing suffers")
    check(case, run_case(case, tmp_path), tmp_path)
