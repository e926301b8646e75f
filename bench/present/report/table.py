"""`Table`: the report's tables as text cells, for `markdown` and `html` to render."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Table:
    """A table of text cells; `ok` marks, per row, whether every planned run finished ok."""

    columns: list[str]
    rows: list[list[str]]
    ok: list[bool] | None = None
