"""Performance targets (预算15表): every project has them, and they are well formed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding
from yusuan.audit.rules import rule
from yusuan.extract.tables import columns_of, normal
from yusuan.money import parse_amount
from yusuan.performance.indicators import EXECUTION_RATE_NAMES
from yusuan.tables.model import Row, Table

# one list of budget-execution measures for the ledger checks and the audit (longest first)
_EXECUTION = tuple(sorted(EXECUTION_RATE_NAMES, key=len, reverse=True))


def _number(ctx: AuditContext) -> str:
    """The number the template gives its project-targets table."""
    table = ctx.table("project_performance")
    return table.number if table is not None else ""


def _project_rows(ctx: AuditContext, kind: str) -> dict[str, tuple[Table, Row]]:
    table = ctx.table(kind)
    out: dict[str, tuple[Table, Row]] = {}
    if table is None:
        return out
    for row in table.rows:
        if row.kind != "item":
            continue
        name = row.value("name") if kind == "project_performance" else row.key[-1]
        if name:
            out[normal(str(name))] = (table, row)
    return out


@rule(
    "performance.targets_missing",
    "error",
    "预算12表的每个项目在预算15表中都有绩效目标",
    "项目支出应全面设定绩效目标；没有目标就无法监控和评价。",
)
def missing(ctx: AuditContext) -> Iterator[Finding]:
    # project names are only comparable across tables the profile lays out (rows keyed by name)
    if ctx.table("project_performance") is None or ctx.profile is None:
        return
    targets = _project_rows(ctx, "project_performance")
    for name, (table, row) in _project_rows(ctx, "projects").items():
        if name not in targets:
            label = "project.name" if "project.name" in row.cells else "total"  # type: ignore[attr-defined]
            yield finding(
                "performance.targets_missing",
                "error",
                f"项目“{name}”在{_number(ctx)}中没有绩效目标",
                name,
                "",
                [ctx.place(table, row, label), ctx.place(table, row, "total")],
            )  # type: ignore[arg-type]


def _targets(ctx: AuditContext) -> Iterator[tuple[str, str, list]]:
    """Each project's target text; with positions, each column's wrapped cell text is joined first."""
    for code, tokens in ctx.extraction.project_targets.items():
        if tokens and all(t.bbox for t in tokens):
            columns = columns_of(tokens)
            text = "|".join(
                "".join(t.text for t in sorted(col, key=lambda t: (t.line.top, t.line.line or 0))) for col in columns
            )
        else:
            text = "".join(t.text for t in tokens)
        yield code, text, tokens


@rule(
    "performance.execution_rate_as_indicator",
    "warning",
    "绩效指标中不使用“预算执行率”（及资金到位率、拨付率等）",
    "预算执行率在自评中单独计 10 分，再作为指标会重复计分，且说明不了产出、成本或效益。",
)
def execution_rate(ctx: AuditContext) -> Iterator[Finding]:
    for code, text, tokens in _targets(ctx):
        hit = next((w for w in _EXECUTION if w in normal(text)), None)
        if hit:
            token = next((t for t in tokens if hit[:2] in t.text), tokens[0] if tokens else None)
            place = ctx.line_place(token.line if token else None, hit, _number(ctx), code)
            yield finding(
                "performance.execution_rate_as_indicator",
                "warning",
                f"项目 {code} 以“{hit}”作为绩效指标",
                "",
                hit,
                [place],
            )


@rule(
    "performance.satisfaction_missing",
    "warning",
    "有服务对象的项目设有满意度指标",
    "财预〔2020〕10号：未设满意度指标时其权重并入效益指标；多数项目应当设置。",
)
def satisfaction(ctx: AuditContext) -> Iterator[Finding]:
    for code, text, tokens in _targets(ctx):
        if tokens and "满意" not in text:
            yield finding(
                "performance.satisfaction_missing",
                "warning",
                f"项目 {code} 没有满意度指标",
                "满意度指标",
                "",
                [ctx.line_place(tokens[0].line, "", _number(ctx), code)],
            )


_QUALITATIVE = re.compile(r"(提升|提高|有效提高|明显|加强|改善|增强)$")


@rule(
    "performance.unquantified",
    "info",
    "绩效指标值可衡量（有运算符、数值和单位，或为分级定性）",
    "“提升”“加强”之类的指标值无法评价是否完成。",
)
def unquantified(ctx: AuditContext) -> Iterator[Finding]:
    for code, _text, tokens in _targets(ctx):
        for t in tokens:
            if _QUALITATIVE.search(t.text) and len(t.text) <= 4:
                yield finding(
                    "performance.unquantified",
                    "info",
                    f"项目 {code} 的指标值“{t.text}”不可量化",
                    "",
                    t.text,
                    [ctx.line_place(t.line, t.text, _number(ctx), code)],
                )


_COST_VALUE = re.compile(r"([≥≤<>＝=]?)\s*(\d+(?:\.\d+)?)\s*万\s*元")


@rule(
    "performance.cost_vs_budget",
    "warning",
    "以万元表示的成本指标与项目金额相符：不超过项目预算，方向为“≤”",
    "成本指标应当是成本控制数；比预算还大、或写成“≥”，说明指标没有按成本来设定。",
)
def cost_vs_budget(ctx: AuditContext) -> Iterator[Finding]:
    table = ctx.table("project_performance")
    if table is None:
        return
    amounts = {row.key[0]: row for row in table.rows if row.kind == "item"}
    for code, text, tokens in _targets(ctx):
        row = amounts.get(code)
        if row is None:
            continue
        budget = row.amount("total")
        for m in _COST_VALUE.finditer(text):
            number = m.group(2)
            token = next((t for t in tokens if number in t.text), tokens[0] if tokens else None)
            place = [ctx.line_place(token.line if token else None, m.group(0), table.number, code)]
            fen = parse_amount(number, "万元")
            if m.group(1) in ("≥", ">"):
                yield finding(
                    "performance.cost_vs_budget",
                    "warning",
                    f"项目 {code} 的成本指标“{m.group(0)}”用“≥”，成本指标应为上限（≤）",
                    "≤",
                    m.group(1),
                    place,
                )
            elif fen > budget:
                yield finding(
                    "performance.cost_vs_budget",
                    "warning",
                    f"项目 {code} 的成本指标 {number} 万元超过项目金额 {ctx.amount_text(budget, table)} 万元",
                    ctx.amount_text(budget, table),
                    number,
                    place,
                )
            elif fen < budget:
                yield finding(
                    "performance.cost_vs_budget",
                    "info",
                    f"项目 {code} 的成本指标 {number} 万元低于项目金额 {ctx.amount_text(budget, table)} 万元",
                    ctx.amount_text(budget, table),
                    number,
                    place,
                )
