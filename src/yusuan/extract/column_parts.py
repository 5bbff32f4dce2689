"""A total column and the columns that make it up, known by their headers (合计 = 基本支出 + 项目支出).

The headers name the partition: a 合计 (总计, 小计) column followed by the complete list of its
parts. Each row's total is then its parts' sum within rounding (``column_sum``). The audit checks
that sum (``table.generic_columns``); the reading first marks uncertain the rows whose sum misses
an amount standing in another column of the same row (``mark_parts_read_off``): a part read a
column or more off (a continuation page whose columns stand elsewhere), not a misprint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yusuan.extract.amounts import excess_step
from yusuan.tables.model import Row, Table

#: a printed total column and the columns that make it up, by header (spaces and slashes removed)
_TOTAL_HEADERS = frozenset({"合计", "总计", "支出总计", "小计"})
_PARTITIONS = (
    ("基本支出", "项目支出", "事业单位经营支出", "对附属单位补助支出", "上缴上级支出"),
    ("基本支出", "项目支出"),
    ("人员经费", "公用经费"),
)
_HEADER_NOISE = re.compile(r"[\s/／]")


def bare_header(text: str) -> str:
    """A column's header text without the spaces and slashes its wrapping printed in it."""
    return _HEADER_NOISE.sub("", text)


def column_parts(table: Table) -> tuple[str, list[str]] | None:
    """The total column and its part columns, when the headers name a known complete partition."""
    columns = [c for c in table.columns if c.type == "amount"]
    headers = [bare_header("".join(c.headers)) for c in columns]
    for k, header in enumerate(headers):
        if header not in _TOTAL_HEADERS:
            continue
        for parts in _PARTITIONS:
            following = headers[k + 1 : k + 1 + len(parts)]
            if tuple(following) == parts:
                return columns[k].key, [c.key for c in columns[k + 1 : k + 1 + len(parts)]]
        return None
    return None


@dataclass(frozen=True, slots=True)
class ColumnSum:
    """A row's printed total against the sum of its part columns."""

    total: int
    summed: int
    #: whether the difference is within the display rounding of the cells added (尾差)
    rounding: bool

    @property
    def difference(self) -> int:
        return self.total - self.summed


def column_sum(table: Table, row: Row, total_column: str, parts: list[str], step: int) -> ColumnSum | None:
    """The row's total against Σ its parts (None when the total is blank: a wrapped or missing cell).
    Each printed cell rounds on its own, by its own step when it shows fewer decimals."""
    total = row.value(total_column)
    if not isinstance(total, int):
        return None
    summed = sum(row.amount(c) for c in parts)
    coarser = excess_step((row.cells.get(c) for c in (total_column, *parts)), table.unit, step)
    return ColumnSum(total, summed, abs(total - summed) <= (len(parts) + 1) * step // 2 + coarser)


def mark_parts_read_off(table: Table, step: int) -> int:
    """Mark uncertain the total and parts of each row whose sum misses exactly an amount standing in
    another amount column of the row (within one display step); returns how many rows."""
    found = column_parts(table)
    if found is None:
        return 0
    total_column, parts = found
    others = [c.key for c in table.columns if c.type == "amount" and c.key != total_column and c.key not in parts]
    marked = 0
    for row in table.rows:
        compared = column_sum(table, row, total_column, parts, step)
        if compared is None or compared.rounding:
            continue
        missing = abs(compared.difference)
        if any(isinstance(v := row.value(c), int) and abs(v - missing) <= step for c in others):
            row.mark_uncertain((total_column, *parts))
            marked += 1
    return marked
