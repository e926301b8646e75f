"""`RunDir`: the one owner of a run directory and of every file in it.

It creates the directory (a unique timestamped one by default, so two runs started in the
same second never share it), writes plan.json, holds the one-writer lock, appends records to
runs.jsonl, repairs a torn last line, decides what a resume still has to run, and reads the
directory back once into `Contents`: the typed records that count, one per run id, and
everything else it found, said rather than silently counted:

- a run id recorded twice (a duplicated line, two processes on one directory): the last
  record counts, the others are listed in `duplicates`;
- a record that plan.json does not plan (another run's, appended by hand) is listed in
  `foreign` and not counted;
- a line that is no record (torn, another schema, broken fields) is listed in `bad_lines`;
- a planned run without a record is listed in `missing`.

A *compact* run directory holds runs.jsonl.gz instead of runs.jsonl (the committed reference
run, `results/reference/`, written by `write_compact`): it is read like any other and never
appended to or resumed.

The file names and their layout are DESIGN.md's contract; nothing else in nnbench spells them.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.execution.peak import Peak
from bench.execution.records import Line, Record, append_line, cut_torn_tail, read_lines
from bench.plan.runs import Plan, PlanError, PlannedRun

RUNS_FILE = "runs.jsonl"
#: the records of a compact (read-only) run directory
COMPACT_RUNS_FILE = "runs.jsonl.gz"
PLAN_FILE = "plan.json"
SUMMARY_FILE = "summary.csv"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
PLOTS_DIR = "plots"
LOCK_FILE = ".nnbench.lock"
#: where `nnbench run` puts a run without --out
DEFAULT_ROOT = Path("results/runs")
#: the committed reference run (compact), inside the repository's results/
REFERENCE_DIR = "reference"
DEFAULT_REFERENCE = Path("results") / REFERENCE_DIR


class RunDirError(Exception):
    """A run directory that cannot be used as asked; the message says why and what to do."""


@dataclass(frozen=True)
class StoredPlan:
    """plan.json: the suite (as written), the planned runs, the machine's matmul peak, and how
    the runs are executed (executor, isolation, jobs, threads, cores; {} in older plans)."""

    suite: dict[str, Any]
    plan: Plan
    peak: Peak | None = None
    execution: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"suite": self.suite, "peak": self.peak.to_dict() if self.peak else None,
                "execution": self.execution, "runs": [run.to_dict() for run in self.plan.runs]}

    @classmethod
    def from_dict(cls, data: Any) -> StoredPlan:
        if not isinstance(data, dict):
            raise PlanError(f"the top level is a JSON {type(data).__name__}, not an object")
        runs = data.get("runs")
        if not isinstance(runs, list):
            raise PlanError("it has no list of runs")
        suite, execution = data.get("suite"), data.get("execution")
        return cls(suite if isinstance(suite, dict) else {},
                   Plan(tuple(PlannedRun.from_dict(r) for r in runs)),
                   Peak.from_dict(data.get("peak")),
                   execution if isinstance(execution, dict) else {})


@dataclass(frozen=True)
class Duplicate:
    """A run id with more than one record: the line numbers, and the line that counts."""

    run_id: str
    lines: tuple[int, ...]
    identical: bool

    @property
    def counted(self) -> int:
        return self.lines[-1]


@dataclass(frozen=True)
class Foreign:
    """A record that does not belong to this directory's plan."""

    run_id: str
    line: int
    reason: str


