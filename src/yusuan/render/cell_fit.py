"""How a table's text cells wrap, and the column widths that leave no character alone on a last line.

Typst breaks a cell's text greedily (``par.justify`` is off in tables) at the opportunities of
Unicode line breaking with the Chinese rules: between two ideographs, but never before closing
punctuation (，。、；：）》” …), never after opening punctuation (（《“ …), and never inside a run
of Latin letters and digits (``2024``, ``≥90%``, ``6.1``). A line that cannot take the next
unbreakable piece ends before it, so ``资金到位率。`` in a cell one character too narrow ends
``资金到位 / 率。``. Full-width punctuation has a blank half, which Typst drops at either end of a
line and which two marks side by side share (``），`` is 1.5 em). :func:`wrapped_lines` breaks the
same way, on the advance widths of Noto Sans CJK read from the installed font
(:mod:`yusuan.render.font_metrics`; generous upper bounds without it); tests/test_cell_wrapping.py
checks it against what Typst prints.

:func:`without_orphans` chooses the column widths: each column under a cell whose last line holds
one character (公用经 / 费, 政府性基 / 金; body and header cells alike, a header cell as wide as
the columns it spans) is tried from three quarters to one and a half of its fitted width, and the
widths leaving the fewest such cells are kept. A width is never taken if an amount or a code,
which must not wrap, would no longer fit its column, nor if a line of a wrapped cell would read
as the whole text of another cell of its column (the audit, reading the PDF back, would take the
line for that row). A cell still left so is printed on as many lines, evened out
(:func:`printed_text`: 维护社会稳 / 定 becomes 维护社会 / 稳定, with an explicit line break).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise

from yusuan.render.font_metrics import sans_widths

PT_PER_MM = 72 / 25.4
A4_SHORT = 210 * PT_PER_MM
A4_LONG = 297 * PT_PER_MM
TABLE_MARGIN_X_MM = 12
CELL_INSET_EM = 0.25  # horizontal padding on each side of a cell, in em
DIGIT_EM = 0.6  # digits in bold Noto Sans CJK are 0.59 em wide (regular: 0.555 em)
NARROW_EM = 0.8  # other half-width characters, generously
FIT_SLACK_EM = 0.3  # breathing room kept beside an amount or a code
EPSILON_EM = 1e-3  # a line this much wider than its cell still fits (Typst's own tolerance is finer)
WIDEST = 3 / 2  # a column is tried up to this × its fitted width…
NARROWEST = 3 / 4  # …and down to this…
WIDTH_STEPS = 4  # …in steps of a quarter of the fitted width's unit (half a character)…
TRIALS = 16  # …or coarser, to try no more widths than this
SEARCH_ROUNDS = 3  # passes over the columns while they leave fewer lone characters
QUANTUM_EM = 1 / 4  # while searching, a cell's room is rounded down to this
TEXTS_CACHED = 8192  # texts whose measures are kept (bounded: the web application renders for years)
TABLES_CACHED = 256  # tables whose widths are kept


@dataclass(frozen=True, slots=True)
class FitCell:
    """A cell whose text may wrap: its first column, the columns it spans, its text, indent (em) and weight."""

    column: int
    span: int
    text: str
    indent: float = 0
    bold: bool = False


def page_room(orientation: str) -> float:
    """The width of a table on a page (points): the page's width inside the table margins."""
    return (A4_LONG if orientation == "landscape" else A4_SHORT) - 2 * TABLE_MARGIN_X_MM * PT_PER_MM


def em_width(text: str, bold: bool = True) -> float:
    """The width of ``text`` on one line in Noto Sans CJK (an upper bound without the font), in em."""
    return sum(_char_em(ch, bold) for ch in text)


@cache
def _char_em(ch: str, bold: bool) -> float:
    if _chinese_quote(ch):
        return 1.0
    widths = sans_widths(bold)
    em = widths.em(ch) if widths is not None else None
    if em is not None:
        return em
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    if ch.isdigit():
        return DIGIT_EM
    if ch in ".,:;'-":
        return 0.35
    return NARROW_EM


