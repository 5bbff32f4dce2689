"""PDF output: the whole disclosure (narrative and tables) typeset by Typst.

The Jinja2 template ``templates/disclosure.typ.j2`` turns a small view model
into Typst source, which the ``typst`` binding compiles in memory. Every text
value reaches the source only through the ``typst_str`` filter, which writes a
Typst string literal; the template's ``finalize`` hook refuses any other
string, so no budget text can be read as Typst markup or code.

Header cells come from :func:`yusuan.render.headers.header_grid`, the same
source as the XLSX merges and the HTML ``rowspan`` / ``colspan``.

Fonts: the Noto CJK fonts of the system, or a smaller cut of them (see
:mod:`yusuan.render.fonts`). After each document the compiler's memo cache is
emptied (:mod:`yusuan.render.typst_cache`), so a long-lived process stays small.
"""

from __future__ import annotations

import math
import re
import threading
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from yusuan.money import format_amount
from yusuan.narrative.model import Narrative
from yusuan.render.atomic import atomic_write_bytes
from yusuan.render.cell_fit import (
    CELL_INSET_EM,
    FIT_SLACK_EM,
    TABLE_MARGIN_X_MM,
    FitCell,
    em_width,
    page_room,
    printed_texts,
    without_orphans,
)
from yusuan.render.fonts import Fonts, find_fonts, fonts_for
from yusuan.render.headers import header_grid, name_columns
from yusuan.render.typst_cache import evict_typst_cache
from yusuan.tables.model import Column, Row, Table, TableSet

TEMPLATE = "disclosure.typ.j2"


# Page geometry (A4, points) and the width model of a table's cells: yusuan.render.cell_fit.
# Table pages have narrower margins than text pages.
TABLE_MARGIN_Y_MM = 14

#: rows printed in bold (their amounts and names are wider)
BOLD_ROWS = frozenset({"total", "unit", "group"})

# Table font sizes (pt): as large as the table allows, within these bounds.
TABLE_FONT_MAX = {"landscape": 9.0, "portrait": 10.0}
TABLE_FONT_MIN = 6.0

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


class TypstCode(str):
    """Text that is already Typst source (a literal made by :func:`typst_str`)."""

    __slots__ = ()


def typst_str(value: object) -> TypstCode:
    """``value`` as a Typst string literal: ``"..."`` with ``\\``, ``"`` and controls escaped.

    ``None`` becomes the empty string. A string literal is inert: Typst shows
    it as plain text whatever characters (``#``, ``*``, ``$``, ``[``, ``@`` …)
    it holds.
    """
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").replace("\t", "\\t")
    text = _CONTROL.sub(lambda m: f"\\u{{{ord(m.group()):x}}}", text)
    return TypstCode(f'"{text}"')


