"""Terminal output that degrades to ASCII where the terminal's encoding cannot carry nnbench's
symbols (±, —, µ, ×, Δ, …): they become +/-, -, u, x, d, ... instead of crashing the command
after its records were written (e.g. PYTHONIOENCODING=ascii, a C locale)."""

from __future__ import annotations

import codecs
import io
from typing import TextIO

#: the symbols nnbench prints, and their ASCII stand-ins
ASCII = str.maketrans({"±": "+/-", "—": "-", "–": "-", "µ": "u", "×": "x", "Δ": "d",
                       "…": "...", "≥": ">=", "≤": "<=", "→": "->", "·": "-", "≈": "~",
                       "’": "'", "✓": "ok"})
SAMPLE = "".join(k if isinstance(k, str) else chr(k) for k in ASCII)


def carries(stream: TextIO, text: str = SAMPLE) -> bool:
    """Whether `stream`'s encoding can write every character of `text`."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        codecs.lookup(encoding)
        text.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return False
    return True


class AsciiStream(io.TextIOBase):
    """Writes through to `stream` with nnbench's symbols in ASCII, anything else replaced."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._encoding = getattr(stream, "encoding", None) or "ascii"

    @property
    def encoding(self) -> str:
        return self._encoding

    def write(self, text: str) -> int:
        safe = text.translate(ASCII).encode(self._encoding, "replace").decode(self._encoding)
        self._stream.write(safe)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()


def safe(stream: TextIO) -> TextIO:
    """`stream` itself when it can carry the symbols, else an AsciiStream over it."""
    return stream if carries(stream) else AsciiStream(stream)
