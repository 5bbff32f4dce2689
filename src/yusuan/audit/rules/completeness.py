"""Completeness: every table of the template is present; an empty table says why it is empty."""

from __future__ import annotations

from collections.abc import Iterator

from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding, Place
from yusuan.audit.rules import rule

_EXPLAINED = ("空表", "无此", "没有", "未安排", "不涉及", "无数据", "本部门无")


@rule(
    "completeness.table_missing",
    "error",
    "模板规定的每张表都已公开",
    "少公开一张表就少了一类信息，预算公开要求全部表格齐全。",
)
def missing(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.profile is None:
        return  # without a profile: completeness.standard_tables
    present = {t.number for t in ctx.tables.tables}
    for spec in ctx.profile.tables:
        if spec.number not in present:
            yield finding(
                "completeness.table_missing",
                "error",
                f"缺少{spec.number}（{spec.title.format(year=ctx.year or '')}）",
                spec.number,
                "",
                [Place(table=spec.number)],
            )


@rule(
    "completeness.empty_unexplained",
    "warning",
    "空表附有说明（如“本部门无政府性基金预算支出，故本表为空表”）",
    "读者无法区分“没有这类支出”和“漏填”，空表应当说明。",
)
def empty(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.profile is None:
        return  # without a profile an empty-looking table may just be one the reader could not rebuild
    for table in ctx.tables.tables:
        if not table.is_empty or table.kind in ("dept_performance",):
            continue
        region = ctx.extraction.regions.get(table.number)
        text = "".join(line.text for line in region.lines) if region else table.note
        narrative = ctx.narrative.text if ctx.narrative else ""
        kind_words = {"gov_fund": "政府性基金", "soe_capital": "国有资本经营"}.get(table.kind, "")
        explained = any(w in text for w in _EXPLAINED) or bool(
            kind_words and (f"没有使用{kind_words}" in narrative or f"无{kind_words}" in narrative)
        )
        if not explained:
            line = region.lines[0] if region and region.lines else None
            yield finding(
                "completeness.empty_unexplained",
                "warning",
                f"{table.number}为空表，但没有说明原因",
                "空表说明",
                "",
                [ctx.line_place(line, table=table.number)],
            )


@rule(
    "completeness.standard_tables",
    "warning",
    "公开了财预〔2016〕143号要求的 8 张基本表（无模板时的通用检查）",
    "基本表缺一张就缺一类信息；各地表名不同，故按表名识别，找不到时为警告。",
)
def standard_tables(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.profile is not None or ctx.family is not None:
        return  # a profile or a recognised family says which tables to expect
    for name, found in ctx.expected_tables():  # none for a file that is not a full disclosure
        if not found:
            yield finding("completeness.standard_tables", "warning", f"没有找到{name}", name, "", [Place(table=name)])


@rule(
    "completeness.template_tables",
    "warning",
    "识别出的模板族（北京、上海……）应公开的每张表都找到了（空表只要印出表名即算）",
    "各地模板规定了公开哪些表；按表号和表名找不到其中一张，可能是漏公开，也可能是表名改了，因此是警告。",
)
def template_tables(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.family is None:
        return
    title = ctx.family.family.title
    for label, found in ctx.expected_tables():
        if not found:
            yield finding(
                "completeness.template_tables",
                "warning",
                f"没有找到{label}：{title}的文件都公开这张表",
                label,
                "",
                [Place(table=label)],
            )
