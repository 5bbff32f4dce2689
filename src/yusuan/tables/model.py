"""The table model shared by every producer and consumer.

A ``TableSet`` built from a ledger and one extracted from a published
document are the same kind of object, so renderers and audit rules work on
both. Amount cells hold integer fen; text cells hold strings; any cell may
carry the location it was read from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value stands in a source document (extraction fills this)."""

    page: int | None = None
    line: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its key, its header path (outermost first) and what it holds."""

    key: str
    headers: tuple[str, ...]
    type: str = "amount"  # amount / text / code
    width: int = 12  # display width in characters


@dataclass(frozen=True, slots=True)
class Cell:
    value: int | str | None
    location: Location | None = None
    #: False when the reading could not account for every token of the cell's row, or two readings
    #: of it disagree: a check resting on such a cell is not reported as an error (reading.uncertain)
    certain: bool = True


@dataclass(slots=True)
class Row:
    """A table row: a stable key, its role (total, unit, item …) and its cells."""

    key: tuple[str, ...]
    kind: str  # total / section / unit / group / item / blank
    cells: dict[str, Cell] = field(default_factory=dict)
    level: int = 0

    def value(self, column: str) -> int | str | None:
        cell = self.cells.get(column)
        return None if cell is None else cell.value

    def amount(self, column: str) -> int:
        value = self.value(column)
        return value if isinstance(value, int) else 0

    def mark_uncertain(self, columns: Iterable[str]) -> int:
        """Mark the row's cells in ``columns`` uncertain (the reading cannot vouch for them); returns
        how many were certain before."""
        marked = 0
        for column in columns:
            cell = self.cells.get(column)
            if cell is not None and cell.certain:
                self.cells[column] = replace(cell, certain=False)
                marked += 1
        return marked


@dataclass(slots=True)
class Table:
    """One disclosure table (预算05表 …)."""

    kind: str  # canonical kind: gpb_expenditure …
    number: str  # the template's own number: 预算05表
    title: str
    unit: str  # 万元 / 元
    columns: list[Column]
    rows: list[Row]
    subtitle: str = ""  # 部门名称：… line
    note: str = ""  # 注：… printed under the table
    orientation: str = "landscape"

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def row(self, *key: str) -> Row:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    @property
    def header_depth(self) -> int:
        return max((len(c.headers) for c in self.columns), default=1)

    @property
    def is_empty(self) -> bool:
        return not any(isinstance(c.value, int) and c.value for row in self.rows for c in row.cells.values())

    def to_data(self) -> dict[str, Any]:
        """This table as plain JSON-ready data (amounts as fen and as the displayed text)."""
        from yusuan.money import format_amount

        columns = {c.key: c for c in self.columns}

        def cell(key: str, c: Cell) -> Any:
            column = columns.get(key)
            if column is not None and column.type == "amount" and isinstance(c.value, int):
                return {"fen": c.value, "text": format_amount(c.value, self.unit)}
            return c.value

        return {
            "kind": self.kind,
            "number": self.number,
            "title": self.title,
            "subtitle": self.subtitle,
            "unit": self.unit,
            "note": self.note,
            "columns": [{"key": c.key, "headers": list(c.headers), "type": c.type} for c in self.columns],
            "rows": [
                {
                    "key": list(r.key),
                    "kind": r.kind,
                    "level": r.level,
                    "cells": {k: cell(k, v) for k, v in r.cells.items()},
                }
                for r in self.rows
            ],
        }


@dataclass(slots=True)
class TableSet:
    """All tables of one disclosure, in template order."""

    year: int
    department: str
    template: str
    tables: list[Table]

    def get(self, kind: str) -> Table:
        for table in self.tables:
            if table.kind == kind:
                return table
        raise KeyError(kind)

    def by_number(self, number: str) -> Table:
        for table in self.tables:
            if table.number == number:
                return table
        raise KeyError(number)

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-ready data; amounts are given as fen and as the displayed text."""
        return {
            "schema": "yusuan.tableset/1",
            "year": self.year,
            "department": self.department,
            "template": self.template,
            "tables": [t.to_data() for t in self.tables],
        }
