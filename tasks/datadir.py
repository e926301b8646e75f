"""The data directory: where the large data sets live, how they are verified and downloaded.

Large data sets are never committed. They are looked up under `$NNBENCH_DATA_DIR` (default: the
user cache directory, e.g. `~/.cache/nnbench`), one folder per data set holding the files under
their canonical names (`mnist/train-images-idx3-ubyte.gz`, `german-credit/german.data`, ...).

- A file that is present is verified against its recorded checksum before it is used (once per
  process: the verdict is cached by path, size and modification time).
- A missing file is downloaded from the data set's mirrors, tried in order, with pooch: HTTPS,
  the checksum checked before the file gets its final name (an atomic move, so a broken
  download never leaves a half-written file under the canonical name), and a progress bar.
  pooch is imported only when a download is needed.
- `NNBENCH_OFFLINE=1` never downloads: a missing file is an error.

Every failure is a `DataError` whose one-line message names the file, the expected checksum and
what to do (`nnbench fetch NAME`, or `NNBENCH_DATA_DIR`). Nothing here ever unpickles anything.

A task whose data lives here uses a `DataDirLoader` as its `load`; `nnbench fetch` finds the
task's files through it (`data_set_of`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tasks.base import DataError, Split

ENV_DATA_DIR = "NNBENCH_DATA_DIR"
ENV_OFFLINE = "NNBENCH_OFFLINE"
APP_NAME = "nnbench"
#: checksum algorithm -> length of its hex digest
HASH_ALGORITHMS = {"sha256": 64, "md5": 32}
DOWNLOAD_TIMEOUT = 60  # seconds without data before a download attempt gives up

#: (resolved path, size, mtime_ns, checksum) of files already verified in this process
_VERIFIED: set[tuple[str, int, int, str]] = set()


@dataclass(frozen=True)
class DataFile:
    """One file of a data set: its canonical name and checksum ("sha256:<hex>" or "md5:<hex>",
    the latter only where the publisher gives nothing stronger)."""

    name: str
    checksum: str

    def __post_init__(self) -> None:
        algorithm, _, digest = self.checksum.partition(":")
        if len(digest) != HASH_ALGORITHMS.get(algorithm) or \
                not all(c in "0123456789abcdefABCDEF" for c in digest):
            raise ValueError(f"{self.name}: checksum {self.checksum!r} must be "
                             f"'sha256:<64 hex digits>' or 'md5:<32 hex digits>'")


@dataclass(frozen=True)
class DataSet:
    """A data set's folder under the data directory, its files and where to download them.

    `mirrors` are base URLs tried in order (a file's URL is the base followed by its name);
    `origin` says where the data comes from and how to get it by hand, for error messages.
    """

    name: str
    files: tuple[DataFile, ...]
    mirrors: tuple[str, ...]
    origin: str

    def file(self, name: str) -> DataFile:
        for entry in self.files:
            if entry.name == name:
                return entry
        raise KeyError(f"data set {self.name} has no file {name!r}; its files: "
                       f"{', '.join(f.name for f in self.files)}")


def data_dir() -> Path:
    """`$NNBENCH_DATA_DIR` if set (and not empty), else the user cache directory."""
    value = os.environ.get(ENV_DATA_DIR, "").strip()
    if value:
        return Path(value).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def offline() -> bool:
    """True when `NNBENCH_OFFLINE` is set to anything but "", 0, false, no or off."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() not in ("", "0", "false", "no", "off")


def _hash(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm, usedforsecurity=False)  # an integrity check
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, data_set: DataSet, entry: DataFile) -> None:
    """Raise DataError unless the file at `path` has `entry`'s checksum (cached per process)."""
    if not path.is_file():
        raise DataError(
            f"{path} is {'a directory' if path.is_dir() else 'not a regular file'}, where "
            f"the data file {entry.name} of {data_set.name} should be: remove it and run "
            f"`nnbench fetch {data_set.name}`, or set {ENV_DATA_DIR} to a directory that "
            "holds a verified copy")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, entry.checksum)
    if key in _VERIFIED:
        return
    algorithm, _, expected = entry.checksum.partition(":")
    try:
        actual = _hash(path, algorithm)
    except OSError as exc:
        raise DataError(f"{path} cannot be read ({exc.strerror or exc}): check its "
                        f"permissions, or set {ENV_DATA_DIR} to a directory with a readable "
                        "copy") from None
    if actual != expected.lower():
        raise DataError(
            f"{path}: {algorithm} {actual} does not match the expected {expected}: the file is "
            f"truncated, corrupt or another version of the data. Delete it and run "
            f"`nnbench fetch {data_set.name}` to download a verified copy, or set "
            f"{ENV_DATA_DIR} to a directory that holds one")
    _VERIFIED.add(key)


def require(data_set: DataSet, name: str, *, root: Path | None = None,
            mirrors: Sequence[str] | None = None, allow_download: bool | None = None) -> Path:
    """The verified path of file `name` of `data_set`, downloading it first if it is missing.

    `root` defaults to `data_dir()`, `mirrors` (base URLs) to the data set's own, and
    `allow_download` to "not offline()". Raises DataError with what to do on any failure.
    """
    entry = data_set.file(name)
    root = data_dir() if root is None else Path(root)
    path = root / data_set.name / entry.name
    if not path.exists() and not path.is_symlink():
        if allow_download is None:
            allow_download = not offline()
        if not allow_download:
            raise DataError(
                f"{path} is missing (expected {entry.checksum}) and {ENV_OFFLINE} forbids "
                f"downloading it: unset {ENV_OFFLINE} and run `nnbench fetch {data_set.name}`, "
                f"or set {ENV_DATA_DIR} (now {root}) to a directory holding "
                f"{data_set.name}/{entry.name}. Source: {data_set.origin}")
        _download(data_set, entry, path, data_set.mirrors if mirrors is None else mirrors)
    verify(path, data_set, entry)
    return path


