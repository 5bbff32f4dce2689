"""Stage 1 of the generic reader (``generic.py``): finding tables.

The vocabulary of title kinds (``profiles/generic.yaml``), headings (number and title), page
furniture, the 单位 line, where a table ends, and the regions (``GenericRegion``) that continue
the one before them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from yusuan.extract.document import Document, Line
from yusuan.extract.tables import normal

TITLE_MAX = 40  # a title is a short line: at most this many characters without spaces
UNIT_REACH = 4  # the 单位：万元 line stands within this many lines after the title
HEADING_SPAN = 3  # a number and its title printed on separate lines: at most this many lines


# --- vocabulary ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GenericVocabulary:
    """The generic reader's words (``profiles/generic.yaml``): what a title is not, the kinds whose codes
    label items rather than sum, the kinds whose cells hold sentences, title words → kind, the standard tables."""

    not_titles: tuple[str, ...]
    no_hierarchy: frozenset[str]
    text_tables: frozenset[str]
    kinds: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...]  # (words, excluded words, kind)
    standard: tuple[tuple[str, str, frozenset[str]], ...]  # (kind, name, kinds that serve its purpose)


@cache
def generic_vocabulary() -> GenericVocabulary:
    """The generic profile's vocabulary, read once."""
    text = resources.files("yusuan.tables").joinpath("profiles", "generic.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    kinds = tuple(
        (tuple(rule["words"]), tuple(rule.get("none", ())), str(rule["kind"])) for rule in data.get("kinds", [])
    )
    return GenericVocabulary(
        tuple(data.get("not_titles", ())),
        frozenset(data.get("no_hierarchy", ())),
        frozenset(data.get("text_tables", ())),
        kinds,
        tuple(
            (str(t["kind"]), str(t["name"]), frozenset([t["kind"], *t.get("accepted", ())]))
            for t in data.get("standard_tables", [])
        ),
    )


def standard_tables() -> tuple[tuple[str, str, frozenset[str]], ...]:
    """The tables every disclosure must publish (财预〔2016〕143号): (kind, name, kinds accepted for it)."""
    return generic_vocabulary().standard


def title_kind(title: str) -> str:
    """The canonical kind a printed title stands for ('' when no rule fits)."""
    text = normal(title)
    for words, excluded, kind in generic_vocabulary().kinds:
        if all(w in text for w in words) and not any(w in text for w in excluded):
            return kind
    return ""


def text_kinds() -> frozenset[str]:
    """Kinds of tables whose cells hold sentences (绩效目标): amounts there carry their own units."""
    return generic_vocabulary().text_tables


# --- finding tables -------------------------------------------------------------------------------


_CN_DIGITS = "一二三四五六七八九十"
_NUMBER = re.compile(
    rf"^(?:部门)?(?:预算|公开)?(?:\d{{1,2}}表|表(?:\d{{1,6}}(?:-\d{{1,2}})?(?!\d)|[{_CN_DIGITS}]{{1,3}}(?![{_CN_DIGITS}])))"
)
_NUMBER_TAIL = re.compile(r"[（(]((?:预算|公开)?表\d{1,2})[）)]$")
_ORDINAL = re.compile(rf"^(?:[{_CN_DIGITS}]+[、.．]|（[{_CN_DIGITS}]+）|\d{{1,2}}[.．、])")
TITLE_YEAR = re.compile(r"(20\d\d)年")  # the budget year a title prints (2026年部门收支总表)
_SEPARATORS = "：:.．、 "
_SENTENCE = re.compile(r"[。；，;]")
_LEADERS = re.compile(r"[.…·‥]{3,}\s*\d+\s*$")
_PAGE_TAIL = re.compile(r"\s\d{1,3}$")
_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(万元|元|万)")
_UNIT_LABEL = re.compile(r"^(?:部门|单位|预算单位|编制单位|部门（单位）)(?:名称)?\s*[:：]\s*")
_FOOTER = re.compile(r"^[-—–－]*\d{1,4}[-—–－]*$|^第\d+页(共\d+页)?$|^\d+/\d+$")
_SECTION = re.compile(rf"^第[{_CN_DIGITS}]+部分")
_NOTE = re.compile(r"^(注|备注|说明|资料来源)[:：]")
_CONTINUED = re.compile(r"^续(?=表)|[（(]续表?[）)]$")  # 续表3, 表3（续）: the same table printed on


