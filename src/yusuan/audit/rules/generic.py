"""Checks for documents read by the generic extractor (no profile): the 收支总表's balance and
the same total across tables.

The generic extractor gives every table columns ``code``/``name``/``v1``…``vN``; a two-sided
收支总表 comes out as one row per printed label, the income side's amounts in the left
columns and the expenditure side's in the right ones. Only rows whose label is recognised
exactly are compared (precision first: a false error is worse than a missed one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding
from yusuan.audit.rules import rule
from yusuan.audit.rules.generic_figures import readable_amount, row_label, table_total, this_year
from yusuan.audit.rules.summary_lines import carry_free, carry_sum, read_summary
from yusuan.extract.amounts import printed_decimals
from yusuan.extract.column_parts import bare_header, column_parts, column_sum
from yusuan.extract.generic import table_display_step
from yusuan.money import UNIT_FEN
from yusuan.tables.model import Row, Table

_TAIL = "rounding.tail_difference"


def _where(row: Row) -> str:
    return "/".join(row.key)


def _generic(ctx: AuditContext) -> bool:
    return ctx.profile is None


@rule(
    "summary.balance",
    "error",
    "收支总表收支平衡：收入总计 = 支出总计；收入总计 = 本年收入合计 + 上年结转结余（通用版式）",
    "收支总表两边不平衡，是最显眼的公开错误；总计与本年合计、结转对不上，说明某行填错。",
)
def summary_balance(ctx: AuditContext) -> Iterator[Finding]:
    if not _generic(ctx):
        return
    table = ctx.table("summary")
    if table is None:
        return
    summary = read_summary(table, ctx.year)
    if summary.income_total is None:
        return
    in_row, in_column, in_value = summary.income_total
    step = table_display_step(table)
    for out_row, out_column, out_value in summary.spending_totals:
        difference = out_value - in_value
        held = difference == 0
        ctx.count(table, held, cells=[(table, in_row, in_column), (table, out_row, out_column)])
        if held:
            continue
        places = [ctx.place(table, in_row, in_column), ctx.place(table, out_row, out_column)]
        expected, actual = ctx.amount_text(in_value, table), ctx.amount_text(out_value, table)
        message = (
            f"{table.number} 收支不平衡：{_where(in_row)} 为 {expected}，{_where(out_row)} 为 {actual}"
            f"（相差 {ctx.amount_text(abs(difference), table)}）"
        )
        if abs(difference) <= step:
            yield finding(_TAIL, "info", message + "，差额在显示舍入范围内（尾差）", expected, actual, places)
        else:
            yield finding("summary.balance", "error", message, expected, actual, places, [1, -1])
    if summary.income_year is None:
        return
    year_row, year_column, year_value = summary.income_year
    carry = carry_sum(table, summary)
    if carry is None or year_column != in_column:
        return
    expected_value = year_value + carry
    difference = in_value - expected_value
    held = difference == 0
    ctx.count(table, held)
    if held:
        return
    places = [ctx.place(table, in_row, in_column), ctx.place(table, year_row, in_column)]
    places += [ctx.place(table, r, in_column) for r in summary.income_rows if r.value(in_column)]
    expected, actual = ctx.amount_text(expected_value, table), ctx.amount_text(in_value, table)
    message = (
        f"{table.number} 收入总计（{actual}）不等于 本年收入合计 + 上年结转结余（{expected}）"
        f"（相差 {ctx.amount_text(abs(difference), table)}）"
    )
    terms = 1 + sum(1 for r in summary.income_rows if r.value(in_column))
    if abs(difference) <= step * terms:
        yield finding(_TAIL, "info", message + "，差额在显示舍入范围内（尾差）", expected, actual, places)
    else:
        yield finding("summary.balance", "error", message, expected, actual, places)


@rule(
    "cross.generic_totals",
    "error",
    "同一总数在不同表中一致：收支总表支出总计（本年支出合计）= 支出总表合计；收入总计（本年收入合计）= 收入总表合计；"
    "一般公共预算支出表合计 = 收支总表一般公共预算收入（通用版式）",
    "同一笔钱在两张表里数字不同，至少有一张表是错的。",
)
def generic_totals(ctx: AuditContext) -> Iterator[Finding]:
    if not _generic(ctx):
        return
    summary_table = ctx.table("summary")
    if summary_table is None:
        return
    summary = read_summary(summary_table, ctx.year)
    candidates: list[tuple[str, str, list[tuple[Row, str, int]]]] = []
    spending = [x for x in (summary.spending_year, *summary.spending_totals[:1]) if x is not None]
    income = [x for x in (summary.income_year, summary.income_total) if x is not None]
    labels = [row_label(r) for r in summary_table.rows]
    # 本年支出合计 printed on one line with another label (…合计结余分配): its amount is not
    # identified, and the table's 合计 may be that one
    if summary.spending_year is not None or not any("本年支出合计" in x for x in labels):
        candidates.append(("expenditure", "支出总计（本年支出合计）", spending))
    if summary.income_year is not None or not any("本年收入合计" in x for x in labels):
        candidates.append(("income", "收入总计（本年收入合计）", income))
    carry = carry_sum(summary_table, summary) if summary.income_year and summary.income_total else None
    final = any("决算" in t.title for t in ctx.tables.tables)  # spending draws on balances from before
    if summary.gpb_income is not None and carry == 0 and not final:
        candidates.append(("gpb_expenditure", _where(summary.gpb_income[0]), [summary.gpb_income]))
    for kind, what, sides in candidates:
        table = ctx.table(kind)
        if table is None or not sides:
            continue
        total = table_total(table, ctx.year)
        if total is None:
            continue
        row, column, value = total
        values = {v for _, _, v in sides}
        if value in values:
            ctx.count(
                table, True, cells=[(table, row, column)] + [(summary_table, r, c) for r, c, v in sides if v == value]
            )
            continue
        if any(v and (value == v * 10000 or v == value * 10000) for v in values):
            continue  # a unit read wrongly in one of the tables: not a finding
        tolerance = max(table_display_step(table), table_display_step(summary_table))
        closest = min(sides, key=lambda s: abs(s[2] - value))
        difference = value - closest[2]
        ctx.count(table, abs(difference) <= tolerance, cells=[(table, row, column), (summary_table, *closest[:2])])
        places = [ctx.place(table, row, column)] + [ctx.place(summary_table, r, c) for r, c, _ in sides]
        expected, actual = ctx.amount_text(closest[2], summary_table), ctx.amount_text(value, table)
        message = (
            f"{table.number} 与 {summary_table.number} 不一致：{table.number} 合计为 {actual}，"
            f"{summary_table.number} {what} 为 " + "、".join(ctx.amount_text(v, summary_table) for _, _, v in sides)
        )
        if abs(difference) <= tolerance:
            yield finding(_TAIL, "info", message + "，差额在显示舍入范围内（尾差）", expected, actual, places)
        else:
            # the table's total against the closest of the summary's figures (the others only shown)
            signs = [1] + [-1 if side is closest else 0 for side in sides]
            yield finding("cross.generic_totals", "error", message, expected, actual, places, signs)


#: how a narrative names the department's grand totals (the subject's last words)
_INCOME_TOTALS = ("收入总计", "收入预算总计", "收入总预算", "收支总预算", "部门预算收入", "收入预算")
_SPENDING_TOTALS = ("支出总计", "支出预算总计", "支出总预算", "部门预算支出", "支出预算")
#: names of both totals at once (a 决算's 收入支出总计: the two sides are equal)
_BOTH_TOTALS = ("收入支出总计", "收支总计", "收入支出决算总计", "收支决算总计")
#: words right before the name that narrow it to one source or part: then it is not the grand total
_QUALIFIED = re.compile(
    r"(?:拨款|经费|转移支付|补助|资金|收入|支出|一般公共预算|政府性基金(?:预算)?|国有资本经营(?:预算)?"
    r"|财政专户(?:管理)?|事业|经营|其他|基本|项目|结转|结余|上年|本年|三公”?)$"
)


def _total_named(subject: str) -> str | None:
    """'in', 'out' or 'both' when a narrative amount's subject names the grand income or spending total."""
    for names, side in ((_BOTH_TOTALS, "both"), (_INCOME_TOTALS, "in"), (_SPENDING_TOTALS, "out")):
        for name in names:
            if subject.endswith(name):
                return None if _QUALIFIED.search(subject[: -len(name)]) else side
    return None


