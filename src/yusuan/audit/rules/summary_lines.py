"""The lines of a 收支总表 read by the generic extractor, found by their labels: the grand totals
(收入总计, 支出总计), this year's totals (本年收入合计, 本年支出合计), the 一般公共预算 income line and
the money carried over from earlier years (上年结转结余) between 本年收入合计 and 收入总计.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yusuan.audit.context import AuditContext
from yusuan.audit.rules.generic_figures import first_amount, row_label
from yusuan.tables.model import Row, Table

_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])")
_CARRY = re.compile(r"^上年(?:结转|结余)")
_SUB = re.compile(r"^(?:其中|[（(]?\d+[）)]?[、.．]?)")


def _bare(label: str) -> str:
    return _ORDINAL.sub("", label)


def _amounts(table: Table) -> list[str]:
    return [c.key for c in table.columns if c.type == "amount"]


@dataclass(slots=True)
class SummaryLines:
    """The recognised lines of a 收支总表: (row, column, value) each."""

    income_total: tuple[Row, str, int] | None = None  # 收入总计
    spending_totals: tuple[tuple[Row, str, int], ...] = ()  # 支出总计 (one per spending column set)
    income_year: tuple[Row, str, int] | None = None  # 本年收入合计
    spending_year: tuple[Row, str, int] | None = None  # 本年支出合计
    income_rows: tuple[Row, ...] = ()  # rows between 本年收入合计 and 收入总计
    gpb_income: tuple[Row, str, int] | None = None  # the 一般公共预算 (拨款) income line
    carry: int = 0  # non-zero carry-over lines (上年结转…) or other rows under 本年收入合计


def _unique(table: Table, rows: list[Row], year: int) -> list[tuple[Row, str, int]]:
    out = []
    for row in rows:
        first = first_amount(table, row, year)
        if first is not None:
            out.append((row, *first))
    return out


def read_summary(table: Table, year: int = 0) -> SummaryLines:
    """Find the grand totals and this year's totals of a 收支总表 by their labels."""
    rows = table.rows
    labels = [row_label(r) for r in rows]
    out = SummaryLines()

    def named(*names: str) -> list[tuple[Row, str, int]]:
        return _unique(table, [r for r, label in zip(rows, labels, strict=True) if label in names], year)

    income = named("收入总计")
    spending = named("支出总计")
    year_in = named("本年收入合计")
    if not income and not spending:
        # 收入合计/支出合计 as the grand totals: printed after 本年收入合计 (or without it)
        income, spending = named("收入合计"), named("支出合计")
        if year_in and income and rows.index(income[0][0]) < rows.index(year_in[0][0]):
            income, spending = [], []
    if not income and not spending:
        # a pair of bare 总计 (or 合计) rows: the income side's amount stands left of the spending side's
        for word in ("总计", "合计"):
            pair = named(word)
            if len(pair) == 2 and _amounts(table).index(pair[0][1]) < _amounts(table).index(pair[1][1]):
                income, spending = [pair[0]], [pair[1]]
                break
    if len(income) == 1:
        out.income_total = income[0]
        columns = _amounts(table)
        left = columns.index(income[0][1])
        # one 支出总计 per column it starts in, right of the income total's column
        seen: set[str] = set()
        kept = []
        for item in spending:
            if columns.index(item[1]) > left and item[1] not in seen:
                seen.add(item[1])
                kept.append(item)
        out.spending_totals = tuple(kept)
    year_out = named("本年支出合计")
    if len(year_in) == 1:
        out.income_year = year_in[0]
    if year_out:
        out.spending_year = year_out[0]
    gpb = [
        (r, label)
        for r, label in zip(rows, labels, strict=True)
        if "一般公共预算" in label and "支出" not in label and r.kind != "total"
    ]
    if len(gpb) == 1 and out.income_total is not None:
        found = first_amount(table, gpb[0][0], year)
        if found is not None and found[0] == out.income_total[1]:
            out.gpb_income = (gpb[0][0], *found)
    # carry-over (and anything else) on the income side between 本年收入合计 and 收入总计
    if out.income_year is not None and out.income_total is not None:
        start, end = rows.index(out.income_year[0]), rows.index(out.income_total[0])
        if start < end:
            out.income_rows = tuple(rows[start + 1 : end])
    return out


def carry_sum(table: Table, summary: SummaryLines) -> int | None:
    """Σ 上年结转(结余) lines under 本年收入合计 in the income column; None when another
    income-side line with an amount stands there (an addend the check does not know)."""
    assert summary.income_total is not None
    column = summary.income_total[1]
    total = 0
    for row in summary.income_rows:
        value = row.value(column)
        if not isinstance(value, int) or value == 0:
            continue
        label = _bare(row_label(row))
        if _CARRY.match(label):
            total += value
        elif _SUB.match(row_label(row)) and any(_CARRY.match(_bare(row_label(r))) for r in summary.income_rows):
            continue  # a part of the carry-over line (1.财政拨款结余、结转)
        else:
            return None
    return total


def carry_free(ctx: AuditContext) -> bool:
    """Whether the 收支总表 shows that no money carried over from earlier years is spent: a budget
    whose 本年收入合计 and 收入总计 are read, with every carry-over line between them zero."""
    table = ctx.table("summary")
    if table is None or any("决算" in t.title for t in ctx.tables.tables):
        return False
    summary = read_summary(table, ctx.year)
    if summary.income_year is None or summary.income_total is None:
        return False
    return carry_sum(table, summary) == 0
