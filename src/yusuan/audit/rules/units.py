"""合计 = Σ 单位 in every table that lists the department's units (通用版式).

A department's tables often list its units one per row — the 收入总表, the 三公经费 and
机关运行经费 tables, the 基本支出 and 项目支出 tables with each unit's lines under its name. The
unit rows are read from what they print, not from the table's kind: a unit code (6 digits,
under the department's 3-digit code), or a name that ends like an organisation's (…局, …中心,
…学院). A department's own row above its units (the same code prefix, or the same name as its
first unit, 本级 aside) is their subtotal: 合计 = the department row = Σ its units.

Precision first: a table is checked only when every other row with amounts is explained —
a detail line coded by 功能/经济分类 under a unit, or (under units known by their codes) a
project line. Tables whose code hierarchy already sums the units (``table.code_hierarchy``)
are left to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding
from yusuan.audit.rules import rule
from yusuan.audit.rules.generic_figures import row_label
from yusuan.extract.codes import OWN_PART, unit_name
from yusuan.extract.generic import table_display_step, text_kinds
from yusuan.extract.hierarchy import sum_check
from yusuan.tables.model import Row, Table

_TAIL = "rounding.tail_difference"

#: columns whose figures do not add up over rows (rates, shares)
_NOT_ADDITIVE = re.compile(r"率|%|％|比例|比重|占比")
_GRAND_TOTAL = ("合计", "总计", "共计", "")


def _code(row: Row) -> str:
    code = row.value("code")
    return code if isinstance(code, str) else ""


def _amounts(row: Row, columns: list[str]) -> bool:
    return any(isinstance(row.value(c), int) for c in columns)


def _own(label: str) -> str:
    """A unit's name without its 本级 mark: the department's own row and its 本级 unit read alike."""
    return OWN_PART.sub("", label)


@dataclass(slots=True)
class _Units:
    """A table's grand total, its top units and the units under a department row."""

    total: Row | None  # None: the department's own row heads the table
    top: list[Row]
    under: dict[int, list[Row]]  # id(department row) → its units


def read_units(table: Table, columns: list[str]) -> _Units | None:
    """The table's units, when each row with amounts is the grand total, a unit or a unit's detail."""
    totals = [r for r in table.rows if r.kind == "total" and _amounts(r, columns)]
    grand = [r for r in totals if row_label(r) in _GRAND_TOTAL and not _code(r)]
    if len(grand) != len(totals) or len(grand) > 1:
        return None
    units: list[Row] = []
    # a department's 3-digit code heads the 6-digit codes of its units (263 → 263001, 263002)
    heads = {c[:3] for r in table.rows if re.fullmatch(r"\d{6}", c := _code(r))}
    by_code = bool(heads)  # units known by their codes: every uncoded line is a unit's detail
    for row in table.rows:
        if any(row is g for g in grand) or not _amounts(row, columns):
            continue
        code, name = _code(row), row_label(row)
        unit_by_code = by_code and (re.fullmatch(r"\d{6}", code) is not None or code in heads)
        if unit_by_code or (not by_code and not code and unit_name(name)):
            units.append(row)
        elif not units:
            return None  # a line above every unit: not a table of units
        elif not code and not by_code:
            return None  # an uncoded line under a unit known only by name: a unit's name or a line?
    if not units:
        return None
    under: dict[int, list[Row]] = {}
    top: list[Row] = []
    if by_code:
        departments = {_code(u): u for u in units if len(_code(u)) == 3}
        for unit in units:
            mother = departments.get(_code(unit)[:3]) if len(_code(unit)) == 6 else None
            if mother is None:
                top.append(unit)
            else:
                under.setdefault(id(mother), []).append(unit)
    else:
        # a unit followed by its own 本级 is a department above the units after it
        heads_by_name = [k for k in range(len(units) - 1) if _own(row_label(units[k])) == _own(row_label(units[k + 1]))]
        if not heads_by_name and len(units) > 2:
            # the department's row (退役军人事务局) above its units: it adds them up, or it is the 合计
            step = table_display_step(table)
            if _sums(table, units[0], units[1:], columns, step) or (
                grand and _sums(table, units[0], grand, columns, step)
            ):
                heads_by_name = [0]
        if heads_by_name == [0]:
            top, under = [units[0]], {id(units[0]): units[1:]}
        elif not heads_by_name:
            top = units
        else:
            return None  # a department inside the list: where its units end is not printed
    if not grand and not under:
        return None  # no 合计 and no department row: nothing the units add up to
    return _Units(grand[0] if grand else None, top, under)


