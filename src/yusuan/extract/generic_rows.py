"""Stage 2 of the generic reader (``generic.py``): the rows of a table region, top to bottom.

``parse_rows`` finds the column header, drops repeated headers, notes and 序号 columns, and reads
the body band by band (``generic_bands``, ``generic_cells``), panel by panel (``panels.py``), or
in the token stream when the text has no positions.
"""

from __future__ import annotations

from yusuan.catalog import load_catalog
from yusuan.extract.document import Line
from yusuan.extract.generic_bands import _CODE_NAME, _Band, _bands, _code_head, _token_box
from yusuan.extract.generic_cells import (
    _TOTAL,
    GenericRow,
    _band_rows,
    _band_rows_of,
    _Cell,
    _cells,
    _Context,
    _is_amount,
)
from yusuan.extract.generic_regions import _NOTE, _SECTION, GenericRegion
from yusuan.extract.panels import Panels, find_panels, split_line
from yusuan.extract.tables import Token, normal, tokens


def _body_lines(region: GenericRegion) -> list[Line]:
    """The lines after the heading, without notes: a 注： line and the lines below it on its page."""
    out: list[Line] = []
    noted = 0  # the page of the last note
    for line in region.lines[region.body :]:
        text = normal(line.text)
        if not text or line.page == noted:
            continue
        if _NOTE.match(text) or _SECTION.match(text):
            noted = line.page
            continue
        out.append(line)
    return out


def _integer_mode(line_tokens: list[list[Token]]) -> bool:
    """Whether the table prints whole 元 without decimals (7,099,698): no decimal amount at all."""
    decimals = integers = 0
    for toks in line_tokens:
        for tok in toks:
            if tok.kind == "amount" and "." in tok.text:
                decimals += 1
            elif tok.kind == "integer":
                integers += 1
    return decimals == 0 and integers > 0


def _has_amount(toks: list[Token], integer_mode: bool) -> bool:
    after_text = False
    for tok in toks:
        if _is_amount(tok, after_text, integer_mode):
            return True
        after_text = after_text or tok.kind == "text"
    return False


def _header_columns(header: list[Line], ctx: _Context) -> None:
    """The 款 and 项 columns' centres when the header prints 类 | 款 | 项 as columns of their own."""
    for line in header:
        words = {w.text.strip(): w for w in line.words}
        if "款" in words and "项" in words and words["项"].x1 > words["款"].x1 > 0:
            ctx.kuan_x = (words["款"].x0 + words["款"].x1) / 2
            ctx.xiang_x = (words["项"].x0 + words["项"].x1) / 2