@dataclass
class Contents:
    """What a run directory holds (see the module docstring)."""

    path: Path
    records: list[Record]
    plan: StoredPlan | None = None
    plan_problem: str = ""
    bad_lines: list[Line] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    foreign: list[Foreign] = field(default_factory=list)
    missing: list[PlannedRun] = field(default_factory=list)
    runs_name: str = RUNS_FILE      # the file the records came from

    @property
    def peak(self) -> Peak | None:
        return self.plan.peak if self.plan else None

    @property
    def suite(self) -> dict[str, Any] | None:
        return self.plan.suite if self.plan else None


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class RunDir:
    """A run directory: `RunDir.create` for a new run, `RunDir.open` for an existing one."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    # --- the files --------------------------------------------------------------------------

    @property
    def runs_file(self) -> Path:
        return self.path / RUNS_FILE

    @property
    def compact_runs_file(self) -> Path:
        return self.path / COMPACT_RUNS_FILE

    @property
    def compact(self) -> bool:
        """Does the directory hold compact records only (read-only)?"""
        return self.compact_runs_file.is_file() and not self.runs_file.exists()

    @property
    def records_file(self) -> Path:
        """The file the records are read from: runs.jsonl, or runs.jsonl.gz when compact."""
        return self.compact_runs_file if self.compact else self.runs_file

    @property
    def plan_file(self) -> Path:
        return self.path / PLAN_FILE

    @property
    def summary_file(self) -> Path:
        return self.path / SUMMARY_FILE

    @property
    def report_md(self) -> Path:
        return self.path / REPORT_MD

    @property
    def report_html(self) -> Path:
        return self.path / REPORT_HTML

    @property
    def plots_dir(self) -> Path:
        return self.path / PLOTS_DIR

    # --- making and opening -----------------------------------------------------------------

    @classmethod
    def create(cls, path: Path | None, root: Path = DEFAULT_ROOT) -> RunDir:
        """A new, empty run directory: `path`, or a fresh `root/<UTC timestamp>[-k]`.

        RunDirError when `path` exists and is not empty, or cannot be made.
        """
        if path is None:
            return cls._create_unique(Path(root))
        path = Path(path)
        try:
            if path.exists() and (not path.is_dir() or any(path.iterdir())):
                what = "is a file" if not path.is_dir() else "already exists and is not empty"
                hint = " (add --resume to continue it)" if (path / PLAN_FILE).exists() else ""
                raise RunDirError(f"output directory {path} {what}{hint}; choose another --out")
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunDirError(f"cannot create output directory {path}: "
                              f"{exc.strerror or exc}") from None
        return cls(path)

    @classmethod
    def _create_unique(cls, root: Path) -> RunDir:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        try:
            root.mkdir(parents=True, exist_ok=True)
            for k in range(1, 1000):
                path = root / (stamp if k == 1 else f"{stamp}-{k}")
                try:
                    path.mkdir()  # atomic: of two runs in the same second, one gets "-2"
                except FileExistsError:
                    continue
                return cls(path)
        except OSError as exc:
            raise RunDirError(f"cannot create a run directory in {root}: "
                              f"{exc.strerror or exc}") from None
        raise RunDirError(f"{root} already holds 999 runs started at {stamp}")

    @classmethod
    def open(cls, path: Path) -> RunDir:
        """An existing run directory (one with runs.jsonl or plan.json)."""
        path = Path(path)
        if not path.is_dir():
            raise RunDirError(f"{path} is not a directory")
        if not any((path / name).is_file() for name in (RUNS_FILE, COMPACT_RUNS_FILE,
                                                        PLAN_FILE)):
            raise RunDirError(f"{path} has no {RUNS_FILE}: not an nnbench run directory "
                              "(give the --out directory of `nnbench run`)")
        return cls(path)

    @classmethod
    def open_run_or_reference(cls, path: Path) -> RunDir:
        """`open`, except that a directory holding a reference run in reference/ (the
        repository's results/) opens that; RunDirError says what to do when there is none."""
        path = Path(path)
        try:
            return cls.open(path)
        except RunDirError as exc:
            if path.is_dir() and (path / REFERENCE_DIR).is_dir():
                return cls.open(path / REFERENCE_DIR)
            if path.is_dir() and path.resolve().name == DEFAULT_REFERENCE.parent.name:
                raise RunDirError(
                    f"{exc}; it holds no committed reference run ({path / REFERENCE_DIR}/) "
                    "either: write one from a run with `nnbench reference RUN_DIR`") from None
            raise

    # --- the one writer ---------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, command: str = "nnbench") -> Iterator[str | None]:
        """Hold the directory's writer lock for the block; yields a note when a stale lock (of
        a process that is gone) was taken over, else None. RunDirError at once, naming the
        holder, when another process holds it."""
        path = self.path / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise RunDirError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._holder(fd)
                raise RunDirError(
                    f"{self.path} is in use by {holder}; one process writes a run directory "
                    "at a time: wait for it to finish, or stop it") from None
            # a holder that ends normally empties the file: content left over means it died
            previous = self._holder_info(fd)
            note = None
            if previous and previous.get("pid") != os.getpid():
                note = (f"took over the lock of process {previous.get('pid')} "
                        f"({previous.get('command', '?')}), which ended without releasing it")
            info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                    "since": datetime.now(UTC).isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
            try:
                yield note
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @staticmethod
    def _holder_info(fd: int) -> dict[str, Any] | None:
        try:
            data = json.loads(os.pread(fd, 4096, 0) or b"null")
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _holder(self, fd: int) -> str:
        info = self._holder_info(fd) or {}
        if not info:
            return "another process"
        return (f"process {info.get('pid')} on {info.get('host')} ({info.get('command')}, "
                f"since {info.get('since')})")

    # --- writing ----------------------------------------------------------------------------

    def write_plan(self, plan: StoredPlan) -> None:
        try:
            _atomic_write(self.plan_file, json.dumps(plan.to_dict(), indent=1, allow_nan=False))
        except OSError as exc:
            raise RunDirError(f"cannot write {self.plan_file}: {exc.strerror or exc}") from None

    def _writable(self) -> None:
        if self.compact:
            raise RunDirError(f"{self.path} is a compact run directory ({COMPACT_RUNS_FILE}, "
                              "a reference): it is read, never run into; use a new --out")

    def append(self, record: Record) -> None:
        """Add one record to runs.jsonl (fsynced: it survives a crash of this process)."""
        self._writable()
        try:
            append_line(self.runs_file, record.to_json())
        except OSError as exc:
            raise RunDirError(f"cannot append to {self.runs_file}: {exc.strerror or exc}; the "
                              "records written so far are intact") from None

    def write_compact(self, plan: StoredPlan | None, records: list[Record]) -> int:
        """Make this a compact run directory: plan.json and the records as runs.jsonl.gz,
        byte-identical for the same records (no time stamp in the gzip header). The bytes of
        runs.jsonl.gz; RunDirError when the directory holds a runs.jsonl of its own."""
        if self.runs_file.exists():
            raise RunDirError(f"{self.path} holds a {RUNS_FILE} of its own; write the compact "
                              "form into a new or a compact directory")
        if plan is not None:
            self.write_plan(plan)
        text = "".join(record.to_json() + "\n" for record in records).encode("utf-8")
        tmp = self.compact_runs_file.with_name(COMPACT_RUNS_FILE + ".tmp")
        try:
            with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                       filename="") as fh:
                fh.write(text)
            os.replace(tmp, self.compact_runs_file)
        except OSError as exc:
            raise RunDirError(f"cannot write {self.compact_runs_file}: "
                              f"{exc.strerror or exc}") from None
        finally:
            tmp.unlink(missing_ok=True)
        return self.compact_runs_file.stat().st_size

    def repair_torn_tail(self) -> int:
        """Move a half-written last line of runs.jsonl to runs.jsonl.torn; bytes moved."""
        return cut_torn_tail(self.runs_file)

    # --- reading ----------------------------------------------------------------------------

    def read_plan(self) -> StoredPlan | None:
        """plan.json, or None when there is none; RunDirError when it cannot be read."""
        if not self.plan_file.exists():
            return None
        try:
            return StoredPlan.from_dict(json.loads(self.plan_file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, PlanError) as exc:
            raise RunDirError(f"{self.plan_file} cannot be read: {exc}") from None

    def read(self) -> Contents:
        """Everything the directory holds, read once (see the module docstring)."""
        try:
            plan, plan_problem = self.read_plan(), ""
        except RunDirError as exc:
            plan, plan_problem = None, str(exc)
        contents = Contents(self.path, [], plan, plan_problem, runs_name=self.records_file.name)
        planned = {run.run_id: run for run in plan.plan.runs} if plan else None
        by_id: dict[str, list[Line]] = {}
        for line in read_lines(self.records_file):
            record = line.record
            if record is None:
                contents.bad_lines.append(line)
            elif planned is not None and record.run_id not in planned:
                contents.foreign.append(Foreign(record.run_id, line.number,
                                                f"{PLAN_FILE} plans no run {record.run_id}"))
            elif planned is not None and _mismatch(record, planned[record.run_id]):
                contents.foreign.append(Foreign(record.run_id, line.number,
                                                _mismatch(record, planned[record.run_id])))
            else:
                by_id.setdefault(record.run_id, []).append(line)
        counted = []
        for run_id, lines in by_id.items():
            if len(lines) > 1:
                texts = {line.text.strip() for line in lines}
                contents.duplicates.append(
                    Duplicate(run_id, tuple(line.number for line in lines), len(texts) == 1))
            counted.append(lines[-1])
        contents.records = [line.record for line in sorted(counted, key=lambda ln: ln.number)]
        if planned is not None:
            done = set(by_id)
            contents.missing = [run for run in plan.plan.runs if run.run_id not in done]
        return contents

    def resume(self, plan: Plan, retry: tuple[str, ...] = ()
               ) -> tuple[list[PlannedRun], list[str]]:
        """The runs of `plan` that this directory has no record of, or whose record's status
        is in `retry`, and notes on what was repaired or changed. RunDirError when the
        directory was planned differently (other runs, or other settings than their
        timeouts: a new timeout is taken, and plan.json updated, so that a run stopped too
        early can be given longer)."""
        self._writable()
        stored = self.read_plan()
        if stored is None:
            raise RunDirError(f"{self.path} is not a resumable nnbench run (no {PLAN_FILE})")
        difference = stored.plan.difference(plan, ignore=("timeout",))
        if difference:
            raise RunDirError(f"cannot resume {self.path}: its suite differs from this one "
                              f"({difference}). Repeat the original command with --resume, "
                              "or use a new --out.")
        notes = []
        changed = stored.plan.difference(plan)
        if changed:
            self.write_plan(replace(stored, plan=plan, suite={**stored.suite,
                                                              "timeout": plan.runs[0].timeout}))
            notes.append(f"timeouts changed ({changed}); plan.json now holds the new ones")
        if self.repair_torn_tail():
            notes.append(f"removed a half-written last line from {self.runs_file} (kept in "
                         f"{RUNS_FILE}.torn); that run will be repeated")
        status = {record.run_id: record.status for record in self.read().records}
        again = [run for run in plan.runs if status.get(run.run_id) in retry]
        if again:
            notes.append(f"re-running {len(again)} run(s) recorded as "
                         f"{' or '.join(sorted({status[r.run_id] for r in again}))}; their "
                         "new records replace the old ones in every statistic (both stay in "
                         f"{RUNS_FILE})")
        return [run for run in plan.runs if run.run_id not in status or run in again], notes


def _mismatch(record: Record, run: PlannedRun) -> str:
    """Why a record cannot be the planned run of its id ('' when it can)."""
    mine = (record.task, record.recipe, record.label, record.seed, record.repeat)
    planned = (run.task, run.recipe, run.label, run.seed, run.repeat)
    if mine != planned:
        return (f"its task/recipe/backend/seed/repeat {'/'.join(map(str, mine))} are not "
                f"those {PLAN_FILE} plans for {run.run_id}")
    return ""
