"""Putting a row's printed values into its columns when the empty cells vanished.

``pdftotext`` drops empty cells, so a row prints only its non-empty values, in
column order. The columns they belong to are the ones that make the row's
own identities hold (合计 = parts): we search order-preserving placements and
keep the ones that satisfy the most identities, branch-and-bound, leftmost
first. Rows that stay ambiguous are settled later by the table's column sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from yusuan.tables.identities import parse_identity

#: at most this many equally good placements are kept per row
MAX_CANDIDATES = 12
#: the search gives up improving after this many steps and keeps the best found (a row that fits
#: no identity of a wide table would otherwise try every placement)
MAX_STEPS = 50_000


@dataclass(frozen=True, slots=True)
class _CompiledIdentity:
    left: int
    right: tuple[int, ...]
    op: str
    last: int  # the highest column index it involves

    def holds(self, values: list[int]) -> bool:
        left = values[self.left]
        right = sum(values[i] for i in self.right)
        return left >= right if self.op == ">=" else left == right

    def doomed(self, values: list[int], col: int, remaining: int) -> bool:
        """Already impossible with columns before ``col`` decided (amounts are never negative).

        ``remaining`` is the sum of the values not placed yet.
        """
        left = values[self.left]
        decided = 0
        open_terms = False
        for i in self.right:
            if i < col:
                decided += values[i]
            else:
                open_terms = True
        if decided > left:
            return True
        return self.op == "=" and (decided + (remaining if open_terms else 0)) < left


@lru_cache(maxsize=256)
def _compile(columns: tuple[str, ...], identities: tuple[str, ...]) -> tuple[_CompiledIdentity, ...]:
    index = {c: i for i, c in enumerate(columns)}
    out = []
    for text in identities:
        ident = parse_identity(text)
        if ident.left in index and all(r in index for r in ident.right):
            idx = (index[ident.left], *(index[r] for r in ident.right))
            out.append(_CompiledIdentity(index[ident.left], tuple(index[r] for r in ident.right), ident.op, max(idx)))
    return tuple(out)


def place_values(
    values: tuple[int, ...], columns: tuple[str, ...], identities: tuple[str, ...]
) -> tuple[tuple[tuple[int | None, ...], ...], int, int]:
    """Best placements of ``values`` (in order) into ``columns``.

    Returns (placements, identities held, identities checked); a placement gives,
    per column, the index of the value placed there or None for a blank cell.
    Printed zeros change no sum, so they are left out of the search and put
    afterwards into the first free column after the value before them.
    """
    nonzero = [k for k, v in enumerate(values) if v]
    placements, held, checked = _place_nonzero(tuple(values[k] for k in nonzero), columns, identities)
    if len(nonzero) == len(values):
        return placements, held, checked
    out = []
    for slots in placements:
        if not slots:
            out.append(slots)
            continue
        full: list[int | None] = [None if s is None else nonzero[s] for s in slots]
        position = {v: c for c, v in enumerate(full) if v is not None}
        for k, v in enumerate(values):
            if v:
                continue
            before = max((position[j] for j in position if j < k), default=-1)
            after = min((position[j] for j in position if j > k), default=len(columns))
            free = next((c for c in range(before + 1, after) if full[c] is None), None)
            if free is not None:
                full[free] = k
                position[k] = free
        out.append(tuple(full))
    return tuple(out), held, checked


@lru_cache(maxsize=4096)
def _place_nonzero(
    values: tuple[int, ...], columns: tuple[str, ...], identities: tuple[str, ...]
) -> tuple[tuple[tuple[int | None, ...], ...], int, int]:
    """Branch and bound over order-preserving placements of non-zero values."""
    m, n = len(columns), len(values)
    compiled = _compile(columns, identities)
    if n > m:
        return ((),), 0, len(compiled)
    by_last: list[list[_CompiledIdentity]] = [[] for _ in range(m)]
    for ident in compiled:
        by_last[ident.last].append(ident)
    total = len(compiled)
    best: list[tuple[int | None, ...]] = []
    best_score = -1
    cells = [0] * m
    slots: list[int | None] = [None] * m

    suffix = [sum(values[k:]) for k in range(n + 1)]

    steps = 0

    def search(col: int, val: int, held: int, decided: int, placed: bool = False) -> None:
        nonlocal best_score, best, steps
        steps += 1
        if steps > MAX_STEPS and best:
            return
        bound = held + (total - decided)
        if bound < best_score or (bound == best_score and len(best) >= MAX_CANDIDATES):
            return
        if placed and best_score >= 0 and col < m:
            # only a placed value can make an open identity impossible (a blank adds nothing)
            remaining = suffix[val]
            dead = 0
            for ident in compiled:
                if ident.last >= col and ident.left < col and ident.doomed(cells, col, remaining):
                    dead += 1
            if bound - dead < best_score:
                return
        if col == m:
            if val < n:
                return
            if held > best_score:
                best_score, best = held, [tuple(slots)]
            elif held == best_score and len(best) < MAX_CANDIDATES:
                best.append(tuple(slots))
            return
        if m - col < n - val:
            return
        options: list[int | None] = []
        if val < n:
            options.append(val)
        if m - col > n - val:
            options.append(None)
        for choice in options:
            cells[col] = values[choice] if choice is not None else 0
            slots[col] = choice
            newly = by_last[col]
            ok = sum(1 for ident in newly if ident.holds(cells))
            search(col + 1, val + (choice is not None), held + ok, decided + len(newly), choice is not None)
        cells[col] = 0
        slots[col] = None

    search(0, 0, 0, 0)
    return tuple(best), max(best_score, 0), total
