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
import unicodedata
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from yusuan.money import format_amount
from yusuan.narrative.model import Narrative
from yusuan.render.atomic import atomic_write_bytes
from yusuan.render.fonts import Fonts, find_fonts, fonts_for
from yusuan.render.headers import header_grid, name_columns
from yusuan.render.typst_cache import evict_typst_cache
from yusuan.tables.model import Column, Row, Table, TableSet

TEMPLATE = "disclosure.typ.j2"


# Page geometry (A4, points). Table pages have narrower margins than text pages.
PT_PER_MM = 72 / 25.4
A4_SHORT = 210 * PT_PER_MM
A4_LONG = 297 * PT_PER_MM
TABLE_MARGIN_X_MM = 12
TABLE_MARGIN_Y_MM = 14

# Table font sizes (pt): as large as the table allows, within these bounds.
TABLE_FONT_MAX = {"landscape": 9.0, "portrait": 10.0}
TABLE_FONT_MIN = 6.0
CELL_INSET_EM = 0.25  # horizontal padding on each side of a cell, in em
DIGIT_EM = 0.6  # digits in bold Noto Sans CJK are 0.59 em wide (regular: 0.555 em)
NARROW_EM = 0.8  # other half-width characters, generously
FIT_SLACK_EM = 0.3  # breathing room kept beside an amount or a code

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
    if table.kind not in _SENTENCE_TABLES:
        weights = _without_orphans(rows, size, weights, orientation)
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
        "header": [
            {"text": h.text, "x": h.first_col, "y": h.first_row, "rowspan": h.rowspan, "colspan": h.colspan}
            for h in header_grid(columns)
        ],
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
        cells.append({"text": text, "indent": indent, "nowrap": col.type in ("amount", "code")})
    return {"kind": row.kind or "item", "cells": cells}


def _em(text: str) -> float:
    """An upper bound of the width of ``text`` on one line in bold Noto Sans CJK, in em."""
    return sum(_char_em(ch) for ch in text)


def _char_em(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    if ch.isdigit():
        return DIGIT_EM
    if ch in ".,:;'-":
        return 0.35
    return NARROW_EM


def _fit(columns: list[Column], rows: list[dict[str, Any]], orientation: str) -> tuple[float, list[int]]:
    """Font size (pt) and relative column widths for a table spanning the page width.

    The size is the one at which the columns' nominal widths (``Column.width``,
    in half-width characters, plus padding) fill the page, capped at
    ``TABLE_FONT_MAX``, and lowered further if an amount or code — which
    never wraps — would not fit its column. Below ``TABLE_FONT_MIN`` the size
    stays at the minimum and such columns are widened instead, at the expense
    of the text columns (which wrap).
    """
    page_width = A4_LONG if orientation == "landscape" else A4_SHORT
    avail = page_width - 2 * TABLE_MARGIN_X_MM * PT_PER_MM
    weights = [max(int(c.width), 1) for c in columns]
    pad = 2 * CELL_INSET_EM + FIT_SLACK_EM
    # the longest unbreakable content of each column, in em (text columns: one CJK character)
    need = []
    for i in range(len(columns)):
        longest = max((_em(r["cells"][i]["text"]) for r in rows if r["cells"][i]["nowrap"]), default=0.0)
        need.append(max(longest, 1.0) + pad)
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


#: tables of projects and sentences (绩效目标): their widths stay as fitted, since the audit reads a project's wrapped
#: name back by those widths and matches 预算12表 with 预算15表 (re-measuring them broke the closed loop)
_SENTENCE_TABLES = ("projects", "project_performance", "dept_performance")


def wrapped_lines(text: str, width_em: float) -> list[str]:
    """``text`` broken greedily into lines of at most ``width_em`` (as a table cell wraps CJK text)."""
    lines, line, used = [], "", 0.0
    for ch in text:
        w = _char_em(ch)
        if line and used + w > width_em:
            lines.append(line)
            line, used = "", 0.0
        line, used = line + ch, used + w
    return [*lines, line] if line else lines


def cell_width_em(weights: list[int], i: int, size: float, orientation: str, indent: float = 0) -> float:
    """The room for text in column ``i`` (em of ``size`` pt), inside its padding and indent, rounded
    down to a quarter em (so that a text is measured once per room)."""
    avail = (A4_LONG if orientation == "landscape" else A4_SHORT) - 2 * TABLE_MARGIN_X_MM * PT_PER_MM
    return math.floor((avail * weights[i] / sum(weights) / size - 2 * CELL_INSET_EM - indent) * 4) / 4


@cache
def _orphaned(text: str, width_em: float) -> bool:
    """A last line holding a single character (公用经 / 费)."""
    lines = wrapped_lines(text, width_em)
    return len(lines) > 1 and len(lines[-1]) == 1


def _orphans(cells: list[list[tuple[str, float]]], weights: list[int], size: float, orientation: str) -> int:
    return sum(
        _orphaned(text, cell_width_em(weights, i, size, orientation, indent))
        for i, column in enumerate(cells)
        for text, indent in column
    )


def _without_orphans(rows: list[dict[str, Any]], size: float, weights: list[int], orientation: str) -> list[int]:
    """Column widths that leave the fewest cells with one character alone on their last line.

    Column by column, its width is tried from three quarters to one and a half of the fitted one
    (the others shrink or grow with it); the width with the fewest such cells in the whole table
    is kept, the nearest to the fitted one among equals. Cells are measured as ``wrapped_lines``
    breaks them.
    """
    cells = [
        [(c["text"], c["indent"]) for r in rows for c in [r["cells"][i]] if not c["nowrap"] and len(c["text"]) > 1]
        for i in range(len(weights))
    ]
    weights = list(weights)
    best = _orphans(cells, weights, size, orientation)
    for i, column in enumerate(cells):
        if not best:
            break
        if not column:
            continue
        original = weights[i]
        options = range(max(1, original * 3 // 4), original * 3 // 2 + 1)
        scored = []
        for width in options:
            weights[i] = width
            scored.append((_orphans(cells, weights, size, orientation), abs(width - original), width))
        count, _distance, width = min(scored)
        weights[i] = width if count < best else original
        best = min(best, count)
    return weights


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
