"""The narrative's 类/款/项 subjects against the tables' rows of the same function code.

A narrative names a classification subject in one of three ways, each followed by its amount:
``一般公共服务支出（类）财政事务（款）行政运行（项）3685.65 万元`` (or ``（201类）…（01款）…（01项）``),
``2040201-行政运行 6556.70万元`` and ``行政运行（2040601）2,798.63万元``. The subject is the row of
that code in the tables; only the words ``支出``, ``2026年预算数为`` and the like may stand between
the subject and its amount, else the amount may be of something else (上年执行数, 增加额 …).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding, Place
from yusuan.audit.rules import rule
from yusuan.audit.rules.generic_figures import readable_amount, this_year
from yusuan.extract.generic import table_display_step
from yusuan.extract.narrative import NarrativeFact
from yusuan.extract.tables import normal
from yusuan.money import format_wan
from yusuan.tables.model import Row, Table

_NAME = r"([\u4e00-\u9fff]+?)"
#: '…（类）…（款）…（项）' with or without the code's digits in the bracket, any level left out at the front
_LEVELS = re.compile(
    rf"(?:{_NAME}（\d{{0,3}}类）)?\s*(?:\d+[.、．]\s*)?(?:{_NAME}（\d{{0,2}}款）)?\s*(?:{_NAME}（\d{{0,2}}项）)?"
)
_CODED_BEFORE = re.compile(rf"(?<!\d)(\d{{3}}|\d{{5}}|\d{{7}})\s*[-－—]?\s*{_NAME}(?=[\s\d])")
_CODED_AFTER = re.compile(rf"{_NAME}[（(](\d{{3}}|\d{{5}}|\d{{7}})[）)]")
#: what may stand between a subject and its amount: '支出', '2026年预算数为', '安排' …
_FILLER = re.compile(r"\s*(?:支出|科目)?\s*(?:20\d\d\s*年度?)?\s*(?:预算数?|预算安排|安排|决算数?)?\s*(?:为|是)?\s*")
_REACH = 16  # characters after the subject within which its amount must start


@dataclass(frozen=True, slots=True)
class _Subject:
    """A classification subject the narrative names: its names by level, or its code, and its amount."""

    start: int
    end: int
    names: tuple[str, str, str]  # 类, 款, 项 as written ('' when not named)
    code: str  # printed code ('' when named only)
    amount: NarrativeFact


def _bare(name: str) -> str:
    """A subject's name without the 支出 that tables and narratives add or leave out (社会保障和就业（类）)."""
    return normal(name).removesuffix("支出")


def _amount_after(ctx: AuditContext, end: int) -> NarrativeFact | None:
    assert ctx.narrative is not None
    text = ctx.narrative.text
    for fact in ctx.narrative.facts:
        if fact.kind == "amount" and end <= fact.start <= end + _REACH:
            between = text[end : fact.start]
            return fact if _FILLER.fullmatch(between) else None
        if fact.start > end + _REACH:
            break
    return None


def _subjects(ctx: AuditContext) -> list[_Subject]:
    assert ctx.narrative is not None
    text = ctx.narrative.text
    out: list[_Subject] = []
    for m in _LEVELS.finditer(text):
        if not any(m.groups()):
            continue
        amount = _amount_after(ctx, m.end())
        if amount is not None:
            out.append(_Subject(m.start(), m.end(), (m.group(1) or "", m.group(2) or "", m.group(3) or ""), "", amount))
    for pattern, code_group, name_group in ((_CODED_BEFORE, 1, 2), (_CODED_AFTER, 2, 1)):
        for m in pattern.finditer(text):
            amount = _amount_after(ctx, m.end())
            if amount is not None:
                names = ("", "", m.group(name_group))
                out.append(_Subject(m.start(), m.end(), names, m.group(code_group), amount))
    return out


def _rows(table: Table) -> dict[str, Row]:
    """The table's classified rows by code (a code printed twice is left out: which row is meant is not known)."""
    seen: dict[str, list[Row]] = {}
    for row in table.rows:
        code = row.value("code")
        if isinstance(code, str) and code.isdigit() and len(code) in (3, 5, 7):
            seen.setdefault(code, []).append(row)
    return {code: rows[0] for code, rows in seen.items() if len(rows) == 1}


def _name(row: Row) -> str:
    name = row.value("name")
    return _bare(name) if isinstance(name, str) else ""


def _row_of(subject: _Subject, rows: dict[str, Row]) -> Row | None:
    """The one row the subject names: by its code (when its name is the row's), else by its names
    level by level (a 项 under the 款 named, under the 类 named)."""
    if subject.code:
        row = rows.get(subject.code)
        return row if row is not None and _name(row) == _bare(subject.names[2]) else None
    wanted = [(level, _bare(name)) for level, name in zip((3, 5, 7), subject.names, strict=True) if name]
    if not wanted:
        return None
    depth = wanted[-1][0]

    def fits(code: str) -> bool:
        # the first name may run on from the words before it (no punctuation between): its end is the name
        return all(
            code[:n] in rows and (name.endswith(_name(rows[code[:n]])) if k == 0 else name == _name(rows[code[:n]]))
            for k, (n, name) in enumerate(wanted)
        )

    found = [row for code, row in rows.items() if len(code) == depth and fits(code)]
    return found[0] if len(found) == 1 else None


_PART_OR_CHANGE = re.compile(r"基本|项目|人员|公用|增减|比|%|％")


def _total_column(table: Table, year: int) -> str | None:
    """The table's first column of this year's totals (not a part such as 基本支出, nor a change)."""
    for column in table.columns:
        if column.type == "amount" and this_year(column, year):
            return None if _PART_OR_CHANGE.search("".join(column.headers)) else column.key
    return None


