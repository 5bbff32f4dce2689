"""The narrative's words against its own numbers and its own year: a comparison with the year
itself, a heading or a date of another year, a comparative word the two amounts of its sentence
contradict, a rate that does not follow from them.

Each check fires only when the sentence states what it compares unambiguously (one earlier and
one current amount, named by their clauses): a sentence that could be read another way is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding, Place
from yusuan.audit.rules import rule
from yusuan.audit.rules.narrative import percent_at_precision
from yusuan.extract.narrative import NarrativeFact
from yusuan.extract.tables import normal
from yusuan.money import format_wan

_YEAR = re.compile(r"(20\d\d)\s*年")
#: '比2026年预算增加…' / '与2019年度相比': a comparison with a named year
_COMPARED_YEAR = re.compile(r"(?:比|较|与)\s*(20\d\d)\s*年(度)?")
#: what a 决算 may compare itself with in its own year: the year's budget (年初预算, 预算数)
_OWN_BUDGET = re.compile(r"\s*(?:年初|全年)?(?:预算|调整预算)")  # matched at the year's end
_FINAL_HEADING = re.compile(r"(20\d\d)\s*年度?[^。；，,\d]{0,30}决算[^。；，,\d]{0,12}情况说明")
_YEAR_END = re.compile(r"截至\s*(20\d\d)\s*年\s*12\s*月\s*31\s*日")


def _final(ctx: AuditContext) -> bool:
    return ctx.layout("kind") == "final" or any("决算" in t.title for t in ctx.tables.tables)


def _document_year(ctx: AuditContext) -> int:
    """The document's year when its tables and its narrative agree on it (the year the narrative
    names most), else 0: a year misread from a title must not turn every sentence into an error."""
    if ctx.narrative is None or not ctx.year:
        return 0
    named = Counter(int(m.group(1)) for m in _YEAR.finditer(ctx.narrative.text))
    return ctx.year if named and named.most_common(1)[0][0] == ctx.year else 0


def _place(ctx: AuditContext, start: int, end: int) -> Place:
    assert ctx.narrative is not None
    loc = ctx.narrative.location(start, end)
    text = ctx.narrative.text[max(0, start - 15) : end + 20]
    return Place(page=loc.page if ctx.paged else None, line=loc.line, text=text)


@rule(
    "narrative.year_self_comparison",
    "error",
    "情况说明不拿本年度与本年度比较：预算年度为Y时没有“比Y年预算增加”，决算年度为Y时没有“与Y年度相比”",
    "与本年度自身比较是套用旧稿时没有改年份的典型错误，读者会误解增减的基数。只在表格与说明的年度一致时检查；"
    "决算与本年度预算（年初预算）的比较不算。",
)
def year_self_comparison(ctx: AuditContext) -> Iterator[Finding]:
    year = _document_year(ctx)
    if ctx.narrative is None or not year:
        return
    text = ctx.narrative.text
    final = _final(ctx)
    for m in _COMPARED_YEAR.finditer(text):
        if int(m.group(1)) != year:
            continue
        if final and _OWN_BUDGET.match(text, m.end()):
            continue  # a 决算 compared with the year's own budget
        kind = "决算" if final else "预算"
        yield finding(
            "narrative.year_self_comparison",
            "error",
            f"{year}年度{kind}的情况说明与{year}年自身比较：“{text[m.start() : m.end() + 6]}”，应与{year - 1}年比较",
            str(year - 1),
            m.group(1),
            [_place(ctx, m.start(), m.end())],
        )


@rule(
    "narrative.wrong_year",
    "error",
    "决算的情况说明标题和年末日期是决算年度的：Y年度决算中没有“Y-1年度…决算情况说明”“截至Y-1年12月31日”",
    "标题或年末日期写成别的年份，说明套用了往年的稿子，读者会以为说的是另一年。只在表格与说明的年度一致时检查。",
)
def wrong_year(ctx: AuditContext) -> Iterator[Finding]:
    year = _document_year(ctx)
    if ctx.narrative is None or not year or not _final(ctx):
        return
    text = ctx.narrative.text
    for pattern, what in ((_FINAL_HEADING, "标题"), (_YEAR_END, "年末日期")):
        for m in pattern.finditer(text):
            if int(m.group(1)) == year:
                continue
            yield finding(
                "narrative.wrong_year",
                "error",
                f"{year}年度决算的情况说明中{what}为{m.group(1)}年：“{m.group(0)}”",
                str(year),
                m.group(1),
                [_place(ctx, m.start(), m.end())],
            )


#: '决算数大于预算数' / '决算数与年初预算持平': the 决算 against the budget
_FINAL_VS_BUDGET = re.compile(
    r"决算数?(?:(大于|高于|超过|多于)(?:年初)?预算|(小于|低于|少于)(?:年初)?预算"
    r"|等于(?:年初)?预算|与(?:年初)?预算数?(?:持平|一致|相同|相等))"
)
#: '比上年执行数增加 y%' / '与上年持平': the current amount against last year's, with no amount of change
_VS_LAST_YEAR = re.compile(
    r"(?:比|较|与)上年(?:度)?(?:预算数?|执行数?|决算数?|同期)?(?:相比)?[，,]?\s*(?:(增加|增长|上升)|(减少|下降)|(持平))"
    r"(?!\s*-?\d[\d,]*(?:\.\d+)?\s*万元)(?:\s*(\d+(?:\.\d+)?)\s*[%％])?"
)


@dataclass(frozen=True, slots=True)
class _Comparison:
    """A comparative word and the two amounts of its sentence it compares."""

    start: int
    end: int
    word: str  # 增加 / 减少 / 持平 (what the words say of current against earlier)
    earlier: NarrativeFact
    current: NarrativeFact
    rate: str  # the rate written after the word ('' when none)


def _comparisons(ctx: AuditContext) -> list[_Comparison]:
    """Every comparative word whose sentence names exactly one earlier amount and one current amount
    before it (earlier: its clause says 上年 or 预算 against a 决算; current: the other one)."""
    assert ctx.narrative is not None
    narrative = ctx.narrative
    out: list[_Comparison] = []
    for pattern, earlier_word, current_word in ((_FINAL_VS_BUDGET, "预算", "决算"), (_VS_LAST_YEAR, "上年", "")):
        for m in pattern.finditer(narrative.text):
            if narrative.text[max(0, m.start() - 2) : m.start()] in ("基本", "大体"):
                continue
            sentence = next(
                (k for k, (s, e) in enumerate(narrative.sentences) if s <= m.start() < e), len(narrative.sentences)
            )
            amounts = [
                f
                for f in narrative.facts
                if f.kind in ("amount", "change") and f.sentence == sentence and f.start < m.start()
            ]
            if any(f.kind == "change" or f.reason for f in amounts) or len(amounts) != 2:
                continue  # an amount of change, a reason or a third amount: not two stated amounts

            def named(fact: NarrativeFact, word: str) -> bool:
                clause = normal(fact.clause)
                if word == "上年":  # 上年结转(结余) is this year's income, not last year's figure
                    return word in clause and "结转" not in clause and "结余" not in clause
                return word in clause and (word != "预算" or "决算" not in clause)

            earlier = [f for f in amounts if named(f, earlier_word)]
            current = [f for f in amounts if f not in earlier and (not current_word or named(f, current_word))]
            if len(earlier) != 1 or len(current) != 1:
                continue
            groups = m.groups()
            word = "增加" if groups[0] else "减少" if groups[1] else "持平"
            rate = groups[3] or "" if len(groups) > 3 else ""
            out.append(_Comparison(m.start(), m.end(), word, earlier[0], current[0], rate))
    return out


def _says(word: str, earlier: int, current: int) -> bool:
    """Whether the word fits the two amounts; 持平 is said loosely of amounts within 1% of each other."""
    level = abs(current - earlier) * 100 <= abs(earlier)
    return {"增加": current > earlier, "减少": current < earlier, "持平": level}[word]


@rule(
    "narrative.comparison_words",
    "error",
    "比较用语与同一句的两个金额相符：“上年执行数 A，本年预算 B，比上年增加”要求 B > A；"
    "“决算数大于预算数”要求决算数 > 预算数",
    "增减方向说反了，读者对变化的判断就是反的。只在一句话恰好写出一个上年（预算）数和一个本年（决算）数时检查。",
)
def comparison_words(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    for c in _comparisons(ctx):
        if _says(c.word, c.earlier.fen, c.current.fen):
            continue
        actual = ctx.narrative.text[c.start : c.end]
        truth = "增加" if c.current.fen > c.earlier.fen else "减少" if c.current.fen < c.earlier.fen else "持平"
        yield finding(
            "narrative.comparison_words",
            "error",
            f"比较用语与金额不符：{c.earlier.clause}{c.earlier.text} 万元、{c.current.clause}{c.current.text} 万元，"
            f"文中却说“{actual}”（实际为{truth}）",
            truth,
            actual,
            [_place(ctx, c.start, c.end), ctx.fact_place(c.earlier), ctx.fact_place(c.current)],
        )


@rule(
    "narrative.rate_arithmetic",
    "error",
    "“上年执行数为 A 万元，本年预算安排 B 万元，比上年执行数增加 y%”中 y = (B − A) / A",
    "增长率由同一句的两个金额即可算出；对不上说明其中一个数是错的。",
)
def rate_arithmetic(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    for c in _comparisons(ctx):
        if not c.rate or c.earlier.fen <= 0 or not _says(c.word, c.earlier.fen, c.current.fen):
            continue  # a wrong direction is the comparison's finding
        exact = Decimal(c.current.fen - c.earlier.fen) * 100 / Decimal(c.earlier.fen)
        expected, close = percent_at_precision(exact, c.rate)
        if close:
            continue
        yield finding(
            "narrative.rate_arithmetic",
            "error",
            f"增减率与金额不符：{c.earlier.clause}{c.earlier.text} 万元、{c.current.clause}{c.current.text} 万元，"
            f"{c.word} {format_wan(abs(c.current.fen - c.earlier.fen))} 万元，应为 {expected}%，文中为 {c.rate}%",
            f"{expected}",
            c.rate,
            [_place(ctx, c.start, c.end), ctx.fact_place(c.earlier), ctx.fact_place(c.current)],
        )