@dataclass(slots=True)
class GenericRegion:
    """A table as found: its heading, its kind, its unit and its lines (page furniture left out)."""

    kind: str
    title: str  # as printed, without spaces or number
    number: str  # the printed number (表1, 预算05表, 公开表3) or ''
    unit: str  # 万元 / 元
    subtitle: str  # the unit's name from the 单位 line (部门名称：…)
    lines: list[Line]  # the heading's first line to the next table
    body: int  # index in ``lines`` of the first line after the heading and the 单位 line
    layout: str = "plain"  # pdf: boxes in points; columns: pdftotext -layout columns; plain: words only
    continuation: bool = False  # the same table as the region before it, printed on
    unit_printed: bool = True  # whether a 单位 line was found (else ``unit`` is a default)

    @property
    def pages(self) -> list[int]:
        return sorted({line.page for line in self.lines})

    @property
    def label(self) -> str:
        """The table's own number if printed, else its title."""
        return self.number or self.title


@dataclass(slots=True)
class _Heading:
    start: int
    end: int  # one past the heading's last line
    number: str
    title: str


def _split_number(text: str) -> tuple[str, str]:
    """(number, title) of a normalized heading line: '公开01表收支总表' → ('公开01表', '收支总表')."""
    match = _NUMBER.match(text)
    if match:
        number, rest = match.group(0), text[match.end() :]
        digits = re.search(r"\d+$", number)
        if digits and len(digits.group(0)) > 4 and rest.startswith("年"):  # 表12026年… : 表1 + 2026年
            cut = len(number) - 4
            number, rest = number[:cut], number[cut:] + rest
        return number, rest.lstrip(_SEPARATORS)
    tail = _NUMBER_TAIL.search(text)
    if tail:
        return tail.group(1), text[: tail.start()]
    return "", text


def _bare_title(title: str) -> str:
    """A title without its ordinal, year and scope note: '一、2026年度收支预算总表（不含上年结转）'
    → '收支预算总表'."""
    title = _ORDINAL.sub("", title)
    title = re.sub(r"[（(]含[^）)]*[）)]?$|[-－]?不含[^）)]*", "", title)
    return re.sub(r"^(?:20\d\d|\d\d)年度?", "", title)


def _title_line(line: Line) -> tuple[str, str, str] | None:
    """(number, title, kind) when the line can be (part of) a table's heading."""
    raw = line.text.strip()
    if "表" not in raw or _LEADERS.search(raw):
        return None
    text = _CONTINUED.sub("", normal(raw))
    if _SENTENCE.search(text) or any(word in text for word in generic_vocabulary().not_titles):
        return None
    first, space, rest = raw.partition(" ")
    # '表五 一般公共预算…': the space decides
    if space and rest.strip() and _NUMBER.fullmatch(_CONTINUED.sub("", normal(first))):
        number, title = _CONTINUED.sub("", normal(first)), _CONTINUED.sub("", normal(rest)).lstrip(_SEPARATORS)
    else:
        number, title = _split_number(text)
    if number and not title:
        return number, "", ""
    bare = _bare_title(title)
    if len(bare) > TITLE_MAX:
        return None
    kind = title_kind(bare)
    if not kind:
        return None
    if _PAGE_TAIL.search(raw) and len(line.words) > 1:  # a contents entry: title and its page number
        return None
    return number, title, kind


