"""XLSX output: one worksheet per table, laid out like the published tables.

Each sheet holds a title row, the 部门名称 / 单位 line, the merged multi-level
header (see :mod:`yusuan.render.headers`), the data rows and the note. Codes
and names are written as text cells (so ``208`` or an 18-digit project code
stays text); amounts are numeric cells in the table's unit, rounded to two
decimals exactly as the tables display them. That cell value is the only
place a float appears: it is produced from an exact ``Decimal``.
"""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from yusuan.money import round_display
from yusuan.render.atomic import atomic_write_bytes
from yusuan.render.headers import display_width, header_grid, name_columns
from yusuan.tables.model import Column, Row, Table, TableSet

FONT = "宋体"
NUMBER_FORMAT = "#,##0.00"
BOLD_KINDS = frozenset({"total", "unit"})

TITLE_ROW = 0
SUBTITLE_ROW = 1
HEADER_ROW = 2  # first header row

LINE_HEIGHT = 15.0  # points per text line at 11pt
TITLE_HEIGHT = 30.0
MAX_INDENT = 15  # Excel's limit for the indent level

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def render_xlsx(tableset: TableSet) -> bytes:
    """The whole table set as an XLSX workbook (bytes); sheet names are the table numbers."""
    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(buf, {"in_memory": True})
    workbook.set_properties(
        {
            "title": f"{tableset.department} {tableset.year}年部门预算表",
            "author": "yusuan",
            # A fixed date keeps the output byte-for-byte reproducible.
            "created": datetime(tableset.year, 1, 1, tzinfo=UTC),
        }
    )
    formats = _Formats(workbook)
    used: set[str] = set()
    for table in tableset.tables:
        sheet = workbook.add_worksheet(_sheet_name(table.number or table.title, used))
        _write_table(sheet, table, formats)
    if not tableset.tables:  # a workbook needs at least one sheet
        workbook.add_worksheet("说明").write_string(0, 0, "没有表格", formats.get("note"))
    workbook.close()
    return buf.getvalue()


def write_xlsx(tableset: TableSet, path: Path | str) -> Path:
    """Render ``tableset`` and write it to ``path`` atomically."""
    path = Path(path)
    atomic_write_bytes(path, render_xlsx(tableset))
    return path


def _sheet_name(number: str, used: set[str]) -> str:
    """A valid, unique worksheet name (≤ 31 characters, no []:*?/\\)."""
    base = _SHEET_BAD.sub("_", number).strip("'").strip() or "表"
    base = base[:31]
    name, n = base, 1
    while name.casefold() in used:
        n += 1
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
    used.add(name.casefold())
    return name


class _Formats:
    """Formats are created once per workbook and shared by all sheets."""

    _BASE: ClassVar[dict[str, Any]] = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[Any, ...], Format] = {}

    def get(self, role: str, *, bold: bool = False, indent: int = 0) -> Format:
        key = (role, bold, indent)
        if key not in self._cache:
            props = dict(self._BASE)
            props.update(self._props(role))
            if bold:
                props["bold"] = True
            if indent:
                props["indent"] = min(indent, MAX_INDENT)
            self._cache[key] = self._workbook.add_format(props)
        return self._cache[key]

    @staticmethod
    def _props(role: str) -> dict[str, Any]:
        cell = {"border": 1}
        match role:
            case "title":
                return {"bold": True, "font_size": 18, "align": "center"}
            case "subtitle":
                return {"align": "left"}
            case "unit":
                return {"align": "right"}
            case "header":
                return {**cell, "align": "center", "text_wrap": True, "bg_color": "#D9D9D9"}
            case "code":
                return {**cell, "align": "left", "num_format": "@"}
            case "text":
                return {**cell, "align": "left", "text_wrap": True}
            case "amount":
                return {**cell, "align": "right", "num_format": NUMBER_FORMAT}
            case "note":
                return {"align": "left", "valign": "top", "text_wrap": True}
        raise ValueError(role)  # pragma: no cover - internal roles only


def _lines(text: str, width: float) -> int:
    """Estimated number of wrapped lines of ``text`` in a cell ``width`` characters wide."""
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in (text.split("\n") or [""]))


