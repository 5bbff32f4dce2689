"""Tables of any disclosure template, read without a template profile.

The Henan profile knows its tables by number; other provinces and cities number,
title and lay out their tables in their own ways. This module reads them all the
same way, from what every template shares:

1. ``find_tables``: a table starts at its title — a short line with 表 and the words
   of a known kind (``profiles/generic.yaml``: 收支总表 → summary …), often with a
   number on the same or the next line (预算05表, 公开表3, 表一) — and usually a
   ``单位：万元`` line right below. Tables of contents (dot leaders, page numbers,
   titles packed one per line) are not tables. A table runs to the next title; a
   title printed again on the following pages for the same unit continues it, and so
   does its number marked 续 (续表3, 表3（续）).
2. ``parse_rows``: the lines after the column headers become rows. A row starts with
   a 功能分类 code (2010101, 201 01 01, [2010101]行政运行, 2010101-行政运行, a 款 or
   项 printed as two digits under its 类), an 经济分类 code (30101, 301 01), a unit
   code, a total label (合计, 本 年 收 入 合 计) or a name; its values are the amounts
   on it (2 to 6 decimals, thousands separators, '-' for zero; whole 元 when a table
   prints no decimals at all). On a PDF, lines whose boxes overlap vertically are one
   row (a name wrapped around its values, centred in its cell), and a text line closer
   to a row than 0.6 of its height continues that row's name, as does a line alone
   under a coded row's name, or the first of three lines centred on a row. A table
   printed in panels (the same columns repeated side by side, ``panels.py``) is read
   panel by panel. Without positions (plain text) rows follow one another in the
   token stream.
3. ``generic_tables``: a TableSet with the canonical kinds; value columns come from
   the amounts' horizontal positions (a blank cell is known to be blank: Cell(None);
   their headers from the words standing over them, ``columns.py``),
   or, without positions, from their order on the row. A table that prints names
   only (杭州) gets its codes from the catalog when most names are found there, each
   under the 类 or 款 above it (such code cells carry no location).
4. ``hierarchy_checks``: in code tables, 类 = Σ its 款, 款 = Σ its 项, 合计 = Σ the
   top rows — the identities that prove a table was read right. Unit rows (704001, a unit's
   name) group 类 rows and make a hierarchy of their own (合计 = Σ 单位, 单位 = Σ its 类).

What the printed hierarchy leaves open is decided in ``extract/codes.py``: a 款 or 项 printed as
two digits (settled once the rows below it are known, else uncertain), a department's code over
its units, a leaf 款 printed twice, tables that list things rather than sum codes.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from yusuan.catalog import load_catalog
from yusuan.extract.amounts import (
    EXPLAINED,
    UNPLACED,
    amount_header,
    bare_columns,
    excess_step,
    misgrouped,
    misgrouped_value,
    number_columns,
    place_number,
)
from yusuan.extract.centred import Piece, centred, owners
from yusuan.extract.codes import (
    child_named,
    counts,
    label_header,
    lists_items,
    read_short,
    repeats,
    rows_above,
    settle_short_codes,
    settle_unit_codes,
    unit_name,
)
from yusuan.extract.columns import header_paths
from yusuan.extract.document import Document, Line
from yusuan.extract.panels import Panels, find_panels, split_line
from yusuan.extract.tables import MAX_AMOUNT_DIGITS, Token, normal, tokens
from yusuan.money import UNIT_FEN, AmountError, parse_amount
from yusuan.tables.family import FamilyMatch
from yusuan.tables.identities import Check
from yusuan.tables.model import Cell, Column, Location, Row, Table, TableSet

TITLE_MAX = 40  # a title is a short line: at most this many characters without spaces
UNIT_REACH = 4  # the 单位：万元 line stands within this many lines after the title
HEADING_SPAN = 3  # a number and its title printed on separate lines: at most this many lines
OVERLAP = 0.15  # lines whose boxes overlap by this share of the lower one's height are one printed row
ATTACH = 0.6  # a text line closer to a row than this × its height continues the row's name
CENTRED = 0.2  # lines above and below a row as far from it within this × their height: centred on it
LINE_STEP = 1.8  # …one line below the other: their tops closer than this × their height
WRAP_REACH = 1.5  # …and one standing under a coded row's name alone, closer than this × its height

# --- vocabulary ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    not_titles: tuple[str, ...]
    no_hierarchy: frozenset[str]
    text_tables: frozenset[str]
    kinds: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...]  # (words, excluded words, kind)
    standard: tuple[tuple[str, str, frozenset[str]], ...]  # (kind, name, kinds that serve its purpose)


@cache
def _vocabulary() -> _Vocabulary:
    text = resources.files("yusuan.tables").joinpath("profiles", "generic.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    kinds = tuple(
        (tuple(rule["words"]), tuple(rule.get("none", ())), str(rule["kind"])) for rule in data.get("kinds", [])
    )
    return _Vocabulary(
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
    return _vocabulary().standard


def title_kind(title: str) -> str:
    """The canonical kind a printed title stands for ('' when no rule fits)."""
    text = normal(title)
    for words, excluded, kind in _vocabulary().kinds:
        if all(w in text for w in words) and not any(w in text for w in excluded):
            return kind
    return ""


# --- 1. finding tables -----------------------------------------------------------------------------

_CN_DIGITS = "一二三四五六七八九十"
_NUMBER = re.compile(
    rf"^(?:部门)?(?:预算|公开)?(?:\d{{1,2}}表|表(?:\d{{1,6}}(?:-\d{{1,2}})?(?!\d)|[{_CN_DIGITS}]{{1,3}}(?![{_CN_DIGITS}])))"
)
_NUMBER_TAIL = re.compile(r"[（(]((?:预算|公开)?表\d{1,2})[）)]$")
_ORDINAL = re.compile(rf"^(?:[{_CN_DIGITS}]+[、.．]|（[{_CN_DIGITS}]+）|\d{{1,2}}[.．、])")
_YEAR = re.compile(r"(20\d\d)年")
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
    if _SENTENCE.search(text) or any(word in text for word in _vocabulary().not_titles):
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
        end = _table_end(lines, heading.end if at is None else at + 1, end, kind in _vocabulary().text_tables)
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


# --- 2. rows ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class GenericValue:
    """One printed amount of a row: its value in fen and the value column it stands in."""

    fen: int
    token: Token
    column: int = -1  # 0-based value column; -1 until the table's columns are known
    x0: float = 0.0
    x1: float = 0.0

    def location(self) -> Location:
        return self.token.location()


@dataclass(slots=True)
class GenericRow:
    """A row as read: its codes, its name and its amounts, with the lines it stands on."""

    kind: str  # total / class / kuan / item / unit / values (an unlabelled row of amounts) / label
    codes: tuple[str, ...]
    name: str
    values: list[GenericValue]
    head: Token | None  # the token where the row starts (its code, label or first amount)
    family: str = ""  # function / econ / unit / '' (no code)
    parts: list[_Cell] = field(default_factory=list)  # a label row's name cells, left to right
    inferred: bool = False  # the code is not printed: the catalog knows the name under its parent
    #: numbers on the row that are neither its code nor an amount as read: (amounts before it, cell)
    stray: list[tuple[int, _Cell]] = field(default_factory=list)
    doubt: str = ""  # why the row's amounts are uncertain ('' when every token is accounted for)
    short: str = ""  # a 款 or 项 printed as two digits, its level read from the rows above (codes.py)
    uncertain: bool = False  # the reading cannot vouch for the row (its level, its name unknown, its panel)
    panel: int = 0  # the panel the row is printed in (0: the first, or the table has no panels)

    @property
    def code(self) -> str:
        return self.codes[0] if self.codes else ""

    def location(self) -> Location | None:
        return self.head.location() if self.head is not None else None


@dataclass(slots=True)
class _Cell:
    """Tokens of one table cell in a row: one token, or a name wrapped over several lines."""

    kind: str  # amount / digits / text
    tokens: list[Token]
    x0: float
    x1: float
    text: str = ""
    fen: int = 0


@dataclass(slots=True)
class _Context:
    """What a row's two-digit code needs from the rows before it, and the 款/项 columns' positions."""

    klass: str = ""  # the last 类 code
    kuan: str = ""  # the last 款 code
    last: str = ""  # the last row's kind
    kuan_x: float | None = None  # centre of the 款 header, when printed as its own column
    xiang_x: float | None = None


_GRAND_TOTAL = re.compile(r"^(合计|总计|共计)?$")
_TOTAL = re.compile(r"^(?!.*(?:科目|名称|编码|项目|栏次))(.{0,6})(合计|总计|共计)$")
_CODE_NAME = re.compile(r"^[\[【［]?(\d{3}|\d{5,7})[\]】］]?[-－—:：]?(?=[^\d年月日%％.,，号个万元])")
_ZERO_MARKS = {"-", "—", "－", "0"}
# a code and its name glued to the end of the name before it, the cells' gap too narrow to part
# the words (…缴费支出50102-社会保障缴费): a code with a dash, after a name's last character
_EMBEDDED_CODE = re.compile(r"(?<=[\u4e00-\u9fff）)])(\d{3}|\d{5,7})[-－—](?=[\u4e00-\u9fff])")


def _token_box(token: Token) -> tuple[float, float, float, float]:
    if token.bbox is not None:
        return token.bbox
    return (0.0, token.line.top, 0.0, token.line.top + 1.0)


def _amount_fen(text: str, unit: str, token: Token) -> int:
    if text in _ZERO_MARKS:
        return 0
    if unit == "万元" and token.kind == "amount":
        return token.fen
    try:
        return parse_amount(misgrouped_value(text) if misgrouped(text) else text, unit)
    except AmountError:
        return 0


def _line_extent(line: Line) -> tuple[float, float]:
    box = line.bbox
    if box is None:
        return line.top, line.top + 1.0
    return box[1], box[3]


def _body_lines(region: GenericRegion) -> list[Line]:
    """The lines after the heading, without notes: a 注： line and the lines below it on its page."""
    out: list[Line] = []
    noted = 0  # the page of the last note
    for line in region.lines[region.body :]:
        text = normal(line.text)
        if not text or line.page == noted:
            continue
        if _NOTE.match(text) or _SECTION.match(text):
            noted = line.page
            continue
        out.append(line)
    return out


def _integer_mode(line_tokens: list[list[Token]]) -> bool:
    """Whether the table prints whole 元 without decimals (7,099,698): no decimal amount at all."""
    decimals = integers = 0
    for toks in line_tokens:
        for tok in toks:
            if tok.kind == "amount" and "." in tok.text:
                decimals += 1
            elif tok.kind == "integer":
                integers += 1
    return decimals == 0 and integers > 0


def _is_amount(tok: Token, after_text: bool, integer_mode: bool) -> bool:
    if tok.kind == "amount":
        return True
    if not integer_mode:
        return False
    return tok.kind == "integer" or (tok.kind == "digits" and after_text and 3 <= len(tok.text) <= MAX_AMOUNT_DIGITS)


def _has_amount(toks: list[Token], integer_mode: bool) -> bool:
    after_text = False
    for tok in toks:
        if _is_amount(tok, after_text, integer_mode):
            return True
        after_text = after_text or tok.kind == "text"
    return False


def _code_head(toks: list[Token]) -> bool:
    """Whether a line starts with a classification code (a row without values still is a row)."""
    if not toks:
        return False
    first = toks[0]
    if first.kind == "digits":
        return len(first.text) in (3, 5, 6, 7) and len(toks) > 1 and toks[1].kind in ("text", "digits")
    return bool(_CODE_NAME.match(normal(first.text)))


def _header_columns(header: list[Line], ctx: _Context) -> None:
    """The 款 and 项 columns' centres when the header prints 类 | 款 | 项 as columns of their own."""
    for line in header:
        words = {w.text.strip(): w for w in line.words}
        if "款" in words and "项" in words and words["项"].x1 > words["款"].x1 > 0:
            ctx.kuan_x = (words["款"].x0 + words["款"].x1) / 2
            ctx.xiang_x = (words["项"].x0 + words["项"].x1) / 2


