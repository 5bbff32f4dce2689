"""Values the reading put in the wrong column: a sum that fails in two columns of one row by the
same amount, once too much and once too little.

When a cell is blank, or the text's positions are approximate (``pdftotext -layout``, a shifted
line), a value can land one column off. The hierarchy then fails twice in the row above it: the
column that lost the value is short by X, the column that gained it is over by X. A document
that misprints rarely does so in that exact pattern; a reading that misplaces does it every
time. So the cells that can explain the pattern (a child holding X in one of the two columns,
else the row itself) are marked uncertain: the audit reports them as ``reading.uncertain``, not
as two errors.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from yusuan.tables.identities import Check
from yusuan.tables.model import Table


def _moved_pairs(fails: list[Check], step: int) -> list[tuple[Check, Check]]:
    """Pairs of failing sums of one row whose differences cancel out (within rounding)."""
    pairs = []
    for a, b in combinations(fails, 2):
        tolerance = step * (a.terms + b.terms)
        if abs(a.difference) > tolerance and abs(a.difference + b.difference) <= tolerance:
            pairs.append((a, b))
    return pairs


def _shifted(fails: list[Check], columns: list[str], step: int) -> bool:
    """Whether the row's values stand a column or two off their sums: the failing columns' sums
    are found, in order, in the row's cells that many columns to the side."""
    if len(fails) < 2:
        return False
    actual = {c.column: c.actual for c in fails}
    expected = {c.column: c.expected for c in fails}
    place = {column: k for k, column in enumerate(columns)}
    for shift in (-2, -1, 1, 2):
        matched = 0
        for column, want in expected.items():
            k = place.get(column)
            if k is None or not 0 <= k + shift < len(columns):
                break
            got = actual.get(columns[k + shift])
            if got is None or abs(got - want) > step * 2:
                break
            matched += 1
        if matched and matched >= len(expected) - 1:
            return True
    return False


def mark_moved_values(table: Table, checks: list[Check], step: int) -> int:
    """Mark uncertain the cells that may hold a value read into the wrong column; returns how many
    rows were marked. ``checks``: the table's hierarchy checks; ``step``: its display step in fen."""
    rows = {row.key: row for row in table.rows}
    failing: dict[tuple[str, ...], list[Check]] = defaultdict(list)
    for check in checks:
        if not check.held:
            failing[check.row_key].append(check)
    marked: set[tuple[str, ...]] = set()
    columns = [c.key for c in table.columns if c.type == "amount"]
    for key, fails in failing.items():
        if key in rows and _shifted(fails, columns, step):
            rows[key].mark_uncertain(c.column for c in fails)
            marked.add(key)
            continue
        for a, b in _moved_pairs(fails, step):
            moved = abs(a.difference)
            pair = (a.column, b.column)
            kids = {k for k, _ in a.parts} | {k for k, _ in b.parts}
            holders = [
                rows[k]
                for k in kids
                if k in rows
                and any(
                    isinstance(v := rows[k].value(c), int) and abs(v - moved) <= step * (a.terms + b.terms)
                    for c in pair
                )
            ]
            for row in holders or ([rows[key]] if key in rows else []):
                row.mark_uncertain(pair)
                marked.add(row.key)
            if holders and key in rows:  # the sum itself rests on the moved value
                rows[key].mark_uncertain(pair)
    return len(marked)
