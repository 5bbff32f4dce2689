"""The narrative (情况说明) against the tables, and its own arithmetic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from yusuan.audit.context import AuditContext, display_step, finding, rounding_only
from yusuan.audit.finding import Finding
from yusuan.audit.rules import rule
from yusuan.extract.amounts import excess_step
from yusuan.extract.narrative import NarrativeFact
from yusuan.extract.tables import normal
from yusuan.money import format_wan
from yusuan.tables.model import Table

_CENT = Decimal("0.01")
_STEP = 10_000  # 0.01 万元 in fen: the narrative's display step


def _subject(fact: NarrativeFact) -> str:
    return normal(fact.clause)


def _table_amount(ctx: AuditContext, fact: NarrativeFact) -> tuple[int, list, str, int] | None:
    """What the tables say about the amount's subject: (value, places, what, how much more than the
    table's step its cells round by) or None."""
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
            return value, [ctx.place(table, r, c) for r, c in cells], entry["pattern"], _coarser(table, cells)
    classes_kind = ctx.layout("narrative_classes")
    if classes_kind:
        for entry in ctx.catalog.entries("function"):
            if entry.level == "类" and subject.endswith(normal(entry.name)):
                resolved = ctx.resolve(f"{classes_kind}:*class:total")
                if resolved is None:
                    return None
                table, values = resolved
                value, cells = values.get(entry.code, (0, []))
                return value, [ctx.place(table, r, c) for r, c in cells], entry.name, _coarser(table, cells)
    return None


def _coarser(table: Table, cells: list) -> int:
    return excess_step([r.cells.get(c) for r, c in cells], table.unit, display_step(table.unit))


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
        value, places, what, coarser = found
        if value == fact.fen:
            continue
        place = ctx.fact_place(fact)
        message = f"情况说明中“{what}”为 {fact.text} 万元，表格中为 {format_wan(value)} 万元"
        # the narrative rounds the exact sum once; the tables' figure may add up several
        # rounded cells, each off by up to half a step
        if abs(value - fact.fen) <= coarser + max(
            _STEP, (len(places) + 1) * display_step(ctx.profile.unit if ctx.profile else "") // 2
        ):
            yield finding(
                "rounding.tail_difference", "info", message + "（尾差）", format_wan(value), fact.text, [place, *places]
            )
        else:
            yield finding("narrative.amount_mismatch", "error", message, format_wan(value), fact.text, [place, *places])


_COMPARISON = re.compile(r"较|比|同比|上年|增加|减少|增长|下降|占")
_WHOLE_THEN_LIST = re.compile(r"^\s*万元\s*[，。,（(]\s*$")
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


def _bounds(fact: NarrativeFact) -> tuple[Decimal, Decimal]:
    """The exact amounts a figure may stand for: ± half the step it is written with (12 万元: 11.5–12.5)."""
    half = Decimal(fact.step) / 2
    return Decimal(fact.fen) - half, Decimal(fact.fen) + half


def _within(written: str, low: Decimal, high: Decimal) -> bool:
    """Whether a percentage as written (± half its last digit) meets the range the amounts allow."""
    half = Decimal(1).scaleb(-len(written.partition(".")[2])) / 2
    stated = abs(Decimal(written))
    return stated + half >= low and stated - half <= high


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP)