def _write_table(sheet: Worksheet, table: Table, formats: _Formats) -> None:
    columns = table.columns or [Column("blank", ("",), type="text")]
    ncols = len(columns)
    last_col = ncols - 1
    widths = [max(int(c.width), 1) for c in columns]
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)

    # Title and the 部门名称 / 单位 line.
    _merge(sheet, TITLE_ROW, 0, TITLE_ROW, last_col, table.title, formats.get("title"))
    sheet.set_row(TITLE_ROW, TITLE_HEIGHT)
    unit = f"单位：{table.unit}" if table.unit else ""
    if ncols == 1:
        sheet.write_string(SUBTITLE_ROW, 0, "  ".join(t for t in (table.subtitle, unit) if t), formats.get("subtitle"))
    else:
        _merge(sheet, SUBTITLE_ROW, 0, SUBTITLE_ROW, last_col - 1, table.subtitle, formats.get("subtitle"))
        sheet.write_string(SUBTITLE_ROW, last_col, unit, formats.get("unit"))

    # Header rows.
    depth = table.header_depth if table.columns else 1
    header_fmt = formats.get("header")
    heights = [LINE_HEIGHT] * depth
    grid = header_grid(columns)
    for h in sorted(grid, key=lambda h: h.rowspan):
        _merge(sheet, HEADER_ROW + h.first_row, h.first_col, HEADER_ROW + h.last_row, h.last_col, h.text, header_fmt)
        need = _lines(h.text, sum(widths[h.first_col : h.last_col + 1])) * LINE_HEIGHT + 4
        have = sum(heights[h.first_row : h.last_row + 1])
        if need > have:
            extra = (need - have) / h.rowspan
            for r in range(h.first_row, h.last_row + 1):
                heights[r] += extra
    for r, height in enumerate(heights):
        sheet.set_row(HEADER_ROW + r, round(height, 1))
    header_last = HEADER_ROW + depth - 1

    # Data rows.
    names = name_columns(columns)
    row_no = header_last + 1
    for row in table.rows:
        _write_row(sheet, row_no, row, table.unit or "万元", columns, widths, names, formats)
        row_no += 1
    if table.rows:
        sheet.ignore_errors({"number_stored_as_text": f"A{header_last + 2}:{xl_col_to_name(last_col)}{row_no}"})

    # Note under the table.
    if table.note:
        _merge(sheet, row_no, 0, row_no, last_col, table.note, formats.get("note"))
        sheet.set_row(row_no, _lines(table.note, sum(widths)) * LINE_HEIGHT + 4)

    # Page setup.
    sheet.set_paper(9)  # A4
    if table.orientation == "portrait":
        sheet.set_portrait()
    else:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(TITLE_ROW, header_last)
    sheet.hide_gridlines(1)  # no printed gridlines; cells carry their own borders
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    sheet.freeze_panes(header_last + 1, 0)


def _write_row(
    sheet: Worksheet,
    row_no: int,
    row: Row,
    unit: str,
    columns: list[Column],
    widths: list[int],
    names: set[str],
    formats: _Formats,
) -> None:
    bold = row.kind in BOLD_KINDS
    lines = 1
    for i, col in enumerate(columns):
        value = row.value(col.key)
        if col.type == "amount":
            fmt = formats.get("amount", bold=bold)
            if isinstance(value, int) and not isinstance(value, bool):
                if value:
                    # The single float: the displayed (rounded) Decimal, as the cell's number.
                    sheet.write_number(row_no, i, float(round_display(value, unit)), fmt)
                else:
                    sheet.write_blank(row_no, i, None, fmt)
            elif value:
                sheet.write_string(row_no, i, str(value), formats.get("text", bold=bold))
            else:
                sheet.write_blank(row_no, i, None, fmt)
            continue
        indent = max(row.level, 0) if col.key in names else 0
        role = "code" if col.type == "code" else "text"
        fmt = formats.get(role, bold=bold, indent=indent)
        text = "" if value is None else str(value)
        if text:
            sheet.write_string(row_no, i, text, fmt)
            if role == "text":
                lines = max(lines, _lines(text, widths[i] - 2 * min(indent, MAX_INDENT)))
        else:
            sheet.write_blank(row_no, i, None, fmt)
    if lines > 1:
        sheet.set_row(row_no, lines * LINE_HEIGHT + 2)


def _merge(sheet: Worksheet, r1: int, c1: int, r2: int, c2: int, text: str, fmt: Format) -> None:
    """Write ``text`` over a range, merging only when it spans more than one cell."""
    if (r1, c1) == (r2, c2):
        sheet.write_string(r1, c1, text, fmt)
    else:
        sheet.merge_range(r1, c1, r2, c2, text, fmt)
