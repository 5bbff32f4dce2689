"""The merged header cells of a table, computed once for every renderer.

A column's header path is outermost first, e.g. ``("基本支出", "人员经费",
"工资福利支出")``. Header rows are numbered from 0 (the outermost level) to
``depth - 1``; columns from 0. For each level ``r``, adjacent columns whose
paths share the same prefix ``headers[: r + 1]`` and continue below ``r``
form one merged cell spanning those columns. The last element of a path (a
leaf) always belongs to its own column and spans down to the bottom header
row, so a column with a shorter path (``("合计",)`` next to three-level
columns) fills the rows below it.

Every position of the header grid is covered by exactly one range, so XLSX
(``merge_range``) and HTML (``rowspan`` / ``colspan``) draw the same picture.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

from yusuan.tables.model import Column


class HeaderRange(NamedTuple):
    """One header cell: inclusive row/column bounds (0-based, header rows only) and its text."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    text: str

    @property
    def rowspan(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def colspan(self) -> int:
        return self.last_col - self.first_col + 1

    @property
    def is_merged(self) -> bool:
        return self.rowspan > 1 or self.colspan > 1


def _path(column: Column | Sequence[str]) -> tuple[str, ...]:
    headers = column.headers if isinstance(column, Column) else tuple(column)
    return tuple(headers) or ("",)


def header_depth(columns: Sequence[Column | Sequence[str]]) -> int:
    """Number of header rows: the longest header path (at least 1)."""
    return max((len(_path(c)) for c in columns), default=1)


def header_grid(columns: Sequence[Column | Sequence[str]]) -> list[HeaderRange]:
    """The header cells of ``columns`` as ranges, ordered by row then column.

    ``columns`` may be :class:`Column` objects or bare header paths. Single
    cells are included too (``is_merged`` tells them apart); a column with an
    empty path gets one blank cell spanning all header rows.
    """
    paths = [_path(c) for c in columns]
    depth = header_depth(paths)
    ranges: list[HeaderRange] = []
    for r in range(depth):
        c = 0
        while c < len(paths):
            path = paths[c]
            if len(path) <= r:  # covered by a leaf above
                c += 1
                continue
            if len(path) == r + 1:  # leaf: own column, down to the last header row
                ranges.append(HeaderRange(r, c, depth - 1, c, path[r]))
                c += 1
                continue
            prefix = path[: r + 1]
            end = c
            while end + 1 < len(paths) and len(paths[end + 1]) > r + 1 and paths[end + 1][: r + 1] == prefix:
                end += 1
            ranges.append(HeaderRange(r, c, r, end, path[r]))
            c = end + 1
    ranges.sort(key=lambda h: (h.first_row, h.first_col))
    return ranges


def name_columns(columns: Sequence[Column]) -> set[str]:
    """Keys of the name columns, the ones indented by ``Row.level``.

    A name column is a text column standing just left of an amount column
    (单位（科目名称） in 预算05表, 项目名称 in 预算07表, each 项目 of 预算01表); a
    table with no such column indents its first text column.
    """
    keys = {col.key for col, nxt in pairwise(columns) if col.type == "text" and nxt.type == "amount"}
    if not keys:
        first = next((col.key for col in columns if col.type == "text"), None)
        keys = {first} if first is not None else set()
    return keys


def display_width(text: str) -> int:
    """Width of ``text`` in half-width character cells (CJK and full-width count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