def page_furniture(doc: Document) -> set[int]:
    """Indexes of page numbers and running headers or footers (the same text atop or below many pages)."""
    out: set[int] = set()
    edges: dict[str, list[int]] = {}
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for i, line in enumerate(doc.lines):
        first.setdefault(line.page, i)
        last[line.page] = i
    for page, start in first.items():  # a page number stands among a page's first or last two lines
        for i in {start, start + 1, last[page] - 1, last[page]}:
            if start <= i <= last[page] and _FOOTER.match(normal(doc.lines[i].text)):
                out.add(i)
    for i in {*first.values(), *last.values()}:
        edges.setdefault(normal(doc.lines[i].text), []).append(i)
    repeated = max(3, doc.pages * 3 // 10)
    for text, where in edges.items():
        if len(where) >= repeated and "表" not in text:
            out.update(where)
    return out


def _turns(lines: list[Line], i: int, j: int) -> bool:
    """A table number alone at the foot of a page whose title opens the next page (部门公开表7)."""
    return j == i + 1 and lines[j].page == lines[i].page + 1 and _NUMBER.fullmatch(normal(lines[i].text)) is not None


def _layout(doc: Document) -> str:
    if not doc.has_positions:
        return "plain"
    return "pdf" if doc.format == "pdf" else "columns"


def _unit_after(lines: list[Line], heading: _Heading, limit: int) -> tuple[int | None, str, str]:
    """(index of the 单位 line, unit, subtitle) within reach of a heading, on its page, before
    the next heading (``limit``)."""
    page = lines[heading.start].page
    for i in range(heading.start, min(limit, heading.end + UNIT_REACH)):
        line = lines[i]
        if line.page != page:
            break
        matches = list(_UNIT_LINE.finditer(line.text))
        if not matches:
            continue
        match = matches[-1]
        unit = "万元" if match.group(1) == "万" else match.group(1)
        before = line.text[: match.start()].strip().removesuffix("金额").strip()
        subtitle = _UNIT_LABEL.sub("", normal(before)) if i >= heading.end else ""
        if not subtitle and i + 1 < len(lines) and lines[i + 1].page == page:  # 单位：万 / 预算单位：… / 元
            nxt = normal(lines[i + 1].text)
            if _UNIT_LABEL.match(nxt):
                subtitle = _UNIT_LABEL.sub("", nxt)
        return i, unit, subtitle
    return None, "万元", ""


def find_tables(doc: Document) -> list[GenericRegion]:
    """Every table of the document, found by its title, in document order."""
    skip = page_furniture(doc)
    lines = [line for i, line in enumerate(doc.lines) if i not in skip and line.text.strip()]
    parsed = [_title_line(line) for line in lines]
    headings: list[_Heading] = []
    i = 0
    while i < len(lines):
        found = parsed[i]
        if found is None:
            i += 1
            continue
        number, title, kind = found
        j = i + 1
        while j < len(lines) and j - i < HEADING_SPAN and (lines[j].page == lines[i].page or _turns(lines, i, j)):
            nxt = parsed[j]
            if nxt is None or (nxt[0] and number) or (nxt[2] and kind and nxt[2] != kind):
                break
            number = number or nxt[0]
            title, kind = (nxt[1], nxt[2]) if nxt[1] else (title, kind)
            j += 1
        headings.append(_Heading(i, j, number, title))
        i = j

    units = [
        _unit_after(lines, heading, headings[k + 1].start if k + 1 < len(headings) else len(lines))
        for k, heading in enumerate(headings)
    ]
    # different headings without a 单位 line packed a line or two apart: a list of tables, not tables
    packed: set[int] = set()
    for k in range(len(headings) - 1):
        a, b = headings[k], headings[k + 1]
        if b.start - a.end <= 1 and units[k][0] is None and units[k + 1][0] is None and a.title != b.title:
            packed.update((k, k + 1))
    accepted: list[tuple[_Heading, int | None, str, str]] = []
    for k, heading in enumerate(headings):
        at, unit, subtitle = units[k]
        top = heading.start == 0 or lines[heading.start - 1].page != lines[heading.start].page
        if k in packed or (at is None and not heading.number and not top):
            continue
        if at is None and not heading.title and not heading.number:
            continue
        accepted.append((heading, at, unit, subtitle))

    layout = _layout(doc)
    regions: list[GenericRegion] = []
    for k, (heading, at, unit, subtitle) in enumerate(accepted):
        end = accepted[k + 1][0].start if k + 1 < len(accepted) else len(lines)
        kind = title_kind(_bare_title(heading.title)) or "other"
        end = _table_end(lines, heading.end if at is None else at + 1, end, kind in generic_vocabulary().text_tables)
        body = (heading.end if at is None else at + 1) - heading.start
        region = GenericRegion(
            kind=kind,
            title=heading.title,
            number=heading.number,
            unit=unit,
            subtitle=subtitle,
            lines=lines[heading.start : end],
            body=body,
            layout=layout,
            unit_printed=at is not None,
        )
        if regions:
            before = regions[-1]
            region.continuation = (
                (_same_title(before.title, region.title) or (not region.title and region.number == before.number))
                and (before.number == region.number or not region.number)
                and (not region.subtitle or region.subtitle == before.subtitle)
                and region.lines[0].page > before.lines[0].page
            )
            if region.continuation and not region.title:  # 续表3 alone: the table's own title and kind
                region.title, region.kind = before.title, before.kind
        regions.append(region)
    return regions


def _same_title(before: str, title: str) -> bool:
    """Whether a title repeats the one before: the same, or the same cut at the page's left edge
    (a wide table's right half under '26年预算单位收入预算总表')."""
    if before == title:
        return True
    return len(title) >= 8 and before.endswith(title) and _bare_title(before) == _bare_title(title)


def _table_end(lines: list[Line], start: int, end: int, sentences: bool = False) -> int:
    """Where a table's lines stop: a new part of the document (第三部分 …), or a page that opens
    with running text (a sentence, not a cell) unless the table's cells hold sentences."""
    for i in range(start, end):
        text = normal(lines[i].text)
        if _SECTION.match(text):
            return i
        if sentences:
            continue
        if i > start and lines[i - 1].page != lines[i].page:
            opening = [normal(line.text) for line in lines[i : min(end, i + 3)] if line.page == lines[i].page]
            if any(len(t) >= 30 and _SENTENCE.search(t) and not _NOTE.match(t) for t in opening):
                return i
    return end
