"""Names printed centred on their rows: which row each line of text belongs to.

A table may centre each cell vertically in its row: a 项 name wrapped onto three lines prints its
first line above the row's amounts, its second beside them and its third below; a name of four
lines prints two above and two below, and the amounts' line holds no name at all. Lines of text
then stand between two rows' amounts evenly spaced, and nearness cannot tell whose they are (the
first line of 社会保障和就业支出 stands as near the 合计 above it as its own amounts below it).

What tells them apart is the centring itself: a row's name has as many lines above its amounts
as below. Going down the table, a row takes as many of the lines after it as it had before it;
the lines left over, up to the next row's amounts, are that row's lines above.

A table centres its names when its own print shows it: at least ``EVIDENCE`` rows print no name
beside their amounts but name lines right above and right below them (or around them, so near
that they are read as one printed row with the amounts). Other tables (a name that
starts beside its amounts and wraps below) are left to the reading by nearness.
"""

from __future__ import annotations

from dataclasses import dataclass

EVIDENCE = 2  # rows with a name above and below and none beside their amounts
NEAR = 0.6  # a name line right above or below a row: closer than this × its height


@dataclass(frozen=True, slots=True)
class Piece:
    """A printed line (or lines printed as one) of a table's body, as the centring sees it."""

    page: int
    top: float
    bottom: float
    data: bool  # the row's amounts, code or total label stand on it
    named: bool  # a data piece that also prints name words; a text piece: always True
    opens: bool = False  # a text piece that opens with its own ordinal (十五、…): the start of a name
    around: bool = False  # a data piece without a name of its own, printed between lines of one
    coded: bool = False  # a data piece that prints its row's classification code (预算12表: its 类型)
    words: bool = True  # a text piece of words only: no number, no code


def _near(upper: Piece, lower: Piece) -> bool:
    height = max(min(upper.bottom - upper.top, lower.bottom - lower.top), 1.0)
    return upper.page == lower.page and lower.top - upper.bottom < NEAR * height


def centred(pieces: list[Piece]) -> bool:
    """Whether the table prints its names centred on their rows (see the module's doc). Only a
    table of coded rows whose lines between the rows hold words alone: moving those lines between
    rows moves names, never a code or an amount (a table of names alone takes its codes from them)."""
    if any(not p.data and not p.words for p in pieces):
        return False
    evidence = 0
    for k in range(1, len(pieces) - 1):
        above, row, below = pieces[k - 1], pieces[k], pieces[k + 1]
        if row.data and row.coded and not row.named:
            above_named = row.around or (not above.data and _near(above, row))
            below_named = row.around or (not below.data and _near(row, below))
            evidence += above_named and below_named
    return evidence >= EVIDENCE


def owners(pieces: list[Piece]) -> list[int]:
    """For each piece, the index of the data piece whose row it belongs to (itself for a data
    piece, -1 for a line of text that belongs to no row), in a table whose names are centred."""
    out = [k if p.data else -1 for k, p in enumerate(pieces)]
    above: dict[int, int] = {}  # lines a row took above its amounts
    last: int | None = None
    run: list[int] = []
    for k, piece in enumerate([*pieces, None]):
        if piece is not None and not piece.data:
            run.append(k)
            continue
        nxt = k if piece is not None else None
        _share(pieces, run, last, nxt, above, out)
        run, last = [], nxt
    return out


def _share(
    pieces: list[Piece], run: list[int], upper: int | None, lower: int | None, above: dict[int, int], out: list[int]
) -> None:
    """The lines between two rows' amounts: the upper row takes as many as it had above, the lower
    row the rest; a line that opens with an ordinal, and those after it, start the lower row."""
    taken = 0
    if upper is not None:
        want = len(run) if lower is None else above.get(upper, 0)
        opening = next((i for i, k in enumerate(run) if pieces[k].opens), len(run))
        chain = pieces[upper]
        for k in run[: min(want, opening)]:
            if not _near(chain, pieces[k]):
                break
            out[k], chain, taken = upper, pieces[k], taken + 1
    if lower is None:
        return
    chain = pieces[lower]
    count = 0
    for k in reversed(run[taken:]):
        if not _near(pieces[k], chain):
            break
        out[k], chain, count = lower, pieces[k], count + 1
    above[lower] = count


__all__ = ["Piece", "centred", "owners"]