def parse_rows(
    region: GenericRegion,
    before: list[GenericRow] | None = None,
    *,
    header: list[Line] | None = None,
    panels: list[Panels] | None = None,
) -> list[GenericRow]:
    """The rows of a table region, top to bottom.

    ``before``: the rows of the same table on the pages before (a continuation region's 款
    and 项 printed as two digits need the 类 above them). ``header``: a list that receives
    the region's column header lines. ``panels``: the table's panels as found on its pages
    before (a page printed without the header keeps them), and a list that receives them.
    """
    lines = _body_lines(region)
    line_tokens = [_percent_free(tokens([line])) for line in lines]
    integer_mode = _integer_mode(line_tokens)
    valued = [_has_amount(t, integer_mode) or _code_head(t) for t in line_tokens]
    data = [v or _total_line(t) for v, t in zip(valued, line_tokens, strict=True)]
    # a 合计 alone on a line with more header lines below it is a column's header (centred between
    # the header's two lines), not the total row
    first = next(
        (k for k, d in enumerate(data) if valued[k] or (d and (k + 1 == len(data) or data[k + 1]))), len(lines)
    )
    head_lines = lines[:first]
    if header is not None:
        header.extend(head_lines)
    # the header printed again atop continuation pages is not part of any row (a 合计 in it neither)
    repeated = {normal(line.text) for line in head_lines}
    first_page = lines[first].page if first < len(lines) else 0
    kept = [
        (line, toks, d)
        for line, toks, d, v in zip(lines[first:], line_tokens[first:], data[first:], valued[first:], strict=True)
        if v or line.page == first_page or normal(line.text) not in repeated
    ]
    serial = _serial_column(head_lines)
    if serial is not None:  # a 序号 column: its numbers are neither codes nor amounts
        kept = [(line, _drop_serial(toks, serial), d) for line, toks, d in kept]
    ctx = _Context()
    _header_columns(head_lines, ctx)
    for row in before or []:
        _advance(ctx, row)
    rows: list[GenericRow] = []
    if region.layout == "plain":  # no positions: rows follow one another in the text's token stream
        cells = _cells(
            _Band([(line, toks) for line, toks, _ in kept], [], 0.0, 0.0), region.unit, integer_mode, "plain"
        )
        for chunk in _stream_rows(cells):
            for row in _band_rows_of(chunk, ctx):
                _advance(ctx, row)
                rows.append(row)
        return rows
    spans = [(box[0], box[2]) for _line, toks, _d in kept for t in toks for box in [t.bbox] if box is not None]
    found = find_panels(head_lines, spans, grid=region.layout == "columns")
    if found is not None and panels is not None:
        panels.append(found)
    elif found is None and panels and not head_lines:  # a page printed without its header
        found = panels[-1]
    if found is None:
        for band in _bands(kept, region.layout):
            for row in _band_rows(band, region.unit, integer_mode, region.layout, ctx):
                _advance(ctx, row)
                rows.append(row)
        return rows
    return _panel_rows(kept, found, region, integer_mode, ctx, before or [])


def _panel_rows(
    kept: list[tuple[Line, list[Token], bool]],
    panels: Panels,
    region: GenericRegion,
    integer_mode: bool,
    ctx: _Context,
    before: list[GenericRow],
) -> list[GenericRow]:
    """A panelled table's rows: each panel's rows top to bottom, the left panel first, each
    under its own hierarchy (continued from the same panel's rows on the pages ``before``),
    its amounts moved onto the first panel's columns."""
    cut: list[list[tuple[Line, list[Token], bool]]] = [[] for _ in range(len(panels.cuts) + 1)]
    crossing: set[int] = set()  # the lines (by id) a token crosses a cut of
    for line, toks, _data in kept:
        for k, (piece, part, crossed) in enumerate(split_line(line, toks, panels)):
            if not part:
                continue
            if crossed:
                crossing.add(id(piece))
            data = _has_amount(part, integer_mode) or _code_head(part) or _total_line(part)
            cut[k].append((piece, part, data))
    rows: list[GenericRow] = []
    for k, part_lines in enumerate(cut):
        shift = panels.offsets[k]
        panel_ctx = _Context(
            kuan_x=None if ctx.kuan_x is None else ctx.kuan_x + shift,
            xiang_x=None if ctx.xiang_x is None else ctx.xiang_x + shift,
        )
        for row in before:
            if row.panel == k:
                _advance(panel_ctx, row)
        for band in _bands(part_lines, region.layout):
            certain = panels.certain and not any(id(line) in crossing for line, _toks in band.items)
            for row in _band_rows(band, region.unit, integer_mode, region.layout, panel_ctx):
                _advance(panel_ctx, row)
                for value in row.values:
                    value.x0 -= panels.offsets[k]
                    value.x1 -= panels.offsets[k]
                row.uncertain, row.panel = row.uncertain or not certain, k
                rows.append(row)
    return rows


