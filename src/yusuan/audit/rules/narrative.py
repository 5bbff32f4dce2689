"""The narrative (情况说明) against the tables, and its own arithmetic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from yusuan.audit.context import AuditContext, display_step, finding, rounding_only
from yusuan.audit.finding import Finding
from yusuan.audit.rules import rule
from yusuan.extract.narrative import NarrativeFact
from yusuan.extract.tables import normal
from yusuan.money import format_wan

_CENT = Decimal("0.01")
_STEP = 10_000  # 0.01 万元 in fen: the narrative's display step


def _subject(fact: NarrativeFact) -> str:
    return normal(fact.clause)


def _table_amount(ctx: AuditContext, fact: NarrativeFact) -> tuple[int, list, str] | None:
    """What the tables say about the amount's subject: (value, cells, what) or None."""
    subject = _subject(fact)
    patterns = sorted(ctx.layout("narrative_subjects", []), key=lambda p: len(p["pattern"]), reverse=True)
    for entry in patterns:
        if subject.endswith(normal(entry["pattern"])):
            resolved = ctx.resolve(entry["cell"])
            if resolved is None:
                return None
            table, values = resolved
            if "" not in values or not values[""][1]:
                return None
            value, cells = values[""]
            return value, [ctx.place(table, r, c) for r, c in cells], entry["pattern"]
    classes_kind = ctx.layout("narrative_classes")
    if classes_kind:
        for entry in ctx.catalog.entries("function"):
            if entry.level == "类" and subject.endswith(normal(entry.name)):
                resolved = ctx.resolve(f"{classes_kind}:*class:total")
                if resolved is None:
                    return None
                table, values = resolved
                value, cells = values.get(entry.code, (0, []))
                return value, [ctx.place(table, r, c) for r, c in cells], entry.name
    return None


def _in_tables_part(fact: NarrativeFact) -> bool:
    """Facts of 第二部分 (情况说明) before 国有资产, which the tables do not show."""
    return not any(word in fact.section for word in ("国有资产", "机构设置", "部门职责"))


