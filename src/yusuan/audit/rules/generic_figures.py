"""The figures a table read by the generic extractor prints, as the generic rules read them: a row's
label, the columns of this year, a row's first amount of this year, the table's 合计, and whether
a cell's amount is whole (a number wrapped over two lines shows fewer decimals than the table).
Shared by the rules of generic.py, sources.py, summary_lines.py, units.py and narrative_items.py.
"""

from __future__ import annotations

import re

from yusuan.extract.amounts import printed_decimals
from yusuan.tables.model import Column, Row, Table


def row_label(row: Row) -> str:
    """A row's printed label (its name) without spaces."""
    name = row.value("name")
    return re.sub(r"\s+", "", name) if isinstance(name, str) else ""


_OTHER_YEAR = re.compile(r"(20\d\d)年")


def this_year(column: Column, year: int) -> bool:
    """Whether a column holds this year's figures (not 上年/2025年预算数/执行数)."""
    text = "".join(column.headers)
    if "上年" in text or "执行" in text:
        return False
    return all(int(y) == year for y in _OTHER_YEAR.findall(text)) if year else not _OTHER_YEAR.search(text)


def first_amount(table: Table, row: Row, year: int = 0) -> tuple[str, int] | None:
    """The row's first amount of this year (column, fen); None when that amount looks cut
    (fewer decimals printed than the table's other amounts: a number wrapped over two lines)."""
    most = _table_decimals(table)
    for column in table.columns:
        if column.type != "amount" or not this_year(column, year):
            continue
        cell = row.cells.get(column.key)
        if cell is None or not isinstance(cell.value, int):
            continue
        if cell.location is not None and cell.location.text and printed_decimals(cell.location.text) < most:
            return None
        return column.key, cell.value
    return None


def _table_decimals(table: Table) -> int:
    most = 0
    for row in table.rows:
        for cell in row.cells.values():
            if isinstance(cell.value, int) and cell.location is not None:
                most = max(most, printed_decimals(cell.location.text))
    return most


def readable_amount(table: Table, row: Row, column: str) -> int | None:
    """A cell's amount; None when blank or cut (fewer decimals than the table prints: a wrapped number)."""
    cell = row.cells.get(column)
    if cell is None or not isinstance(cell.value, int):
        return None
    printed = cell.location.text if cell.location is not None else ""
    if printed and printed_decimals(printed) < _table_decimals(table):
        return None
    return cell.value


def table_total(table: Table, year: int) -> tuple[Row, str, int] | None:
    """A table's 合计 (总计) row and its first amount: the only such row, or all of them alike."""
    found = []
    for row in table.rows:
        if row.kind == "total" and row_label(row) in ("合计", "总计", "") and row.value("code") in (None, ""):
            first = first_amount(table, row, year)
            if first is not None:
                found.append((row, *first))
    if not found or any(f[2] != found[0][2] or f[1] != found[0][1] for f in found):
        return None
    return found[0]