def _sums(table: Table, row: Row, parts: list[Row], columns: list[str], step: int) -> bool:
    """Whether a row's amounts are the sum of the parts' in every column (within rounding)."""
    compared = 0
    for column in columns:
        value = row.value(column)
        values = [v if isinstance(v := p.value(column), int) else 0 for p in parts]
        if not isinstance(value, int):
            if any(values):
                return False
            continue
        if not sum_check(table, row, parts, column, value, values, "", step).held:
            return False
        compared += 1
    return compared > 0


def _additive(table: Table) -> list[str]:
    return [c.key for c in table.columns if c.type == "amount" and not _NOT_ADDITIVE.search("".join(c.headers))]


def _summed_elsewhere(ctx: AuditContext, table: Table) -> set[tuple[str, ...]]:
    """The rows whose sum the code hierarchy already checks (``table.code_hierarchy``)."""
    return {check.row_key for check in ctx.code_checks(table)}


@rule(
    "table.unit_sum",
    "error",
    "列出各单位的表：合计 = 各单位之和，部门行 = 其所属单位之和（收入总表、三公经费表、机关运行经费表等，通用版式）",
    "部门合计与所属单位之和对不上，说明某个单位的数填错、漏列或多列。只在每一行都能认出是合计、单位或单位下的明细时核对。",
)
def unit_sum(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.profile is not None:
        return
    for table in ctx.tables.tables:
        if table.kind in text_kinds():
            continue
        columns = _additive(table)
        units = read_units(table, columns)
        if units is None:
            continue
        summed = _summed_elsewhere(ctx, table)
        if units.total is not None and units.total.key not in summed:
            yield from _compare(ctx, table, columns, units.total, units.top, "合计 = Σ 各单位")
        for mother in units.top:
            if id(mother) in units.under and mother.key not in summed:
                yield from _compare(ctx, table, columns, mother, units.under[id(mother)], "部门 = Σ 所属单位")


def _part(row: Row, column: str, positional: bool) -> int | None:
    """A unit's amount in a column: a blank cell of a table read by position is zero;
    without positions a missing cell is unknown."""
    cell = row.cells.get(column)
    if cell is None:
        return None if not positional else 0
    return cell.value if isinstance(cell.value, int) else 0


def _compare(
    ctx: AuditContext, table: Table, columns: list[str], parent: Row, parts: list[Row], what: str
) -> Iterator[Finding]:
    positional = any(row.cells.get(c) is not None and row.value(c) is None for row in table.rows for c in columns)
    step = table_display_step(table)
    for column in columns:
        actual = parent.value(column)
        if not isinstance(actual, int):
            continue
        values = [_part(p, column, positional) for p in parts]
        if any(v is None for v in values):
            continue
        check = sum_check(table, parent, parts, column, actual, [v or 0 for v in values], what, step)
        expected, difference, tail = check.expected, check.difference, check.held
        if not expected and not actual:
            continue
        shown = [p for p in parts if p.cells.get(column) is not None]
        ctx.count(table, tail, cells=[(table, r, column) for r in (parent, *shown)])
        if difference == 0:
            continue
        places = [ctx.place(table, parent, column)]
        places += [ctx.place(table, p, column) for p in shown]
        header = "".join(table.column(column).headers)
        e, a = ctx.amount_text(expected, table), ctx.amount_text(actual, table)
        message = (
            f"{table.number}「{header}」列：{'/'.join(parent.key)} 为 {a}，"
            f"{'所属' if what.startswith('部门') else ''}各单位之和为 {e}"
            f"（{len(parts)} 个单位，相差 {ctx.amount_text(abs(difference), table)}）；应满足 {what}"
        )
        if tail:
            yield finding(_TAIL, "info", message + "，差额在显示舍入范围内（尾差）", e, a, places)
        else:
            yield finding("table.unit_sum", "error", message, e, a, places, [1] + [-1] * len(shown))
