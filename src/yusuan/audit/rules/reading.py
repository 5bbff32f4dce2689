"""What the reading could not vouch for: one warning per table instead of false errors.

These rules run after all the others (the engine withholds, in ``audit/certainty.py``, the
errors that rest on uncertain cells or on a table read wrongly as a whole, and keeps them in
``ctx.withheld``); they say what was withheld and where, so a reviewer can look.
"""

from __future__ import annotations

from collections.abc import Iterator

from yusuan.audit.certainty import UNCERTAIN, UNREADABLE, uncertain_rows
from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding, Place
from yusuan.audit.rules import rule
from yusuan.tables.model import Table

#: rows named in a message; the rest are counted
_NAMED_ROWS = 8


def _pages(table: Table, keys: set[str]) -> list[int]:
    return sorted(
        {
            c.location.page
            for r in table.rows
            if not keys or "/".join(r.key) in keys
            for c in r.cells.values()
            if c.location is not None and c.location.page
        }
    )


def _where(ctx: AuditContext, table: Table, keys: set[str]) -> str:
    pages = _pages(table, keys) if ctx.paged else []
    if not pages:
        return ""
    return f"第{pages[0]}页" if len(pages) == 1 else f"第{pages[0]}–{pages[-1]}页"


def _rows_text(rows: list[str]) -> str:
    named = "、".join(rows[:_NAMED_ROWS])
    return named + (f" 等 {len(rows)} 行" if len(rows) > _NAMED_ROWS else "")


@rule(
    "reading.uncertain",
    "warning",
    "表格中未能可靠读取的行（有无法归位的数字、与第二种读法不一致等）不作为错误依据",
    "读错的数字不是文件的错误；把这些行指出来，由人核对原文，而不是报出虚假的错误。",
)
def uncertain(ctx: AuditContext) -> Iterator[Finding]:
    for table in ctx.tables.tables:
        rows = uncertain_rows(table)
        withheld = ctx.withheld.get((table.number, UNCERTAIN), [])
        if not rows or not withheld:
            continue  # uncertain cells no check failed on are only counted (stats.cells_uncertain)
        where = _where(ctx, table, set(rows))
        message = (
            f"{where}{' ' if where else ''}{table.number} 有 {len(rows)} 行无法可靠读取：{_rows_text(rows)}"
            f"；涉及这些行的 {len(withheld)} 项核对未作为错误报告，请对照原文"
        )
        places = [Place(table=table.number, row=key) for key in rows[:_NAMED_ROWS]]
        places += [p for f in withheld for p in f.locations if p.table == table.number][:_NAMED_ROWS]
        yield finding("reading.uncertain", "warning", message, places=places)


@rule(
    "reading.unreadable_table",
    "warning",
    "多数核对不成立的表按“未能正确读取”报告，而不是报出几十个错误",
    "一张表的大多数恒等关系同时不成立，几乎总是版式读错了（列错位、分栏、跨页），不是文件本身错了几十处。",
)
def unreadable(ctx: AuditContext) -> Iterator[Finding]:
    for (number, why), withheld in sorted(ctx.withheld.items()):
        if why != UNREADABLE:
            continue
        table = next((t for t in ctx.tables.tables if t.number == number), None)
        stats = ctx.stats.get(number)
        where = _where(ctx, table, set()) if table is not None else ""
        held = f"{stats.checked} 项核对中只有 {stats.held} 项成立" if stats else "多数核对不成立"
        yield finding(
            "reading.unreadable_table",
            "warning",
            f"{where}{' ' if where else ''}{number} 未能可靠读取：{held}，"
            f"其 {len(withheld)} 项不符未作为错误报告，请对照原文",
            places=[p for f in withheld for p in f.locations if p.table == number][:_NAMED_ROWS],
        )
