"""Cells the reading marks uncertain after the fact, from the shape of the sums they break.

Each rule recognises a failure that a misreading produces and a misprint does not (see
moved_values.py and lost_values.py); the audit then reports those cells as ``reading.uncertain``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from yusuan.extract.document import Line
from yusuan.extract.lost_values import mark_lost_values
from yusuan.extract.moved_values import mark_moved_values
from yusuan.tables.model import Table, TableSet

if TYPE_CHECKING:
    from yusuan.extract.generic import GenericRegion

_CODE_LABEL = re.compile(r"(^|\D)\d{3,7}\s*[-－—–]\s*\D")


def mark_misreadings(tables: TableSet, regions: list[GenericRegion]) -> None:
    """Cells whose failing sums show a misreading (a value a column off, a printed value read into
    no cell) become uncertain; see moved_values.py and lost_values.py."""
    from yusuan.extract.generic import hierarchy_checks, table_display_step

    groups: list[list[GenericRegion]] = []
    for region in regions:  # a table is its region and the regions continuing it
        if region.continuation and groups:
            groups[-1].append(region)
        else:
            groups.append([region])
    lines_of: dict[int, list[Line]] = {id(t): [] for t in tables.tables}
    if len(groups) == len(tables.tables):
        for table, group in zip(tables.tables, groups, strict=True):
            if group[0].label == table.number:
                lines_of[id(table)] = [line for r in group for line in r.lines[r.body :]]
    for table in tables.tables:
        checks, step = hierarchy_checks(table), table_display_step(table)
        mark_moved_values(table, checks, step)
        mark_lost_values(table, lines_of[id(table)], checks, step)
        _mark_coded_unit_rows(table)


def _mark_coded_unit_rows(table: Table) -> None:
    """A "unit" row whose name is a code and its name (``50102-社会保障缴费``) is a wrapped label
    read as a unit's subtotal: its sums would compare unrelated rows."""
    for row in table.rows:
        if row.kind == "unit" and _CODE_LABEL.search(str(row.value("name") or "")):
            for column, cell in row.cells.items():
                if column not in ("code", "name") and cell.certain:  # blank cells too: a blank is read as 0
                    row.cells[column] = replace(cell, certain=False)
