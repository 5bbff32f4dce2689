"""Which header words stand over which value column of a table read from positions.

A value column is known from its amounts' x range; its header is printed centred in the
column's cell, which is wider than the amounts (a right-aligned ``0.00`` under a centred
``金额``). A header word belongs to every column it stands over (a merged cell over several
columns, ``财政拨款`` over its parts). A word that stands over none belongs to the column
whose amounts end right of its centre and begin close after its end: amounts are right-aligned
or centred under their header, never left of it. Words farther off are left out: they head a
label column or a column left blank all along (its neighbours must not take its header).
"""

from __future__ import annotations

import re

from yusuan.extract.document import Line, Word
from yusuan.extract.tables import normal

_NUMBERING = re.compile(r"[\d*＊]+|栏次|行次")  # the columns' own numbering: 栏次 1 2 3 / ** 1 2 3


NEAR = 0.5  # a header word ends at most this × the word's height before the amounts under it


def _column_of(word: Word, ranges: list[tuple[float, float]]) -> list[int]:
    """The columns a header word heads: those it stands over, else the one just right of it."""
    over = [k for k, (a, b) in enumerate(ranges) if word.x0 < b and word.x1 > a]
    if over:
        return over
    centre = (word.x0 + word.x1) / 2
    near = NEAR * max(word.bottom - word.top, 1.0)
    return [k for k, (a, b) in enumerate(ranges) if centre < b and word.x1 <= a <= word.x1 + near][:1]


def header_paths(header: list[Line], ranges: list[tuple[float, float]]) -> list[tuple[str, ...]]:
    """Each value column's header path, top line first (empty when nothing stands over it)."""
    out: list[list[str]] = [[] for _ in ranges]
    for line in header:
        words = [w for w in line.words if w.x1 > w.x0 and normal(w.text)]
        if all(_NUMBERING.fullmatch(normal(w.text)) for w in words):
            continue
        texts: list[list[str]] = [[] for _ in ranges]
        for word in words:
            for k in _column_of(word, ranges):
                texts[k].append(normal(word.text))
        for k, parts in enumerate(texts):
            text = "".join(parts)
            if text and (not out[k] or out[k][-1] != text):
                out[k].append(text)
    return [tuple(h) for h in out]


__all__ = ["header_paths"]
