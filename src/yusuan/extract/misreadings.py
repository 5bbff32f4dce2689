"""Cells the reading marks uncertain after the fact, from the shape of the sums they break.

Each rule recognises a failure that a misreading produces and a misprint does not (see
moved_values.py, lost_values.py and column_parts.py); the audit then reports those cells as
``reading.uncertain``.
"""

from __future__ import annotations

import re

from yusuan.extract.column_parts import mark_parts_read_off
from yusuan.extract.document import Line
from yusuan.extract.lost_values import mark_lost_values
from yusuan.extract.moved_values import mark_moved_values
from yusuan.tables.identities import Check
from yusuan.tables.model import Table, TableSet

_CODE_LABEL = re.compile(r"(^|\D)\d{3,7}\s*[-－—–]\s*\D")


def mark_misreadings(tables: TableSet, bodies: list[list[Line]]) -> dict[int, list[Check]]:
    """Cells whose failing sums show a misreading (a value a column off, a printed value read into
    no cell, a part column's amount read into another column) become uncertain; see moved_values.py,
    lost_values.py and column_parts.py. ``bodies``: each table's
    printed lines below its headings (``generic_tables``'s ``body``), in the TableSet's order.

    Returns each table's code-hierarchy checks (by ``id(table)``) for the audit: marking cells
    uncertain changes no value, so they are the checks of the cells the audit sees."""
    from yusuan.extract.generic import hierarchy_checks, table_display_step

    checked: dict[int, list[Check]] = {}
    for table, body in zip(tables.tables, bodies, strict=True):
        checks, step = hierarchy_checks(table), table_display_step(table)
        checked[id(table)] = checks
        mark_moved_values(table, checks, step)
        mark_lost_values(table, body, checks, step)
        mark_parts_read_off(table, step)
        _mark_coded_unit_rows(table)
    return checked


def _mark_coded_unit_rows(table: Table) -> None:
    """A "unit" row whose name is a code and its name (``50102-社会保障缴费``) is a wrapped label
    read as a unit's subtotal: its sums would compare unrelated rows."""
    for row in table.rows:
        if row.kind == "unit" and _CODE_LABEL.search(str(row.value("name") or "")):
            row.mark_uncertain(c for c in list(row.cells) if c not in ("code", "name"))  # blanks too: read as 0
