"""Wording: placeholders left in, years that do not fit, doubled punctuation, one project under two names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding, Place
from yusuan.audit.rules import rule
from yusuan.extract.amounts import misgrouped
from yusuan.extract.tables import normal
from yusuan.tables.model import Row

# asterisks are not placeholders: documents use them as footnote marks and column labels
_PLACEHOLDER = re.compile(r"(XX|ＸＸ|××|xx|某某)")
_DOUBLED = re.compile(r"([，。；：、,;])\1|，。|。，|；。|。；")
_YEAR = re.compile(r"(20\d{2})年")


def _lines(ctx: AuditContext) -> list:
    return ctx.document.lines if ctx.document is not None else []


@rule(
    "wording.placeholder",
    "error",
    "文中没有残留的占位符（XX、××、某某）",
    "占位符说明模板没有填完。",
)
def placeholder(ctx: AuditContext) -> Iterator[Finding]:
    for line in _lines(ctx):
        m = _PLACEHOLDER.search(line.text)
        if m:
            yield finding(
                "wording.placeholder",
                "error",
                f"第{line.line or '?'}行有占位符“{m.group(0)}”",
                "",
                m.group(0),
                [ctx.line_place(line, line.text.strip())],
            )


@rule(
    "wording.doubled_punctuation",
    "warning",
    "没有重复或相邻冲突的标点（，，、。。、，。）",
    "重复标点是编辑错误，常伴随删改遗漏的内容。",
)
def doubled(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    for m in _DOUBLED.finditer(ctx.narrative.text):
        yield finding(
            "wording.doubled_punctuation",
            "warning",
            f"标点重复：“{m.group(0)}”",
            "",
            m.group(0),
            [_place(ctx, m.start(), m.end())],
        )


def _place(ctx: AuditContext, start: int, end: int) -> Place:
    assert ctx.narrative is not None
    loc = ctx.narrative.location(start, end)
    lo = max(0, start - 15)
    return Place(page=loc.page if ctx.paged else None, line=loc.line, text=ctx.narrative.text[lo : end + 15])


@rule(
    "wording.year",
    "warning",
    "与上年比较时，只出现预算年度和上一年度",
    "出现其他年份，多半是套用旧稿没有改年份。",
)
def years(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None or not ctx.year:
        return
    allowed = {ctx.year, ctx.year - 1}
    for m in _YEAR.finditer(ctx.narrative.text):
        year = int(m.group(1))
        if year in allowed:
            continue
        sentence = ctx.narrative.text[max(0, m.start() - 30) : m.end() + 30]
        if "上年" not in sentence and "比" not in sentence and "同期" not in sentence:
            continue
        yield finding(
            "wording.year",
            "warning",
            f"比较中出现{year}年，预算年度为{ctx.year}年",
            str(ctx.year),
            str(year),
            [_place(ctx, m.start(), m.end())],
        )


@rule(
    "wording.project_name_variant",
    "warning",
    "同一项目在情况说明与表格中名称一致",
    "名称不一致时，读者无法确认说的是哪一个项目、哪一笔钱。",
)
def project_names(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    kind = ctx.layout("narrative_projects")
    table = ctx.table(kind) if kind else None
    if table is None:
        return
    # units may run projects of the same name: a name stands for every row that carries it
    projects: dict[str, list[Row]] = {}
    for row in table.rows:
        if row.kind == "item":
            projects.setdefault(normal(row.key[-1]), []).append(row)
    for m in re.finditer(r"重点项目[一二三四五六七八九十\d]+[：:]([^，,。；]+?)[，,]", ctx.narrative.text):
        named = normal(m.group(1))
        amounts = [f for f in ctx.narrative.facts if f.kind == "amount" and m.end() <= f.start <= m.end() + 30]
        if named in projects:
            rows = projects[named]
            row = rows[0]
            if amounts and all(r.amount("total") != amounts[0].fen for r in rows):
                yield finding(
                    "narrative.amount_mismatch",
                    "error",
                    f"情况说明中项目“{m.group(1)}”为 {amounts[0].text} 万元，"
                    f"{table.number}中为 {ctx.amount_text(row.amount('total'), table)} 万元",
                    ctx.amount_text(row.amount("total"), table),
                    amounts[0].text,
                    [ctx.fact_place(amounts[0]), ctx.place(table, row, "total")],
                )
            continue
        stated = amounts[0].fen if amounts else None
        same_amount = [
            n for n, rows in projects.items() if stated is not None and any(r.amount("total") == stated for r in rows)
        ]
        stem = named.removesuffix("项目")
        similar = [n for n in projects if stem in n or n in stem or n.startswith(stem[: max(4, len(stem) - 2)])]
        meant = (same_amount or similar or [""])[0]
        hint = (
            f"，金额 {amounts[0].text} 万元与表中“{meant}”相同"
            if same_amount
            else (f"，表中最接近的是“{meant}”" if meant else "")
        )
        places = [_place(ctx, m.start(1), m.end(1))] + [ctx.fact_place(a) for a in amounts[:1]]
        yield finding(
            "wording.project_name_variant",
            "warning",
            f"情况说明中的项目名称“{m.group(1)}”在{table.number}中没有同名项目{hint}",
            meant,
            m.group(1),
            places,
        )


_GROUPED = re.compile(r"\d[\d,]*,[\d,]*(?:\.\d+)?")


@rule(
    "wording.number_format",
    "warning",
    "金额（情况说明和表格中）的千位分隔符位置正确（如 4,107,573.11，而不是 4107,573.11）",
    "分隔符放错的数字可能被读错，也说明数字经过手工改动。",
)
def number_format(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is not None:
        for m in _GROUPED.finditer(ctx.narrative.text):
            if misgrouped(m.group()):
                yield finding(
                    "wording.number_format",
                    "warning",
                    f"数字“{m.group()}”的千位分隔符位置不对",
                    "",
                    m.group(),
                    [_place(ctx, m.start(), m.end())],
                )
    for table in ctx.tables.tables:  # the table cells: read by their digits, their format reported
        for row in table.rows:
            for column, cell in row.cells.items():
                printed = cell.location.text if cell.location is not None else ""
                if not isinstance(cell.value, int) or not misgrouped(printed):
                    continue
                place = ctx.place(table, row, column)
                page = f"第{place.page}页" if place.page else (f"第{place.line}行" if place.line else "")
                yield finding(
                    "wording.number_format",
                    "warning",
                    f"{page}{table.number}「{'/'.join(row.key)}」行的数字“{printed}”千位分隔符位置不对，按数字读作"
                    f" {ctx.amount_text(cell.value, table)}",
                    "",
                    printed,
                    [place],
                )
