"""Tables printed in panels: the same columns repeated side by side.

A 基本支出 table often lists its 301/303 economic codes on the left half of the page and
302/307/310 on the right half (``科目编码 科目名称 金额 | 科目编码 科目名称 金额``). Read line
by line, each printed line holds two rows of two hierarchies; the reading must instead take
each panel as a table of its own, left panel first, so that 301 = Σ 301xx is read within the
panel it is printed in, and the panels' amounts belong to the same value columns.

A panel is known from the header: a header line whose words repeat as a whole (``科目名称 金额
科目名称 金额``, k copies of the same sequence) and name a classification (编码, 科目, 代码 —
a 收支总表's ``项目 预算数 项目 预算数`` is two sides of one table, not panels, and a
``合计 基本支出 | 合计 基本支出`` header over the years' groups is one row's columns). The cut
between two panels lies between the copies of the header, where no cell of the body crosses;
when every place between the copies is crossed by a body cell, the cut is a guess and the
lines that cross it are not vouched for.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from yusuan.extract.document import Line, Word
from yusuan.extract.tables import Token, normal

PANEL_WORDS = ("编码", "科目", "代码")  # a panel's header names the classification its rows list
OFFSET_SPREAD = 0.05  # the copies' word shifts may differ by this share of a panel's width…
GRID_SLACK = 4.0  # …or, on a character grid, by this many characters (two each side)


@dataclass(frozen=True, slots=True)
class Panels:
    """Where a panelled table's panels start and how far each stands from the first."""

    cuts: tuple[float, ...]  # x where panel 1, 2 … starts
    offsets: tuple[float, ...]  # panel k's shift from panel 0 (offsets[0] == 0)
    certain: bool  # whether the cuts are clear of the body's cells and the copies agree

    def panel(self, x: float) -> int:
        return sum(1 for cut in self.cuts if x >= cut)


def _words(line: Line) -> list[Word]:
    return [w for w in line.words if normal(w.text) and w.x1 > w.x0]


def _period(texts: list[str]) -> int:
    """The length of the word sequence a header line repeats as a whole (0: none)."""
    n = len(texts)
    for copies in (2, 3):
        if n % copies == 0 and n // copies >= 1:
            size = n // copies
            if all(texts[i] == texts[i % size] for i in range(n)):
                return size
    return 0


def find_panels(header: list[Line], body: list[tuple[float, float]], *, grid: bool = False) -> Panels | None:
    """The panels of a table from its header lines and its body's cell extents (x0, x1);
    None when the header does not repeat a classification's columns. ``grid``: positions are
    character columns (pdftotext -layout), not points."""
    repeated: list[tuple[list[Word], int]] = []
    for line in header:
        words = _words(line)
        size = _period([normal(w.text) for w in words])
        if size:
            repeated.append((words, size))
    if not any(size >= 2 for _words_, size in repeated):
        return None
    if not any(word in normal(w.text) for words, _size in repeated for w in words for word in PANEL_WORDS):
        return None
    copies = {len(words) // size for words, size in repeated}
    if len(copies) != 1:
        return None
    count = copies.pop()
    gaps: list[list[float]] = [[float("-inf"), float("inf")] for _ in range(count - 1)]
    shifts: list[list[float]] = [[] for _ in range(count)]
    for words, size in repeated:
        for c in range(1, count):
            left, right = words[c * size - 1].x1, words[c * size].x0
            gaps[c - 1] = [max(gaps[c - 1][0], left), min(gaps[c - 1][1], right)]
            shifts[c].extend(words[c * size + i].x0 - words[i].x0 for i in range(size))
    if any(a >= b for a, b in gaps):
        return None  # the copies' gaps do not line up: not one cut
    offsets = [0.0, *(statistics.median(s) for s in shifts[1:])]
    # the copies agree when their words stand shifted alike, within a share of the shift; on a
    # character grid (pdftotext -layout) a word centred in its cell may move by two characters
    slack = GRID_SLACK if grid else 0.0
    certain = all(max(s) - min(s) <= max(OFFSET_SPREAD * statistics.median(s), slack) for s in shifts[1:])
    # panel k's cells start where the first panel's do, shifted by the copies' offset: the cut
    # is the free stretch (crossed by no body cell) nearest to that start
    left = min([words[0].x0 for words, _size in repeated] + [x0 for x0, _x1 in body])
    cuts: list[float] = []
    for (a, b), offset in zip(gaps, offsets[1:], strict=True):
        cut, clear = _clear_cut(a, b, body, left + offset, max(OFFSET_SPREAD * offset, slack))
        cuts.append(cut)
        certain = certain and clear
    return Panels(tuple(cuts), tuple(offsets), certain)


def _clear_cut(a: float, b: float, body: list[tuple[float, float]], start: float, slack: float) -> tuple[float, bool]:
    """A cut between a and b that no body cell crosses, in the free stretch nearest to where the
    panel's cells should start, and whether it is clear (free and within ``slack`` of ``start``);
    else the middle of a and b."""
    crossing = sorted((max(x0, a), min(x1, b)) for x0, x1 in body if x0 < b and x1 > a)
    free: list[tuple[float, float]] = []
    at = a
    for x0, x1 in crossing:
        if x0 > at:
            free.append((at, x0))
        at = max(at, x1)
    if at < b:
        free.append((at, b))
    if not free:
        return (a + b) / 2, False

    def distance(stretch: tuple[float, float]) -> float:
        return max(stretch[0] - start, start - stretch[1], 0.0)

    nearest = min(free, key=distance)
    return (nearest[0] + nearest[1]) / 2, distance(nearest) <= slack


def _box(token: Token) -> tuple[float, float]:
    if token.bbox is None:
        return 0.0, 0.0
    return token.bbox[0], token.bbox[2]


def split_line(line: Line, toks: list[Token], panels: Panels) -> list[tuple[Line, list[Token], bool]]:
    """A body line cut into its panels: (the panel's part of the line, its tokens, whether a
    token crosses a cut), one per panel, empty parts included."""
    parts: list[list[Token]] = [[] for _ in range(len(panels.cuts) + 1)]
    crossed = False
    for tok in toks:
        x0, x1 = _box(tok)
        parts[panels.panel((x0 + x1) / 2)].append(tok)
        crossed = crossed or any(x0 < cut < x1 for cut in panels.cuts)
    out: list[tuple[Line, list[Token], bool]] = []
    for k, part in enumerate(parts):
        low = panels.cuts[k - 1] if k > 0 else float("-inf")
        high = panels.cuts[k] if k < len(panels.cuts) else float("inf")
        words = [w for w in line.words if low <= (w.x0 + w.x1) / 2 < high]
        piece = Line(" ".join(w.text for w in words), line.page, line.line, words=words, top=line.top)
        out.append((piece, part, crossed))
    return out


__all__ = ["Panels", "find_panels", "split_line"]
