"""Stage 2a of the generic reader (``generic.py``): a table's lines grouped into printed rows.

On a PDF, lines whose boxes overlap vertically are one band, and a text line near a row
continues its name (closer than ATTACH × its height, alone under a coded row's name, or
centred on it); the bands are what ``generic_cells`` cuts into cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yusuan.extract.centred import Piece, centred, owners
from yusuan.extract.document import Line
from yusuan.extract.generic_regions import _CN_DIGITS
from yusuan.extract.tables import Token, normal

OVERLAP = 0.15  # lines whose boxes overlap by this share of the lower one's height are one printed row
ATTACH = 0.6  # a text line closer to a row than this × its height continues the row's name
CENTRED = 0.2  # lines above and below a row as far from it within this × their height: centred on it
LINE_STEP = 1.8  # …one line below the other: their tops closer than this × their height
WRAP_REACH = 1.5  # …and one standing under a coded row's name alone, closer than this × its height


_CODE_NAME = re.compile(r"^[\[【［]?(\d{3}|\d{5,7})[\]】］]?[-－—:：]?(?=[^\d年月日%％.,，号个万元])")


_LABEL_PREFIX = re.compile(rf"^(?:[{_CN_DIGITS}]+[、.．]|（[{_CN_DIGITS}]+）|\d{{1,2}}[、.．]|其中[:：])")


def _token_box(token: Token) -> tuple[float, float, float, float]:
    if token.bbox is not None:
        return token.bbox
    return (0.0, token.line.top, 0.0, token.line.top + 1.0)


def _line_extent(line: Line) -> tuple[float, float]:
    box = line.bbox
    if box is None:
        return line.top, line.top + 1.0
    return box[1], box[3]


def _code_head(toks: list[Token]) -> bool:
    """Whether a line starts with a classification code (a row without values still is a row)."""
    if not toks:
        return False
    first = toks[0]
    if first.kind == "digits":
        return len(first.text) in (3, 5, 6, 7) and len(toks) > 1 and toks[1].kind in ("text", "digits")
    return bool(_CODE_NAME.match(normal(first.text)))


@dataclass(slots=True)
class _Band:
    """Lines that make one printed row (or a few rows side by side): their tokens, and those of
    its lines that carry data (amounts, a code, a total label)."""

    items: list[tuple[Line, list[Token]]]
    data: list[list[Token]]  # the tokens of the data lines
    top: float
    bottom: float

    @property
    def page(self) -> int:
        return self.items[0][0].page

    def add(self, other: _Band, before: bool = False) -> None:
        self.items = [*other.items, *self.items] if before else [*self.items, *other.items]
        self.data.extend(other.data)
        self.top, self.bottom = min(self.top, other.top), max(self.bottom, other.bottom)


def _overlap(a: _Band, b: _Band) -> float:
    return min(a.bottom, b.bottom) - max(a.top, b.top)


def _x_range(band: _Band) -> tuple[float, float]:
    boxes = [_token_box(t) for _line, toks in band.items for t in toks]
    return min(b[0] for b in boxes), max(b[2] for b in boxes)


def _bands(kept: list[tuple[Line, list[Token], bool]], layout: str) -> list[_Band]:
    """Lines grouped into printed rows: on a PDF, lines whose boxes overlap vertically are one row,
    and a text line near a row (closer than ATTACH × its height) continues it."""
    bands: list[_Band] = []
    for line, toks, data in kept:
        top, bottom = _line_extent(line)
        band = _Band([(line, toks)], [toks] if data else [], top, bottom)
        last = bands[-1] if bands else None
        if (
            layout == "pdf"
            and last is not None
            and last.page == line.page
            and _overlap(band, last) > OVERLAP * min(bottom - top, last.bottom - last.top)
            and (last.data or not data or _free_above(band, last))
        ):
            last.add(band)
            continue
        bands.append(band)
    if layout == "plain":
        return bands
    pieces = [_piece(band) for band in bands]
    if centred(pieces):  # names centred on their rows: each row has as many name lines above as below
        owner = owners(pieces)
        if all(_in_name_column(bands[o], bands[k]) for k, o in enumerate(owner) if o not in (-1, k)):
            return _owned(bands, owner)
    # text lines of one wrapped cell, one below the other, first make one block (a line that
    # opens with its own ordinal, 十五、…, is a row of its own)
    blocks: list[_Band] = []
    for band in bands:
        last = blocks[-1] if blocks else None
        if (
            last is not None
            and not band.data
            and not last.data
            and not _LABEL_PREFIX.match(normal(band.items[0][0].text))
            and last.page == band.page
            and band.top - last.bottom < ATTACH * (band.bottom - band.top)
            and _x_range(band)[0] < _x_range(last)[1]
            and _x_range(band)[1] > _x_range(last)[0]
        ):
            last.add(band)
            continue
        blocks.append(band)
    out: list[_Band] = []
    for k, band in enumerate(blocks):
        if band.data:
            out.append(band)
            continue
        height = max(min(b - t for t, b in (_line_extent(line) for line, _ in band.items)), 1.0)
        up = out[-1] if out and out[-1].data and out[-1].page == band.page else None
        down = blocks[k + 1] if k + 1 < len(blocks) and blocks[k + 1].data else None
        down = down if down is not None and down.page == band.page else None
        gap_up = band.top - up.bottom if up is not None else None
        gap_down = down.top - band.bottom if down is not None else None
        opens = _LABEL_PREFIX.match(normal(band.items[0][0].text)) is not None  # 二、… starts a row of its own
        near_up = not opens and gap_up is not None and gap_up < ATTACH * height
        near_down = down is not None and gap_down is not None and gap_down < ATTACH * height and _free_above(down, band)
        after = blocks[k + 2] if k + 2 < len(blocks) else None
        closer_down = gap_down is not None and (gap_up is None or gap_down < gap_up)
        if not opens and down is not None and after is not None and closer_down and _centred_on(down, band, after):
            down.add(band, before=True)  # the first of three lines of a name centred on its row
        elif near_up and up is not None and (not near_down or (gap_up or 0.0) <= (gap_down or 0.0)):
            up.add(band)
        elif near_down and down is not None:
            down.add(band, before=True)
        elif not opens and up is not None and (gap_up or 0.0) < WRAP_REACH * height and _under_name(up, band):
            up.add(band)  # a coded row's name wrapped onto a line of its own, farther than ATTACH
        else:
            out.append(band)
    return out


def _centred_on(row: _Band, above: _Band, below: _Band) -> bool:
    """Whether text lines above and below a row stand as far from it, in the same column: a
    name printed on three lines, centred on the row's line (国有土地使用权出让收入 / 21208 及对应专项
    债务收入安排 / 的支出)."""
    if below.data or below.page != row.page or _LABEL_PREFIX.match(normal(below.items[0][0].text)):
        return False
    if not (_name_only(above) and _name_only(below)):
        return False
    height = max(above.bottom - above.top, 1.0)
    step = row.top - above.top  # one line of the cell: not a row's pitch
    if step > LINE_STEP * height or abs(step - (below.top - row.top)) > CENTRED * height:
        return False
    (a0, a1), (b0, b1) = _x_range(above), _x_range(below)
    return a0 < b1 and b0 < a1


def _name_only(band: _Band) -> bool:
    """Whether a band holds words of a name only: no number, no code."""
    toks = [t for _line, line_toks in band.items for t in line_toks]
    return bool(toks) and all(t.kind == "text" and not _CODE_NAME.match(normal(t.text)) for t in toks)


def _under_name(row: _Band, text: _Band) -> bool:
    """Whether a text-only line stands under the name cell of a row that starts with a code, and
    under nothing else of it: the rest of the row's name (险缴费 under 30108-机关事业单位基本养老保),
    never a row of its own in a code table."""
    if not row.data or not _code_head(row.data[0]):
        return False
    if not _name_only(text):
        return False
    words = [_token_box(t) for _line, toks in text.items for t in toks]
    left, right = min(b[0] for b in words), max(b[2] for b in words)
    under = [t for toks in row.data for t in toks if _token_box(t)[0] < right and _token_box(t)[2] > left]
    return bool(under) and all(t.kind == "text" for t in under)  # a name, or a code glued to its name


def _piece(band: _Band) -> Piece:
    """A band as the centring sees it: whether its data lines themselves print name words."""
    toks = [t for line_toks in band.data for t in line_toks] if band.data else [t for _l, ts in band.items for t in ts]
    named = any(t.kind == "text" and _CODE_NAME.sub("", normal(t.text)) for t in toks)  # 2080505-机关… is named
    opens = not band.data and _LABEL_PREFIX.match(normal(band.items[0][0].text)) is not None
    tops = [line.top for line, toks in band.items if any(toks is d for d in band.data)]
    texts = [line.top for line, toks in band.items if not any(toks is d for d in band.data)]
    around = bool(tops and texts) and min(texts) < min(tops) and max(texts) > max(tops)
    first = band.data[0][0] if band.data and band.data[0] else None
    coded = first is not None and (
        (first.kind == "digits" and len(first.text) in (3, 5, 6, 7)) or _CODE_NAME.match(normal(first.text)) is not None
    )
    words = bool(band.data) or _name_only(band)
    return Piece(band.page, band.top, band.bottom, bool(band.data), named, opens, around, coded, words)


def _in_name_column(row: _Band, text: _Band) -> bool:
    """Whether a text line stands right of a row's leading code (a line reaching into the code
    column is no part of the row's name: the centring was misjudged)."""
    first = row.data[0][0] if row.data and row.data[0] else None
    if first is None or not (first.kind == "digits" or _CODE_NAME.match(normal(first.text))):
        return True
    return _x_range(text)[0] >= _token_box(first)[2]


def _owned(bands: list[_Band], owner: list[int]) -> list[_Band]:
    """Bands joined to the rows they belong to (a band of no row stays a row of its own)."""
    out: list[_Band] = []
    for k, band in enumerate(bands):
        if owner[k] in (-1, k):
            out.append(band)
    for k, band in enumerate(bands):
        if owner[k] not in (-1, k):
            bands[owner[k]].add(band, before=k < owner[k])
    return out


def _free_above(row: _Band, text: _Band) -> bool:
    """Whether a row's data lines leave room for a text line's words: a name cell that starts on
    the row's own line (with a code or a name of its own) is not continued from above. Each word
    is weighed on its own: the row's text in another column (a name wrapped around a row whose
    other cells hold text too) leaves the word free."""
    words = [_token_box(t) for _line, toks in text.items for t in toks]
    for toks in row.data:
        for tok in toks:
            x0, _top, x1, _bottom = _token_box(tok)
            if tok.kind == "text" and any(x0 < b[2] and x1 > b[0] for b in words):
                return False
    return True
