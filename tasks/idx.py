"""The IDX file format of MNIST and Fashion-MNIST, read strictly (NumPy only, never pickle).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 size per dimension, then the values in C order, big-endian. Files are
usually gzip-compressed (`.gz`). `read_idx` rejects anything that does not fit: a bad magic
number, an unexpected type code or number of dimensions, a header that promises more or fewer
values than the file holds (truncated or trailing data), and gzip streams that are corrupt or
cut short. Every failure is a `DataError` naming the file.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from tasks.base import DataError

#: IDX type code -> NumPy dtype (big-endian where it matters)
TYPE_CODES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
UBYTE = 0x08
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: str | os.PathLike) -> bytes:
    """The file's contents, gunzipped when it is gzip (by its `.gz` name or its first bytes)."""
    path = Path(path)
    data = path.read_bytes()
    if path.suffix != ".gz" and not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise DataError(f"{path}: not a valid gzip file ({exc}); it is truncated or corrupt: "
                        "delete it and download it again (`nnbench fetch`)") from None


def parse_idx(data: bytes, where: str, type_code: int | None = UBYTE,
              ndim: int | None = None) -> np.ndarray:
    """The array stored in IDX bytes `data` (`where` names the source in errors).

    `type_code` and `ndim`, when given, are what the caller expects; anything else is an error.
    The result is a read-only array in native byte order.
    """
    if len(data) < 4:
        raise DataError(f"{where}: {len(data)} bytes, too short for an IDX header")
    if data[:2] != b"\0\0" or data[2] not in TYPE_CODES or data[3] == 0:
        raise DataError(f"{where}: bad magic number 0x{data[:4].hex()}; an IDX file starts "
                        "with two zero bytes, a type code (0x08, 0x09, 0x0b-0x0e) and its "
                        "number of dimensions (>= 1)")
    code, dims = data[2], data[3]
    if type_code is not None and code != type_code:
        raise DataError(f"{where}: type code 0x{code:02x} ({TYPE_CODES[code]}), expected "
                        f"0x{type_code:02x} ({TYPE_CODES[type_code]})")
    if ndim is not None and dims != ndim:
        raise DataError(f"{where}: {dims} dimension(s), expected {ndim}")
    header = 4 + 4 * dims
    if len(data) < header:
        raise DataError(f"{where}: the header of {dims} dimension(s) needs {header} bytes, the "
                        f"file holds {len(data)}; it is truncated")
    shape = struct.unpack(f">{dims}I", data[4:header])
    dtype = TYPE_CODES[code]
    count = math.prod(shape)
    expected, actual = count * dtype.itemsize, len(data) - header
    if actual != expected:
        problem = "it is truncated" if actual < expected else "extra bytes follow the data"
        raise DataError(f"{where}: the header promises shape {shape} ({expected} bytes of "
                        f"values) but {actual} bytes follow it; {problem}")
    array = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(shape)
    if dtype.byteorder == ">":
        array = array.astype(dtype.newbyteorder("="))
        array.setflags(write=False)
    return array


def read_idx(path: str | os.PathLike, type_code: int | None = UBYTE,
             ndim: int | None = None) -> np.ndarray:
    """The array in the IDX file at `path` (gzip or not); see `parse_idx`."""
    return parse_idx(read_bytes(path), str(path), type_code=type_code, ndim=ndim)


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool | None = None) -> None:
    """Write `array` as an IDX file (gzip when `compress`, default: when the name ends in .gz).

    The inverse of `read_idx`; tests and users building their own IDX data sets use it.
    """
    path = Path(path)
    array = np.asarray(array)
    code = next((c for c, d in TYPE_CODES.items()
                 if array.dtype.kind == d.kind and array.dtype.itemsize == d.itemsize), None)
    if code is None:
        raise ValueError(f"IDX cannot hold dtype {array.dtype}; use one of "
                         f"{', '.join(str(d) for d in TYPE_CODES.values())}")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX holds arrays of 1 to 255 dimensions, not {array.ndim}")
    data = (bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
            + np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes())
    if compress if compress is not None else path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