def _written_step(text: str) -> int:
    """The narrative's display step in fen: it writes 万元 with as many decimals as shown."""
    return UNIT_FEN["万元"] // 10 ** min(printed_decimals(text), 6)


@rule(
    "narrative.generic_totals",
    "error",
    "情况说明中的收支总额与收支总表一致：收入（支出）预算总额 = 收入（支出）总计或本年收入（支出）合计（通用版式）",
    "文字说明里的总额最常被引用；与表格不符会误导读者。只比较明确指总额的说法（不含“财政拨款”“基本支出”等限定），"
    "说明里写出多个不同总额（各下属单位分别说明）时不比较。",
)
def narrative_totals(ctx: AuditContext) -> Iterator[Finding]:
    from yusuan.extract.tables import normal
    from yusuan.money import format_wan

    if not _generic(ctx) or ctx.narrative is None:
        return
    table = ctx.table("summary")
    if table is None:
        return
    summary = read_summary(table, ctx.year)
    sides = {
        "in": [x for x in (summary.income_total, summary.income_year) if x is not None],
        "out": [x for x in (*summary.spending_totals[:1], summary.spending_year) if x is not None],
    }
    stated: dict[str, list] = {"in": [], "out": []}
    for fact in ctx.narrative.facts:
        if fact.kind == "amount" and fact.fen > 0:
            side = _total_named(normal(fact.clause))
            for one in ("in", "out") if side == "both" else (side,) if side else ():
                stated[one].append(fact)
    for side, facts in stated.items():
        # one total, however often repeated: several different ones are the units' own (分单位说明)
        if not sides[side] or len({f.fen for f in facts}) != 1:
            continue
        for fact in facts:
            step = _written_step(fact.text)
            distance = min(abs(value - fact.fen) for _row, _column, value in sides[side])
            # within one written step: the narrative rounded or cut the table's figure
            held = distance < step + table_display_step(table)
            ctx.count(table, held)
            if held:
                continue
            row, _column, value = sides[side][0]
            what = "收入" if side == "in" else "支出"
            places = [ctx.fact_place(fact), *(ctx.place(table, r, c) for r, c, _v in sides[side])]
            message = (
                f"情况说明中的{what}总额为 {fact.text} 万元，{table.number} {_where(row)} 为 {format_wan(value)} 万元"
                + ("" if len(sides[side]) == 1 else f"，本年{what}合计为 {format_wan(sides[side][1][2])} 万元")
            )
            if distance <= 2 * step:
                yield finding(_TAIL, "info", message + "（尾差）", format_wan(value), fact.text, places)
            else:
                yield finding("narrative.generic_totals", "error", message, format_wan(value), fact.text, places)


