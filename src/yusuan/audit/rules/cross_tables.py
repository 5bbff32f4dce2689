"""Agreement across tables, as the profile declares it (01↔02↔03↔04↔05, 06↔07↔08, 09, 12↔15 …)."""

from __future__ import annotations

from collections.abc import Iterator

from yusuan.audit.context import AuditContext, display_step, finding, rounding_only
from yusuan.audit.finding import Finding, Place
from yusuan.audit.rules import rule
from yusuan.extract.amounts import excess_step
from yusuan.tables.model import Table

_OPS = {
    "=": lambda a, b: a == b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


@rule(
    "cross.table_agreement",
    "error",
    "同一数字在不同表中一致（如 预算01表支出总计 = 预算03表总计；预算12表各单位项目支出 = 预算03表项目支出）",
    "同一笔钱在两张表里数字不同，至少有一张表是错的。",
)
def agreements(ctx: AuditContext, only_kind: str = "") -> Iterator[Finding]:
    for agreement in ctx.layout("agreements", []):
        if only_kind and not any(agreement[side].startswith(only_kind + ":") for side in ("left", "right")):
            continue
        op = agreement.get("op", "=")
        left = ctx.resolve(agreement["left"])
        right = ctx.resolve(agreement["right"])
        if left is None or right is None:
            continue  # a missing table is the completeness rule's finding
        left_table, left_values = left
        right_table, right_values = right
        both = op == "=" and agreement.get("keys") != "left"
        keys = set(left_values) | set(right_values) if both else set(left_values)
        for key in sorted(keys):
            lv, lcells = left_values.get(key, (0, []))
            rv, rcells = right_values.get(key, (0, []))
            if not lcells and not rcells:
                continue
            held = _OPS[op](lv, rv)
            terms = max(len(lcells), len(rcells))
            # cells printed with fewer decimals than the table's round by more (extract.amounts.excess_step)
            coarser = excess_step(
                [r.cells.get(c) for r, c in lcells] + [r.cells.get(c) for r, c in rcells],
                left_table.unit,
                display_step(left_table.unit),
            )
            if not held and op != "=":  # an inequality of rounded sums may be off by the rounding (尾差)
                held = rounding_only(lv - rv, terms, left_table.unit, coarser)
            cells = [(left_table, r, c) for r, c in lcells] + [(right_table, r, c) for r, c in rcells]
            ctx.count(left_table, held, cells=cells if op == "=" else ())
            if held:
                continue
            places = [ctx.place(left_table, r, c) for r, c in lcells] + [
                ctx.place(right_table, r, c) for r, c in rcells
            ]
            # a key one table lacks may be a name the other read unsurely (a wrapped name's line
            # that could be its neighbour's): the failure then rests on those names too
            unsure = [] if lcells and rcells else _unsure_names(ctx, right_table if lcells else left_table)
            places += unsure
            what = f"{ctx.describe(agreement['left'])} {op} {ctx.describe(agreement['right'])}"
            lt, rt = ctx.amount_text(lv, left_table), ctx.amount_text(rv, right_table)
            message = (
                f"{left_table.number} 与 {right_table.number} 不一致：{left_table.number} 为 {lt}，"
                f"{right_table.number} 为 {rt}" + (f"（{key}）" if key else "") + f"；应满足 {what}"
            )
            if op == "=" and rounding_only(lv - rv, terms, left_table.unit, coarser):
                yield finding("rounding.tail_difference", "info", message + "，差额在尾差范围内", rt, lt, places)
            else:
                signs = [1] * len(lcells) + [-1] * len(rcells) if op == "=" and not unsure else []
                yield finding("cross.table_agreement", "error", message, rt, lt, places, signs)


def _unsure_names(ctx: AuditContext, table: Table) -> list[Place]:
    """The places of the names a table's rows are keyed by (a text cell holding the key's last
    part: 预算12表's project name) where the reading could not vouch for them."""
    text = {c.key for c in table.columns if c.type == "text"}
    return [
        ctx.place(table, row, key)
        for row in table.rows
        for key, cell in row.cells.items()
        if key in text and not cell.certain and row.key and cell.value == row.key[-1]
    ]
