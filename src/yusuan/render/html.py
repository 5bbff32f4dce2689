"""HTML output: one self-contained page with every table, for screen and print.

The page is built from a small view model (plain dicts of strings) by the
Jinja2 template ``templates/tables.html.j2`` with autoescaping on, so no value
reaches the page unescaped and ``None`` never shows as text. Header cells come
from :func:`yusuan.render.headers.header_grid`, the same source as the XLSX
merges.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from yusuan.money import format_amount
from yusuan.narrative.model import Narrative
from yusuan.render.atomic import atomic_write_bytes
from yusuan.render.headers import header_grid, name_columns
from yusuan.tables.model import Column, Row, Table, TableSet

TEMPLATE = "tables.html.j2"

_ID_BAD = re.compile(r"\s+")
_KIND_BAD = re.compile(r"[^A-Za-z0-9_-]+")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("yusuan.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(tableset: TableSet, narrative: Narrative | None = None) -> str:
    """The disclosure as one UTF-8 HTML page: the narrative (when given), then every table."""
    template = _environment().get_template(TEMPLATE)
    return template.render(page=_page(tableset, narrative))


def write_html(tableset: TableSet, path: Path | str, narrative: Narrative | None = None) -> Path:
    """Render the page and write it to ``path`` (UTF-8) atomically."""
    path = Path(path)
    atomic_write_bytes(path, render_html(tableset, narrative).encode("utf-8"))
    return path


def _page(tableset: TableSet, narrative: Narrative | None) -> dict[str, Any]:
    used: set[str] = set()
    sections = [_table(table, _anchor(table.number or table.title or "table", used)) for table in tableset.tables]
    department = tableset.department or ""
    parts: list[dict[str, Any]] = []
    if narrative is not None:
        for block in narrative.blocks:
            if block.kind == "part":
                parts.append({"id": _anchor(block.text, used), "label": block.text, "title": "", "blocks": []})
            elif block.kind == "title" and parts and not parts[-1]["title"]:
                parts[-1]["title"] = block.text
            elif parts:
                parts[-1]["blocks"].append({"kind": block.kind, "text": block.text})
    return {
        "title": narrative.title if narrative else f"{department} {tableset.year}年部门预算表".strip(),
        "department": department,
        "year": str(tableset.year),
        "parts": parts,
        "attachment": narrative.attachment_title if narrative else "",
        "tables": sections,
    }


def _anchor(number: str, used: set[str]) -> str:
    """A unique element id: the table number itself (``预算05表``), without spaces."""
    base = _ID_BAD.sub("_", number.strip()) or "table"
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def table_view(table: Table, anchor: str) -> dict[str, Any]:
    """The view model of one table (strings only), as the ``budget_table`` macro shows it."""
    return _table(table, anchor)


def _table(table: Table, anchor: str) -> dict[str, Any]:
    columns = table.columns or [Column("blank", ("",), type="text")]
    depth = table.header_depth if table.columns else 1
    header_rows: list[list[dict[str, Any]]] = [[] for _ in range(depth)]
    for h in header_grid(columns):
        header_rows[h.first_row].append({"text": h.text, "rowspan": h.rowspan, "colspan": h.colspan})
    names = name_columns(columns)
    unit = table.unit or "万元"
    return {
        "id": anchor,
        "number": table.number or "",
        "title": table.title or "",
        "subtitle": table.subtitle or "",
        "unit": f"单位：{table.unit}" if table.unit else "",
        "note": table.note or "",
        "orientation": "portrait" if table.orientation == "portrait" else "landscape",
        "header_rows": header_rows,
        "widths": [max(int(c.width), 1) for c in columns],
        "rows": [_row(row, columns, names, unit) for row in table.rows],
        "ncols": len(columns),
        "empty": table.is_empty,
    }


def _row(row: Row, columns: list[Column], names: set[str], unit: str) -> dict[str, Any]:
    cells = []
    for col in columns:
        value = row.value(col.key)
        if col.type == "amount" and isinstance(value, int) and not isinstance(value, bool):
            cells.append({"text": format_amount(value, unit, blank_zero=True), "cls": "amount", "indent": 0})
            continue
        cls = "amount" if col.type == "amount" else ("code" if col.type == "code" else "text")
        indent = max(row.level, 0) if col.key in names else 0
        cells.append({"text": "" if value is None else str(value), "cls": cls, "indent": indent})
    kind = _KIND_BAD.sub("-", row.kind or "item")
    return {"kind": kind, "level": max(row.level, 0), "cells": cells}
