"""Table cells of a PDF as printed, read back from its text layer and its ruling (test helper).

Each character of a page is placed in the cell whose drawn borders enclose it: the nearest
vertical rule left and right of it that reach its height, and the nearest horizontal rule above
and below it that reach across it (a merged header cell has no rule inside it, so its characters
share one cell). Within a cell the characters group into lines by baseline. :func:`lone_characters`
lists the cells whose last line holds a single character, perhaps with punctuation (公用经 / 费,
政府性基 / 金, 资金到位 / 率。) — what Typst really printed, whatever ``yusuan.render.pdf`` measured.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

RULE_THICKNESS = 1.5  # a path object thinner than this (pt) one way and longer the other is a rule
BASELINE_TOLERANCE = 2.0  # characters whose bottoms are this close (pt) are on one line
TABLE_NUMBER = re.compile(r"\w{1,4}\d{1,2}表")  # 预算02表, 公开09表: the top line of a table's first page


@dataclass(frozen=True, slots=True)
class PrintedCell:
    page: int  # 1-based
    table: str  # the table's number (预算02表, 公开09表) printed at the head of its first page
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return f"第{self.page}页 {self.table}：" + " / ".join(self.lines)


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "P"


def printed_cells(pdf_bytes: bytes) -> list[PrintedCell]:
    """Every table cell of the PDF with text, as the lines it was printed on."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    cells: list[PrintedCell] = []
    table = ""
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                found, table = _page_cells(page, index + 1, table)
                cells.extend(found)
            finally:
                page.close()
    finally:
        pdf.close()
    return cells


def lone_characters(pdf_bytes: bytes) -> list[PrintedCell]:
    """The cells printed on several lines whose last line holds one character (punctuation aside)."""
    return [
        cell
        for cell in printed_cells(pdf_bytes)
        if len(cell.lines) > 1 and len([ch for ch in cell.lines[-1] if not _is_punctuation(ch)]) == 1
    ]


def _page_cells(page: pdfium.PdfPage, number: int, table: str) -> tuple[list[PrintedCell], str]:
    """The page's cells, and the number of the table they belong to (``table``: the previous page's)."""
    verticals, horizontals = _rules(page)
    if not verticals or not horizontals:
        return [], table
    textpage = page.get_textpage()
    try:
        chars = []
        for i in range(textpage.count_chars()):
            text = textpage.get_text_range(i, 1)
            if not text.strip():
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            chars.append((text, (left + right) / 2, (bottom + top) / 2, bottom))
    finally:
        textpage.close()
    head = _lines([(text, x, bottom) for text, x, _y, bottom in chars])
    if head and TABLE_NUMBER.fullmatch(head[0]):  # a table's first page, not its continuation
        table = head[0]
    grouped: dict[tuple[float, ...], list[tuple[str, float, float]]] = defaultdict(list)
    for text, x, y, bottom in chars:
        box = _enclosing_cell(x, y, verticals, horizontals)
        if box is not None:
            grouped[box].append((text, x, bottom))
    cells = [PrintedCell(number, table, _lines(grouped[box])) for box in sorted(grouped, key=lambda b: (-b[3], b[0]))]
    return cells, table


def _rules(page: pdfium.PdfPage) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]]]:
    """The page's vertical rules (x, y0, y1) and horizontal rules (y, x0, x1), as stroked paths."""
    verticals, horizontals = [], []
    for obj in page.get_objects(max_depth=8):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        left, bottom, right, top = obj.get_bounds()
        if right - left < RULE_THICKNESS < top - bottom:
            verticals.append(((left + right) / 2, bottom, top))
        elif top - bottom < RULE_THICKNESS < right - left:
            horizontals.append(((bottom + top) / 2, left, right))
    return verticals, horizontals


def _enclosing_cell(
    x: float, y: float, verticals: list[tuple[float, ...]], horizontals: list[tuple[float, ...]]
) -> tuple[float, ...] | None:
    """(left, right, bottom, top) of the ruled cell around the point, None outside every table."""
    lefts = [vx for vx, y0, y1 in verticals if y0 <= y <= y1 and vx < x]
    rights = [vx for vx, y0, y1 in verticals if y0 <= y <= y1 and vx > x]
    belows = [hy for hy, x0, x1 in horizontals if x0 <= x <= x1 and hy < y]
    aboves = [hy for hy, x0, x1 in horizontals if x0 <= x <= x1 and hy > y]
    if not (lefts and rights and belows and aboves):
        return None
    return (round(max(lefts), 1), round(min(rights), 1), round(max(belows), 1), round(min(aboves), 1))


def _lines(chars: list[tuple[str, float, float]]) -> tuple[str, ...]:
    """The cell's characters as lines, top to bottom, each read left to right."""
    rows: list[list[tuple[str, float, float]]] = []
    for char in sorted(chars, key=lambda c: -c[2]):
        if rows and abs(rows[-1][0][2] - char[2]) <= BASELINE_TOLERANCE:
            rows[-1].append(char)
        else:
            rows.append([char])
    return tuple("".join(c[0] for c in sorted(row, key=lambda c: c[1])) for row in rows)