def _total(table: Table, row: Row, year: int) -> tuple[str, int] | None:
    """A row's amount in the table's total column: None when blank or cut (not read: not compared)."""
    column = _total_column(table, year)
    value = None if column is None else readable_amount(table, row, column)
    return None if column is None or value is None else (column, value)


def _row_amounts(table: Table, row: Row, year: int) -> list[int]:
    """A row's readable amounts in this year's columns, the parts included (基本支出, 项目支出 …):
    a sentence under 公用经费 or 专项业务经费 states the item's part, not its total."""
    out = []
    for column in table.columns:
        if column.type == "amount" and this_year(column, year):
            value = readable_amount(table, row, column.key)
            if value is not None:
                out.append(value)
    return out


@rule(
    "narrative.item_amount",
    "error",
    "情况说明中按类、款、项（或科目编码）说明的金额与一般公共预算支出表中该科目的金额一致",
    "逐项说明是读者了解钱花在哪里的主要依据；它与表格不符会误导读者。只比较科目名称或编码与表中唯一一行对应、"
    "科目后紧跟金额的说法；与任一张表中同一科目的金额相符即认为一致（说明的口径可能是财政拨款或支出总表）。",
)
def item_amounts(ctx: AuditContext) -> Iterator[Finding]:
    if ctx.narrative is None:
        return
    subjects = _subjects(ctx)
    yield from _heading_and_body(ctx, subjects)
    gpb = [t for t in ctx.tables.tables if t.kind == "gpb_expenditure"]
    if len(gpb) != 1:
        return  # printed per unit (or absent): which table a subject is of is not known
    table = gpb[0]
    rows = _rows(table)
    others = [(t, _rows(t)) for t in ctx.tables.tables if t is not table]
    step = table_display_step(table)
    for subject in subjects:
        row = _row_of(subject, rows)
        first = None if row is None else _total(table, row, ctx.year)
        if row is None or first is None:
            continue
        column, value = first
        code = str(row.value("code"))
        stated = subject.amount
        tolerance = stated.step + step  # the narrative may round (or cut) the table's figure
        if any(abs(v - stated.fen) < tolerance for v in _row_amounts(table, row, ctx.year)):
            continue  # not counted among the table's identities: the narrative is not the table's arithmetic
        # the same code in another table (支出总表, 财政拨款支出表) with the stated amount: another scope
        elsewhere = [(t, r) for t, by_code in others if (r := by_code.get(code)) is not None]
        if any(abs(v - stated.fen) < tolerance for t, r in elsewhere for v in _row_amounts(t, r, ctx.year)):
            continue
        named = "".join(f"{n}（{w}）" for n, w in zip(subject.names, "类款项", strict=True) if n)
        what = f"{code} {named or subject.names[2]}" if subject.code else named
        loc = ctx.narrative.location(subject.start, subject.end)
        places = [
            ctx.fact_place(stated),
            Place(page=loc.page if ctx.paged else None, line=loc.line, text=loc.text),
            ctx.place(table, row, column),
        ]
        yield finding(
            "narrative.item_amount",
            "error",
            f"情况说明中“{what}”为 {stated.text} 万元，"
            f"{table.number}「{'/'.join(row.key)}」行为 {format_wan(value)} 万元",
            format_wan(value),
            stated.text,
            places,
        )


#: how the body of an item states this year's amount: '本年预算安排 B 万元', '2026年预算数为 B 万元'
_BODY = re.compile(r"(?:本年|今年|20\d\d年度?)?(?:预算安排|预算数|预算|安排)(?:资金|支出)?(?:为|是)?$")
_NOT_THIS_YEAR = re.compile(r"上年|去年|前年|执行|比|较|增|减|结转|结余")
#: an ordinal that opens the next item or section: the body of the heading before it has ended
_ORDINAL = re.compile(r"（[一二三四五六七八九十\d]+）|(?<![\d.])\d+[.、．](?!\d)|[一二三四五六七八九十]+、")
_BLOCK = 200  # characters after an item heading its body may run on


def _heading_and_body(ctx: AuditContext, subjects: list[_Subject]) -> Iterator[Finding]:
    """'…（01项）A 万元' followed, before the next subject, by one '本年预算安排 B 万元': A = B."""
    assert ctx.narrative is not None
    starts = sorted(s.start for s in subjects)
    sentences = ctx.narrative.sentences
    for subject in subjects:
        head = subject.amount
        # the body: the heading's sentence and the next one, up to the next item, ordinal or subject
        end = min([s for s in starts if s > head.start] + [head.end + _BLOCK])
        if head.sentence + 1 < len(sentences):
            end = min(end, sentences[head.sentence + 1][1])
        ordinal = _ORDINAL.search(ctx.narrative.text, head.end, end)
        end = ordinal.start() if ordinal else end
        body = [
            f
            for f in ctx.narrative.facts
            if f.kind == "amount"
            and head.end < f.start < end
            and _BODY.search(normal(f.clause))
            and not _NOT_THIS_YEAR.search(f.clause)
            and not f.reason
        ]
        if len(body) != 1 or abs(body[0].fen - head.fen) < max(body[0].step, head.step):
            continue
        stated = body[0]
        yield finding(
            "narrative.item_amount",
            "error",
            f"情况说明中“{ctx.narrative.text[subject.start : subject.end]}”标题中为 {head.text} 万元，"
            f"正文中为 {stated.text} 万元",
            head.text,
            stated.text,
            [ctx.fact_place(head), ctx.fact_place(stated)],
        )