@rule(
    "narrative.amount_mismatch",
    "error",
    "情况说明中的每个金额与表格一致",
    "文字说明是多数读者唯一会读的部分，它与表格不符会误导读者。",
)
def amounts(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    for fact in ctx.narrative.facts:
        if fact.kind != "amount" or not _in_tables_part(fact):
            continue
        found = _table_amount(ctx, fact)
        if found is None:
            continue
        value, places, what = found
        if value == fact.fen:
            continue
        place = ctx.fact_place(fact)
        message = f"情况说明中“{what}”为 {fact.text} 万元，表格中为 {format_wan(value)} 万元"
        # the narrative rounds the exact sum once; the tables' figure may add up several
        # rounded cells, each off by up to half a step
        if abs(value - fact.fen) <= max(
            _STEP, (len(places) + 1) * display_step(ctx.profile.unit if ctx.profile else "") // 2
        ):
            yield finding(
                "rounding.tail_difference", "info", message + "（尾差）", format_wan(value), fact.text, [place, *places]
            )
        else:
            yield finding("narrative.amount_mismatch", "error", message, format_wan(value), fact.text, [place, *places])


_COMPARISON = re.compile(r"较|比|同比|上年|增加|减少|增长|下降|占")
_WHOLE_THEN_LIST = re.compile(r"^\s*万元\s*[，。,]\s*$")
_SUB_LIST = re.compile(r"^\s*万元\s*[：:]")  # 'A 万元：a、b、c' — the parts of a part


def _whole_for(ctx: AuditContext, fact: NarrativeFact) -> NarrativeFact | None:
    """The amount a share or a '其中' list is a part of: the first amount of its sentence, or of
    the previous sentence when this one starts with 其中."""
    assert ctx.narrative is not None
    facts = ctx.narrative.facts
    sentence = ctx.narrative.sentence_text(fact.sentence).strip()
    index = fact.sentence - 1 if sentence.startswith("其中") else fact.sentence
    candidates = [f for f in facts if f.kind == "amount" and f.sentence == index]
    if sentence.startswith("其中"):
        return candidates[-1] if candidates else None
    return candidates[0] if candidates else None


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _at_precision(exact: Decimal, written: str) -> tuple[Decimal, bool]:
    """The exact percentage at the precision it is written with, and whether the text agrees.

    '4.0%' for 3.95% agrees (one decimal); a rate written with only zero decimals ('4.0',
    '4.00') is read as a whole percent, which some documents truncate ('4.0%' for 4.48%).
    """
    decimals = len(written.partition(".")[2])
    step = Decimal(1).scaleb(-decimals)
    stated = abs(Decimal(written))
    expected = abs(exact).quantize(step, rounding=ROUND_HALF_UP)
    if abs(expected - stated) <= step:
        return expected, True
    whole_percent = decimals > 0 and set(written.partition(".")[2]) == {"0"}
    return expected, whole_percent and int(abs(exact)) == int(stated)


@rule(
    "narrative.share_arithmetic",
    "error",
    "“占 x%”与其金额和总额相符",
    "占比算错会让读者对支出结构得出错误判断。",
)
def shares(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    facts = ctx.narrative.facts
    for k, fact in enumerate(facts):
        if fact.kind != "share":
            continue
        part = next((f for f in reversed(facts[:k]) if f.kind == "amount"), None)
        whole = _whole_for(ctx, fact)
        if part is None or whole is None or whole is part or whole.fen == 0:
            continue
        expected, close = _at_precision(Decimal(part.fen) * 100 / Decimal(whole.fen), fact.text)
        if close:
            continue
        yield finding(
            "narrative.share_arithmetic",
            "error",
            f"占比与金额不符：{part.text}/{whole.text} = {expected}%，文中为 {fact.text}%",
            f"{expected}",
            fact.text,
            [ctx.fact_place(fact)],
        )


@rule(
    "narrative.growth_arithmetic",
    "error",
    "“增加 x 万元，增长 y%”中增长率与其自身金额相符",
    "增长率由本年数和增加额即可算出；对不上说明其中一个数是错的。",
)
def growth(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    facts = ctx.narrative.facts
    for k, fact in enumerate(facts):
        if fact.kind != "change" or not fact.rate:
            continue
        current = next((f for f in reversed(facts[:k]) if f.kind == "amount" and f.sentence == fact.sentence), None)
        if current is None:
            continue
        prior = current.fen - fact.fen if fact.direction == "增加" else current.fen + fact.fen
        if prior <= 0:
            continue  # last year's figure is not positive: no rate to check (or the amount was misread)
        # a rate is compared at the precision it is written with ('4.0%' is 3.95% rounded)
        expected, close = _at_precision(Decimal(fact.fen) * 100 / Decimal(prior), fact.rate)
        if close:
            continue
        expected_text = f"{expected}"
        yield finding(
            "narrative.growth_arithmetic",
            "error",
            f"增长率与其金额不符：本年 {current.text} 万元、{fact.direction} {format_wan(fact.fen)} 万元，"
            f"上年应为 {format_wan(prior)} 万元，增长率应为 {expected_text}%，文中为 {fact.rate}%",
            expected_text,
            fact.rate,
            [ctx.fact_place(fact), *_rate_place(ctx, fact), ctx.fact_place(current)],
        )


def _rate_place(ctx: AuditContext, fact: NarrativeFact) -> list:
    if fact.rate_line is None or fact.rate_line is fact.line:
        return []
    from yusuan.audit.finding import Place

    return [Place(page=fact.rate_line.page if ctx.paged else None, line=fact.rate_line.line, text=fact.rate)]


@rule(
    "narrative.parts_sum",
    "error",
    "“总额 X，其中 A、B、C”中各分项之和等于总额",
    "分项之和与总额不符，说明总额或某个分项写错了。",
)
def parts(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    text = ctx.narrative.text
    amounts = [f for f in ctx.narrative.facts if f.kind == "amount" and "单位价值" not in f.clause]
    position = text.find("其中")
    while position >= 0:
        start = text.rfind("。", 0, position) + 1
        end = text.find("。", position)
        end = len(text) if end < 0 else end
        items: list[NarrativeFact] = []
        stopped = False
        for f in (f for f in amounts if position < f.start < end):
            # the list of parts ends where the sentence turns to comparisons or opens a sub-list
            since = text[(items[-1].end if items else position) : f.start]
            if _COMPARISON.search(f.clause) or (items and _SUB_LIST.match(since)):
                stopped = True
                break
            items.append(f)
        before = [f for f in amounts if start <= f.start < position]
        if not before and start > 0:  # '…X万元。其中…': the whole ends the previous sentence
            previous_start = text.rfind("。", 0, start - 1) + 1
            before = [f for f in amounts if previous_start <= f.start < start]
        whole = before[-1] if before else None
        if whole is not None and not _WHOLE_THEN_LIST.match(text[whole.end : position]):
            whole = None  # only 'X万元，其中…' / 'X万元。其中…' lists: the whole stands right before 其中
        lead = text[position : items[0].start] if items else ""
        partial = any(word in lead for word in ("主要", "包括", "等"))
        if whole is not None and any(f.fen == whole.fen for f in items[1:]):
            partial = True  # the whole said again inside the list: not a list of parts
        position = text.find("其中", position + 2)
        if whole is None or len(items) < 2 or partial:
            continue
        total = sum(f.fen for f in items)
        # the list is complete when the rest of its sentence only describes (no more numbers, no comparison)
        rest = text[items[-1].end : end]
        complete = not _COMPARISON.search(rest) and not re.search(r"\d", rest)
        if total == whole.fen or (total < whole.fen and (stopped or not complete)):
            continue  # a list that runs on into other matters may leave parts out
        if rounding_only(total - whole.fen, len(items), "万元"):
            yield finding(
                "rounding.tail_difference",
                "info",
                f"分项之和 {format_wan(total)} 万元与总额 {whole.text} 万元相差在尾差范围内",
                format_wan(total),
                whole.text,
                [ctx.fact_place(whole), *(ctx.fact_place(f) for f in items)],
            )
            continue
        yield finding(
            "narrative.parts_sum",
            "error",
            f"分项之和与总额不符：{'+'.join(f.text for f in items)} = {format_wan(total)} 万元，"
            f"总额为 {whole.text} 万元",
            format_wan(total),
            whole.text,
            [ctx.fact_place(whole), *(ctx.fact_place(f) for f in items)],
        )


@rule(
    "narrative.count_breakdown",
    "error",
    "“共有 N 辆（个），其中 a、b、c”中分项之和等于总数",
    "数量与其明细不符，说明总数或明细写错了。",
)
def counts(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    facts = ctx.narrative.facts
    for k, fact in enumerate(facts):
        if fact.kind != "count" or "共有" not in fact.clause:
            continue
        tail = ctx.narrative.text[fact.end : fact.end + 6]
        if "其中" not in tail:
            continue
        parts = []
        for other in facts[k + 1 :]:
            if other.sentence != fact.sentence and other.kind != "count":
                break
            if other.kind == "count" and other.unit == fact.unit and other.sentence == fact.sentence:
                parts.append(other)
            elif other.kind == "count":
                break
        if len(parts) < 2:
            continue
        total = sum(int(p.value) for p in parts)
        if total == int(fact.value):
            continue
        yield finding(
            "narrative.count_breakdown",
            "error",
            f"数量与明细不符：共有 {fact.text}{fact.unit}，其中各项合计 {total}{fact.unit}",
            str(total),
            fact.text,
            [ctx.fact_place(fact)],
        )