@rule(
    "table.generic_columns",
    "error",
    "表内每一行：合计列 = 其组成列之和（如 合计 = 基本支出 + 项目支出；按表头识别，通用版式）",
    "表头宣称的合计关系不成立，说明某个数填错或漏填；只在表头完整列出组成列时核对。",
)
def generic_columns(ctx: AuditContext) -> Iterator[Finding]:
    if not _generic(ctx):
        return
    for table in ctx.tables.tables:
        found = column_parts(table)
        if found is None:
            continue
        total_column, parts = found
        step = table_display_step(table)
        for row in table.rows:
            compared = column_sum(table, row, total_column, parts, step)
            if compared is None:
                continue  # a blank total is not compared (a wrapped or missing cell)
            tail = compared.rounding
            ctx.count(table, tail, cells=[(table, row, c) for c in (total_column, *parts)])
            if compared.difference == 0:
                continue
            shown = [c for c in parts if row.value(c)]
            places = [ctx.place(table, row, total_column), *(ctx.place(table, row, c) for c in shown)]
            expected, actual = ctx.amount_text(compared.summed, table), ctx.amount_text(compared.total, table)
            names = " + ".join("".join(table.column(c).headers) for c in parts)
            message = f"{table.number} 第「{_where(row)}」行：合计 {actual} ≠ {names} = {expected}"
            if tail:
                yield finding(_TAIL, "info", message + "（尾差）", expected, actual, places)
            else:
                signs = [1] + [-1] * len(shown)
                yield finding("table.generic_columns", "error", message, expected, actual, places, signs)


#: what a column holds, by how its header (spaces and slashes removed) ends
_PERSONNEL = ("人员经费", "人员支出", "人员经费支出")
_PUBLIC = ("公用经费", "公用支出", "公用经费支出")
_PROJECT = ("项目支出", "项目支出总数")
_GPB = ("一般公共预算", "一般公共预算拨款")
_SUBTOTAL = frozenset({"小计", "计"})
#: the compared quantities and how a message names them
_QUANTITIES = {
    "basic": "基本支出",
    "personnel": "基本支出的人员经费",
    "public": "基本支出的公用经费",
    "project": "项目支出",
}


