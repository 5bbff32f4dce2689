"""What the reading cannot vouch for is not an error of the document.

The extraction marks a cell ``certain=False`` when it could not account for every token of the
cell's row, or when two readings of the row disagree. An error whose places include such a cell
says more about our reading than about the document, so it is withheld from the errors; so are
the errors of a table where most identities fail (a table read wrongly as a whole, not a table
with dozens of mistakes). The reading rules (``rules/reading.py``) then report what was withheld,
one warning per table.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from yusuan.audit.context import AuditContext
from yusuan.audit.finding import Finding
from yusuan.tables.model import Table

#: a table is "unreadable" when errors fall on at least this many of its rows …
UNREADABLE_MIN_ROWS = 4
#: … and fewer than this share of its identities held (one misprinted row fails a few identities
#: in each column; a misread table fails most of them, all over)
UNREADABLE_MAX_HELD = 0.5

UNCERTAIN = "uncertain"
UNREADABLE = "unreadable"


def uncertain_rows(table: Table) -> list[str]:
    """The keys (joined with '/') of the table's rows with an uncertain cell, in table order."""
    return ["/".join(row.key) for row in table.rows if any(not c.certain for c in row.cells.values())]


def _uncertain_cells(ctx: AuditContext) -> set[tuple[str, str, str]]:
    return {
        (table.number, "/".join(row.key), column)
        for table in ctx.tables.tables
        for row in table.rows
        for column, cell in row.cells.items()
        if not cell.certain
    }


def _unreadable_tables(ctx: AuditContext, findings: list[Finding]) -> set[str]:
    rows: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        if f.severity == "error" and f.locations and f.locations[0].table:
            rows[f.locations[0].table].add(f.locations[0].row)
    return {
        number
        for number, stats in ctx.stats.items()
        if len(rows[number]) >= UNREADABLE_MIN_ROWS and stats.held < stats.checked * UNREADABLE_MAX_HELD
    }


def withhold(ctx: AuditContext, findings: list[Finding]) -> list[Finding]:
    """The findings the document can be held to; the others are kept in ``ctx.withheld``
    by (table number, why) for the reading rules to report."""
    uncertain = _uncertain_cells(ctx)
    unreadable = _unreadable_tables(ctx, findings)
    ctx.withheld.clear()
    kept: list[Finding] = []
    for f in findings:
        if f.severity != "error":
            kept.append(f)
            continue
        shaky = next((p.table for p in f.locations if (p.table, p.row, p.column) in uncertain), None)
        broken = next((p.table for p in f.locations if p.table in unreadable), None)
        if broken is not None:
            ctx.withheld.setdefault((broken, UNREADABLE), []).append(f)
        elif shaky is not None:
            ctx.withheld.setdefault((shaky, UNCERTAIN), []).append(f)
        else:
            kept.append(f)
    return kept


def cell_counts(ctx: AuditContext) -> tuple[int, int]:
    """(amount cells read with certainty, amount cells read uncertainly) over the document's tables."""
    counts: Counter[bool] = Counter(
        cell.certain
        for table in ctx.tables.tables
        for row in table.rows
        for cell in row.cells.values()
        if isinstance(cell.value, int)
    )
    return counts[True], counts[False]


def withheld_failures(ctx: AuditContext) -> int:
    """How many failed checks were withheld because a cell they rest on is uncertain."""
    return sum(len(v) for (_, why), v in ctx.withheld.items() if why == UNCERTAIN)
