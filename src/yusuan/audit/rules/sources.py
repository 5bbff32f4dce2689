"""The same source of money printed in several tables agrees (通用版式).

Each source of a department's income is printed at least twice: as a line of the 收支总表's
income side (一、一般公共预算拨款收入 …), again in the 财政拨款收支总表 (the 财政拨款 sources), and
as a column of the 收入总表's 合计 row. What a figure means is read from its own words — the
line's label, the column's header — never from the table's place in a template, and only
names whose scope is unambiguous are compared: a 财政拨款 figure is never set against an
一般公共预算 one (they differ by the 政府性基金), the broad 事业收入 / 其他收入 (whose 财政专户
part some templates list apart) are not compared, and the 上年结转 of the 财政拨款收支总表
(财政拨款 only) is not the department's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from yusuan.audit.context import AuditContext
from yusuan.audit.finding import Finding
from yusuan.audit.rules import rule
from yusuan.audit.rules.generic import figures_agree
from yusuan.audit.rules.generic_figures import first_amount, readable_amount, row_label, table_total, this_year
from yusuan.audit.rules.summary_lines import carry_free, read_summary
from yusuan.extract.column_parts import bare_header
from yusuan.tables.model import Column, Row, Table

_TAIL = "rounding.tail_difference"
_CARRY = ("上年结转结余", "上年结转")
#: a source of income (its name in messages) and how a line or a column names it, in full
_SOURCES: tuple[tuple[str, str], ...] = (
    ("一般公共预算拨款", r"一般公共预算(?:拨款)?(?:收入)?"),
    ("政府性基金预算拨款", r"政府性基金(?:预算)?(?:拨款)?(?:收入)?"),
    ("国有资本经营预算拨款", r"国有资本经营(?:预算)?(?:拨款)?(?:收入)?"),
    ("财政拨款", r"财政拨款(?:收入)?"),
    ("事业单位经营收入", r"事业单位经营收入"),
    ("上级补助收入", r"上级补助收入"),
    ("附属单位上缴收入", r"附属单位上缴收入"),
    ("上年结转结余", r"上年结转[和及、]?结余|上年结余[和及、]?结转"),
    ("上年结转", r"上年结转"),
)
#: a line's ordinal or 其中 before its name (一、 （一） 1. 其中：)
_LEAD = re.compile(
    r"^(?:其中[:：]?)?(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])?"
)
#: the group a column header may name above the source (财政拨款收入 / 一般公共预算)
_GROUPS = (
    *("", "财政拨款收入", "财政拨款支出", "财政拨款", "本年收入", "收入预算", "部门预算", "单位资金", "其他资金收入"),
    *("预算数", "支出"),
)
#: words of a header for money of earlier years or a part: never this year's whole source
_NOT_WHOLE = re.compile(r"上年|结转|结余|其中|以前年度")


def _source(text: str) -> str:
    """The source a full name stands for ('' when none, or not exactly)."""
    for name, pattern in _SOURCES:
        if re.fullmatch(pattern, text):
            return name
    return ""


def _line_source(label: str) -> str:
    return _source(_LEAD.sub("", label))


_UNREAD = re.compile(r"^第\d+列$")


def _headers_read(table: Table, row: Row) -> bool:
    """Whether the header of every amount column the row fills was read: where some were not, a
    header read is likely a group's title standing over one of its columns (北京 预算02表: 上年结转结余)."""
    return not any(
        c.type == "amount" and isinstance(row.value(c.key), int) and _UNREAD.match("".join(c.headers))
        for c in table.columns
    )


def _column_source(header: str) -> str:
    text = bare_header(header).removesuffix("小计")
    for group in _GROUPS:
        if text.startswith(group):
            name = _source(text[len(group) :])
            if name and (name in _CARRY or not _NOT_WHOLE.search(text)):
                return name
    return ""


@dataclass(frozen=True, slots=True)
class _Figure:
    """One table's figure for a source: a line (收支总表) or a column of the 合计 row (收入总表)."""

    table: Table
    row: Row
    column: str
    value: int
    what: str  # how the message names where it stands


def _lines(table: Table, year: int, carry_too: bool) -> dict[str, _Figure]:
    """The income lines of a 收支总表 that name a source, in the income column: this year's sources
    above 本年收入合计, the carry-over below it (only with ``carry_too``); a source named twice is
    left out."""
    summary = read_summary(table, year)
    if summary.income_year is None:
        return {}
    year_row, column, _ = summary.income_year
    rows = table.rows
    above = rows[: rows.index(year_row)]
    below = list(summary.income_rows) if carry_too else []
    found: dict[str, list[_Figure]] = {}
    for part, rows_of_part in ((False, above), (True, below)):
        for row in rows_of_part:
            name = _line_source(row_label(row))
            if not name or (name in _CARRY) != part:
                continue
            first = first_amount(table, row, year)
            if first is None or first[0] != column:
                continue
            found.setdefault(name, []).append(_Figure(table, row, column, first[1], f"「{row_label(row)}」行"))
    return {name: figures[0] for name, figures in found.items() if len(figures) == 1}