def parse_rows(
    region: GenericRegion,
    before: list[GenericRow] | None = None,
    *,
    header: list[Line] | None = None,
    panels: list[Panels] | None = None,
) -> list[GenericRow]:
    """The rows of a table region, top to bottom.

    ``before``: the rows of the same table on the pages before (a continuation region's 款
    and 项 printed as two digits need the 类 above them). ``header``: a list that receives
    the region's column header lines. ``panels``: the table's panels as found on its pages
    before (a page printed without the header keeps them), and a list that receives them.
    """
    lines = _body_lines(region)
    line_tokens = [_percent_free(tokens([line])) for line in lines]
    integer_mode = _integer_mode(line_tokens)
    valued = [_has_amount(t, integer_mode) or _code_head(t) for t in line_tokens]
    data = [v or _total_line(t) for v, t in zip(valued, line_tokens, strict=True)]
    # a 合计 alone on a line with more header lines below it is a column's header (centred between
    # the header's two lines), not the total row
    first = next(
        (k for k, d in enumerate(data) if valued[k] or (d and (k + 1 == len(data) or data[k + 1]))), len(lines)
    )
    head_lines = lines[:first]
    if header is not None:
        header.extend(head_lines)
    # the header printed again atop continuation pages is not part of any row (a 合计 in it neither)
    repeated = {normal(line.text) for line in head_lines}
    first_page = lines[first].page if first < len(lines) else 0
    kept = [
        (line, toks, d)
        for line, toks, d, v in zip(lines[first:], line_tokens[first:], data[first:], valued[first:], strict=True)
        if v or line.page == first_page or normal(line.text) not in repeated
    ]
    serial = _serial_column(head_lines)
    if serial is not None:  # a 序号 column: its numbers are neither codes nor amounts
        kept = [(line, _drop_serial(toks, serial), d) for line, toks, d in kept]
    ctx = _Context()
    _header_columns(head_lines, ctx)
    for row in before or []:
        _advance(ctx, row)
    rows: list[GenericRow] = []
    if region.layout == "plain":  # no positions: rows follow one another in the text's token stream
        cells = _cells(
            _Band([(line, toks) for line, toks, _ in kept], [], 0.0, 0.0), region.unit, integer_mode, "plain"
        )
        for chunk in _stream_rows(cells):
            for row in _band_rows_of(chunk, ctx):
                _advance(ctx, row)
                rows.append(row)
        return rows
    spans = [(box[0], box[2]) for _line, toks, _d in kept for t in toks for box in [t.bbox] if box is not None]
    found = find_panels(head_lines, spans, grid=region.layout == "columns")
    if found is not None and panels is not None:
        panels.append(found)
    elif found is None and panels and not head_lines:  # a page printed without its header
        found = panels[-1]
    if found is None:
        for band in _bands(kept, region.layout):
            for row in _band_rows(band, region.unit, integer_mode, region.layout, ctx):
                _advance(ctx, row)
                rows.append(row)
        return rows
    return _panel_rows(kept, found, region, integer_mode, ctx, before or [])


def _panel_rows(
    kept: list[tuple[Line, list[Token], bool]],
    panels: Panels,
    region: GenericRegion,
    integer_mode: bool,
    ctx: _Context,
    before: list[GenericRow],
) -> list[GenericRow]:
    """A panelled table's rows: each panel's rows top to bottom, the left panel first, each
    under its own hierarchy (continued from the same panel's rows on the pages ``before``),
    its amounts moved onto the first panel's columns."""
    cut: list[list[tuple[Line, list[Token], bool]]] = [[] for _ in range(len(panels.cuts) + 1)]
    crossing: set[int] = set()  # the lines (by id) a token crosses a cut of
    for line, toks, _data in kept:
        for k, (piece, part, crossed) in enumerate(split_line(line, toks, panels)):
            if not part:
                continue
            if crossed:
                crossing.add(id(piece))
            data = _has_amount(part, integer_mode) or _code_head(part) or _total_line(part)
            cut[k].append((piece, part, data))
    rows: list[GenericRow] = []
    for k, part_lines in enumerate(cut):
        shift = panels.offsets[k]
        panel_ctx = _Context(
            kuan_x=None if ctx.kuan_x is None else ctx.kuan_x + shift,
            xiang_x=None if ctx.xiang_x is None else ctx.xiang_x + shift,
        )
        for row in before:
            if row.panel == k:
                _advance(panel_ctx, row)
        for band in _bands(part_lines, region.layout):
            certain = panels.certain and not any(id(line) in crossing for line, _toks in band.items)
            for row in _band_rows(band, region.unit, integer_mode, region.layout, panel_ctx):
                _advance(panel_ctx, row)
                for value in row.values:
                    value.x0 -= panels.offsets[k]
                    value.x1 -= panels.offsets[k]
                row.uncertain, row.panel = row.uncertain or not certain, k
                rows.append(row)
    return rows