def percent_at_precision(exact: Decimal, written: str) -> tuple[Decimal, bool]:
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
        expected, close = percent_at_precision(Decimal(part.fen) * 100 / Decimal(whole.fen), fact.text)
        low, high = _bounds(part), _bounds(whole)
        if close or (high[0] > 0 and _within(fact.text, low[0] * 100 / high[1], low[1] * 100 / high[0])):
            continue  # amounts written in whole 万元 leave the exact share open within their rounding
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
        if fact.kind != "change" or not fact.rate or fact.reason:
            continue  # a change inside a reason clause may be of any of the subject's parts
        bases = _growth_bases(ctx, facts[:k], fact)
        if not bases:
            continue
        checked = []
        for current in bases:
            prior = current.fen - fact.fen if fact.direction == "增加" else current.fen + fact.fen
            stated_prior = _is_prior(ctx, current)
            if stated_prior:  # '…，比上年预算 B 万元，减少 C 万元，下降 y%': B is last year's
                prior = current.fen
            if prior <= 0:
                break  # last year's figure is not positive: no rate to check (or the amount was misread)
            # a rate is compared at the precision it is written with ('4.0%' is 3.95% rounded), and
            # amounts written in whole 万元 leave the exact rate open within their rounding
            expected, close = percent_at_precision(Decimal(fact.fen) * 100 / Decimal(prior), fact.rate)
            within = _stated_growth_within(fact, current) if stated_prior else _growth_within(fact, current)
            if close or within:
                break
            checked.append((current, prior, expected))
        if len(checked) < len(bases):
            continue
        current, prior, expected = checked[-1]
        expected_text = f"{expected}"
        amounts = (
            f"上年 {current.text} 万元、{fact.direction} {format_wan(fact.fen)} 万元"
            if _is_prior(ctx, current)
            else f"本年 {current.text} 万元、{fact.direction} {format_wan(fact.fen)} 万元，"
            f"上年应为 {format_wan(prior)} 万元"
        )
        yield finding(
            "narrative.growth_arithmetic",
            "error",
            f"增长率与其金额不符：{amounts}，增长率应为 {expected_text}%，文中为 {fact.rate}%",
            expected_text,
            fact.rate,
            [ctx.fact_place(fact), *_rate_place(ctx, fact), ctx.fact_place(current)],
        )


#: words just before an amount that make it last year's ('比上年预算', '较2025年执行数', '上年为')
_PRIOR_BEFORE = re.compile(
    r"(?:比|较|与|对比)(?:上年|上一年|去年|20\d\d年度?)[^，。；,0-9]{0,8}$|上年[^，。；,0-9]{0,6}(?:为|是)$"
)


def _is_prior(ctx: AuditContext, amount: NarrativeFact) -> bool:
    assert ctx.narrative is not None
    before = ctx.narrative.text[max(0, amount.start - 16) : amount.start]
    return _PRIOR_BEFORE.search(before) is not None


def _growth_within(change: NarrativeFact, current: NarrativeFact) -> bool:
    """Whether the written rate fits some exact amounts the written change and current amount round to.
    The rate (change / last year's) grows with the change and falls with the current amount."""
    (change_low, change_high), (current_low, current_high) = _bounds(change), _bounds(current)
    sign = -1 if change.direction == "增加" else 1
    if current_low + sign * change_high <= 0 or change_low < 0:
        return False  # last year's figure may not be positive: no range to speak of
    low = change_low * 100 / (current_high + sign * change_low)
    high = change_high * 100 / (current_low + sign * change_high)
    return _within(change.rate, min(low, high), max(low, high))


def _stated_growth_within(change: NarrativeFact, prior: NarrativeFact) -> bool:
    """Whether the written rate fits some exact amounts the written change and last year's stated
    amount round to ('上年为 6.37 万元，增加 0.71 万元，增长 11.11%': 0.705–0.715 over 6.365–6.375)."""
    (change_low, change_high), (prior_low, prior_high) = _bounds(change), _bounds(prior)
    if prior_low <= 0 or change_low < 0:
        return False
    return _within(change.rate, change_low * 100 / prior_high, change_high * 100 / prior_low)


def _growth_bases(ctx: AuditContext, earlier: list[NarrativeFact], change: NarrativeFact) -> list[NarrativeFact]:
    """The amounts a change may be of: the last amount of its sentence before it; and, when that
    amount ends a '其中：a、b' list of two or more parts, the sentence's total the list breaks down
    (a growth clause after the list is the total's, though it may be read as the last part's)."""
    assert ctx.narrative is not None
    same = [f for f in earlier if f.kind == "amount" and f.sentence == change.sentence and not f.reason]
    if not same:
        return []
    text = ctx.narrative.text
    start = ctx.narrative.sentences[change.sentence][0]
    listed = text.find("其中", start, same[-1].start)
    total = [f for f in same if f.start < listed]
    if listed < 0 or not total or len([f for f in same if f.start > listed]) < 2:
        return [same[-1]]
    return [same[-1], total[-1]]


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
        found = _breakdown(text, amounts, position)
        position = text.find("其中", position + 2)
        if found is None:
            continue
        whole, items, complete, stopped = found
        total = sum(f.fen for f in items)
        if total == whole.fen or (total < whole.fen and (stopped or not complete)):
            continue  # a list that runs on into other matters may leave parts out
        places = [ctx.fact_place(whole), *(ctx.fact_place(f) for f in items)]
        # each figure is rounded at the precision it is written with: parts in whole 万元 are ±0.5 万元 each
        written = sum(f.step for f in (whole, *items)) // 2
        if rounding_only(total - whole.fen, len(items), "万元") or abs(total - whole.fen) <= written:
            yield finding(
                "rounding.tail_difference",
                "info",
                f"分项之和 {format_wan(total)} 万元与总额 {whole.text} 万元相差在尾差范围内",
                format_wan(total),
                whole.text,
                places,
            )
            continue
        yield finding(
            "narrative.parts_sum",
            "error",
            f"分项之和与总额不符：{'+'.join(f.text for f in items)} = {format_wan(total)} 万元，"
            f"总额为 {whole.text} 万元",
            format_wan(total),
            whole.text,
            places,
        )