def _headed(table: Table, year: int) -> dict[str, str]:
    """This year's columns that say by their header what they hold: role → column key.

    Roles: ``basic`` (…基本支出, or a 小计 standing right before 基本支出人员经费 and 公用经费: the
    group's subtotal), ``personnel``, ``public``, ``project`` and ``gpb`` (a source column
    …一般公共预算(拨款)). A role two columns claim is left out: which one is meant is not known.
    """
    columns = [c for c in table.columns if c.type == "amount"]
    headers = [bare_header("".join(c.headers)) for c in columns]
    current = [this_year(c, year) for c in columns]
    found: dict[str, list[str]] = {}
    for k, (column, header) in enumerate(zip(columns, headers, strict=True)):
        if not current[k]:
            continue
        role = None
        if header.endswith("基本支出"):
            role = "basic"
        elif header.endswith(_PERSONNEL):
            role = "personnel"
        elif header.endswith(_PUBLIC):
            role = "public"
        elif header.endswith(_PROJECT) and "基本" not in header:
            role = "project"
        elif header.endswith(_GPB):
            role = "gpb"
        elif (
            header in _SUBTOTAL
            and k + 2 < len(columns)
            and current[k + 1]
            and "基本支出" in headers[k + 1]
            and headers[k + 1].endswith(_PERSONNEL)
            and headers[k + 2].endswith(_PUBLIC)
        ):
            role = "basic"
        if role is not None:
            found.setdefault(role, []).append(column.key)
    return {role: keys[0] for role, keys in found.items() if len(keys) == 1}


@dataclass(frozen=True, slots=True)
class _Source:
    """One table's figure for a quantity: a cell of its 合计 row, in a column named by its header."""

    table: Table
    row: Row
    column: str
    value: int


def _only(ctx: AuditContext, kind: str) -> Table | None:
    """The document's one table of a kind (None when absent or printed more than once)."""
    found = [t for t in ctx.tables.tables if t.kind == kind]
    return found[0] if len(found) == 1 else None


def _views(ctx: AuditContext, kinds: tuple[str, ...]) -> list[Table]:
    """The tables of these kinds: one; or, of two kinds, two with different titles (the same money
    by 功能分类 and by 经济分类: 西安 表7、表8, whose kinds the title alone may not tell apart).
    None otherwise: several alike are parts (one per unit…)."""
    found = [t for t in ctx.tables.tables if t.kind in kinds]
    if len(found) == 1 or (len(kinds) > 1 and len(found) == 2 and found[0].title != found[1].title):
        return found
    return []


def _own_total(table: Table, year: int) -> tuple[Row, str, int] | None:
    """A table that is all one quantity (the 一般公共预算基本支出表…): its 合计 row's first amount of
    this year, when that column is not a part (人员经费…), no column splits off money carried over
    (结转、结余) and no amount beside it is larger (a total is no smaller than its parts)."""
    total = table_total(table, year)
    if total is None:
        return None
    row, column, value = total
    roles = _headed(table, year)
    if column in (roles.get("personnel"), roles.get("public"), roles.get("project")):
        return None
    columns = [c for c in table.columns if c.type == "amount"]
    if any("结转" in "".join(c.headers) or "结余" in "".join(c.headers) for c in columns):
        return None
    if any(row.amount(c.key) > value for c in columns if c.key != column and this_year(c, year)):
        return None
    return total


#: the tables of one source of money: (kinds, what their total is: "" = their columns are read by header)
_SCOPES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "一般公共预算": (
        (("gpb_expenditure",), ""),
        (("gpb_econ",), ""),
        (("gpb_basic_econ", "gpb_basic_function"), "basic"),
        (("gpb_project_econ",), "project"),
    ),
    "财政拨款": ((("fiscal_expenditure",), ""), (("fiscal_basic_econ",), "basic")),
}