def _columns(table: Table, year: int) -> dict[str, _Figure]:
    """The 收入总表's 合计 row, by the source each of its columns names (one column a source)."""
    totals = [
        r for r in table.rows if r.kind == "total" and row_label(r) in ("合计", "总计", "") and not r.value("code")
    ]
    if len(totals) != 1 or not _headers_read(table, totals[0]):
        return {}
    row = totals[0]
    out = {}
    for name, keys in _source_columns(table, year).items():
        value = readable_amount(table, row, keys[0]) if len(keys) == 1 else None
        if value is not None:
            header = bare_header("".join(table.column(keys[0]).headers))
            out[name] = _Figure(table, row, keys[0], value, f"「{'/'.join(row.key)}」行「{header}」列")
    return out


def _source_columns(table: Table, year: int) -> dict[str, list[str]]:
    """This year's amount columns of ``table`` by the source of income each names."""
    found: dict[str, list[str]] = {}
    for column in table.columns:
        name = _column_source("".join(column.headers)) if column.type == "amount" else ""
        # the carry-over's own header says 上年: that alone does not make it last year's column
        if name and this_year(column if name not in _CARRY else _without_carry(column), year):
            found.setdefault(name, []).append(column.key)
    return found


def _without_carry(column: Column) -> Column:
    return Column(column.key, tuple(h.replace("上年", "") for h in column.headers), column.type)


def _only(ctx: AuditContext, kind: str) -> Table | None:
    found = [t for t in ctx.tables.tables if t.kind == kind]
    return found[0] if len(found) == 1 else None


#: the spending of a 财政拨款 source: its column in the 财政拨款收支总表, the total of its own table
_SPENDING = (("一般公共预算拨款", "gpb_expenditure"), ("政府性基金预算拨款", "gov_fund"))


def _spending(ctx: AuditContext) -> dict[str, list[_Figure]]:
    """This year's spending of 一般公共预算 and 政府性基金 money: the 财政拨款收支总表's 本年支出合计
    in the column of that source, and the 合计 of that source's spending table. Only when no
    money carried over is spent (the fiscal total would then hold it, the source's table may not)."""
    fiscal = _only(ctx, "fiscal_summary")
    if fiscal is None or not carry_free(ctx):
        return {}
    rows = [r for r in fiscal.rows if r.kind == "total" and row_label(r) in ("本年支出合计", "支出合计")]
    if len(rows) != 1 or not _headers_read(fiscal, rows[0]):
        return {}
    row = rows[0]
    by_source = _source_columns(fiscal, ctx.year)
    out: dict[str, list[_Figure]] = {}
    for name, kind in _SPENDING:
        own = _only(ctx, kind)
        keys = by_source.get(name, [])
        if own is None or len(keys) != 1 or "收入" in own.title or "收支" in own.title:
            continue
        value = readable_amount(fiscal, row, keys[0])
        total = table_total(own, ctx.year)
        if value is None or total is None:
            continue
        header = bare_header("".join(fiscal.column(keys[0]).headers))
        out[name + "支出"] = [
            _Figure(fiscal, row, keys[0], value, f"「{row_label(row)}」行「{header}」列"),
            _Figure(own, total[0], total[1], total[2], f"「{'/'.join(total[0].key)}」行"),
        ]
    return out


def source_figures(ctx: AuditContext) -> dict[str, list[_Figure]]:
    """Per source of income, each table's figure for it: the 收支总表's line, the 财政拨款收支总表's
    line (this year's 财政拨款 sources only) and the 收入总表's column; and the spending of the
    一般公共预算 and 政府性基金 money (``_spending``)."""
    out: dict[str, list[_Figure]] = _spending(ctx)
    summary, fiscal, income = _only(ctx, "summary"), _only(ctx, "fiscal_summary"), _only(ctx, "income")
    readings = [
        summary and _lines(summary, ctx.year, carry_too=True),
        fiscal and _lines(fiscal, ctx.year, carry_too=False),
        income and _columns(income, ctx.year),
    ]
    for figures in readings:
        for name, figure in (figures or {}).items():
            out.setdefault(name, []).append(figure)
    return out


@rule(
    "cross.generic_sources",
    "error",
    "同一收入来源在各表中一致：收支总表、财政拨款收支总表的收入行（一般公共预算拨款、政府性基金、上年结转……）"
    "= 收入总表合计行的同名列（按行名、表头识别，通用版式）",
    "同一笔收入在两张表里数字不同，至少有一张表是错的。只比较名称完全对应、口径明确的来源："
    "财政拨款不与一般公共预算相比，事业收入、其他收入及财政拨款收支总表的结转不比较。",
)
def source_agreement(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.profile is not None:
        return
    for name, figures in source_figures(ctx).items():
        yield from figures_agree(ctx, figures, "cross.generic_sources", partial(_message, name))


def _message(name: str, other: _Figure, first: _Figure, actual: str, expected: str, gap: str) -> str:
    return (
        f"{name}在两表中不一致：{other.table.number}{other.what}为 {actual}，"
        f"{first.table.number}{first.what}为 {expected}（相差 {gap}）"
    )