def _stream_rows(cells: list[_Cell]) -> list[list[_Cell]]:
    """Cells of text without positions cut into rows: a row ends where a name or a code follows
    its amounts, or where a code starts after a name."""
    chunks: list[list[_Cell]] = []
    current: list[_Cell] = []
    has_values = has_name = False
    for k, cell in enumerate(cells):
        if _code_taken_for_amount(cells, k):
            cell.kind = "digits"
    starts = [_code_start(cells, k) for k in range(len(cells))]
    for k, cell in enumerate(cells):
        nxt = cells[k + 1] if k + 1 < len(cells) else None
        # a number after an amount, before another amount or the next row, is a bare amount of
        # the row ('30.00 6 10.00'); one a name follows is the next row's (a 款 code '05')
        bare = (
            cell.kind == "digits"
            and not starts[k]
            and (nxt is None or nxt.kind == "amount" or (k + 1 < len(cells) and starts[k + 1]))
        )
        if current and ((has_values and cell.kind != "amount" and not bare) or (starts[k] and has_name)):
            chunks.append(current)
            current, has_values, has_name = [], False, False
        current.append(cell)
        has_values = has_values or cell.kind == "amount"
        has_name = has_name or cell.kind == "text"
    if current:
        chunks.append(current)
    return chunks


def _code_taken_for_amount(cells: list[_Cell], k: int) -> bool:
    """In a table of whole amounts without positions, the next row's code after the last amount
    ('… 7,099,698 0 208 05 行政事业单位养老支出'): a known code printed bare, before a name or a
    two-digit 款, is that row's code, not one more amount."""
    cell = cells[k]
    nxt = cells[k + 1] if k + 1 < len(cells) else None
    if cell.kind != "amount" or cell.tokens[0].kind != "digits" or len(cell.text) not in (3, 5, 7) or nxt is None:
        return False
    if not (nxt.kind == "text" or (nxt.kind == "digits" and len(nxt.text) == 2)):
        return False
    catalog = load_catalog()
    return any(catalog.knows(name, cell.text) for name in ("function", "dept_econ", "gov_econ"))


def _code_start(cells: list[_Cell], k: int) -> bool:
    cell = cells[k]
    nxt = cells[k + 1] if k + 1 < len(cells) else None
    if cell.kind == "text":
        return _CODE_NAME.match(cell.text) is not None
    return cell.kind == "digits" and len(cell.text) in (3, 5, 6, 7) and nxt is not None and nxt.kind != "amount"


def _serial_column(header: list[Line]) -> tuple[float, float] | None:
    """The x range of a 序号 column when the header has one (序号, or 序 over 号)."""
    for k, line in enumerate(header):
        for word in line.words:
            text = normal(word.text)
            if text not in ("序号", "序"):
                continue
            if text == "序" and not any(
                normal(w.text) == "号" and w.x0 < word.x1 and w.x1 > word.x0
                for below in header[k + 1 :]
                for w in below.words
            ):
                continue
            if word.x1 <= word.x0:
                return (float("-inf"), float("inf"))
            slack = word.x1 - word.x0
            return (word.x0 - slack, word.x1 + slack)
    return None


def _drop_serial(toks: list[Token], serial: tuple[float, float]) -> list[Token]:
    if len(toks) < 2 or toks[0].kind != "digits" or len(toks[0].text) > 4:
        return toks
    x0, _top, x1, _bottom = _token_box(toks[0])
    if toks[0].bbox is not None and not serial[0] <= (x0 + x1) / 2 <= serial[1]:
        return toks
    return toks[1:]


def _percent_free(toks: list[Token]) -> list[Token]:
    """A line's tokens without percentages ('1.30%' comes as '1.30' and '%'): rates are not amounts."""
    out: list[Token] = []
    for k, tok in enumerate(toks):
        if tok.kind == "amount" and k + 1 < len(toks) and toks[k + 1].text[:1] in "%％":
            continue
        if tok.text in ("%", "％"):
            continue
        out.append(tok)
    return out


def _total_line(toks: list[Token]) -> bool:
    text = "".join(normal(t.text) for t in toks if t.kind == "text")
    return bool(_TOTAL.match(text.rstrip("：:")))


def _advance(ctx: _Context, row: GenericRow) -> None:
    if row.family == "function":
        if row.kind == "class":
            ctx.klass, ctx.kuan = row.code, ""
        elif row.kind == "kuan":
            ctx.klass, ctx.kuan = row.code[:3], row.code
        elif len(row.code) == 7:
            ctx.klass, ctx.kuan = row.code[:3], row.code[:5]
    ctx.last = row.kind
