"""Identities inside each table: column sums, line sums, and the 合计/unit/item hierarchy."""

from __future__ import annotations

from collections.abc import Iterator

from yusuan.audit.context import AuditContext, display_step, finding, rounding_only
from yusuan.audit.finding import Finding
from yusuan.audit.rules import rule
from yusuan.extract.amounts import excess_step
from yusuan.tables.identities import Check, class_labels, column_checks, hierarchy_checks, line_checks
from yusuan.tables.model import Table

_TAIL = "rounding.tail_difference"


def _report(ctx: AuditContext, table: Table, checks: list[Check], rule_id: str, what: str) -> Iterator[Finding]:
    rows = {row.key: row for row in table.rows}
    for check in checks:
        row = rows.get(check.row_key)
        equality = row is not None and not any(op in check.identity for op in (">=", "<="))
        if check.held:
            parts = [(table, rows[k], c) for k, c in check.parts if k in rows]
            ctx.count(table, True, cells=[(table, row, check.column), *parts] if row is not None and equality else ())
            continue
        ctx.count(table, False)
        places = [ctx.place(table, row, check.column)] if row is not None else []
        places += [ctx.place(table, rows[k], c) for k, c in check.parts if k in rows and rows[k].cells.get(c)]
        signs = [1] + [-1] * (len(places) - 1) if equality else []
        expected, actual = ctx.amount_text(check.expected, table), ctx.amount_text(check.actual, table)
        where = "/".join(check.row_key) or check.column
        if check.kind == "line" or ">=" in check.identity:
            message = f"{table.number}「{what}」不成立：{check.identity}（{where}）"
        else:
            message = (
                f"{table.number} {where} 的 {check.column}（{actual}）与其各组成部分之和（{expected}）不符："
                f"{check.identity}"
            )
        cells = [row.cells.get(check.column) if row is not None else None]
        cells += [rows[k].cells.get(c) for k, c in check.parts if k in rows]
        if rounding_only(
            check.difference, check.terms, table.unit, excess_step(cells, table.unit, display_step(table.unit))
        ):
            yield finding(_TAIL, "info", f"{message}，差额在显示舍入范围内（尾差）", expected, actual, places)
        else:
            yield finding(rule_id, "error", message, expected, actual, places, signs)


@rule(
    "table.column_identity",
    "error",
    "表内每一行的合计列等于其组成列之和（如 总计 = 基本支出 + 项目支出）",
    "表头宣称的合计关系不成立，说明某个数填错或漏填。",
)
def column_identities(ctx: AuditContext) -> Iterator[Finding]:
    for spec in ctx.specs:
        table = ctx.table(spec.kind)
        identities = spec.raw.get("row_identities", [])
        if table is None or not identities:
            continue
        yield from _report(ctx, table, list(column_checks(table, identities)), "table.column_identity", "列合计")


@rule(
    "table.line_identity",
    "error",
    "收支总表的各行关系成立（收入总计 = 本年收入合计 + 上年结转结余；收入总计 = 支出总计 …）",
    "收支总表两边不平衡或合计行与分项不符，是最常见也最显眼的公开错误。",
)
def line_identities(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.profile is None:
        return
    for spec in ctx.specs:
        table = ctx.table(spec.kind)
        identities = spec.raw.get("identities", [])
        if table is None or not identities:
            continue
        checks = list(line_checks(table, identities, class_labels(ctx.profile)))
        yield from _report(ctx, table, checks, "table.line_identity", "行关系")


@rule(
    "table.hierarchy_sum",
    "error",
    "合计行等于各单位行之和，单位行等于其下各行之和",
    "汇总数与明细对不上，说明明细漏列、多列或填错。",
)
def hierarchy(ctx: AuditContext) -> Iterator[Finding]:
    for spec in ctx.specs:
        table = ctx.table(spec.kind)
        if table is None or spec.builder not in ("pivot", "project_performance"):
            continue
        columns = [c.column.key for c in spec.columns if c.column.type == "amount"]
        yield from _report(ctx, table, list(hierarchy_checks(table, columns)), "table.hierarchy_sum", "层级合计")


@rule(
    "table.code_hierarchy",
    "error",
    "按编码层级：类 = 所属各款之和，款 = 所属各项之和，合计 = 各类之和（无模板时的通用检查）",
    "科目编码本身规定了汇总关系；上级科目与下级之和不符，说明漏列、多列或填错。",
)
def code_hierarchy(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.profile is not None:
        return
    for table in ctx.tables.tables:
        yield from _report(ctx, table, ctx.code_checks(table), "table.code_hierarchy", "编码层级合计")


@rule(
    _TAIL,
    "info",
    "合计与分项之差不超过各分项显示舍入之和（每项 0.01 万元）",
    "四舍五入到两位小数后，合计与分项之和可能差几分，这是尾差，不是错误。",
)
def _tail(ctx: AuditContext) -> Iterator[Finding]:
    """Findings of this rule are emitted by the identity and agreement rules."""
    return iter(())