def _stream_rows(cells: list[_Cell]) -> list[list[_Cell]]:
    """Cells of text without positions cut into rows: a row ends where a name or a code follows
    its amounts, or where a code starts after a name."""
    chunks: list[list[_Cell]] = []
    current: list[_Cell] = []
    has_values = has_name = False
    for k, cell in enumerate(cells):
        if _code_taken_for_amount(cells, k):
            cell.kind = "digits"
    starts = [_code_start(cells, k) for k in range(len(cells))]
    for k, cell in enumerate(cells):
        nxt = cells[k + 1] if k + 1 < len(cells) else None
        # a number after an amount, before another amount or the next row, is a bare amount of
        # the row ('30.00 6 10.00'); one a name follows is the next row's (a 款 code '05')
        bare = (
            cell.kind == "digits"
            and not starts[k]
            and (nxt is None or nxt.kind == "amount" or (k + 1 < len(cells) and starts[k + 1]))
        )
        if current and ((has_values and cell.kind != "amount" and not bare) or (starts[k] and has_name)):
            chunks.append(current)
            current, has_values, has_name = [], False, False
        current.append(cell)
        has_values = has_values or cell.kind == "amount"
        has_name = has_name or cell.kind == "text"
    if current:
        chunks.append(current)
    return chunks


def _code_taken_for_amount(cells: list[_Cell], k: int) -> bool:
    """In a table of whole amounts without positions, the next row's code after the last amount
    ('… 7,099,698 0 208 05 行政事业单位养老支出'): a known code printed bare, before a name or a
    two-digit 款, is that row's code, not one more amount."""
    cell = cells[k]
    nxt = cells[k + 1] if k + 1 < len(cells) else None
    if cell.kind != "amount" or cell.tokens[0].kind != "digits" or len(cell.text) not in (3, 5, 7) or nxt is None:
        return False
    if not (nxt.kind == "text" or (nxt.kind == "digits" and len(nxt.text) == 2)):
        return False
    catalog = load_catalog()
    return any(catalog.knows(name, cell.text) for name in ("function", "dept_econ", "gov_econ"))


def _code_start(cells: list[_Cell], k: int) -> bool:
    cell = cells[k]
    nxt = cells[k + 1] if k + 1 < len(cells) else None
    if cell.kind == "text":
        return _CODE_NAME.match(cell.text) is not None
    return cell.kind == "digits" and len(cell.text) in (3, 5, 6, 7) and nxt is not None and nxt.kind != "amount"


def _serial_column(header: list[Line]) -> tuple[float, float] | None:
    """The x range of a 序号 column when the header has one (序号, or 序 over 号)."""
    for k, line in enumerate(header):
        for word in line.words:
            text = normal(word.text)
            if text not in ("序号", "序"):
                continue
            if text == "序" and not any(
                normal(w.text) == "号" and w.x0 < word.x1 and w.x1 > word.x0
                for below in header[k + 1 :]
                for w in below.words
            ):
                continue
            if word.x1 <= word.x0:
                return (float("-inf"), float("inf"))
            slack = word.x1 - word.x0
            return (word.x0 - slack, word.x1 + slack)
    return None


def _drop_serial(toks: list[Token], serial: tuple[float, float]) -> list[Token]:
    if len(toks) < 2 or toks[0].kind != "digits" or len(toks[0].text) > 4:
        return toks
    x0, _top, x1, _bottom = _token_box(toks[0])
    if toks[0].bbox is not None and not serial[0] <= (x0 + x1) / 2 <= serial[1]:
        return toks
    return toks[1:]


def _percent_free(toks: list[Token]) -> list[Token]:
    """A line's tokens without percentages ('1.30%' comes as '1.30' and '%'): rates are not amounts."""
    out: list[Token] = []
    for k, tok in enumerate(toks):
        if tok.kind == "amount" and k + 1 < len(toks) and toks[k + 1].text[:1] in "%％":
            continue
        if tok.text in ("%", "％"):
            continue
        out.append(tok)
    return out


def _total_line(toks: list[Token]) -> bool:
    text = "".join(normal(t.text) for t in toks if t.kind == "text")
    return bool(_TOTAL.match(text.rstrip("：:")))


def _advance(ctx: _Context, row: GenericRow) -> None:
    if row.family == "function":
        if row.kind == "class":
            ctx.klass, ctx.kuan = row.code, ""
        elif row.kind == "kuan":
            ctx.klass, ctx.kuan = row.code[:3], row.code
        elif len(row.code) == 7:
            ctx.klass, ctx.kuan = row.code[:3], row.code[:5]
    ctx.last = row.kind


@dataclass(slots=True)
class _Band:
    """Lines that make one printed row (or a few rows side by side): their tokens, and those of
    its lines that carry data (amounts, a code, a total label)."""

    items: list[tuple[Line, list[Token]]]
    data: list[list[Token]]  # the tokens of the data lines
    top: float
    bottom: float

    @property
    def page(self) -> int:
        return self.items[0][0].page

    def add(self, other: _Band, before: bool = False) -> None:
        self.items = [*other.items, *self.items] if before else [*self.items, *other.items]
        self.data.extend(other.data)
        self.top, self.bottom = min(self.top, other.top), max(self.bottom, other.bottom)


def _overlap(a: _Band, b: _Band) -> float:
    return min(a.bottom, b.bottom) - max(a.top, b.top)


def _x_range(band: _Band) -> tuple[float, float]:
    boxes = [_token_box(t) for _line, toks in band.items for t in toks]
    return min(b[0] for b in boxes), max(b[2] for b in boxes)


def _bands(kept: list[tuple[Line, list[Token], bool]], layout: str) -> list[_Band]:
    """Lines grouped into printed rows: on a PDF, lines whose boxes overlap vertically are one row,
    and a text line near a row (closer than ATTACH × its height) continues it."""
    bands: list[_Band] = []
    for line, toks, data in kept:
        top, bottom = _line_extent(line)
        band = _Band([(line, toks)], [toks] if data else [], top, bottom)
        last = bands[-1] if bands else None
        if (
            layout == "pdf"
            and last is not None
            and last.page == line.page
            and _overlap(band, last) > OVERLAP * min(bottom - top, last.bottom - last.top)
            and (last.data or not data or _free_above(band, last))
        ):
            last.add(band)
            continue
        bands.append(band)
    if layout == "plain":
        return bands
    pieces = [_piece(band) for band in bands]
    if centred(pieces):  # names centred on their rows: each row has as many name lines above as below
        owner = owners(pieces)
        if all(_in_name_column(bands[o], bands[k]) for k, o in enumerate(owner) if o not in (-1, k)):
            return _owned(bands, owner)
    # text lines of one wrapped cell, one below the other, first make one block (a line that
    # opens with its own ordinal, 十五、…, is a row of its own)
    blocks: list[_Band] = []
    for band in bands:
        last = blocks[-1] if blocks else None
        if (
            last is not None
            and not band.data
            and not last.data
            and not _LABEL_PREFIX.match(normal(band.items[0][0].text))
            and last.page == band.page
            and band.top - last.bottom < ATTACH * (band.bottom - band.top)
            and _x_range(band)[0] < _x_range(last)[1]
            and _x_range(band)[1] > _x_range(last)[0]
        ):
            last.add(band)
            continue
        blocks.append(band)
    out: list[_Band] = []
    for k, band in enumerate(blocks):
        if band.data:
            out.append(band)
            continue
        height = max(min(b - t for t, b in (_line_extent(line) for line, _ in band.items)), 1.0)
        up = out[-1] if out and out[-1].data and out[-1].page == band.page else None
        down = blocks[k + 1] if k + 1 < len(blocks) and blocks[k + 1].data else None
        down = down if down is not None and down.page == band.page else None
        gap_up = band.top - up.bottom if up is not None else None
        gap_down = down.top - band.bottom if down is not None else None
        opens = _LABEL_PREFIX.match(normal(band.items[0][0].text)) is not None  # 二、… starts a row of its own
        near_up = not opens and gap_up is not None and gap_up < ATTACH * height
        near_down = down is not None and gap_down is not None and gap_down < ATTACH * height and _free_above(down, band)
        after = blocks[k + 2] if k + 2 < len(blocks) else None
        closer_down = gap_down is not None and (gap_up is None or gap_down < gap_up)
        if not opens and down is not None and after is not None and closer_down and _centred_on(down, band, after):
            down.add(band, before=True)  # the first of three lines of a name centred on its row
        elif near_up and up is not None and (not near_down or (gap_up or 0.0) <= (gap_down or 0.0)):
            up.add(band)
        elif near_down and down is not None:
            down.add(band, before=True)
        elif not opens and up is not None and (gap_up or 0.0) < WRAP_REACH * height and _under_name(up, band):
            up.add(band)  # a coded row's name wrapped onto a line of its own, farther than ATTACH
        else:
            out.append(band)
    return out