_OPEN, _CLOSE = "（(", "）)"


def _depth(text: str) -> int:
    """How many parentheses are open at the end of ``text``."""
    return sum(1 for ch in text if ch in _OPEN) - sum(1 for ch in text if ch in _CLOSE)


def _breakdown(
    text: str, amounts: list[NarrativeFact], position: int
) -> tuple[NarrativeFact, list[NarrativeFact], bool, bool] | None:
    """The whole and the parts of the '其中' at ``position``, with whether the list is complete (the
    rest of its sentence only describes) and whether it stopped at a comparison or a sub-list; None
    when the structure is not an unambiguous 'X 万元，其中 a、b、c'."""
    start = text.rfind("。", 0, position) + 1
    end = text.find("。", position)
    end = len(text) if end < 0 else end
    parenthesised = position > 0 and text[position - 1] in _OPEN
    if parenthesised:  # '（其中，A…，B…）': the breakdown ends with its parenthesis
        close = min((k for k in (text.find(c, position) for c in _CLOSE) if k >= 0), default=-1)
        end = close if 0 <= close < end else end
    lead_colon = text[position + 2 : position + 3] in ("：", ":")
    if not lead_colon and not parenthesised:
        # '其中结转结余 Y 万元，用于…；' names one part and ends at its clause
        semicolon = text.find("；", position)
        end = semicolon if 0 <= semicolon < end else end
    items: list[NarrativeFact] = []
    stopped = False
    for f in (f for f in amounts if position < f.start < end):
        if _depth(text[position : f.start]) > 0 and not parenthesised:
            continue  # '（其中，A…，B…）' inside the list: the parts of a part
        # the list of parts ends where the sentence turns to comparisons or opens a sub-list
        since = text[(items[-1].end if items else position) : f.start]
        if _COMPARISON.search(f.clause) or f.reason or (items and _SUB_LIST.match(since)):
            stopped = True
            break
        items.append(f)
    before = [f for f in amounts if start <= f.start < position]
    if not before and start > 0:  # '…X万元。其中…': the whole ends the previous sentence
        previous_start = text.rfind("。", 0, start - 1) + 1
        before = [f for f in amounts if previous_start <= f.start < start]
    whole = before[-1] if before else None
    if whole is not None and whole.reason:
        # '收入 X 万元，比上年增加…，主要原因是…增加 N 万元。其中…': the parts are of the sentence's subject
        subject = [f for f in before if not f.reason]
        whole = subject[-1] if subject and subject[-1].sentence == before[-1].sentence else None
    elif whole is not None and not _WHOLE_THEN_LIST.match(text[whole.end : position]):
        whole = None  # only 'X万元，其中…' / 'X万元。其中…' lists: the whole stands right before 其中
    lead = text[position : items[0].start] if items else ""
    partial = any(word in lead for word in ("主要", "包括", "等"))
    if whole is not None and any(f.fen == whole.fen for f in items[1:]):
        partial = True  # the whole said again inside the list: not a list of parts
    if whole is None or len(items) < 2 or partial:
        return None
    # the list is complete when the rest of its sentence only describes (no more numbers, no comparison)
    rest = text[items[-1].end : end]
    complete = not _COMPARISON.search(rest) and not re.search(r"\d", rest)
    return whole, items, complete, stopped


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