def _finalize(value: object) -> str:
    """Jinja's output hook: only Typst code and numbers may reach the source."""
    if isinstance(value, TypstCode):
        return value
    if isinstance(value, bool):
        raise TypeError(f"Typst 模板不能直接输出布尔值：{value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    raise TypeError(f"Typst 模板中的文本必须经过 typst_str 过滤器转义：{value!r}")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("yusuan.render", "templates"),
        autoescape=False,  # Typst, not HTML: escaping is typst_str's job (enforced by _finalize)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["typst_str"] = typst_str
    return env


# --------------------------------------------------------------------------- compiling


_COMPILE_LOCK = threading.Lock()


@cache
def _compiler(font_paths: tuple[str, ...]) -> Any:
    import typst

    # System fonts are ignored so the output does not depend on what else is installed.
    return typst.Compiler(font_paths=list(font_paths), ignore_system_fonts=True)


# --------------------------------------------------------------------------- public API


def typst_source(narrative: Narrative | None, tableset: TableSet) -> str:
    """The Typst source of the whole disclosure (for debugging and tests)."""
    return _render_source(narrative, tableset, find_fonts())


def render_pdf(narrative: Narrative | None, tableset: TableSet, *, tagged: bool = False) -> bytes:
    """The disclosure as PDF bytes: cover, contents, narrative, then every table.

    The same input gives byte-identical output (no creation date is written).
    ``tagged`` adds the PDF structure tree (headings, table cells) for screen
    readers; it makes the file about four times larger.
    """
    return compile_typst(_render_source(narrative, tableset, find_fonts()), tagged=tagged)


def compile_typst(source: str, *, tagged: bool = False) -> bytes:
    """Typst ``source`` compiled to PDF with the Noto CJK fonts only (a ``RuntimeError`` when a font is missing)."""
    compiler = _compiler(fonts_for(source).paths)
    with _COMPILE_LOCK:
        try:
            pdf, diagnostics = compiler.compile_with_warnings(
                input=source.encode("utf-8"), format="pdf", timestamp=None, pdf_tags=tagged
            )
        finally:
            evict_typst_cache()  # else every document typeset stays in this process's memory
    for diagnostic in diagnostics:
        message = str(getattr(diagnostic, "message", diagnostic))
        if "font" in message:  # e.g. «unknown font family»: never print Chinese in a font without it
            raise RuntimeError(f"生成 PDF 时字体不可用：{message}。请安装 Debian 软件包 fonts-noto-cjk。")
        warnings.warn(f"Typst：{message}", RuntimeWarning, stacklevel=2)
    if not isinstance(pdf, bytes):  # pragma: no cover - the binding returns bytes for PDF
        raise RuntimeError("Typst 没有返回 PDF 数据")
    return pdf


def write_pdf(narrative: Narrative | None, tableset: TableSet, path: Path | str, *, tagged: bool = False) -> Path:
    """Render the disclosure and write it to ``path`` atomically."""
    path = Path(path)
    atomic_write_bytes(path, render_pdf(narrative, tableset, tagged=tagged))
    return path


# --------------------------------------------------------------------------- view model


def _render_source(narrative: Narrative | None, tableset: TableSet, fonts: Fonts) -> str:
    template = _environment().get_template(TEMPLATE)
    return template.render(doc=document_model(narrative, tableset, fonts))


def document_model(narrative: Narrative | None, tableset: TableSet, fonts: Fonts) -> dict[str, Any]:
    """The view model of the whole disclosure, shared by the PDF and the DOCX (same document, two formats)."""
    department = tableset.department or ""
    year = str(tableset.year)
    title = (narrative.title if narrative else "") or f"{department}{year}年部门预算公开"
    attachment = (narrative.attachment_title if narrative else "") or f"附件：{department}{year}年度部门预算表"
    return {
        "title": title,
        "fonts": {"serif": fonts.serif, "sans": fonts.sans},
        "narrative": _blocks(narrative) if narrative else [],
        "attachment_title": attachment,
        "tables": [_table(t) for t in tableset.tables],
        "table_margin": {"x": TABLE_MARGIN_X_MM, "y": TABLE_MARGIN_Y_MM},
        "cell_inset": CELL_INSET_EM,
    }


def _blocks(narrative: Narrative) -> list[dict[str, str]]:
    """Narrative blocks for the template; a part and the title line after it become one heading."""
    items: list[dict[str, str]] = []
    blocks = narrative.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "part":
            title = ""
            if i + 1 < len(blocks) and blocks[i + 1].kind == "title":
                title = blocks[i + 1].text
                i += 1
            items.append({"kind": "part", "label": block.text, "text": title})
        elif block.kind in ("title", "heading", "subheading"):
            items.append({"kind": block.kind, "text": block.text})
        else:
            items.append({"kind": "paragraph", "text": block.text})
        i += 1
    return items


def _table(table: Table) -> dict[str, Any]:
    columns = table.columns or [Column("blank", ("",), type="text")]
    orientation = "portrait" if table.orientation == "portrait" else "landscape"
    unit = table.unit or "万元"
    names = name_columns(columns)
    rows = [_row(row, columns, names, unit) for row in table.rows]
    size, weights = _fit(columns, rows, orientation)
    header = [
        {
            "text": h.text,
            "printed": h.text,
            "x": h.first_col,
            "y": h.first_row,
            "rowspan": h.rowspan,
            "colspan": h.colspan,
        }
        for h in header_grid(columns)
    ]
    cells, printed = _wrapping_cells(rows, header)
    weights = without_orphans(cells, _nowrap_widths(rows, len(columns)), size, weights, orientation)
    for view, text in zip(printed, printed_texts(cells, weights, size, orientation), strict=True):
        view["printed"] = text
    return {
        "number": table.number or "",
        "title": table.title or "",
        "subtitle": (table.subtitle or "").strip(),
        "unit": f"单位：{table.unit}" if table.unit else "",
        "note": (table.note or "").strip(),
        "flipped": orientation == "landscape",
        "size": size,
        "widths": weights,
        "aligns": [_align(c) for c in columns],
        "header": header,
        "rows": rows,
        # 预算14表 is one form per unit: each unit's rows start a page of their own
        "segments": _forms(rows) if table.kind == "dept_performance" else [rows],
    }


def _forms(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The rows split before each unit row (one form per unit)."""
    forms: list[list[dict[str, Any]]] = []
    for row in rows:
        if row["kind"] == "unit" or not forms:
            forms.append([])
        forms[-1].append(row)
    return forms or [[]]


def _align(column: Column) -> TypstCode:
    # Body cells are top-aligned: a wrapped name then starts on the line of its row's codes and
    # amounts and continues below it, so text extracted from the PDF reads row by row (the audit
    # reads yusuan's own PDFs back).
    if column.type == "amount":
        return TypstCode("right + top")
    if column.type == "code":
        return TypstCode("center + top")
    return TypstCode("left + top")


def _row(row: Row, columns: list[Column], names: set[str], unit: str) -> dict[str, Any]:
    cells = []
    for col in columns:
        value = row.value(col.key)
        if col.type == "amount" and isinstance(value, int) and not isinstance(value, bool):
            text = format_amount(value, unit, blank_zero=True)
        else:
            text = "" if value is None else str(value)
        indent = max(row.level, 0) if col.key in names and text else 0
        cells.append({"text": text, "printed": text, "indent": indent, "nowrap": col.type in ("amount", "code")})
    kind = row.kind or "item"
    return {"kind": kind, "bold": kind in BOLD_ROWS, "cells": cells}


def _wrapping_cells(
    rows: list[dict[str, Any]], header: list[dict[str, Any]]
) -> tuple[list[FitCell], list[dict[str, Any]]]:
    """The table's cells whose text may wrap (the header's, and the body's text cells of two characters
    or more), each with the view of it whose ``printed`` text the PDF shows."""
    cells = [FitCell(h["x"], h["colspan"], h["text"]) for h in header if len(h["text"]) > 1]
    views = [h for h in header if len(h["text"]) > 1]
    for row in rows:
        for i, cell in enumerate(row["cells"]):
            if not cell["nowrap"] and len(cell["text"]) > 1:
                cells.append(FitCell(i, 1, cell["text"], cell["indent"], row["bold"]))
                views.append(cell)
    return cells, views


def _nowrap_widths(rows: list[dict[str, Any]], count: int) -> list[float]:
    """Each column's widest amount or code (em), which must stay on one line; 0 for a text column."""
    return [
        max((em_width(r["cells"][i]["text"]) for r in rows if r["cells"][i]["nowrap"]), default=0.0)
        for i in range(count)
    ]


def _fit(columns: list[Column], rows: list[dict[str, Any]], orientation: str) -> tuple[float, list[int]]:
    """Font size (pt) and relative column widths for a table spanning the page width.

    The size is the one at which the columns' nominal widths (``Column.width``,
    in half-width characters, plus padding) fill the page, capped at
    ``TABLE_FONT_MAX``, and lowered further if an amount or code — which
    never wraps — would not fit its column. Below ``TABLE_FONT_MIN`` the size
    stays at the minimum and such columns are widened instead, at the expense
    of the text columns (which wrap).
    """
    avail = page_room(orientation)
    weights = [max(int(c.width), 1) for c in columns]
    pad = 2 * CELL_INSET_EM + FIT_SLACK_EM
    # the longest unbreakable content of each column, in em (text columns: one CJK character)
    need = [max(longest, 1.0) + pad for longest in _nowrap_widths(rows, len(columns))]
    total = sum(weights)
    # a half-width character is 0.5 em; each cell is padded by CELL_INSET_EM on both sides
    size = 2 * avail / (total + 4 * CELL_INSET_EM * len(columns))
    size = min(size, TABLE_FONT_MAX[orientation])
    size = min([size] + [avail * w / total / n for w, n in zip(weights, need, strict=True)])
    if size < TABLE_FONT_MIN:
        size = TABLE_FONT_MIN
        for _ in range(8):  # widen what does not fit, renormalise, repeat
            total = sum(weights)
            short = [i for i, (w, n) in enumerate(zip(weights, need, strict=True)) if avail * w / total < n * size]
            if not short:
                break
            for i in short:
                weights[i] = max(weights[i], int(need[i] * size * total / avail) + 1)
    return math.floor(size * 4) / 4, weights  # quarter points, rounded down


__all__ = [
    "Fonts",
    "TypstCode",
    "compile_typst",
    "document_model",
    "find_fonts",
    "render_pdf",
    "typst_source",
    "typst_str",
    "write_pdf",
]