def _centred_on(row: _Band, above: _Band, below: _Band) -> bool:
    """Whether text lines above and below a row stand as far from it, in the same column: a
    name printed on three lines, centred on the row's line (国有土地使用权出让收入 / 21208 及对应专项
    债务收入安排 / 的支出)."""
    if below.data or below.page != row.page or _LABEL_PREFIX.match(normal(below.items[0][0].text)):
        return False
    if not (_name_only(above) and _name_only(below)):
        return False
    height = max(above.bottom - above.top, 1.0)
    step = row.top - above.top  # one line of the cell: not a row's pitch
    if step > LINE_STEP * height or abs(step - (below.top - row.top)) > CENTRED * height:
        return False
    (a0, a1), (b0, b1) = _x_range(above), _x_range(below)
    return a0 < b1 and b0 < a1


def _name_only(band: _Band) -> bool:
    """Whether a band holds words of a name only: no number, no code."""
    toks = [t for _line, line_toks in band.items for t in line_toks]
    return bool(toks) and all(t.kind == "text" and not _CODE_NAME.match(normal(t.text)) for t in toks)


def _under_name(row: _Band, text: _Band) -> bool:
    """Whether a text-only line stands under the name cell of a row that starts with a code, and
    under nothing else of it: the rest of the row's name (险缴费 under 30108-机关事业单位基本养老保),
    never a row of its own in a code table."""
    if not row.data or not _code_head(row.data[0]):
        return False
    if not _name_only(text):
        return False
    words = [_token_box(t) for _line, toks in text.items for t in toks]
    left, right = min(b[0] for b in words), max(b[2] for b in words)
    under = [t for toks in row.data for t in toks if _token_box(t)[0] < right and _token_box(t)[2] > left]
    return bool(under) and all(t.kind == "text" for t in under)  # a name, or a code glued to its name


def _piece(band: _Band) -> Piece:
    """A band as the centring sees it: whether its data lines themselves print name words."""
    toks = [t for line_toks in band.data for t in line_toks] if band.data else [t for _l, ts in band.items for t in ts]
    named = any(t.kind == "text" and _CODE_NAME.sub("", normal(t.text)) for t in toks)  # 2080505-机关… is named
    opens = not band.data and _LABEL_PREFIX.match(normal(band.items[0][0].text)) is not None
    tops = [line.top for line, toks in band.items if any(toks is d for d in band.data)]
    texts = [line.top for line, toks in band.items if not any(toks is d for d in band.data)]
    around = bool(tops and texts) and min(texts) < min(tops) and max(texts) > max(tops)
    first = band.data[0][0] if band.data and band.data[0] else None
    coded = first is not None and (
        (first.kind == "digits" and len(first.text) in (3, 5, 6, 7)) or _CODE_NAME.match(normal(first.text)) is not None
    )
    words = bool(band.data) or _name_only(band)
    return Piece(band.page, band.top, band.bottom, bool(band.data), named, opens, around, coded, words)


def _in_name_column(row: _Band, text: _Band) -> bool:
    """Whether a text line stands right of a row's leading code (a line reaching into the code
    column is no part of the row's name: the centring was misjudged)."""
    first = row.data[0][0] if row.data and row.data[0] else None
    if first is None or not (first.kind == "digits" or _CODE_NAME.match(normal(first.text))):
        return True
    return _x_range(text)[0] >= _token_box(first)[2]


def _owned(bands: list[_Band], owner: list[int]) -> list[_Band]:
    """Bands joined to the rows they belong to (a band of no row stays a row of its own)."""
    out: list[_Band] = []
    for k, band in enumerate(bands):
        if owner[k] in (-1, k):
            out.append(band)
    for k, band in enumerate(bands):
        if owner[k] not in (-1, k):
            bands[owner[k]].add(band, before=k < owner[k])
    return out


def _free_above(row: _Band, text: _Band) -> bool:
    """Whether a row's data lines leave room for a text line's words: a name cell that starts on
    the row's own line (with a code or a name of its own) is not continued from above. Each word
    is weighed on its own: the row's text in another column (a name wrapped around a row whose
    other cells hold text too) leaves the word free."""
    words = [_token_box(t) for _line, toks in text.items for t in toks]
    for toks in row.data:
        for tok in toks:
            x0, _top, x1, _bottom = _token_box(tok)
            if tok.kind == "text" and any(x0 < b[2] and x1 > b[0] for b in words):
                return False
    return True


def _cells(band: _Band, unit: str, integer_mode: bool, layout: str) -> list[_Cell]:
    """A band's tokens as cells, left to right: text wrapped in one cell is joined top to bottom."""
    items = [tok for _line, toks in band.items for tok in toks]
    ordered = items if layout == "plain" else sorted(items, key=lambda t: _token_box(t)[:2])
    cells: list[_Cell] = []
    after_text = False
    for tok in ordered:
        x0, _top, x1, _bottom = _token_box(tok)
        amount = _is_amount(tok, after_text, integer_mode)
        kind = "amount" if amount else ("digits" if tok.kind in ("digits", "integer") else "text")
        last = cells[-1] if cells else None
        if layout != "plain" and last is not None and x0 < last.x1 - 0.5 and len(band.items) > 1:
            if kind == "text" and last.kind == "text":
                last.tokens.append(tok)
                last.x1 = max(last.x1, x1)
                continue
            if last.kind == "amount" and kind in ("digits", "amount") and _glued(last, tok):
                continue
        cells.append(_Cell(kind, [tok], x0, x1))
        after_text = after_text or kind == "text"
    for cell in cells:
        if cell.kind == "text":
            cell.tokens.sort(key=lambda t: (t.line.top, _token_box(t)[0]))
        cell.text = "".join(normal(t.text) for t in cell.tokens)
        if cell.kind == "amount":
            cell.fen = _amount_fen(cell.text, unit, cell.tokens[0])
    return cells


_WRAPPED_AMOUNT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)\.\d{1,6}$")


def _glued(cell: _Cell, tok: Token) -> bool:
    """An amount wrapped in a narrow cell ('1682.7' over '6'): the piece below completes it."""
    upper = cell.tokens[-1]
    if tok.line.top <= upper.line.top or "." not in upper.text:
        return False
    joined = upper.text + tok.text
    if not _WRAPPED_AMOUNT.match(joined) or len(joined.split(".")[1]) > 2:
        return False
    cell.tokens[-1] = Token(joined, "amount", upper.line, upper.bbox)
    return True


