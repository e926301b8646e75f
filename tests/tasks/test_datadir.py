"""The data directory: location, verification, offline mode and downloads over real HTTP.

Downloads go to a server on 127.0.0.1 that the tests start (see conftest.FileServer); the
data set's mirrors are replaced through `require`'s `mirrors` parameter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tasks import datadir
from tasks.base import DataError
from tasks.datadir import DataFile, DataSet, data_dir, fetch, offline, require, verify
from tests.tasks.conftest import Truncated, sha256

ROOT = Path(__file__).resolve().parents[2]
CONTENT = b"some data set file\n" * 50
OTHER = b"another file\n" * 10


def data_set(mirrors=(), **files: bytes) -> DataSet:
    entries = files or {"part.bin": CONTENT}
    return DataSet("toy", tuple(DataFile(name, sha256(data)) for name, data in entries.items()),
                   tuple(mirrors), origin="the toy data set of the tests")


def no_temporary_files(folder: Path) -> bool:
    return not folder.exists() or all(p.name in ("part.bin", "other.bin")
                                      for p in folder.iterdir())


# --- where the data lives -------------------------------------------------------------------

def test_data_dir_is_the_variable_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBENCH_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path.resolve()


@pytest.mark.skipif(sys.platform != "linux", reason="XDG cache layout is Linux's")
@pytest.mark.parametrize("value", [None, "", "  "])
def test_data_dir_defaults_to_the_user_cache_dir(monkeypatch, tmp_path, value):
    if value is None:
        monkeypatch.delenv("NNBENCH_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("NNBENCH_DATA_DIR", value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data_dir() == tmp_path / "cache" / "nnbench"


@pytest.mark.parametrize("value, expected", [
    (None, False), ("", False), ("0", False), ("false", False), ("no", False), ("off", False),
    ("1", True), ("true", True), ("yes", True), ("YES", True)])
def test_offline_variable(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("NNBENCH_OFFLINE", raising=False)
    else:
        monkeypatch.setenv("NNBENCH_OFFLINE", value)
    assert offline() is expected


def test_checksums_must_name_a_known_algorithm_and_length():
    DataFile("a", "md5:" + "0" * 32)
    for bad in ("0" * 64, "sha1:" + "0" * 40, "sha256:abc", "md5:" + "0" * 64,
                "sha256:" + "g" * 64):
        with pytest.raises(ValueError, match="sha256:<64 hex digits>"):
            DataFile("a", bad)


# --- files already present ------------------------------------------------------------------

def test_present_file_is_verified_and_returned(tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "part.bin").write_bytes(CONTENT)
    path = require(data_set(), "part.bin", root=tmp_path, allow_download=False)
    assert path == tmp_path / "toy" / "part.bin"


def test_present_file_with_wrong_checksum_names_file_checksum_and_remedy(tmp_path):
    (tmp_path / "toy").mkdir()
    target = tmp_path / "toy" / "part.bin"
    target.write_bytes(CONTENT[:-1] + b"X")
    toy = data_set()
    with pytest.raises(DataError) as info:
        require(toy, "part.bin", root=tmp_path)
    message = str(info.value)
    expected = toy.files[0].checksum.split(":")[1]
    assert str(target) in message and expected in message
    assert "nnbench fetch toy" in message and "NNBENCH_DATA_DIR" in message
    assert "\n" not in message  # the run record keeps the first line of an error only
    assert target.read_bytes().endswith(b"X")  # a user's file is never overwritten


def test_md5_checksums_are_verified_too(tmp_path):
    import hashlib

    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "part.bin").write_bytes(CONTENT)
    good = DataSet("toy", (DataFile("part.bin", "md5:" + hashlib.md5(CONTENT).hexdigest()),),
                   (), "")
    bad = DataSet("toy", (DataFile("part.bin", "md5:" + "0" * 32),), (), "")
    require(good, "part.bin", root=tmp_path)
    with pytest.raises(DataError, match="md5 .* does not match the expected 0{32}"):
        require(bad, "part.bin", root=tmp_path)


def test_verification_is_cached_per_process_until_the_file_changes(tmp_path):
    (tmp_path / "toy").mkdir()
    target = tmp_path / "toy" / "part.bin"
    target.write_bytes(CONTENT)
    toy = data_set()
    require(toy, "part.bin", root=tmp_path)
    stat = target.stat()
    # Same size and modification time: the cached verdict stands, the file is not re-hashed.
    target.write_bytes(CONTENT[:-1] + b"X")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    verify(target, toy, toy.files[0])
    # A new modification time: verified again, and the change is caught.
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    with pytest.raises(DataError, match="does not match"):
        verify(target, toy, toy.files[0])


def test_unknown_file_name_lists_the_data_sets_files():
    with pytest.raises(KeyError, match="its files: part.bin"):
        require(data_set(), "nope.bin")


# --- offline ------------------------------------------------------------------------------

def test_offline_missing_file_names_file_variables_checksum_and_fetch(monkeypatch, tmp_path,
                                                                      file_server):
    monkeypatch.setenv("NNBENCH_OFFLINE", "1")
    file_server.routes["/m/part.bin"] = CONTENT
    toy = data_set()
    with pytest.raises(DataError) as info:
        require(toy, "part.bin", root=tmp_path, mirrors=[file_server.url + "/m/"])
    message = str(info.value)
    assert str(tmp_path / "toy" / "part.bin") in message
    assert "NNBENCH_OFFLINE" in message and "NNBENCH_DATA_DIR" in message
    assert "nnbench fetch toy" in message and toy.files[0].checksum in message
    assert file_server.requests == []  # offline means no request at all
    assert not (tmp_path / "toy").exists()


# --- downloads ----------------------------------------------------------------------------

def test_download_saves_the_verified_file_under_its_canonical_name(tmp_path, file_server):
    file_server.routes["/m/part.bin"] = CONTENT
    file_server.routes["/m/other.bin"] = OTHER
    toy = data_set(**{"part.bin": CONTENT, "other.bin": OTHER})
    paths = fetch(toy, root=tmp_path, mirrors=[file_server.url + "/m"], allow_download=True)
    assert [p.name for p in paths] == ["part.bin", "other.bin"]
    assert paths[0].read_bytes() == CONTENT and paths[1].read_bytes() == OTHER
    assert sorted(file_server.requests) == ["/m/other.bin", "/m/part.bin"]
    assert no_temporary_files(tmp_path / "toy")
    # Present now: a second fetch verifies and does not download again.
    fetch(toy, root=tmp_path, mirrors=[file_server.url + "/m"], allow_download=True)
    assert len(file_server.requests) == 2


def test_download_falls_back_to_the_next_mirror(tmp_path, file_server):
    file_server.routes["/second/part.bin"] = CONTENT
    path = require(data_set(), "part.bin", root=tmp_path, allow_download=True,
                   mirrors=[file_server.url + "/first/", file_server.url + "/second/"])
    assert path.read_bytes() == CONTENT
    assert file_server.requests == ["/first/part.bin", "/second/part.bin"]


def test_download_with_wrong_checksum_saves_nothing_and_says_what_to_do(tmp_path, file_server):
    file_server.routes["/m/part.bin"] = CONTENT + b"tampered"
    toy = data_set()
    with pytest.raises(DataError) as info:
        require(toy, "part.bin", root=tmp_path, mirrors=[file_server.url + "/m/"],
                allow_download=True)
    message = str(info.value)
    assert "toy/part.bin" in message and toy.files[0].checksum in message
    assert "does not match" in message and "nothing was saved" in message
    assert "nnbench fetch toy" in message and str(tmp_path / "toy" / "part.bin") in message
    assert not (tmp_path / "toy" / "part.bin").exists()
    assert no_temporary_files(tmp_path / "toy")


def test_interrupted_download_leaves_no_partial_file(tmp_path, file_server):
    file_server.routes["/m/part.bin"] = Truncated(CONTENT[:100], declared=len(CONTENT))
    with pytest.raises(DataError, match=r"could not download toy/part.bin: .*/m/part.bin"):
        require(data_set(), "part.bin", root=tmp_path, mirrors=[file_server.url + "/m/"],
                allow_download=True)
    assert not (tmp_path / "toy" / "part.bin").exists()
    assert no_temporary_files(tmp_path / "toy")


def test_every_mirror_failing_lists_each_reason_and_the_source(tmp_path, file_server):
    mirrors = [file_server.url + "/a/", file_server.url + "/b/"]
    with pytest.raises(DataError) as info:
        require(data_set(), "part.bin", root=tmp_path, mirrors=mirrors, allow_download=True)
    message = str(info.value)
    assert message.count("404") >= 2 and "/a/part.bin" in message and "/b/part.bin" in message
    assert "the toy data set of the tests" in message


def test_no_mirror_at_all_explains_where_to_put_the_file(tmp_path):
    with pytest.raises(DataError, match="(?s)no download mirror is known .* place a copy"):
        require(data_set(), "part.bin", root=tmp_path, mirrors=[], allow_download=True)


def test_unreachable_server_is_a_data_error(tmp_path, file_server):
    url = file_server.url
    file_server.close()
    with pytest.raises(DataError, match="could not download"):
        require(data_set(), "part.bin", root=tmp_path, mirrors=[url + "/m/"],
                allow_download=True)


def test_a_failed_download_says_what_failed_and_what_to_do_in_two_lines_and_leaves_no_folder(
        tmp_path, file_server):
    url = file_server.url
    file_server.close()
    root = tmp_path / "cache"
    with pytest.raises(DataError) as info:
        require(data_set(), "part.bin", root=root, mirrors=[url + "/m/"], allow_download=True)
    what, todo = str(info.value).split("\n")
    assert what.startswith("could not download toy/part.bin: ") and len(what) < 300
    assert "Check the network and run `nnbench fetch toy` again" in todo
    assert not root.exists()  # the folders the download made are gone again


def test_a_directory_where_the_data_file_should_be_is_a_data_error(tmp_path):
    (tmp_path / "toy" / "part.bin").mkdir(parents=True)
    with pytest.raises(DataError, match="is a directory, where the data file part.bin of toy "
                                        "should be: remove it and run `nnbench fetch toy`"):
        require(data_set(), "part.bin", root=tmp_path, allow_download=False)


def test_loading_present_data_does_not_import_pooch(tmp_path):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "part.bin").write_bytes(CONTENT)
    code = (
        "import sys\n"
        "from tasks.datadir import DataFile, DataSet, require\n"
        f"ds = DataSet('toy', (DataFile('part.bin', {sha256(CONTENT)!r}),), (), '')\n"
        f"require(ds, 'part.bin', root={str(tmp_path)!r})\n"
        "print(sorted(m for m in ('pooch', 'requests') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_cache_key_changes_when_a_file_is_replaced(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"a")
    before = datadir.file_key(target)
    target.write_bytes(b"bb")
    assert datadir.file_key(target) != before and before[0] == target
