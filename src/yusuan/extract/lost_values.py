"""Values printed in a table that the reading did not put in any cell, and sums they would mend.

A row the reading lost (merged into a wrapped name, cut at a page break, run together with a
neighbour) leaves its parent short by exactly that row's amount. When the amount a failing sum
misses is printed in the table but was read into no cell, the failure is the reading's, not the
document's: the parent's cell is marked uncertain. A part the document really omitted is not
printed at all (or is printed and read as a row of its own), so real omissions stay errors.
"""

from __future__ import annotations

import re
from collections import Counter

from yusuan.extract.document import Line
from yusuan.money import AmountError, parse_amount
from yusuan.tables.identities import Check
from yusuan.tables.model import Table

# an amount as tables print it: with decimals (bare integers may be codes, so they are left out)
_PRINTED = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d{1,6}$")


def printed_amounts(lines: list[Line], unit: str) -> Counter[int]:
    """Every decimal amount printed on the lines, in fen."""
    out: Counter[int] = Counter()
    for line in lines:
        for word in line.text.split():
            if _PRINTED.match(word):
                try:
                    out[parse_amount(word, unit or "万元")] += 1
                except AmountError:
                    continue
    return out


def read_amounts(table: Table) -> Counter[int]:
    return Counter(c.value for r in table.rows for c in r.cells.values() if isinstance(c.value, int))


def mark_lost_values(table: Table, lines: list[Line], checks: list[Check], step: int) -> int:
    """Mark uncertain each failing sum whose missing amount is printed on ``lines`` (the table's
    own lines) but read into no cell; returns how many cells were marked."""
    failing = [c for c in checks if not c.held and c.difference]
    if not failing:
        return 0
    unread = printed_amounts(lines, table.unit) - read_amounts(table)
    if not unread:
        return 0
    rows = {row.key: row for row in table.rows}
    marked = 0
    for check in failing:
        missing = abs(check.difference)
        tolerance = step * check.terms
        if not any(abs(value - missing) <= tolerance for value in unread if value):
            continue
        row = rows.get(check.row_key)
        if row is not None:
            marked += row.mark_uncertain([check.column])
    return marked