def _split_code(cells: list[_Cell], ctx: _Context) -> tuple[str, int, str, str]:
    """(code, cells used, name glued to the code, two digits whose level the rows above decided)
    of a row's leading code cells, or ('', 0, '', '')."""
    skipped = 0
    if len(cells) > 1 and cells[0].kind == "digits" and _serial(cells[0].text, cells[1]):
        cells, skipped = cells[1:], 1  # a 序号 column before the code
    parts: list[_Cell] = []
    for cell in cells:
        if cell.kind == "digits" and len(cell.text) in (2, 3, 5, 6, 7) and (not parts or len(cell.text) == 2):
            parts.append(cell)
            continue
        if cell.kind == "text" and not parts:
            match = _CODE_NAME.match(cell.text)
            if match:
                return match.group(1), 1 + skipped, cell.text[match.end() :], ""
        break
    if not parts:
        return "", 0, "", ""
    texts = [p.text for p in parts]
    if len(texts[0]) == 3 and all(len(t) == 2 for t in texts[1:]) and len(texts) <= 3:
        return "".join(texts), len(parts) + skipped, "", ""
    if len(texts) == 1 and len(texts[0]) != 2:
        return texts[0], 1 + skipped, "", ""
    if all(len(t) == 2 for t in texts) and ctx.klass and len(texts) <= 2:
        if len(texts) == 2:
            return ctx.klass + texts[0] + texts[1], 2 + skipped, "", ""
        by_column = ctx.kuan_x is not None and ctx.xiang_x is not None
        return _two_digits(parts[0], ctx), 1 + skipped, "", "" if by_column else texts[0]
    return "", 0, "", ""


def _serial(text: str, nxt: _Cell) -> bool:
    """Whether a row's first number is its 序号, standing before a code column."""
    if nxt.kind == "digits":
        return len(text) <= 3 and len(nxt.text) in (3, 5, 6, 7) and (len(text) < 3 or len(nxt.text) > 3)
    return len(text) <= 2 and nxt.kind == "text" and _CODE_NAME.match(nxt.text) is not None


def _two_digits(cell: _Cell, ctx: _Context) -> str:
    """A 款 or 项 printed as two digits under its 类: by its column when the header has 款 | 项,
    else by the rows around it, its name and the catalog (``codes.read_short``)."""
    digits = cell.text
    if ctx.kuan_x is not None and ctx.xiang_x is not None:
        centre = (cell.x0 + cell.x1) / 2
        if abs(centre - ctx.kuan_x) <= abs(centre - ctx.xiang_x):
            return ctx.klass + digits
        return (ctx.kuan or ctx.klass + "00") + digits
    # provisional: the rows that follow decide it once the table is read (codes.settle_short_codes)
    return read_short(digits, "", ctx.klass, ctx.kuan, ctx.last == "class", "", False).code


def _family(code: str) -> tuple[str, str]:
    """(family, row kind) of a code: function 类/款/项, economic 类/款, or a unit's code."""
    lead = code[0]
    if len(code) == 3 and not any(load_catalog().knows(name, code) for name in ("function", "dept_econ", "gov_econ")):
        return "unit", "unit"  # 251 西安市自然资源和规划局, 328 无锡市应急管理局: a unit's code, not a 类
    if lead == "2" and len(code) in (3, 5, 7):
        return "function", {3: "class", 5: "kuan", 7: "item"}[len(code)]
    if lead in "35" and len(code) in (3, 5, 7):
        return "econ", "class" if len(code) == 3 else "item"
    return "unit", "unit"


def _band_rows(band: _Band, unit: str, integer_mode: bool, layout: str, ctx: _Context) -> list[GenericRow]:
    """The rows a band prints: one row with a code, or label-and-amounts runs side by side."""
    cells = _cells(band, unit, integer_mode, layout)
    if not cells:
        return []
    groups = _code_groups(cells, ctx)
    if len(groups) > 1:
        return [row for group in groups for row in _band_rows_of(group, ctx)]
    return _band_rows_of(cells, ctx)


def _code_groups(cells: list[_Cell], ctx: _Context) -> list[list[_Cell]]:
    """Cells split where a code column of the same classification starts again (301 工资福利支出
    92,835.98 | 302 商品和服务支出 …); codes of another classification (301 工资福利支出 | 501
    机关工资福利支出) are the same row's."""
    first, used, _, _ = _split_code(cells, ctx)
    if not first or cells[used - 1].kind != "digits":
        return [cells]
    starts = [0]
    seen_body = False
    lead = first[:1]
    for k, cell in enumerate(cells):
        if k < used:
            continue
        restarts = seen_body and cell.kind == "digits" and len(cell.text) in (3, 5, 7) and cell.text[:1] == lead
        named = k + 1 < len(cells) and cells[k + 1].kind == "text" and not _CODE_NAME.match(cells[k + 1].text)
        if restarts and named:
            starts.append(k)
            seen_body = False
            continue
        seen_body = seen_body or cell.kind in ("text", "amount")
    if len(starts) == 1:
        return [cells]
    return [cells[a:b] for a, b in zip(starts, [*starts[1:], len(cells)], strict=True)]


def _reading(cells: list[_Cell]) -> str:
    """Name cells in reading order: a name wrapped into cells side by side reads top line first."""
    ordered = sorted(cells, key=lambda c: (round(c.tokens[0].line.top, 1), c.x0))
    return "".join(c.text for c in ordered)


def _band_rows_of(cells: list[_Cell], ctx: _Context) -> list[GenericRow]:
    first_amount = next((k for k, c in enumerate(cells) if c.kind == "amount"), len(cells))
    code, used, glued_name, short = _split_code(cells[:first_amount], ctx)
    if code:
        codes = [code]
        names: list[_Cell] = []
        k = used
        stray: list[tuple[int, _Cell]] = []
        glued = _EMBEDDED_CODE.search(glued_name)
        if glued:  # the next cell's code glued to this name: 机关事业单位职业年金缴费支出50102-社会保障缴费
            codes.append(glued.group(1))
            glued_name, k = glued_name[: glued.start()], first_amount
        while k < first_amount:
            cell = cells[k]
            # 301 01 基本工资 | 501 01 工资奖金津补贴: a second code opens with its 类 (two digits alone are no code)
            if cell.kind == "digits" and names and len(codes) < 3 and len(cell.text) >= 3:
                other, other_used, *_ = _split_code(cells[k:first_amount], _Context(klass=codes[-1][:3]))
                after = cells[k + other_used].kind if k + other_used < first_amount else ""
                # a second code is printed in parts or has its name after it; a number alone
                # before the amounts may be a bare amount
                if other and (other_used > 1 or after == "text"):
                    codes.append(other)
                    stray += [(0, c) for c in cells[k + other_used : first_amount] if c.kind == "digits"]
                    break
            if cell.kind == "text":
                match = _CODE_NAME.match(cell.text)
                if match and len(codes) < 3:  # 2013601-行政运行 | 50101-工资奖金津补贴 | 30101-基本工资
                    codes.append(match.group(1))
                    break
                glued = _EMBEDDED_CODE.search(cell.text)
                if glued and len(codes) < 3:
                    names.append(_Cell("text", cell.tokens, cell.x0, cell.x1, cell.text[: glued.start()]))
                    codes.append(glued.group(1))
                    break
                names.append(cell)
            elif cell.kind == "digits":
                stray.append((0, cell))
            k += 1
        amounts: list[GenericValue] = []
        for cell in cells[first_amount:]:
            if cell.kind == "amount":
                amounts.append(_value(cell))
            elif cell.kind == "digits":
                stray.append((len(amounts), cell))
        family, kind = _family(code)
        name = glued_name + _reading(names)
        return [GenericRow(kind, tuple(codes), name, amounts, cells[0].tokens[0], family, short=short, stray=stray)]
    rows: list[GenericRow] = []
    label_cells: list[_Cell] = []
    values: list[GenericValue] = []
    numbers: list[tuple[int, _Cell]] = []  # numbers that are neither label nor amount

    def flush() -> None:
        if not label_cells and not values:
            if numbers and rows:  # numbers after the last row's amounts: that row's
                rows[-1].stray.extend(numbers)
            return
        label = _reading(label_cells)
        head = label_cells[0].tokens[0] if label_cells else values[0].token
        kind = "total" if _TOTAL.match(label.rstrip("：:")) else ("label" if label else "values")
        name = label.rstrip("：:") if kind == "total" else label
        rows.append(GenericRow(kind, (), name, list(values), head, parts=list(label_cells), stray=list(numbers)))

    for cell in cells:
        if cell.kind == "text":
            if values:
                flush()
                label_cells, values, numbers = [], [], []
            label_cells.append(cell)
        elif cell.kind == "amount":
            values.append(_value(cell))
        else:
            numbers.append((len(values), cell))
    flush()
    return rows


def _value(cell: _Cell) -> GenericValue:
    token = cell.tokens[0] if len(cell.tokens) == 1 else Token(cell.text, "amount", cell.tokens[0].line)
    if len(cell.tokens) > 1 or token.bbox is None:
        token.bbox = _cell_box(cell)
    return GenericValue(cell.fen, token, -1, cell.x0, cell.x1)