def fetch(data_set: DataSet, *, root: Path | None = None, mirrors: Sequence[str] | None = None,
          allow_download: bool | None = None) -> list[Path]:
    """Make sure every file of `data_set` is present and verified; return their paths."""
    return [require(data_set, f.name, root=root, mirrors=mirrors, allow_download=allow_download)
            for f in data_set.files]


def _download(data_set: DataSet, entry: DataFile, path: Path, mirrors: Sequence[str]) -> None:
    """Download `entry` to `path` from the first mirror that serves it with the right checksum.

    pooch streams to a temporary file in the target folder, checks the checksum and only then
    moves the file to its name, so `path` never holds a partial or unverified download.
    """
    import pooch  # lazily: only a download needs it (and requests behind it)
    import requests

    made = [] if path.parent.exists() else [p for p in (path.parent, *path.parent.parents)
                                            if not p.exists()]
    attempts = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + entry.name
        bar = _ProgressBar(entry.name)
        try:
            pooch.retrieve(url, known_hash=entry.checksum, fname=entry.name, path=path.parent,
                           downloader=pooch.HTTPDownloader(progressbar=bar, chunk_size=1 << 16,
                                                           timeout=DOWNLOAD_TIMEOUT))
            return
        except PermissionError:
            raise DataError(f"cannot write to {path.parent} (permission denied): set "
                            f"{ENV_DATA_DIR} to a writable directory, or ask its owner to run "
                            f"`nnbench fetch {data_set.name}`") from None
        except requests.exceptions.RequestException as exc:  # HTTP error, no connection, ...
            attempts.append(f"{url}: {_first_line(exc)}")
        except ValueError as exc:  # pooch: the downloaded file's checksum differs
            attempts.append(f"{url}: {_first_line(exc)} (nothing was saved)")
        except OSError as exc:
            attempts.append(f"{url}: {_first_line(exc)}")
        finally:
            bar.close()  # also when the download broke off before pooch closed it
    for folder in made:  # leave no empty folder behind (a later fetch makes it again)
        try:
            folder.rmdir()
        except OSError:
            break
    tried = "; ".join(attempts) if attempts else "no download mirror is known for this file"
    raise DataError(
        f"could not download {data_set.name}/{entry.name}: {tried}\n"
        f"  Check the network and run `nnbench fetch {data_set.name}` again, or place a copy "
        f"(expected {entry.checksum}) at {path} ({ENV_DATA_DIR} chooses another data "
        f"directory). Source: {data_set.origin}")


#: longest reason of one download attempt in an error message
REASON_CHARS = 120


def _first_line(exc: BaseException) -> str:
    """The exception's type and first line, at most REASON_CHARS long (urllib3's reasons run to
    a thousand characters)."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"


class _ProgressBar:
    """A rich progress bar on stderr with the interface pooch's HTTPDownloader drives
    (`total` is set, then `update(n)` per chunk, then `reset`, `update(total)`, `close`)."""

    def __init__(self, label: str) -> None:
        from rich import progress
        from rich.console import Console

        self._progress = progress.Progress(
            progress.TextColumn(label), progress.BarColumn(), progress.DownloadColumn(),
            progress.TransferSpeedColumn(), console=Console(stderr=True))
        self._task = self._progress.add_task(label, total=None)
        self._started = False

    @property
    def total(self) -> float | None:
        return self._progress.tasks[0].total

    @total.setter
    def total(self, value: float) -> None:
        self._progress.update(self._task, total=value or None)  # 0: the server did not say

    def update(self, n: int) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
        self._progress.advance(self._task, n)

    def reset(self) -> None:
        self._progress.reset(self._task, total=self.total)

    def close(self) -> None:
        if self._started:
            self._progress.stop()
            self._started = False


@dataclass(frozen=True)
class DataDirLoader:
    """A `Task.load` whose files come from the data directory.

    `build(paths, seed)` turns the verified paths (file name -> Path) into the seed's Split.
    `nnbench fetch` finds a task's data set through this object (see `data_set_of`).
    """

    data_set: DataSet
    build: Callable[[dict[str, Path], int], Split]

    def __call__(self, seed: int) -> Split:
        return self.load(seed)

    def load(self, seed: int, *, root: Path | None = None,
             mirrors: Sequence[str] | None = None) -> Split:
        paths = {f.name: require(self.data_set, f.name, root=root, mirrors=mirrors)
                 for f in self.data_set.files}
        return self.build(paths, seed)


def file_key(path: Path) -> tuple[Path, int, int]:
    """(path, size, mtime_ns): a cache key that changes when the file is replaced."""
    stat = path.stat()
    return path, stat.st_size, stat.st_mtime_ns


def data_set_of(task) -> DataSet | None:
    """The data set a task reads from the data directory, or None for embedded data."""
    load = getattr(task, "load", None)
    return load.data_set if isinstance(load, DataDirLoader) else None
