import gzip
import struct

import numpy as np
import pytest

from tasks.base import DataError
from tasks.idx import parse_idx, read_idx, write_idx

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)


def idx_bytes(code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_round_trip_plain_and_gzip(tmp_path, name):
    path = tmp_path / name
    write_idx(path, IMAGES)
    assert path.read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"\0\0")
    array = read_idx(path, ndim=3)
    assert array.dtype == np.uint8 and np.array_equal(array, IMAGES)


def test_the_layout_is_the_published_one():
    # Two zero bytes, type 0x08, 1 dimension, big-endian size 3, then the values.
    assert np.array_equal(parse_idx(b"\0\0\x08\x01\0\0\0\x03\x07\x08\x09", "x"), [7, 8, 9])


@pytest.mark.parametrize("dtype", ["i1", ">i2", ">i4", ">f4", ">f8"])
def test_wider_types_are_read_big_endian_into_native_order(dtype):
    values = np.array([[-1, 2], [300 if dtype != "i1" else 3, 4]], dtype=dtype)
    code = {"i1": 0x09, ">i2": 0x0B, ">i4": 0x0C, ">f4": 0x0D, ">f8": 0x0E}[dtype]
    array = parse_idx(idx_bytes(code, (2, 2), values.tobytes()), "x", type_code=None)
    assert array.dtype.isnative and np.array_equal(array, values)


def test_gzip_is_recognised_by_its_magic_without_the_suffix(tmp_path):
    path = tmp_path / "images"
    path.write_bytes(gzip.compress(idx_bytes(0x08, (2,), b"\x01\x02")))
    assert read_idx(path).tolist() == [1, 2]


@pytest.mark.parametrize("data, message", [
    (b"\0\0", "too short for an IDX header"),
    (b"\x1f\x2e\x08\x01" + b"\0" * 8, "bad magic number 0x1f2e0801"),
    (b"\0\x01\x08\x01" + b"\0" * 8, "bad magic number"),
    (b"\0\0\x07\x01" + b"\0" * 8, "bad magic number 0x00000701"),  # no such type code
    (b"\0\0\x08\x00" + b"\0" * 8, "bad magic number"),  # zero dimensions
])
def test_bad_magic_numbers_are_rejected(data, message):
    with pytest.raises(DataError, match=message):
        parse_idx(data, "where.idx")


def test_unexpected_type_code_is_rejected():
    data = idx_bytes(0x0C, (2,), b"\0" * 8)
    with pytest.raises(DataError, match=r"where.idx: type code 0x0c \(>i4\), expected 0x08"):
        parse_idx(data, "where.idx")


def test_unexpected_number_of_dimensions_is_rejected():
    with pytest.raises(DataError, match="2 dimension\\(s\\), expected 3"):
        parse_idx(idx_bytes(0x08, (2, 2), b"\0" * 4), "x", ndim=3)


@pytest.mark.parametrize("payload, message", [
    (b"\0" * 23, "promises shape \\(2, 3, 4\\) \\(24 bytes of values\\) but 23 bytes follow "
                 "it; it is truncated"),
    (b"\0" * 25, "but 25 bytes follow it; extra bytes follow the data"),
])
def test_sizes_inconsistent_with_the_data_are_rejected(payload, message):
    with pytest.raises(DataError, match=message):
        parse_idx(idx_bytes(0x08, (2, 3, 4), payload), "x")


def test_truncated_header_is_rejected():
    with pytest.raises(DataError, match="header of 3 dimension\\(s\\) needs 16 bytes"):
        parse_idx(b"\0\0\x08\x03\0\0\0\x02", "x")


def test_truncated_gzip_is_rejected_naming_the_file(tmp_path):
    path = tmp_path / "images.gz"
    write_idx(path, np.zeros((50, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataError, match=f"{path}: not a valid gzip file .*truncated or corrupt"):
        read_idx(path)


def test_corrupt_gzip_is_rejected(tmp_path):
    path = tmp_path / "images.gz"
    rng = np.random.default_rng(0)
    write_idx(path, rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a flipped byte inside the deflate stream
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="not a valid gzip file"):
        read_idx(path)


def test_a_gz_name_that_is_not_gzip_is_rejected(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(idx_bytes(0x08, (1,), b"\0"))
    with pytest.raises(DataError, match="not a valid gzip file"):
        read_idx(path)


def test_arrays_are_read_only():
    array = parse_idx(idx_bytes(0x08, (2,), b"\x01\x02"), "x")
    with pytest.raises(ValueError):
        array[0] = 5


def test_write_refuses_types_idx_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="IDX cannot hold dtype uint16"):
        write_idx(tmp_path / "x.idx", np.zeros(3, dtype=np.uint16))