def _cell_box(cell: _Cell) -> tuple[float, float, float, float] | None:
    boxes = [t.bbox for t in cell.tokens if t.bbox is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


# --- 3. tables -------------------------------------------------------------------------------------


def _columns_by_position(rows: list[GenericRow]) -> list[tuple[float, float]] | None:
    """The value columns as x ranges: amounts that overlap horizontally stand in one column.
    None when two amounts of one row would share a column (the layout is not a grid)."""
    spans = sorted((v.x0, v.x1) for row in rows for v in row.values if v.x1 > v.x0)
    if not spans or len(spans) < sum(len(r.values) for r in rows):
        return None
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 < columns[-1][1] - 0.5:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    ranges = [(c[0], c[1]) for c in columns]
    for row in rows:
        seen: set[int] = set()
        for value in row.values:
            centre = (value.x0 + value.x1) / 2
            k = next((n for n, (a, b) in enumerate(ranges) if a - 0.5 <= centre <= b + 0.5), -1)
            if k < 0 or k in seen:
                return None
            seen.add(k)
            value.column = k
    return ranges


def _split_labels(rows: list[GenericRow], ranges: list[tuple[float, float]]) -> list[GenericRow]:
    """Labels side by side with a value column between them are two rows (a two-sided table's
    left label with a blank amount, and the right label with its own)."""
    out: list[GenericRow] = []
    for row in rows:
        if row.codes or len(row.parts) < 2:
            out.append(row)
            continue
        groups: list[list[_Cell]] = [[row.parts[0]]]
        for before, cell in itertools.pairwise(row.parts):
            if any(before.x1 <= a and b <= cell.x0 for a, b in ranges):
                groups.append([])
            groups[-1].append(cell)
        if len(groups) == 1:
            out.append(row)
            continue
        for k, group in enumerate(groups):
            label = _reading(group)
            total = _TOTAL.match(label.rstrip("：:"))
            last = k == len(groups) - 1
            out.append(
                GenericRow(
                    "total" if total else "label",
                    (),
                    label.rstrip("：:") if total else label,
                    row.values if last else [],
                    group[0].tokens[0],
                    parts=group,
                    stray=row.stray if last else [],
                )
            )
    return out


def _headers(header: list[Line], ranges: list[tuple[float, float]] | None, count: int) -> list[tuple[str, ...]]:
    """Each value column's header path, from the header words standing over it."""
    if ranges is None:
        return [(f"第{k + 1}列",) for k in range(count)]
    return [h or (f"第{k + 1}列",) for k, h in enumerate(header_paths(header, ranges))]


_LABEL_PREFIX = re.compile(rf"^(?:[{_CN_DIGITS}]+[、.．]|（[{_CN_DIGITS}]+）|\d{{1,2}}[、.．]|其中[:：])")
INFER_SHARE = 0.6  # codes are inferred when the catalog places this share of the rows with amounts


@cache
def _catalog_names() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Classification names: 类 name → code, and (parent code, name) → code, 功能 and 部门经济 alike."""
    catalog = load_catalog()
    tops: dict[str, str] = {}
    children: dict[tuple[str, str], str] = {}
    for name in ("function", "dept_econ"):
        for entry in catalog.entries(name):
            for key in map(normal, (entry.name, *entry.other_names)):
                if entry.parent:
                    children.setdefault((entry.parent, key), entry.code)
                else:
                    tops.setdefault(key, entry.code)
    return tops, children


_INCOME_LABEL = re.compile(r"收入|拨款$|预算$|资金$|结转|结余")


def _income_label(name: str) -> bool:
    """A two-sided table's income line (一、财政拨款, 一般公共预算, 上年结转), standing between the
    expenditure lines: no classification name."""
    return bool(_LABEL_PREFIX.match(name) or _INCOME_LABEL.search(name))


def _infer_codes(rows: list[GenericRow]) -> bool:
    """Codes for a table that prints names only (杭州: 科学技术支出 / 技术研究与开发 / …): each name
    looked up under the 类 or 款 above it. Kept when the catalog places most rows with amounts."""
    if any(r.codes for r in rows):
        return False
    tops, children = _catalog_names()
    klass = kuan = ""
    found: dict[int, str] = {}
    for k, row in enumerate(rows):
        if row.kind != "label":
            continue
        name = _LABEL_PREFIX.sub("", normal(row.name))
        code = children.get((kuan, name), "") if kuan else ""
        code = code or (children.get((klass, name), "") if klass else "")
        code = code or tops.get(name, "")
        code = code or (child_named(kuan, name) if kuan else "") or (child_named(klass, name) if klass else "")
        if not code:
            continue
        found[k] = code
        if len(code) == 3:
            klass, kuan = code, ""
        elif len(code) == 5 and code[0] == "2":
            klass, kuan = code[:3], code
    placed = sum(1 for k in found if rows[k].values)
    with_values = sum(1 for r in rows if r.values and r.kind in ("label", "values"))
    if len(found) < 3 or placed < INFER_SHARE * with_values:
        return False
    for k, code in found.items():
        row = rows[k]
        row.codes, row.inferred = (code,), True
        row.family, row.kind = _family(code)
    return True


def _amid(rows: list[GenericRow], k: int) -> bool:
    """Whether an uncoded row with amounts stands amid one 类's rows, the row below it a 款 or 项 of
    the 类 above it (a classification name the catalog does not know, not a heading between
    units or an income line)."""
    row = rows[k]
    if row.codes or not row.values or _income_label(row.name) or unit_name(row.name):
        return False
    before = next((r.code for r in reversed(rows[:k]) if r.codes), "")
    after = next((r.code for r in rows[k + 1 :] if r.codes), "")
    return bool(before) and len(after) > 3 and after[:3] == before[:3]


def _is_code_table(coded: int, with_values: int) -> bool:
    """A code table: its rows are mostly headed by 功能分类 or 经济分类 codes."""
    return coded >= 2 and coded * 10 >= with_values * 3


def _decimals(rows: list[GenericRow]) -> int:
    most = 0
    for row in rows:
        for value in row.values:
            _, dot, frac = value.token.text.partition(".")
            if dot:
                most = max(most, len(frac))
    return most


def _table(regions: list[GenericRegion], rows: list[GenericRow], header: list[Line]) -> tuple[Table, dict[str, Any]]:
    """One Table from a table's regions (the first and its continuations) and their rows."""
    first = regions[0]
    positional = first.layout != "plain"
    ranges = _columns_by_position(rows) if positional else None
    if ranges is None:
        positional = False
        for row in rows:
            for k, value in enumerate(row.values):
                value.column = k
    if ranges is not None:
        rows = _split_labels(rows, ranges)
    if first.kind not in _vocabulary().text_tables:  # 绩效目标: numbers there are targets and weights
        if ranges is None and first.layout != "plain" and not any(r.values for r in rows):
            ranges = []  # every amount printed bare: the columns come from the numbers' positions
        _account_numbers(rows, ranges, header, first.unit)
        if ranges == []:
            ranges = None
        positional = ranges is not None
    count = len(ranges) if ranges is not None else max((len(r.values) for r in rows), default=0)
    value_headers = _headers(header, ranges, count)
    columns = [
        Column("code", ("编码",), "code", 10),
        Column("name", label_header(header, ranges) or ("名称",), "text", 30),
        *(Column(f"v{k + 1}", h, "count" if counts(h) else "amount") for k, h in enumerate(value_headers)),
    ]
    unsure = set(settle_short_codes(rows, _family))
    settle_unit_codes(rows)
    inferred = _infer_codes(rows)
    if inferred:  # a name the catalog does not know amid a 类's or 款's rows: its level is unknown
        unsure.update(k for k in range(len(rows)) if _amid(rows, k))
    for k in sorted(unsure):
        rows[k].uncertain = True
        for parent in rows_above(rows, k):  # the sums a guessed level enters
            parent.uncertain = True
    coded = not inferred and _is_code_table(
        sum(1 for r in rows if r.family in ("function", "econ")), sum(1 for r in rows if r.values)
    )
    out: list[Row] = []
    seen: Counter[tuple[str, ...]] = Counter()
    data_rows = [r for r in rows if r.values]
    for row in rows:
        kind = row.kind
        if kind == "values" and data_rows and (row is data_rows[0] or row is data_rows[-1]):
            kind = "total"
        elif kind == "label":
            kind = "unit" if (coded or (inferred and unit_name(row.name))) and row.values else "item"
        elif kind == "values":
            kind = "item"
        key: tuple[str, ...] = row.codes if row.codes else ((row.name or "合计") if kind == "total" else row.name,)
        seen[key] += 1
        if seen[key] > 1:
            key = (*key, f"#{seen[key]}")
        where = row.location()
        cells: dict[str, Cell] = {}
        sure = not row.uncertain
        if row.code:
            cells["code"] = Cell(row.code, None if row.inferred else where, sure)
        cells["name"] = Cell(row.name, where if not row.code or row.inferred else None, sure)
        if positional:
            for k in range(count):
                cells[f"v{k + 1}"] = Cell(None, None, sure)
        for value in row.values:
            certain = sure and not (row.doubt or value.token.doubt)
            cells[f"v{value.column + 1}"] = Cell(value.fen, value.location(), certain)
        level = {"total": 0, "unit": 1, "class": 1, "kuan": 2, "item": 3}.get(kind, 1)
        out.append(Row(key, kind, cells, level))
    table = Table(
        kind=first.kind,
        number=first.label,
        title=first.title,
        unit=first.unit,
        columns=columns,
        rows=out,
        subtitle=first.subtitle,
    )
    info = {
        "kind": first.kind,
        "number": first.label,
        "title": first.title,
        "unit": first.unit,
        "pages": sorted({p for r in regions for p in r.pages}),
        "regions": len(regions),
        "layout": first.layout,
        "positional": positional,
        "coded": coded or inferred,
        "codes_inferred": inferred,
        "decimals": _decimals(rows),
    }
    return table, info


def _account_numbers(
    rows: list[GenericRow], ranges: list[tuple[float, float]] | None, header: list[Line], unit: str
) -> None:
    """Every number a row printed besides its code and amounts accounted for: a bare integer
    ('2450000', Excel's General format) in an amount column is that column's amount; one under a
    数量/序号/行次 or code header is explained; any other leaves the row's amounts uncertain, as
    does a bare integer whose column is not known (no positions: it is read in printed order)."""
    words = [(normal(w.text), w.x0, w.x1) for line in header for w in line.words]
    spans = number_columns(words)
    unsure: set[int] = set()  # columns of bare integers whose header does not say amounts
    if ranges is not None:
        unplaced = [
            (cell.x0, cell.x1)
            for row in rows
            for _before, cell in row.stray
            if place_number(cell.x0, cell.x1, ranges, spans) == UNPLACED
        ]
        added = bare_columns(unplaced)
        if added:  # a column whose every amount prints bare: one more amount column
            ranges[:] = sorted([*ranges, *added])
            unsure = {k for k, span in enumerate(ranges) if span in added and not amount_header(span, words)}
            for row in rows:
                for value in row.values:
                    centre = (value.x0 + value.x1) / 2
                    value.column = next(k for k, (a, b) in enumerate(ranges) if a - 0.5 <= centre <= b + 0.5)
    for row in rows:
        if not row.stray:
            continue
        taken = {v.column for v in row.values}
        for before, cell in row.stray:
            value = _value(_Cell("amount", cell.tokens, cell.x0, cell.x1, cell.text, _bare_fen(cell, unit)))
            if ranges is None:
                if before == 0:  # a number before the amounts: a code, a 序号 or a quantity?
                    row.doubt = row.doubt or f"未能归属的数字“{cell.text}”"
                    continue
                row.values.insert(min(before, len(row.values)), value)
                row.doubt = row.doubt or f"不带小数的数字“{cell.text}”按金额读取"
                continue
            column = place_number(cell.x0, cell.x1, ranges, spans)
            if column == EXPLAINED:
                continue
            # a number on a line the row only took in (a name's wrapped line, or a tight row of bare
            # integers taken for one) is no amount of this row
            own = any(cell.tokens[0].line is v.token.line for v in row.values) or (
                row.head is not None and cell.tokens[0].line is row.head.line
            )
            if column == UNPLACED or column in taken or not own:
                row.doubt = row.doubt or f"未能归属的数字“{cell.text}”"
                continue
            value.column = column
            taken.add(column)
            row.values.append(value)
            if column in unsure:  # this cell only: the row's other amounts are read as ever
                value.token.doubt = f"不带小数的一列数字“{cell.text}”，表头未表明是金额"
        if ranges is None:
            for k, value in enumerate(row.values):
                value.column = k
        else:
            row.values.sort(key=lambda v: v.column)


def _bare_fen(cell: _Cell, unit: str) -> int:
    return _amount_fen(cell.text, unit, cell.tokens[0])


def _signature(row: GenericRow) -> tuple[str, str, tuple[int, ...]]:
    return (row.kind if row.kind in ("total", "values") else "", row.name, tuple(v.fen for v in row.values))


def text_kinds() -> frozenset[str]:
    """Kinds of tables whose cells hold sentences (绩效目标): amounts there carry their own units."""
    return _vocabulary().text_tables


def apply_family(regions: list[GenericRegion], match: FamilyMatch) -> None:
    """What a recognised template knows about the regions that are its tables: their canonical
    kind, and its unit where a table prints no 单位 line (tables of sentences aside)."""
    for region, spec in zip(regions, match.specs, strict=True):
        if spec is None:
            continue
        region.kind = spec.kind
        if match.family.unit and not region.unit_printed and spec.kind not in text_kinds():
            region.unit = match.family.unit


def _shared_units(regions: list[GenericRegion]) -> None:
    """A table whose 单位 line is printed only on a later page of it: that unit for all its pages."""
    group: list[GenericRegion] = []
    for region in [*regions, None]:
        if region is not None and region.continuation and group:
            group.append(region)
            continue
        printed = next((r for r in group if r.unit_printed), None)
        if printed is not None:
            for other in group:
                if not other.unit_printed:
                    other.unit = printed.unit
        group = [region] if region is not None else []


def generic_tables(doc: Document, regions: list[GenericRegion] | None = None) -> tuple[TableSet, dict[str, Any]]:
    """Every table of a document read without a profile, and what was found about each.

    ``regions``: the tables as ``find_tables`` found them (and a family may have refined),
    when the caller has them already. The dict holds ``regions`` (the GenericRegions found)
    and ``tables`` (per table: kind, number, title, unit, pages, regions, layout, whether
    columns come from positions, whether it is a code table and whether its codes were
    inferred, the decimals printed) in the TableSet's order. Plain text (pdftotext without
    -layout) often lists a table's cells column by column: its tables are found, but their
    rows are not to be trusted.
    """
    regions = find_tables(doc) if regions is None else regions
    _shared_units(regions)
    groups: list[tuple[list[GenericRegion], list[GenericRow], list[Line], list[Panels]]] = []
    for region in regions:
        if region.continuation and groups:
            group = groups[-1]
            group[0].append(region)
            totals = {_signature(r) for r in group[1] if r.kind in ("total", "values")}
            # the total row printed again atop each page of the table is one row
            more = parse_rows(region, group[1], panels=group[3])
            group[1].extend(r for r in more if _signature(r) not in totals)
            continue
        header: list[Line] = []
        panels: list[Panels] = []
        rows = parse_rows(region, header=header, panels=panels)
        groups.append(([region], rows, header, panels))
    tables: list[Table] = []
    infos: list[dict[str, Any]] = []
    for group_regions, rows, header, _panels in groups:
        rows.sort(key=lambda row: row.panel)  # a panelled table: each panel over all its pages in turn
        table, info = _table(group_regions, rows, header)
        tables.append(table)
        infos.append(info)
    years = Counter(int(m.group(1)) for r in regions for m in [_YEAR.search(r.title)] if m)
    names = Counter(r.subtitle for r in regions if r.subtitle)
    tableset = TableSet(
        year=years.most_common(1)[0][0] if years else 0,
        department=names.most_common(1)[0][0] if names else "",
        template="generic",
        tables=tables,
    )
    return tableset, {"regions": regions, "tables": infos}


# --- 4. hierarchy identities -----------------------------------------------------------------------


def table_display_step(table: Table) -> int:
    """One display step in fen: 0.01 of the table's unit, or 1 unit when it prints whole numbers."""
    decimals = 0
    for row in table.rows:
        for cell in row.cells.values():
            if isinstance(cell.value, int) and cell.location is not None:
                _, dot, frac = cell.location.text.partition(".")
                if dot:
                    decimals = max(decimals, len(frac))
    return UNIT_FEN.get(table.unit, UNIT_FEN["万元"]) // 10 ** min(decimals, 2)


def _parents(rows: list[Row], printed_again: frozenset[int] = frozenset()) -> dict[int, int]:
    """Each coded row's parent: the nearest row above whose code is a proper prefix of its own.
    Unit rows (251 部门 / 251001 单位) make a hierarchy of their own: a unit groups the 类 rows
    below it, it is no level of theirs (704001 is no 款 of 704, 201001 no 款 of 类 201). Rows
    printed again (``printed_again``) are neither parents nor children."""
    parent: dict[int, int] = {}
    last: dict[str, int] = {}  # classification codes since the last unit row
    units: dict[str, int] = {}

    def find(code: str, seen: dict[str, int]) -> int | None:
        for cut in range(len(code) - 1, 2, -1):
            if code[:cut] in seen:
                return seen[code[:cut]]
        return None

    for i, row in enumerate(rows):
        code = row.value("code")
        coded = isinstance(code, str) and bool(code)
        if row.kind == "unit":
            last.clear()
            if coded:
                at = find(str(code), units)
                if at is not None:
                    parent[i] = at
                units[str(code)] = i
            continue
        if not coded or i in printed_again:
            continue
        at = find(str(code), last)
        if at is not None:
            parent[i] = at
        last[str(code)] = i
    return parent


def _value_count(row: Row, columns: list[str]) -> int:
    return sum(1 for c in columns if isinstance(row.value(c), int))


def hierarchy_checks(table: Table) -> list[Check]:
    """Parent rows against the sum of their children in a code table: 类 = Σ 款, 款 = Σ 项,
    合计 = Σ the top rows (or Σ the unit rows), a unit = Σ its top rows.

    A blank cell (value None) is zero. Without positions (no blank cells, values in printed
    order) only rows with as many values as their parent are compared, except in the first
    column, which every row with a value fills. Tolerance: one display step per summed term.
    """
    rows = table.rows
    label_header = table.column("name").headers if any(c.key == "name" for c in table.columns) else ()
    if table.kind in _vocabulary().no_hierarchy or lists_items(label_header, (c.headers for c in table.columns)):
        return []  # a list of purchases, projects, meetings: its codes label items, they do not sum

    def is_coded(row: Row) -> bool:
        code = row.value("code")
        return isinstance(code, str) and bool(code)

    coded = sum(1 for r in rows if is_coded(r))
    inferred = any(r.cells["code"].location is None for r in rows if is_coded(r))
    if not _is_code_table(coded, sum(1 for r in rows if any(isinstance(c.value, int) for c in r.cells.values()))):
        return []
    columns = [c.key for c in table.columns if c.type == "amount"]
    positional = any(row.cells.get(c) is not None and row.value(c) is None for row in rows for c in columns)
    step = table_display_step(table)
    printed_again = repeats(rows, columns)
    parent = _parents(rows, printed_again)
    children: dict[int, list[int]] = {}
    for child, mother in parent.items():
        children.setdefault(mother, []).append(child)
    checks: list[Check] = []

    def known(row: Row, column: str, count: int) -> int | None:
        cell = row.cells.get(column)
        if cell is None:
            return 0 if _value_count(row, columns) == 0 else None
        if cell.value is None:
            return 0
        if not positional and column != columns[0] and _value_count(row, columns) != count:
            return None
        return cell.value if isinstance(cell.value, int) else None

    def coarse(mother: Row, kids: list[Row], column: str) -> int:
        return excess_step((r.cells.get(column) for r in (mother, *kids)), table.unit, step)

    def compare(mother: Row, kids: list[Row], what: str) -> None:
        if not kids:
            return
        count = _value_count(mother, columns)
        for column in columns:
            actual = known(mother, column, count)
            if actual is None:
                continue
            parts = [known(kid, column, count) for kid in kids]
            if any(p is None for p in parts):
                continue
            expected = sum(p for p in parts if p is not None)
            if not expected and not actual:
                continue
            checks.append(
                Check(
                    what,
                    "hierarchy",
                    mother.key,
                    column,
                    expected,
                    actual,
                    len(kids),
                    abs(actual - expected) <= step * len(kids) + coarse(mother, kids, column),
                    tuple((kid.key, column) for kid in kids),
                )
            )

    def has_amount(row: Row) -> bool:
        return any(isinstance(c.value, int) for c in row.cells.values())

    # an amount row without a code amid a parent's children is a child the sum cannot place
    # (a name the catalog does not know, in a table whose codes are inferred)
    uncoded = [i for i, row in enumerate(rows) if row.kind == "item" and not is_coded(row) and has_amount(row)]
    # (a two-sided table's income lines stand between the expenditure lines: no children of theirs)
    loose = [i for i in uncoded if not _income_label(str(rows[i].value("name")))]
    names = {"class": "类", "kuan": "款", "item": "项", "unit": "单位"}
    for mother, kids in children.items():
        row = rows[mother]
        if any(mother < i < _block_end(rows, mother, children) for i in loose):
            continue
        level = {"class": "款", "kuan": "项"}.get(row.kind, "下级")
        compare(row, [rows[k] for k in kids], f"{names.get(row.kind, '上级')} = Σ {level}")
    # 合计 and unit name rows: the top rows of their part of the table
    sections: list[tuple[int, list[int]]] = []  # (unit row index or -1, its top rows)
    current: tuple[int, list[int]] = (-1, [])
    sections.append(current)
    for i, row in enumerate(rows):
        if row.kind == "unit":
            current = (i, [])
            sections.append(current)
        elif row.kind != "total" and i not in parent and i not in printed_again:
            current[1].append(i)
    units = [i for i, tops in sections if i >= 0 and tops and all(is_coded(rows[k]) for k in tops)]
    for unit_index in units:
        tops = next(t for i, t in sections if i == unit_index)
        if unit_index not in children:  # a unit over units is their sum, not its rows' (above)
            compare(rows[unit_index], [rows[k] for k in tops], "单位 = Σ 所属各行")
    top_units = [i for i, row in enumerate(rows) if row.kind == "unit" and i not in parent]
    # a unit: a row with a unit code, or a name row over code rows of its own; unit names without
    # either (a project under its 项) do not make a table of units
    units = top_units if all(is_coded(rows[i]) or i in units for i in top_units) else []
    for row in rows:
        if row.kind != "total" or not _GRAND_TOTAL.match(str(row.value("name") or "合计")):
            continue
        if units:
            compare(row, [rows[k] for k in units], "合计 = Σ 各单位")
        elif not (inferred and uncoded):  # rows without a code (a project under its unit): coded rows only
            compare(row, [rows[k] for k in sections[0][1] if is_coded(rows[k])], "合计 = Σ 最上级各行")
    return checks


def _block_end(rows: list[Row], index: int, children: dict[int, list[int]]) -> int:
    """One past a parent row's block: the next coded row (or total or unit row) below it that is
    not its descendant; a row without a code before that stands amid its children."""
    mine = set(_descendants(index, children))
    for j in range(index + 1, len(rows)):
        code = rows[j].value("code")
        if rows[j].kind == "total" or (j not in mine and (rows[j].kind == "unit" or (isinstance(code, str) and code))):
            return j
    return len(rows)


def _descendants(index: int, children: dict[int, list[int]]) -> list[int]:
    out = [index]
    for kid in children.get(index, []):
        out.extend(_descendants(kid, children))
    return out


def checks_summary(checks: Iterable[Check]) -> tuple[int, int]:
    """(identities checked, identities held)."""
    done = list(checks)
    return len(done), sum(1 for c in done if c.held)


__all__ = [
    "GenericRegion",
    "GenericRow",
    "GenericValue",
    "apply_family",
    "checks_summary",
    "find_tables",
    "generic_tables",
    "hierarchy_checks",
    "parse_rows",
    "text_kinds",
    "title_kind",
]