def _chinese_quote(ch: str) -> bool:
    """“ ” ‘ ’: in Chinese text (``lang: "zh"``) the font gives them full-width forms."""
    return unicodedata.category(ch) in ("Pi", "Pf") and unicodedata.east_asian_width(ch) == "A"


def _full_width(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF" or _chinese_quote(ch)


#: punctuation that never starts a line besides closing brackets and quotes (Unicode line breaking:
#: CL, EX, IS, NS, SY): ，。、：；！？ and their half-width forms, the slash, the ellipsis
_NO_BREAK_BEFORE = frozenset("，。、：；！？．,.:;!?/…‥·・ー々〻ゝゞヽヾ％%‰")


def _no_break_before(ch: str) -> bool:
    return ch in _NO_BREAK_BEFORE or unicodedata.category(ch) in ("Pe", "Pf")


def _no_break_after(ch: str) -> bool:
    return unicodedata.category(ch) in ("Ps", "Pi")  # opening brackets and quotes never end a line


def _in_word(ch: str) -> bool:
    """Part of a run of Latin letters, digits and signs that does not break (2024, ≥90%, 6.1)."""
    return not ch.isspace() and not _full_width(ch)


def _trimmed_at_end(ch: str) -> bool:
    """Full-width punctuation whose right half is blank (，。、）》”): Typst drops that half at a line's end."""
    return unicodedata.category(ch) in ("Pe", "Pf", "Po") and _full_width(ch)


def _trimmed_at_start(ch: str) -> bool:
    """Full-width opening punctuation (（《“), whose left half is blank: dropped at a line's start."""
    return unicodedata.category(ch) in ("Ps", "Pi") and _full_width(ch)


@lru_cache(maxsize=TEXTS_CACHED)
def _pieces(text: str) -> tuple[str, ...]:
    """``text`` cut at its line break opportunities: the pieces a line takes whole."""
    pieces: list[str] = []
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else ""
        joined = bool(pieces) and (
            _no_break_before(ch)
            or _no_break_after(prev)
            or (_in_word(prev) and _in_word(ch) and prev != "/")  # a slash may end a line
            or (ch.isspace() and not prev.isspace())
        )
        if joined:
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return tuple(pieces)


@cache
def _blank_half(ch: str) -> bool:
    """Full-width punctuation (，。、；）（“”): half of its em is blank."""
    return unicodedata.category(ch).startswith("P") and _full_width(ch)


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    width: float  # em, two punctuation marks side by side sharing one blank half
    shown: float  # the same without trailing spaces (which hang at a line's end)
    head: float  # the blank half dropped when the piece starts a line (（《“)
    tail: float  # the blank half dropped when it ends one (，。）”)
    first_blank: bool  # it starts with punctuation half blank…
    last_blank: bool  # …or ends with it (two such marks side by side share one blank half)


def _compressed_em(text: str, bold: bool) -> float:
    """The width of ``text``, each pair of adjacent full-width punctuation marks (），、“) narrower by half an em."""
    width = em_width(text, bold)
    for a, b in pairwise(text):
        if _blank_half(a) and _blank_half(b):
            width -= _char_em(a, bold) / 2
    return width


@lru_cache(maxsize=TEXTS_CACHED)
def _measured_pieces(text: str, bold: bool) -> tuple[_Piece, ...]:
    """``text``'s pieces, measured as Typst sets Chinese punctuation (the blank halves of full-width
    marks dropped at a line's start and end, and shared by two marks side by side)."""
    widths = [_char_em(ch, bold) for ch in text]
    # what each character gives back when the next shares its blank half
    shared = [widths[k] / 2 if _blank_half(text[k]) and _blank_half(text[k + 1]) else 0.0 for k in range(len(text) - 1)]
    measured, start = [], 0
    for piece in _pieces(text):
        shown = piece.rstrip()
        end, shown_end = start + len(piece), start + len(shown)
        head = widths[start] / 2 if shown and _trimmed_at_start(shown[0]) else 0.0
        tail = widths[shown_end - 1] / 2 if shown and _trimmed_at_end(shown[-1]) else 0.0
        measured.append(
            _Piece(
                piece,
                sum(widths[start:end]) - sum(shared[start : max(end - 1, start)]),
                sum(widths[start:shown_end]) - sum(shared[start : max(shown_end - 1, start)]),
                head,
                tail,
                _blank_half(piece[0]),
                bool(shown) and shown == piece and _blank_half(shown[-1]),
            )
        )
        start = end
    return tuple(measured)


@lru_cache(maxsize=16 * TEXTS_CACHED)  # a text at each room tried
def wrapped_lines(text: str, width_em: float, bold: bool = False) -> tuple[str, ...]:
    """``text`` broken as Typst breaks it in a cell ``width_em`` wide: greedily, at its opportunities.

    A piece wider than the whole line takes a line of its own and overflows it, as in Typst.
    """
    lines: list[str] = []
    line, used, head, blank = "", 0.0, 0.0, False
    for piece in _measured_pieces(text, bold):
        shared = 0.5 if line and blank and piece.first_blank else 0.0
        if line.strip() and used - shared + piece.shown - piece.tail - head > width_em + EPSILON_EM:
            lines.append(line.rstrip())
            line, used, shared = "", 0.0, 0.0
        if not line:
            head = piece.head
        line, used, blank = line + piece.text, used - shared + piece.width, piece.last_blank
    if line.strip():
        lines.append(line.rstrip())
    return tuple(lines)


@lru_cache(maxsize=TEXTS_CACHED)
def one_line_em(text: str, bold: bool = False) -> float:
    """The width of ``text`` set on one line (as :func:`wrapped_lines` measures a line)."""
    shown = text.rstrip()
    if not shown:
        return 0.0
    width = _compressed_em(shown, bold)
    if _trimmed_at_end(shown[-1]):
        width -= _char_em(shown[-1], bold) / 2
    if _trimmed_at_start(shown[0]):
        width -= _char_em(shown[0], bold) / 2
    return width


def cell_width_em(
    weights: Sequence[int], column: int, size: float, orientation: str, indent: float = 0, span: int = 1
) -> float:
    """The room for text in a cell of ``span`` columns from ``column`` (em of ``size`` pt), inside its
    padding and indent."""
    share = sum(weights[column : column + span]) / sum(weights)
    return page_room(orientation) * share / size - 2 * CELL_INSET_EM - indent


def orphaned(text: str, width_em: float, bold: bool = False) -> bool:
    """A last line holding a single character, punctuation aside (公用经 / 费, 资金到位 / 率。)."""
    return one_line_em(text, bold) > width_em + EPSILON_EM and _lone_last(wrapped_lines(text, width_em, bold))


def _lone_last(lines: tuple[str, ...]) -> bool:
    if len(lines) < 2:
        return False
    letters = 0
    for ch in lines[-1]:
        if not _is_punctuation(ch):
            letters += 1
            if letters > 1:
                return False
    return letters == 1


def printed_lines(
    text: str, width_em: float, bold: bool = False, others: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """The lines ``text`` is printed on in a cell ``width_em`` wide: as Typst wraps it, unless that
    leaves one character alone on the last line; then as many lines, evened out (each wrapped a
    little narrower), for the PDF to break explicitly. No line may repeat one of ``others`` (the
    texts of the column's other cells): the audit, reading the PDF back, would take it for that row.
    """
    lines = wrapped_lines(text, width_em, bold)
    if not _lone_last(lines):
        return lines
    trial, narrower = lines, width_em
    while True:  # each time just narrower than the widest line that fits, until a line more is needed
        narrower = max((w for line in trial if (w := one_line_em(line, bold)) < narrower), default=0.0) - 2 * EPSILON_EM
        trial = wrapped_lines(text, narrower, bold)
        if len(trial) != len(lines) or narrower < 1:
            return lines
        if not _lone_last(trial) and not any(line in others for line in trial):
            return trial


def printed_text(text: str, width_em: float, bold: bool = False, others: frozenset[str] = frozenset()) -> str:
    """``text`` as the PDF prints it: with explicit line breaks where :func:`printed_lines` evens it out."""
    lines = printed_lines(text, width_em, bold, others)
    return "\n".join(lines) if lines != wrapped_lines(text, width_em, bold) else text


def printed_texts(cells: Sequence[FitCell], weights: Sequence[int], size: float, orientation: str) -> list[str]:
    """Each cell's text as the PDF prints it with these widths (:func:`printed_text`), in order."""
    texts = _column_texts(cells)
    return [
        printed_text(
            cell.text,
            cell_width_em(weights, cell.column, size, orientation, cell.indent, cell.span),
            cell.bold,
            texts.get(cell.column, frozenset()) if cell.span == 1 else frozenset(),
        )
        for cell in cells
    ]


def _column_texts(cells: Sequence[FitCell]) -> dict[int, frozenset[str]]:
    """The texts of each column's cells (those of a single column)."""
    texts: dict[int, set[str]] = {}
    for cell in cells:
        if cell.span == 1:
            texts.setdefault(cell.column, set()).add(cell.text)
    return {column: frozenset(found) for column, found in texts.items()}


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


@dataclass(frozen=True, slots=True)
class _Group:
    """Cells measured alike: same columns, indent and weight."""

    column: int
    span: int
    indent: float
    bold: bool
    texts: tuple[str, ...]
    others: frozenset[str]  # the texts of the column's other cells, which no wrapped line may repeat


class _Search:
    """One table's widths under trial: the score of a set of widths, each group measured once per room."""

    def __init__(self, cells: Sequence[FitCell], needs: list[float], size: float, orientation: str) -> None:
        by_key: dict[tuple[int, int, float, bool], list[str]] = {}
        for cell in cells:
            by_key.setdefault((cell.column, cell.span, cell.indent, cell.bold), []).append(cell.text)
        column_texts = _column_texts(cells)
        self.groups = [
            _Group(c, s, i, b, tuple(t), column_texts.get(c, frozenset()) if s == 1 else frozenset())
            for (c, s, i, b), t in by_key.items()
        ]
        self.needs, self.size, self.orientation = needs, size, orientation
        self._memo: dict[tuple[int, float], tuple[int, int, int]] = {}

    def amounts_fit(self, weights: list[int]) -> bool:
        """Every amount and code still fits its column on one line."""
        return all(
            not need or cell_width_em(weights, i, self.size, self.orientation) >= need
            for i, need in enumerate(self.needs)
        )

    def score(self, weights: list[int], exact: bool = False) -> tuple[int, int, int]:
        """(cells with an ambiguous line, cells left with one character alone on their last line even
        when broken evenly, cells that Typst alone would leave so). While searching, rooms are
        rounded down to ``QUANTUM_EM`` so that each is measured once."""
        ambiguous = stuck = orphans = 0
        for k, group in enumerate(self.groups):
            room = cell_width_em(weights, group.column, self.size, self.orientation, group.indent, group.span)
            if not exact:
                room = math.floor(room / QUANTUM_EM) * QUANTUM_EM
            key = (k, room)
            if key not in self._memo:
                self._memo[key] = self._measure(group, room)
            a, s, o = self._memo[key]
            ambiguous, stuck, orphans = ambiguous + a, stuck + s, orphans + o
        return ambiguous, stuck, orphans

    def orphaned_columns(self, weights: list[int]) -> list[int]:
        """The columns under a cell that has a character alone on its last line."""
        columns: set[int] = set()
        for group in self.groups:
            room = cell_width_em(weights, group.column, self.size, self.orientation, group.indent, group.span)
            if any(orphaned(text, room, group.bold) for text in group.texts):
                columns.update(range(group.column, group.column + group.span))
        return sorted(columns)

    @staticmethod
    def _measure(group: _Group, room: float) -> tuple[int, int, int]:
        ambiguous = stuck = orphans = 0
        for text in group.texts:
            if one_line_em(text, group.bold) <= room + EPSILON_EM:
                continue
            lines = wrapped_lines(text, room, group.bold)
            if _lone_last(lines):
                orphans += 1
                lines = printed_lines(text, room, group.bold, group.others)
                stuck += _lone_last(lines)
            ambiguous += any(line in group.others for line in lines)
        return ambiguous, stuck, orphans


def _moved(weights: list[int], minimum: list[float], maximum: list[float], i: int, width: int) -> list[int] | None:
    """The widths with column ``i`` at ``width``: the others give or take the difference in proportion
    to their room above their minimum; None if they have not that much to give, or one would grow
    past its maximum."""
    others = [j for j in range(len(weights)) if j != i]
    spare = {j: max(weights[j] - minimum[j], 0.0) for j in others}
    total = sum(spare.values())
    change = width - weights[i]
    if not total or change > total:
        return None
    moved = list(weights)
    moved[i] = width
    for j in others:
        moved[j] = max(1, round(weights[j] - change * spare[j] / total))
    widest = max(others, key=lambda j: spare[j])
    moved[widest] += sum(weights) - sum(moved)  # rounding: the widths keep their sum
    if moved[widest] < 1 or any(moved[j] > maximum[j] for j in others):
        return None
    return moved


def without_orphans(
    cells: Sequence[FitCell], nowrap: Sequence[float], size: float, weights: Sequence[int], orientation: str
) -> list[int]:
    """Column widths that leave the fewest cells with one character alone on their last line
    (:func:`_search_widths`; the same table laid out again, as the DOCX does after the PDF, is not
    searched again)."""
    return list(_search_widths(tuple(cells), tuple(nowrap), size, tuple(weights), orientation))


@lru_cache(maxsize=TABLES_CACHED)
def _search_widths(
    cells: tuple[FitCell, ...], nowrap: tuple[float, ...], size: float, weights: tuple[int, ...], orientation: str
) -> tuple[int, ...]:
    """Column widths that leave the fewest cells with one character alone on their last line.

    ``cells`` are the table's text cells (body and header), ``nowrap`` each column's widest
    amount or code in em (0 for none). Each column under such a cell is tried from ``NARROWEST``
    to ``WIDEST`` of its fitted width, the others giving or taking the difference in proportion
    to their spare room (none leaving those bounds either); the widths with the fewest such
    cells in the whole table are kept, the nearest to the fitted ones among equals, provided no
    wrapped line becomes ambiguous and every amount and code still fits. A few passes are made
    while they help. Widths are returned in quarters of the fitted units when changed.
    """
    fitted = list(weights)
    # an amount needs its slack, or at least the room the fitted widths give it (at the smallest font)
    needs = [
        min(n + FIT_SLACK_EM, cell_width_em(fitted, i, size, orientation)) if n else 0.0 for i, n in enumerate(nowrap)
    ]
    search = _Search(cells, needs, size, orientation)
    start = search.score(fitted, exact=True)
    if not start[2]:
        return tuple(fitted)
    current = [w * WIDTH_STEPS for w in fitted]
    em_units = sum(current) * size / page_room(orientation)  # width units per em
    # every column stays within NARROWEST…WIDEST of its fitted width, and wide enough for its amounts
    minimum = [
        max(((n or 1.0) + 2 * CELL_INSET_EM) * em_units, w * NARROWEST) for n, w in zip(needs, current, strict=True)
    ]
    maximum = [w * WIDEST for w in current]
    best = search.score(current)
    for _round in range(SEARCH_ROUNDS):
        improved = False
        for i in search.orphaned_columns(current):
            scored = []
            low, high = math.ceil(minimum[i]), math.floor(maximum[i])
            for width in range(low, high + 1, max(1, math.ceil((high - low) / TRIALS))):
                trial = _moved(current, minimum, maximum, i, width)
                if trial is None or not search.amounts_fit(trial):
                    continue
                score = search.score(trial)
                if score[0] <= best[0]:
                    scored.append((score, abs(width - fitted[i] * WIDTH_STEPS), width, trial))
            if scored:
                score, _distance, _width, trial = min(scored)
                if score < best:
                    current, best, improved = trial, score, True
            if not best[2]:
                break
        if not improved or not best[2]:
            break
    return tuple(current if search.score(current, exact=True) < start else fitted)
