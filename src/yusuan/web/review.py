"""What a reviewer takes away or compares: an audit's findings as CSV or XLSX, and two budget
versions side by side, table by table.

Two versions are compared cell by cell, each cell found by (table number, row key, column key);
rows are lined up by their keys, so an added or removed row shows against an empty one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from yusuan.audit.report import CSV_COLUMNS, SEVERITY_NAMES, csv_lines, data_csv_rows
from yusuan.tables.model import Row, Table, TableSet
from yusuan.web.views import rule_title, table_view

# ---------------------------------------------------------------- an audit's findings

#: the CSV report's columns as the workbook heads them (the rule's title follows its id)
_HEADINGS = {
    "path": "文件",
    "rule": "规则编号",
    "severity": "级别",
    "message": "问题",
    "expected": "应为",
    "actual": "实为",
    "table": "表",
    "row": "行",
    "column": "列",
    "page": "页",
    "line": "行号",
    "text": "原文",
    "related": "相关位置",
}


#: what makes a spreadsheet read a text cell as a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: Any) -> Any:
    """A text cell Excel will not run: an audited document is anyone's text, and a finding quotes it."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_START) else cell


def findings_csv(result: dict[str, Any]) -> bytes:
    """The audit's findings as the CLI's CSV report (``yusuan audit -f csv``), with a BOM for Excel, and
    no text cell that a spreadsheet would take for a formula."""
    rows = [[_inert(cell) for cell in row] for row in data_csv_rows(result)]
    return ("\ufeff" + csv_lines([CSV_COLUMNS, *rows])).encode("utf-8")


def findings_xlsx(result: dict[str, Any]) -> bytes:
    """The same rows as a workbook with Chinese headings, the rule's title and the severity in words."""
    import xlsxwriter

    rule_at, severity_at = CSV_COLUMNS.index("rule"), CSV_COLUMNS.index("severity")
    header = [_HEADINGS[c] for c in CSV_COLUMNS]
    header.insert(rule_at + 1, "规则")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("审核发现")
    bold = book.add_format({"bold": True, "border": 1, "bg_color": "#E8E8E8"})
    for c, label in enumerate(header):
        sheet.write_string(0, c, label, bold)
    rows = data_csv_rows(result)
    for r, row in enumerate(rows, start=1):
        cells = [str(v) for v in row]
        cells[severity_at] = SEVERITY_NAMES.get(cells[severity_at], cells[severity_at])
        cells.insert(rule_at + 1, rule_title(cells[rule_at]))
        for c, value in enumerate(cells):
            sheet.write_string(r, c, value)
    for c, label in enumerate(header):
        sheet.set_column(c, c, 50 if label in ("问题", "原文") else 16)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------- two versions side by side


@dataclass(slots=True)
class TableComparison:
    """One table of two versions: each side's view model with changed cells marked, and the counts."""

    number: str
    title: str
    a: dict[str, Any] | None  # None: the table is not in that version
    b: dict[str, Any] | None
    changed_cells: int = 0
    added_rows: int = 0
    removed_rows: int = 0

    @property
    def changes(self) -> int:
        return self.changed_cells + self.added_rows + self.removed_rows


def compare_tables(a: TableSet, b: TableSet, *, only_changed: bool = False) -> list[TableComparison]:
    """Every table of either version (B's order, then tables only A has), compared."""
    mine = {t.number: t for t in a.tables}
    theirs = {t.number: t for t in b.tables}
    numbers = [t.number for t in b.tables] + [t.number for t in a.tables if t.number not in theirs]
    return [_compare(mine.get(n), theirs.get(n), only_changed) for n in numbers]


def _compare(old: Table | None, new: Table | None, only_changed: bool) -> TableComparison:
    some = new or old
    assert some is not None
    if old is None or new is None:
        view = table_view(some, "compare")
        for row in view["rows"]:
            for cell in row["cells"]:
                cell["cls"] += " changed"
        count = len(some.rows)
        return TableComparison(
            some.number,
            some.title,
            view if old else None,
            view if new else None,
            added_rows=0 if old else count,
            removed_rows=0 if new else count,
        )
    views = table_view(old, "compare-a"), table_view(new, "compare-b")
    keys = sorted({c.key for c in old.columns} | {c.key for c in new.columns})
    result = TableComparison(new.number, new.title, views[0], views[1])
    rows: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    matcher = SequenceMatcher(None, [r.key for r in old.rows], [r.key for r in new.rows], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                differing = {k for k in keys if _value(old.rows[i], k) != _value(new.rows[j], k)}
                result.changed_cells += len(differing)
                if differing or not only_changed:
                    rows[0].append(_marked(views[0]["rows"][i], old, differing))
                    rows[1].append(_marked(views[1]["rows"][j], new, differing))
            continue
        for i in range(i1, i2):  # only in A: shown against an empty row
            result.removed_rows += 1
            rows[0].append(_marked(views[0]["rows"][i], old, None))
            rows[1].append(_absent(len(new.columns) or 1))
        for j in range(j1, j2):
            result.added_rows += 1
            rows[0].append(_absent(len(old.columns) or 1))
            rows[1].append(_marked(views[1]["rows"][j], new, None))
    views[0]["rows"], views[1]["rows"] = rows
    return result


def _value(row: Row, column: str) -> Any:
    value = row.value(column)
    return None if value in ("", 0) else value  # a blank cell and a zero amount print the same


def _marked(view_row: dict[str, Any], table: Table, differing: set[str] | None) -> dict[str, Any]:
    """A row of a side with its differing cells (all: ``None``) marked ``changed``."""
    cells = [
        {**cell, "cls": cell["cls"] + " changed"} if differing is None or column.key in differing else cell
        for cell, column in zip(view_row["cells"], table.columns, strict=False)
    ]
    return {**view_row, "cells": cells}


def _absent(columns: int) -> dict[str, Any]:
    return {"kind": "absent", "level": 0, "cells": [{"text": "", "cls": "absent", "indent": 0}] * columns}