def column_sources(ctx: AuditContext) -> dict[tuple[str, str], list[_Source]]:
    """Per source of money and quantity (一般公共预算 × basic, personnel, public, project), each
    table's figure for it, in the order the tables are listed in ``_SCOPES``; then the 支出总表's
    (only when its grand total is the 一般公共预算's) and the 基本支出总表's and 项目支出总表's
    一般公共预算 column (only when no carried-over money is spent)."""
    out: dict[tuple[str, str], list[_Source]] = {}
    year = ctx.year

    def add(scope: str, quantity: str, table: Table, row: Row, column: str | None) -> None:
        if column is not None and (value := readable_amount(table, row, column)) is not None:
            out.setdefault((scope, quantity), []).append(_Source(table, row, column, value))

    for scope, groups in _SCOPES.items():
        for kinds, whole in groups:
            for table in _views(ctx, kinds):
                total = _own_total(table, year) if whole else table_total(table, year)
                if total is None:
                    continue
                roles = _headed(table, year)
                if whole:
                    add(scope, whole, table, total[0], total[1])
                # a table of one quantity shows, beside its total, at most the basic spending's parts
                wanted = ("personnel", "public") if whole == "basic" else () if whole else tuple(_QUANTITIES)
                for quantity in wanted:
                    add(scope, quantity, table, total[0], roles.get(quantity))
    gpb = _only(ctx, "gpb_expenditure")
    gpb_total = None if gpb is None else table_total(gpb, year)
    if gpb_total is None:
        return out
    # the 支出总表 covers every source: its columns are the 一般公共预算's when its grand total is
    spending = _only(ctx, "expenditure")
    if spending is not None and (total := table_total(spending, year)) is not None and total[2] == gpb_total[2]:
        roles = _headed(spending, year)
        for quantity in _QUANTITIES:
            add("一般公共预算", quantity, spending, total[0], roles.get(quantity))
    if not carry_free(ctx):
        return out  # the 一般公共预算 column of an all-source table may spend money carried over (珠海 表11、表12)
    for kind, quantity in (("basic_expenditure", "basic"), ("projects", "project")):
        by_source = _only(ctx, kind)
        if by_source is not None and (total := table_total(by_source, year)) is not None:
            add("一般公共预算", quantity, by_source, total[0], _headed(by_source, year).get("gpb"))
    return out


def _header_text(table: Table, column: str) -> str:
    return "".join(table.column(column).headers)


@rule(
    "cross.generic_columns",
    "error",
    "同一列的合计在不同表中一致：一般公共预算（财政拨款）支出表合计行的基本支出、人员经费、公用经费、项目支出 = "
    "基本支出表、项目支出表的合计和相应列 = 基本支出总表、项目支出总表的一般公共预算列（按表头识别，通用版式）",
    "同一笔钱在两张表里数字不同，至少有一张表是错的。只比较表头写明含义的列（两列同名、只印列号时不比较）；"
    "支出总表只在其总计等于一般公共预算支出合计时、各资金来源的总表只在没有上年结转时参与比较。",
)
def generic_column_agreement(ctx: AuditContext) -> Iterator[Finding]:
    if not _generic(ctx):
        return
    for (scope, quantity), sources in column_sources(ctx).items():
        yield from figures_agree(ctx, sources, "cross.generic_columns", partial(_columns_message, scope, quantity))


def _columns_message(
    scope: str, quantity: str, other: _Source, first: _Source, actual: str, expected: str, gap: str
) -> str:
    return (
        f"{scope}{_QUANTITIES[quantity]}在两表中不一致：{other.table.number}「{_where(other.row)}」行"
        f"{_header_text(other.table, other.column)}为 {actual}，{first.table.number}「{_where(first.row)}」行"
        f"{_header_text(first.table, first.column)}为 {expected}（相差 {gap}）"
    )


def figures_agree(
    ctx: AuditContext,
    figures: Sequence[Any],
    rule_id: str,
    describe: Callable[[Any, Any, str, str, str], str],
) -> Iterator[Finding]:
    """Every figure of one quantity (each with ``table``, ``row``, ``column``, ``value``) against the
    first one printed: equal, or within the display
    rounding of the two tables (尾差, info); ``describe(other, first, actual, expected, gap)`` words
    a disagreement. A figure 10000 times the other is a unit read wrongly, not a finding."""
    first = figures[0]
    for other in figures[1:]:
        value, reference = other.value, first.value
        if reference and (value == reference * 10000 or reference == value * 10000):
            continue
        difference = value - reference
        held = abs(difference) <= max(table_display_step(first.table), table_display_step(other.table))
        pair = [(other.table, other.row, other.column), (first.table, first.row, first.column)]
        ctx.count(other.table, held, cells=pair)
        if difference == 0:
            continue
        places = [ctx.place(other.table, other.row, other.column), ctx.place(first.table, first.row, first.column)]
        expected, actual = ctx.amount_text(reference, first.table), ctx.amount_text(value, other.table)
        message = describe(other, first, actual, expected, ctx.amount_text(abs(difference), other.table))
        if held:
            yield finding(_TAIL, "info", message + "，差额在显示舍入范围内（尾差）", expected, actual, places)
        else:
            yield finding(rule_id, "error", message, expected, actual, places, [1, -1])
