"""Item rows printed centred (预算12表): which row each line of a wrapped name belongs to.

A table may centre its one-line cells (类型, 项目单位, the amounts) on a project name that wraps:
the name's first line then stands alone above the row's amounts, whose line holds no name, and
its tail alone below. Read top-aligned, the first line would end the row above. The centring
itself tells them apart, as ``centred.py`` knows it for the generic reader (as many lines above
a row's amounts as below); this module only says what its pieces are in the profile reader's
tokens: a row's line holds its amounts (or its unit's code), and a row marks itself by its
类型 or unit code where other tables print a classification code.
"""

from __future__ import annotations

from collections import Counter

from yusuan.extract.centred import Piece, centred, owners
from yusuan.extract.document import Line
from yusuan.extract.profile_regions import normal
from yusuan.extract.profile_tokens import Token


def _by_line(toks: list[Token]) -> list[tuple[Line, list[Token]]]:
    out: list[tuple[Line, list[Token]]] = []
    for tok in toks:
        if out and out[-1][0] is tok.line:
            out[-1][1].append(tok)
        else:
            out.append((tok.line, [tok]))
    return out


def _unit_code(tok: Token) -> bool:
    return tok.kind == "digits" and 6 <= len(tok.text) <= 12


def _piece(toks: list[Token], units: set[str], categories: tuple[str, ...]) -> Piece:
    """A line as the centring sees it. An item row's line is named when it prints a word that is
    neither its 类型 nor (part of) a unit's name; a unit row's line, when it prints its name."""
    boxes = [t.bbox for t in toks if t.bbox is not None]
    top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    data = any(t.kind != "text" for t in toks)
    words = [normal(t.text) for t in toks if t.kind == "text"]
    unit_row = _unit_code(toks[0])
    coded = data and (unit_row or any(w in categories for w in words))
    named = not data or any(w not in categories and (unit_row or not any(w in unit for unit in units)) for w in words)
    return Piece(toks[0].line.page, top, bottom, data, named, coded=coded)


def centred_rows(
    toks: list[Token], unit_names: dict[str, str], categories: tuple[str, ...]
) -> tuple[dict[int, Line], set[int]]:
    """In a table that prints its names centred on their rows: each line of words (by ``id``)
    mapped to the line of the row it belongs to, and the rows' lines (by ``id``) whose names are
    not sure: a row whose name lines above and below do not balance, and the neighbour its extra
    lines may belong to. Empty for a table that does not centre its names (or has no positions)."""
    lines = _by_line(toks)
    first = next((k for k, (_line, line_toks) in enumerate(lines) if any(t.kind == "amount" for t in line_toks)), None)
    if first is None or not categories:
        return {}, set()
    lines = lines[first:]  # the header above the first row's amounts is no row's name
    if any(t.bbox is None for _line, line_toks in lines for t in line_toks):
        return {}, set()
    units = {normal(name) for name in unit_names.values()}
    pieces = [_piece(line_toks, units, categories) for _line, line_toks in lines]
    if not centred(pieces):
        return {}, set()
    owner = owners(pieces)
    rows = {id(lines[k][0]): lines[o][0] for k, o in enumerate(owner) if o not in (-1, k)}
    above = Counter(o for k, o in enumerate(owner) if o not in (-1, k) and k < o)
    below = Counter(o for k, o in enumerate(owner) if o not in (-1, k) and k > o)
    data = [k for k, p in enumerate(pieces) if p.data]
    unsure: set[int] = set()
    for at, k in enumerate(data):
        if not pieces[k].coded or above[k] == below[k]:
            continue
        # its lines above may be the row above's, those below the row below's: neither name is sure
        unsure.add(k)
        if above[k] and at > 0:
            unsure.add(data[at - 1])
        if below[k] and at + 1 < len(data):
            unsure.add(data[at + 1])
    return rows, {id(lines[k][0]) for k in unsure}


__all__ = ["centred_rows"]
