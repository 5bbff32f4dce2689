"""Document → TableSet for a template profile: find each table, rebuild its rows, place its values.

The steps, each a plain function:

1. ``locate_tables``: find every table of the profile by its number (预算05表),
   skipping tables of contents; a number printed twice (预算14表 per unit) is one table.
2. ``tokens``: the table's text after its title, as tokens with their locations;
   text runs on a line are merged so that wrapped names read as one.
3. one row parser per builder kind (pivot rows by their heads — 合计, unit code,
   function code, economic code pair —, two-sided label/amount lines, targets);
4. ``place_values``: values go to the columns that make the row's identities hold;
   rows left ambiguous are settled by the column sums of their parent row.

The result is a TableSet with the same kinds, column keys and row keys as the
tables yusuan builds, so every audit rule works on both.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache

from yusuan.extract.amounts import misgrouped, misgrouped_value, piece_boxes, run_splits
from yusuan.extract.assign import place_values
from yusuan.extract.document import Document, Line
from yusuan.ledger.model import PERSONNEL_ECON_CLASSES
from yusuan.money import UNIT_FEN, parse_amount
from yusuan.tables.build import UNIT_BUDGET_LINES
from yusuan.tables.identities import parse_identity
from yusuan.tables.model import Cell, Location, Row, Table, TableSet
from yusuan.tables.profile import Profile, TableSpec

_SPACES = re.compile(r"\s+")
_AMOUNT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d{1,6}$")
_ZERO = {"0", "-", "—", "－"}
_DIGITS = re.compile(r"^\d+$")
_INTEGER = re.compile(r"^\d{1,3}(,\d{3})+$")  # '7,099,698': a whole-yuan amount (Shanghai prints 元 without decimals)
MAX_AMOUNT_DIGITS = 15
_TOC_TAIL = re.compile(r"[.…·。\s]{3,}\d+$|\s\d{1,3}$")
_UNIT_LINE = re.compile(r"单位[:：]\s*(万元|元)")
_PAREN = str.maketrans({"(": "（", ")": "）", ":": "："})


def normal(text: str) -> str:
    """Text without spaces, with ASCII parentheses and colons made full-width."""
    return _SPACES.sub("", text).translate(_PAREN)


def common_prefix(a: str, b: str) -> int:
    """How many leading characters two names share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass(slots=True)
class Token:
    text: str
    kind: str  # amount / digits / text
    line: Line
    bbox: tuple[float, float, float, float] | None = None
    fen: int = 0  # amounts: the value in fen (万元 as printed)
    #: why the reading cannot vouch for this token ('' when it can): its cell is then uncertain
    doubt: str = ""

    def __post_init__(self) -> None:
        if self.kind == "amount" and self.text not in _ZERO:
            whole, dot, frac = self.text.partition(".")
            if dot and len(frac) == 2 and whole.isdigit() and frac.isdigit():  # the common '12593.11'
                self.fen = int(whole) * 1_000_000 + int(frac) * 10_000
            elif misgrouped(self.text):  # '12345,678.00': the digits are the value
                self.fen = parse_amount(misgrouped_value(self.text), "万元")
            else:
                self.fen = parse_amount(self.text.replace("，", ","), "万元")

    def location(self) -> Location:
        return Location(page=self.line.page, line=self.line.line, bbox=self.bbox, text=self.text)


@dataclass(slots=True)
class TableRegion:
    spec: TableSpec
    lines: list[Line]  # from the number line to the next table
    title: str = ""
    unit: str = "万元"
    subtitle: str = ""


@dataclass(slots=True)
class ParsedRow:
    """A row as read: its head (codes), its name text and its printed values."""

    level: str
    head: list[Token]
    names: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    doubt: str = ""  # why the row's amounts are uncertain: a token on it the reading cannot place

    @property
    def name(self) -> str:
        return "".join(t.text for t in self.names)


# --- 1. locating tables ---------------------------------------------------------------------------


def _number_at(line: Line, numbers: dict[str, TableSpec]) -> TableSpec | None:
    if "表" not in line.text:
        return None
    text = normal(line.text)
    for number, spec in numbers.items():
        if text.startswith(number):
            rest = line.text.strip()
            if len(text) > len(number) and _TOC_TAIL.search(rest):
                return None  # a table-of-contents entry: number, title, page
            return spec
    return None


def locate_tables(doc: Document, profile: Profile) -> list[TableRegion]:
    """Every table of the profile found in the document, in document order."""
    numbers = {normal(t.number): t for t in profile.tables}
    starts: list[tuple[int, TableSpec]] = []
    for i, line in enumerate(doc.lines):
        spec = _number_at(line, numbers)
        if spec is not None:
            starts.append((i, spec))
    # a run of numbers a line or two apart is a table of contents, not tables
    dense = {
        k
        for k in range(len(starts))
        if (k + 1 < len(starts) and _gap(doc, starts[k][0], starts[k + 1][0]) <= 2)
        or (k > 0 and _gap(doc, starts[k - 1][0], starts[k][0]) <= 2)
    }
    starts = [s for k, s in enumerate(starts) if k not in dense]
    regions: dict[str, TableRegion] = {}
    order: list[str] = []
    for k, (i, spec) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(doc.lines)
        lines = doc.lines[i:end]
        if spec.number in regions:
            regions[spec.number].lines.extend(lines)  # printed again (per unit, or continued)
            continue
        region = TableRegion(spec, lines)
        _read_heading(region)
        regions[spec.number] = region
        order.append(spec.number)
    return [regions[n] for n in order]


def _gap(doc: Document, a: int, b: int) -> int:
    return sum(1 for line in doc.lines[a + 1 : b] if line.text.strip())


def _read_heading(region: TableRegion) -> None:
    """Title (after the number on its line, or the first text line below it) and unit (单位：万元)."""
    same_line = normal(region.lines[0].text)[len(normal(region.spec.number)) :]
    if same_line and not _UNIT_LINE.search(region.lines[0].text):
        region.title = same_line
    for line in region.lines[1:12]:
        text = line.text.strip()
        if not text:
            continue
        if not region.title and not _UNIT_LINE.search(text):
            region.title = normal(text)
            continue
        match = _UNIT_LINE.search(text)
        if match:
            region.unit = match.group(1)
            region.subtitle = text[: match.start()].strip()
            break


# --- 2. tokens -------------------------------------------------------------------------------------


def _kind(text: str) -> str:
    if text in _ZERO or (_AMOUNT.match(text) and readable_amount(text)):
        return "amount"
    if misgrouped(text) and readable_amount(text):  # '345678,901', '1,2345.00': digits are digits
        return "amount" if "." in text else "integer"
    if _DIGITS.match(text):
        return "digits"
    if _INTEGER.match(text) and readable_amount(text):
        return "integer"
    return "text"


def readable_amount(text: str) -> bool:
    """Whether a printed number is small enough to be an amount: at most ``MAX_AMOUNT_DIGITS`` whole digits.

    No disclosure prints 10^15 of its unit; a longer number (mangled, or hostile) is read as
    text, so that sums stay exact and no Decimal operation on it overflows.
    """
    whole = text.lstrip("-").partition(".")[0].replace(",", "")
    return len(whole) <= MAX_AMOUNT_DIGITS


_GLUED = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+\.\d{2,6}|\d+\.\d{2,6})(?![\d.])")


def _pieces(text: str) -> list[str]:
    """A word split where an amount is glued to text ('12593.11（一）一般公共服务支出')."""
    if _kind(text) != "text" or not _GLUED.search(text):
        return [text]
    out, last = [], 0
    for m in _GLUED.finditer(text):
        if m.start() > last:
            out.append(text[last : m.start()])
        out.append(m.group(1))
        last = m.end()
    if last < len(text):
        out.append(text[last:])
    return out


def _run_together(
    word: str, box: tuple[float, float, float, float] | None
) -> list[tuple[str, tuple[float, float, float, float] | None, str]]:
    """Amounts printed without a gap ('1,234,500.0067,890,100.00'), each with its share of the
    word's box: split so that every piece shows the same decimals, two when several counts fit
    (then the pieces are in doubt). Empty when the word is not such a run."""
    splits = run_splits(word)
    if not splits or not all(readable_amount(p) for split in splits for p in split):
        return []
    doubt = "amounts run together, split more than one way" if len(splits) > 1 else ""
    pieces = splits[0]
    return [(p, b, doubt) for p, b in zip(pieces, piece_boxes(box, pieces), strict=True)]


_UNITS = set("万元%％人个次条辆台套项岁天时")
_STARTS_VALUE = re.compile(r"^([≥≤<>=＞＜≧≦]|\d[\d.]*\s*[%％])")


def _close(previous: Token, box: tuple[float, float, float, float] | None, piece: str = "") -> bool:
    """Whether a word continues the text before it: always without positions, else if the gap is small.

    A target value ('≥95%') never continues the indicator name before it, and a value that
    ends in its unit ('≤350.00万') is not continued by the next cell's words."""
    if _STARTS_VALUE.match(piece):
        return False
    if box is not None and previous.text[-1:] in _UNITS and piece[:1] not in _UNITS:
        return False
    if box is None or previous.bbox is None:
        return True
    height = max(box[3] - box[1], 1.0)
    gap = box[0] - previous.bbox[2]
    return gap <= (1.0 if height <= 1.0 else 0.6 * height)  # -layout: one space; PDF: a fraction of a character


def tokens(lines: list[Line]) -> list[Token]:
    """The lines' tokens; adjacent text tokens on one line are merged (names with spaces in them)."""
    out: list[Token] = []
    for line in lines:
        words = line.words or []
        parts = (
            [(w.text, (w.x0, w.top, w.x1, w.bottom) if w.x1 else None) for w in words]
            if words
            else [(p, None) for p in line.text.split()]
        )
        previous: Token | None = None
        for text, box in parts:
            for word in text.split() if box is None else [text]:
                run = _run_together(word, box)
                if run:
                    out.extend(Token(piece, "amount", line, piece_box, doubt=doubt) for piece, piece_box, doubt in run)
                    previous = out[-1]
                    continue
                for piece in _pieces(word):
                    kind = _kind(piece)
                    if (
                        kind == "text"
                        and previous is not None
                        and previous.kind == "text"
                        and previous.line is line
                        and _close(previous, box, piece)
                    ):
                        previous.text += piece
                        if box is not None and previous.bbox is not None:
                            previous.bbox = (previous.bbox[0], previous.bbox[1], box[2], box[3])
                        continue
                    previous = Token(piece, kind, line, box)
                    out.append(previous)
    return out


_FOOTER = re.compile(r"^\s*([-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*$")


def _after_heading(region: TableRegion) -> list[Line]:
    """The table's lines after its number, title and unit line, without page footers and
    without the header rows a table repeats on each of its continuation pages."""
    start = 2
    for k, line in enumerate(region.lines[:14]):
        if _UNIT_LINE.search(line.text):
            start = k + 1
            break
    lines = [line for line in region.lines[start:] if not _FOOTER.match(line.text)]
    first_page = lines[0].page if lines else 0
    header: set[str] = set()
    for line in lines:
        if line.page != first_page or any(_kind(w) == "amount" for w in line.text.split()):
            break
        header.add(normal(line.text))
    return [
        line
        for line in lines
        if line.page == first_page
        or not line.text.strip()
        or normal(line.text) not in header
        or _UNIT_LINE.search(line.text)
    ]


# --- 3. row parsers --------------------------------------------------------------------------------


def _is_total(toks: list[Token], i: int) -> bool:
    return (
        toks[i].kind == "text"
        and normal(toks[i].text) in ("合计", "总计")
        and i + 1 < len(toks)
        and toks[i + 1].kind == "amount"
    )


def _digits(toks: list[Token], i: int, *lengths: int) -> bool:
    return all(
        i + k < len(toks) and toks[i + k].kind == "digits" and len(toks[i + k].text) == n for k, n in enumerate(lengths)
    )


@cache
def _function_class(code: str) -> bool:
    """Whether a 3-digit code is a 类 of the 支出功能分类 (its 项 codes are 7 digits)."""
    from yusuan.catalog import load_catalog

    return load_catalog().knows("function", code)


def _head(level: str, toks: list[Token], i: int, leaf: str) -> tuple[str, int] | None:
    """(level, number of head tokens) when a row starts at token i."""
    if _is_total(toks, i):
        return "total", 1
    t = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if leaf == "function" and t.kind == "digits" and len(t.text) == 7 and _function_class(t.text[:3]):
        return "function", 1  # a 项 code printed whole (2080101), not a unit's code
    if t.kind == "digits" and 6 <= len(t.text) <= 12 and nxt is not None and nxt.kind in ("text", "amount"):
        return "unit", 1  # its name may follow, or stand on the line above (a wrapped, centred cell)
    if leaf == "function":
        if _digits(toks, i, 3, 2, 2):
            return "function", 3
        if t.kind == "digits" and len(t.text) == 7:
            return "function", 1
    if leaf == "econ_pair":
        for first in ((5,), (3, 2)):  # 30101 name 50101 name, or 301 01 name 501 01 name
            if not _digits(toks, i, *first):
                continue
            j = i + len(first)
            while j < len(toks) and toks[j].kind == "text":  # the name may wrap over several lines
                j += 1
            if j > i + len(first) and _digits(toks, j, *first):
                k = j + len(first)
                while k < len(toks) and toks[k].kind == "text":
                    k += 1
                return "econ_pair", k - i
    if leaf == "econ" and _digits(toks, i, 5) and nxt is not None and nxt.kind == "text":
        return "econ", 1
    return None


def _parse_coded(toks: list[Token], leaf: str, labelled_total: bool) -> list[ParsedRow]:
    """Rows that start with a head (合计, unit code, function code, economic code)."""
    rows: list[ParsedRow] = []
    current: ParsedRow | None = None
    i = 0
    while i < len(toks):
        head = _head(leaf, toks, i, leaf)
        if head is None and not labelled_total and not rows and toks[i].kind == "amount":
            head = ("total", 0)  # an unlabelled 合计 row: the first values after the header
        if head is not None:
            level, width = head
            current = ParsedRow(level, toks[i : i + width])
            if level == "econ_pair":  # names sit inside the head: code name code name
                current.head = [t for t in toks[i : i + width] if t.kind == "digits"]
                current.names = [t for t in toks[i : i + width] if t.kind == "text"]
            rows.append(current)
            i += width
            continue
        tok = toks[i]
        if current is not None:
            if tok.kind == "amount":
                current.values.append(tok)
            elif _bare_after(tok, current.values):  # '6' among '12.50 …': a bare integer amount
                current.values.append(bare_amount(tok))
            elif current.values and tok.kind in ("digits", "integer"):  # after the amounts, on a line of its own
                current.doubt = current.doubt or f"未能归属的数字“{tok.text}”"
            elif tok.kind in ("digits", "integer") and current.names and _amount_follows(toks, i):
                current.values.append(bare_amount(tok))  # '300 300.00 …': the first amount printed bare
            elif tok.kind in ("digits", "integer") and current.names and _numbers_to_line_end(toks, i):
                current.values.append(bare_amount(tok))  # '综合业务管理 300 300 300': every amount bare
            else:
                if tok.kind in ("digits", "integer"):  # a number amid the name: neither code nor amount
                    current.doubt = current.doubt or f"未能归属的数字“{tok.text}”"
                current.names.append(tok)
        i += 1
    for row in rows:
        if row.doubt:
            doubt(row.values, row.doubt)
    return rows


def _amount_follows(toks: list[Token], i: int) -> bool:
    """Whether an amount follows token i on its line (numbers between them aside)."""
    for tok in toks[i + 1 :]:
        if tok.line is not toks[i].line or tok.kind == "text":
            return False
        if tok.kind == "amount":
            return True
    return False


def _bare_line(toks: list[Token], i: int, unit_names: dict[str, str]) -> bool:
    """Whether token i is a bare number on a line of numbers only, and none of them a unit's code
    or a column's serial number (1 2 3 …): the line is a row's amounts printed without decimals."""
    tok = toks[i]
    if tok.kind not in ("digits", "integer"):
        return False
    start, end = i, i + 1
    while start > 0 and toks[start - 1].line is tok.line:
        start -= 1
    while end < len(toks) and toks[end].line is tok.line:
        end += 1
    line = toks[start:end]
    if any(t.kind not in ("digits", "integer", "amount") for t in line):
        return False
    if any(t.kind == "digits" and (t.text in unit_names or (len(line) == 1 and 6 <= len(t.text) <= 12)) for t in line):
        return False
    serial = [t.text for t in line]
    return serial != [str(k) for k in range(1, len(line) + 1)]


def _bare_value(toks: list[Token], i: int) -> bool:
    """A bare number that only numbers follow on its line: an amount — unless it is a code (a
    project's long code, or a unit's 6 digits alone on its line)."""
    tok = toks[i]
    if tok.kind not in ("digits", "integer") or len(tok.text) >= 12 or not _numbers_to_line_end(toks, i):
        return False
    alone = (i == 0 or toks[i - 1].line is not tok.line) and (i + 1 == len(toks) or toks[i + 1].line is not tok.line)
    return not (alone and tok.kind == "digits" and len(tok.text) >= 6)


def _numbers_to_line_end(toks: list[Token], i: int) -> bool:
    """Whether token i and every token after it on its line are numbers (a row's amounts, all bare)."""
    line = toks[i].line
    for tok in toks[i:]:
        if tok.line is not line:
            return True
        if tok.kind not in ("digits", "integer", "amount"):
            return False
    return True


def _bare_after(tok: Token, values: list[Token]) -> bool:
    """A number printed without decimals on the line of a row's amounts, after them: one more amount."""
    return tok.kind in ("digits", "integer") and bool(values) and tok.line is values[-1].line


def bare_amount(tok: Token) -> Token:
    """A number printed without decimals ('2450000', '6', Excel's General format) read as an amount."""
    return Token(tok.text, "amount", tok.line, tok.bbox, doubt=tok.doubt)


def doubt(values: list[Token], why: str) -> None:
    """A row's amounts the reading cannot vouch for: a token on the row is not accounted for."""
    for tok in values:
        tok.doubt = tok.doubt or why


def _parse_items(
    toks: list[Token], leaf: str, unit_names: dict[str, str], categories: tuple[str, ...], positional: bool = False
) -> list[ParsedRow]:
    """07/12 rows: the unlabelled 合计, unit rows (code + name), then text-then-values items.

    ``positional``: the document keeps line positions (PDF, -layout), where a wrapped cell
    starts on its row's line and continues below it.
    """
    rows: list[ParsedRow] = []
    pending: list[Token] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if _bare_line(toks, i, unit_names):  # '300 300' on a line of its own: the row's amounts, printed bare
            tok = toks[i] = bare_amount(tok)
        if tok.kind == "amount":
            if not rows:
                rows.append(ParsedRow("total", []))
            elif pending:
                at = next((k for k, t in enumerate(pending) if t.kind == "digits" and 6 <= len(t.text) <= 12), None)
                if at is not None:
                    rows[-1].names.extend(pending[:at])  # the previous row's wrapped tail
                    rows.append(ParsedRow("unit", [pending[at]], pending[at + 1 :]))
                else:
                    if positional:  # top-aligned cells: lines before this row's values continue the last row
                        tail = [t for t in pending if t.line is not tok.line]
                        rows[-1].names.extend(tail)
                        pending = [t for t in pending if t.line is tok.line] or pending
                    rows.append(ParsedRow(leaf, [], list(pending)))
                pending = []
            while i < len(toks) and (toks[i].kind == "amount" or _bare_after(toks[i], rows[-1].values)):
                rows[-1].values.append(bare_amount(toks[i]) if toks[i].kind != "amount" else toks[i])
                i += 1
            continue
        if rows:  # before the first values: the header
            pending.append(tok)
        i += 1
    names = sorted({normal(n) for n in unit_names.values()}, key=len, reverse=True)
    for row in rows:
        if row.level != leaf:
            continue
        text = normal(row.name)
        own = _name_column(row, leaf) if positional else ""
        if own:  # positioned cells: the name column is the name, nothing to strip
            row.extra["name"] = own
            row.extra.setdefault("category", "")
            continue
        category = next((c for c in categories if text.startswith(c) or c in text), "")
        for c in categories:
            text = text.replace(c, "")
        for name in names:  # the unit name cell may come before or after the item's own name
            if text.startswith(name):
                text = text[len(name) :]
            if text.endswith(name):
                text = text[: -len(name)]
        for kind in ("人员类", "公用经费", "人员经费"):
            if text.startswith(kind) and len(text) > len(kind):
                row.extra["item_type"] = kind
                text = text[len(kind) :]
        row.extra["name"] = text
        row.extra["category"] = category
    return rows


def columns_of(toks: list[Token]) -> list[list[Token]]:
    """Text tokens grouped by the column they start in (left-aligned cells share their x0)."""
    groups: list[list[Token]] = []
    for tok in sorted((t for t in toks if t.bbox), key=lambda t: t.bbox[0]):  # type: ignore[index]
        assert tok.bbox is not None
        width = max(tok.bbox[3] - tok.bbox[1], 1.0)
        if groups and abs(tok.bbox[0] - groups[-1][0].bbox[0]) <= width * 0.8:  # type: ignore[index]
            groups[-1].append(tok)
        else:
            groups.append([tok])
    return groups


def _name_column(row: ParsedRow, leaf: str) -> str:
    """The item's own name when cells are positioned: 预算12表 类型 | 项目名称 | 单位, 预算07表 单位 | 类型 | 名称."""
    groups = columns_of(row.names)
    if len(groups) < 3:
        return ""
    group = groups[1] if leaf == "project" else groups[-1]
    ordered = sorted(group, key=lambda t: (t.line.top, t.line.line or 0, t.bbox[0] if t.bbox else 0))
    if leaf == "project":
        row.extra["category"] = normal(
            "".join(t.text for t in sorted(groups[0], key=lambda t: (t.line.top, t.line.line or 0)))
        )
    return normal("".join(t.text for t in ordered))


# --- 4. placing values -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Placed:
    row: ParsedRow
    options: list[dict[str, Token]]  # equally good placements: column → token
    held: int
    checked: int
    #: children settled against one of this row's placements, by the placement's id: (the placement
    #: and the children's option lists then, both kept alive so that their ids stay theirs; the score;
    #: the children's choice)
    tried: dict[
        int, tuple[dict[str, Token], list[list[dict[str, Token]]], tuple[int, int], list[list[dict[str, Token]]]]
    ] = field(default_factory=dict)
    #: the options' column vectors for the settling, with the option list and columns they were made for
    vectors: tuple[list[dict[str, Token]], tuple[str, ...], list[list[int]]] | None = None


def _place(
    row: ParsedRow, columns: tuple[str, ...], identities: tuple[str, ...], allowed: set[str] | None = None
) -> _Placed:
    """Place a row's values; ``allowed`` (when known from the row's own codes) are the columns that may hold them."""
    values = tuple(t.fen for t in row.values)
    placements, held, checked = place_values(values, columns, identities)
    options: list[dict[str, Token]] = []
    seen: set[tuple[tuple[str, int], ...]] = set()
    for slots in placements:
        mapping = {columns[c]: row.values[v] for c, v in enumerate(slots) if v is not None}
        signature = tuple(sorted((c, t.fen) for c, t in mapping.items() if t.fen))
        if signature not in seen:
            seen.add(signature)
            options.append(mapping)
    if allowed is not None and len(options) > 1:
        fitting = [o for o in options if all(c in allowed for c, t in o.items() if t.fen)]
        options = fitting or options
    return _Placed(row, options or [{}], held, checked)


def _allowed_columns(spec: TableSpec, profile: Profile, econ: str) -> set[str]:
    """Columns whose selector admits a fact with this 部门经济分类 (basic spending: 人员 301/303, else 公用)."""
    cost = "personnel" if econ[:3] in PERSONNEL_ECON_CLASSES else "public"
    out = set()
    for col in spec.columns:
        where = col.where or {}
        if "cost" in where and where["cost"] != cost:
            continue
        if "econ_class" in where and econ[:3] not in where["econ_class"]:
            continue
        if "econ" in where and econ not in where["econ"]:
            continue
        if "econ_set" in where and not any(econ in profile.econ_sets[s] for s in where["econ_set"]):
            continue
        out.add(col.column.key)
    return out


def _step(option: dict[str, Token]) -> int:
    """The printed rounding step in fen (0.01 万元 = 10 000 fen), from the finest decimals printed."""
    decimals = max((len(t.text.partition(".")[2]) for t in option.values() if t.fen), default=2)
    return 1_000_000 // 10 ** min(decimals, 6)


def _trials(
    parent: _Placed, children: list[_Placed], columns: tuple[str, ...]
) -> list[tuple[tuple[int, int], list[list[dict[str, Token]]]]]:
    """Settle the children against each of the parent's placements in turn, leaving them as they
    were: per placement, (columns that do not add up, total distance) and the children's choice."""
    saved = [c.options for c in children]
    out = []
    for option in parent.options:
        out.append(_settle_once(parent, option, children, columns))
        for child, options in zip(children, saved, strict=True):
            child.options = options
    return out


def _settle_once(
    parent: _Placed, option: dict[str, Token], children: list[_Placed], columns: tuple[str, ...]
) -> tuple[tuple[int, int], list[list[dict[str, Token]]]]:
    """Settle the children against one placement of the parent, or replay the same settling done
    before (a unit row is tried when its placements are narrowed, and again when it is settled)."""
    before = [c.options for c in children]
    known = parent.tried.get(id(option))
    if known is not None and known[0] is option and all(a is b for a, b in zip(known[1], before, strict=True)):
        for child, options in zip(children, known[3], strict=True):
            child.options = options
        return known[2], known[3]
    score = _settle_children(option, children, columns)
    choice = [c.options for c in children]
    parent.tried[id(option)] = (option, before, score, choice)
    return score, choice


def _settle(parent: _Placed, children: list[_Placed], columns: tuple[str, ...]) -> None:
    """Choose among the parent's and the children's equally good placements the ones that add up.

    The parent's own options are tried in turn (a total row may be as ambiguous as its units).
    """
    if len(parent.options) <= 1:
        if parent.options:
            _settle_once(parent, parent.options[0], children, columns)
        else:
            _settle_children({}, children, columns)
        return
    trials = _trials(parent, children, columns)
    best = min(range(len(trials)), key=lambda k: trials[k][0])
    parent.options = [parent.options[best]]
    for child, options in zip(children, trials[best][1], strict=True):
        child.options = options


def _keep_summable(parent: _Placed, children: list[_Placed], columns: tuple[str, ...]) -> None:
    """Drop the parent's placements its children cannot add up to as well as the best one."""
    if len(parent.options) <= 1:
        return
    scores = [score for score, _choice in _trials(parent, children, columns)]
    parent.options = [o for o, score in zip(parent.options, scores, strict=True) if score == min(scores)]


def _settle_children(
    target_option: dict[str, Token], children: list[_Placed], columns: tuple[str, ...]
) -> tuple[int, int]:
    index = {c: k for k, c in enumerate(columns)}
    target = [0] * len(columns)
    for col, tok in target_option.items():
        target[index[col]] += tok.fen
    # each printed child is rounded on its own, so a parent may differ from their sum by the tail (尾差)
    tolerance = len(children) * _step(target_option) // 2

    def vector(option: dict[str, Token]) -> list[int]:
        out = [0] * len(columns)
        for col, tok in option.items():
            out[index[col]] += tok.fen
        return out

    def vectors_of(child: _Placed) -> list[list[int]]:
        # a unit's children are settled once per placement of the unit: their vectors are kept
        kept = child.vectors
        if kept is not None and kept[0] is child.options and kept[1] == columns:
            return kept[2]
        out = [vector(o) for o in child.options]
        child.vectors = (child.options, columns, out)
        return out

    fixed = [0] * len(columns)
    for child in children:
        if len(child.options) == 1:
            fixed = [a + b for a, b in zip(fixed, vectors_of(child)[0], strict=True)]
    ambiguous = [c for c in children if len(c.options) > 1]
    vectors = [vectors_of(c) for c in ambiguous]

    def gap(sums: list[int] | tuple[int, ...]) -> tuple[int, int]:
        """(columns that do not add up, total distance): smaller is better."""
        diffs = [abs(a - b) for a, b in zip(sums, target, strict=True)]
        return sum(1 for d in diffs if d > tolerance), sum(diffs)

    def misses(choice: tuple[int, ...]) -> tuple[int, int]:
        sums = list(fixed)
        for k, option in enumerate(choice):
            sums = [a + b for a, b in zip(sums, vectors[k][option], strict=True)]
        return gap(sums)

    def keep(choice: tuple[int, ...] | list[int]) -> tuple[int, int]:
        for child, k in zip(ambiguous, choice, strict=True):
            child.options = [child.options[k]]
        return misses(tuple(choice))

    if not ambiguous:
        return gap(fixed)
    space = 1
    for c in ambiguous:
        space *= len(c.options)
    if space <= 256:
        # every combination, in product order; the first with the fewest misses wins
        best_choice: tuple[int, ...] = ()
        best_score: tuple[int, int] | None = None
        choices = itertools.product(*(range(len(c.options)) for c in ambiguous))
        for combination, rows in zip(choices, itertools.product(*vectors), strict=True):
            score = gap(list(map(operator.add, fixed, map(sum, zip(*rows, strict=True)))))
            if best_score is None or score < best_score:
                best_choice, best_score = combination, score
        return keep(best_choice)
    # too many to try together: dynamic programming over the partial column sums, which
    # can only grow (amounts are never negative), so a sum past its target (and tail) is dropped
    remaining = [t - f + tolerance for t, f in zip(target, fixed, strict=True)]
    # only the columns where some row's options differ can tell choices apart: the states
    # track those; the others add the same whatever is chosen
    width = range(len(columns))
    varying = [j for j in width if any(len({vec[j] for vec in options}) > 1 for options in vectors)]
    settled = [fixed[j] + sum(options[0][j] for options in vectors) for j in width]
    fits = all(r >= 0 for r in remaining) and all(
        settled[j] - fixed[j] <= remaining[j] for j in width if j not in varying
    )
    if fits:
        limits = [remaining[j] + fixed[j] for j in varying]
        # a sum that the rows still to come cannot lift to its target (less the tail) is dropped too
        reach = [0] * len(varying)
        floors: list[list[int]] = []
        for options in reversed(vectors):
            floors.append([target[j] - tolerance - r for j, r in zip(varying, reach, strict=True)])
            reach = [r + max(vec[j] for vec in options) for j, r in zip(varying, reach, strict=True)]
        floors.reverse()
        states: dict[tuple[int, ...], tuple[int, ...]] = {tuple(fixed[j] for j in varying): ()}
        for options, floor in zip(vectors, floors, strict=True):
            steps = [tuple(vec[j] for j in varying) for vec in options]
            grown: dict[tuple[int, ...], tuple[int, ...]] = {}
            for sums, picked in states.items():
                for k, step in enumerate(steps):
                    new = tuple(map(operator.add, sums, step))  # map: this loop is the audit's hottest
                    if new not in grown and all(map(operator.le, new, limits)) and all(map(operator.ge, new, floor)):
                        grown[new] = (*picked, k)
            states = grown
            if not states or len(states) > 100_000:
                break
        else:

            def whole(sums: tuple[int, ...]) -> list[int]:
                out = list(settled)
                for j, value in zip(varying, sums, strict=True):
                    out[j] = value
                return out

            sums_found = min(states, key=lambda sums: gap(whole(sums)))
            if gap(whole(sums_found))[0] == 0:
                return keep(states[sums_found])
    # no way within the tail: improve one row at a time while the distance shrinks
    choice = [0] * len(ambiguous)
    totals = list(fixed)
    for options in vectors:
        totals = [a + b for a, b in zip(totals, options[0], strict=True)]
    current = gap(totals)
    for _ in range(4):
        improved = False
        for n, options in enumerate(vectors):
            others = [a - b for a, b in zip(totals, options[choice[n]], strict=True)]  # every row but n
            for k, vec in enumerate(options):
                trial = [a + b for a, b in zip(others, vec, strict=True)]
                if gap(trial) < current:
                    choice[n], totals, current, improved = k, trial, gap(trial), True
        if not improved:
            break
    return keep(choice)


def _amount_columns(spec: TableSpec) -> tuple[str, ...]:
    return tuple(c.column.key for c in spec.columns if c.column.type == "amount")


def _row_identities(spec: TableSpec) -> tuple[str, ...]:
    return tuple(spec.raw.get("row_identities", []))


# --- building tables -------------------------------------------------------------------------------


@dataclass(slots=True)
class Extraction:
    """What extraction found, beside the tables: for the report and the checks."""

    regions: dict[str, TableRegion] = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)  # unit code → name as printed
    project_targets: dict[str, list[Token]] = field(default_factory=dict)  # 预算15表 project → its target tokens
    #: rows whose values fit several columns equally well: (table number, row key, the candidate cells)
    ambiguous: list[tuple[str, tuple[str, ...], list[dict[str, Cell]]]] = field(default_factory=list)
    #: every placement a row's own arithmetic allowed, before the parents' sums chose one:
    #: (table number, row key) → candidate cells; lets the audit move a whole table consistently
    alternatives: dict[tuple[str, tuple[str, ...]], list[dict[str, Cell]]] = field(default_factory=dict)


def _label_cells(spec: TableSpec, level: str, context: dict[str, str]) -> dict[str, Cell]:
    for row_spec in spec.rows:
        if row_spec.level == level:
            out = {}
            for col, template in row_spec.labels.items():
                try:
                    out[col] = Cell(template.format(**context))
                except (KeyError, IndexError):
                    out[col] = Cell("")
            return out
    return {}


def _cells_from(option: dict[str, Token]) -> dict[str, Cell]:
    return {col: Cell(tok.fen, tok.location(), certain=not tok.doubt) for col, tok in option.items()}


def _note_alternatives(found: Extraction, number: str, key: tuple[str, ...], options: list[dict[str, Token]]) -> None:
    if len(options) > 1:
        found.alternatives[(number, key)] = [_cells_from(o) for o in options]


def _pivot_table(
    spec: TableSpec, region: TableRegion, found: Extraction, profile: Profile, positional: bool = False
) -> Table:
    levels = [r.level for r in spec.rows]
    leaf = next((lv for lv in levels if lv not in ("total", "unit")), "")
    toks = tokens(_after_heading(region))
    labelled_total = any(r.level == "total" and r.labels for r in spec.rows)
    if leaf in ("item", "project"):
        categories = ("其他运转类", "特定目标类") if leaf == "project" else ()
        parsed = _parse_items(toks, leaf, found.unit_names, categories, positional)
    else:
        parsed = _parse_coded(toks, leaf, labelled_total)
    columns = _amount_columns(spec)
    identities = _row_identities(spec)
    placed = []
    for p in parsed:
        econ = ""
        if p.level in ("econ_pair", "econ") and p.head:
            econ = p.head[0].text + (p.head[1].text if len(p.head) == 4 else "")
        placed.append(_place(p, columns, identities, _allowed_columns(spec, profile, econ) if econ else None))
    # settle ambiguous rows by their parents' sums. A unit keeps only the placements its items
    # can add up to (ties stay open); the total then chooses among those, and each unit's
    # items are settled last against the unit's final placement.
    before_settling = [list(p.options) for p in placed]
    families = []
    for k, item in enumerate(placed):
        if item.row.level in ("unit", "total"):
            child_level = "unit" if item.row.level == "total" and "unit" in levels else leaf
            children = []
            for other in placed[k + 1 :]:
                if other.row.level == item.row.level or (item.row.level == "unit" and other.row.level == "total"):
                    break
                if other.row.level == child_level:
                    children.append(other)
            families.append((item, children))
    for parent, children in families:
        if parent.row.level == "unit":
            _keep_summable(parent, children, columns)
    for parent, children in sorted(families, key=lambda f: f[0].row.level != "total"):
        _settle(parent, children, columns)
    rows: list[Row] = []
    unit = ""
    for item, options in zip(placed, before_settling, strict=True):
        p = item.row
        cells = _cells_from(item.options[0])
        pending_ambiguous = [_cells_from(o) for o in item.options] if len(item.options) > 1 else []
        if p.level == "total":
            key: tuple[str, ...] = ("合计",)
            cells.update(_label_cells(spec, "total", {}))
            rows.append(Row(key, "total", cells, 0))
            _note_alternatives(found, spec.number, key, options)
            continue
        if p.level == "unit":
            unit = p.head[0].text
            name = p.name
            found.unit_names.setdefault(unit, name)
            cells.update(_label_cells(spec, "unit", {"unit_code": unit, "unit_name": name}))
            rows.append(Row((unit,), "unit", cells, 1))
            _note_alternatives(found, spec.number, (unit,), options)
            continue
        prefix = (unit,) if "unit" in levels and unit else ()
        context: dict[str, str] = {"unit_code": unit, "unit_name": found.unit_names.get(unit, "")}
        if p.level == "function":
            code = "".join(t.text for t in p.head)
            context.update(func_class=code[:3], func_kuan=code[3:5], func_xiang=code[5:7], func_name=p.name)
            key = (*prefix, code)
        elif p.level == "econ_pair":
            codes = [t.text for t in p.head]
            dept, gov = (codes[0], codes[1]) if len(codes) == 2 else (codes[0] + codes[1], codes[2] + codes[3])
            names = [t.text for t in p.names]
            context.update(
                dept_code=dept,
                dept_class=dept[:3],
                dept_kuan=dept[3:],
                dept_name=names[0] if names else "",
                gov_code=gov,
                gov_class=gov[:3],
                gov_kuan=gov[3:],
                gov_name="".join(names[1:]),
            )
            key = (*prefix, dept, gov)
        elif p.level == "econ":
            code = p.head[0].text
            context.update(dept_code=code, dept_name=p.name)
            key = (*prefix, code)
        else:  # item / project
            name = p.extra.get("name", normal(p.name))
            context.update(
                item_name=name,
                item_type=p.extra.get("item_type", ""),
                project_name=name,
                project_category=p.extra.get("category", ""),
            )
            key = (*prefix, name)
        where = (p.head or p.names or p.values)[0].location() if (p.head or p.names or p.values) else None
        cells.update({k: Cell(v.value, where) for k, v in _label_cells(spec, p.level, context).items()})
        rows.append(Row(key, "item", cells, 2 if prefix else 1))
        _note_alternatives(found, spec.number, key, options)
        if pending_ambiguous:
            found.ambiguous.append((spec.number, key, pending_ambiguous))
    return _table(spec, region, rows)


def _table(spec: TableSpec, region: TableRegion, rows: list[Row]) -> Table:
    if region.unit == "元":  # tokens are read as 万元; a table printed in 元 holds 1/10000 of that
        amounts = {c.column.key for c in spec.columns if c.column.type == "amount"}
        for row in rows:
            for key, cell in row.cells.items():
                if key in amounts and isinstance(cell.value, int):
                    row.cells[key] = replace(cell, value=cell.value // (UNIT_FEN["万元"] // UNIT_FEN["元"]))
    return Table(
        kind=spec.kind,
        number=spec.number,
        title=region.title,
        unit=region.unit,
        columns=[c.column for c in spec.columns],
        rows=rows,
        subtitle=region.subtitle,
        orientation=spec.orientation,
    )


def _line_labels(spec: TableSpec, profile: Profile) -> tuple[list[str], list[str]]:
    income = [line["label"] for line in spec.raw["income"]]
    out_spec = spec.raw["expenditure"]
    index = out_spec["classes"]
    classes = [c[index] for c in profile.function_classes if c[index] is not None]
    expenditure = [line["label"] for line in out_spec.get("head", [])] + classes
    expenditure += [line["label"] for line in out_spec.get("tail", [])]
    for left, right in spec.raw.get("footer", []):
        if left:
            income.append(left["label"])
        if right:
            expenditure.append(right["label"])
    return income, expenditure


def _two_sided_table(spec: TableSpec, region: TableRegion, profile: Profile) -> Table:
    income, expenditure = _line_labels(spec, profile)
    known = sorted({normal(x) for x in income + expenditure}, key=len, reverse=True)
    # label events: the region's text with amounts in between
    events: list[tuple[str, Token | None, list[Token]]] = []  # (label, token, values)
    text_run: list[Token] = []

    def flush() -> None:
        if not text_run:
            return
        joined = "".join(normal(t.text) for t in text_run)
        pos = 0
        while pos < len(joined):
            match = next((lab for lab in known if joined.startswith(lab, pos)), None)
            if match is None:
                pos += 1
                continue
            # the token where this label starts
            offset, owner = 0, text_run[0]
            for t in text_run:
                if offset + len(normal(t.text)) > pos:
                    owner = t
                    break
                offset += len(normal(t.text))
            events.append((match, owner, []))
            pos += len(match)
        text_run.clear()

    for tok in tokens(_after_heading(region)):
        if tok.kind == "amount":
            flush()
            if events:
                events[-1][2].append(tok)
        else:
            text_run.append(tok)
    flush()
    # labels before the first one that has a value are column headers (其中：财政拨款 …)
    first = next((k for k, e in enumerate(events) if e[2]), len(events))
    events = events[first:]
    # assign events to lines in order; a label printed twice fills the next line that has it
    in_values: dict[int, list[Token]] = {}
    out_values: dict[int, list[Token]] = {}
    used_in: set[int] = set()
    used_out: set[int] = set()
    norm_in = [normal(x) for x in income]
    norm_out = [normal(x) for x in expenditure]
    for label, _tok, values in events:
        target = None
        for k, lab in enumerate(norm_in):
            if lab == label and k not in used_in:
                target = ("in", k)
                break
        if target is None:
            for k, lab in enumerate(norm_out):
                if lab == label and k not in used_out:
                    target = ("out", k)
                    break
        if target is None:
            continue
        side, k = target
        (used_in if side == "in" else used_out).add(k)
        (in_values if side == "in" else out_values)[k] = values
    out_columns = tuple(
        c.column.key for c in spec.columns if c.column.type == "amount" and not c.column.key.startswith("in.")
    )
    identities = _row_identities(spec)
    body_in = len(spec.raw["income"])
    body_out = len(norm_out) - len([r for _l, r in spec.raw.get("footer", []) if r])
    pairs: list[tuple[int | None, int | None]] = [
        (i if i < body_in else None, i if i < body_out else None) for i in range(max(body_in, body_out))
    ]
    fi, fo = body_in, body_out
    for left, right in spec.raw.get("footer", []):
        pairs.append((fi if left else None, fo if right else None))
        fi += 1 if left else 0
        fo += 1 if right else 0
    rows = []
    for li, ri in pairs:
        cells: dict[str, Cell] = {}
        if li is not None:
            cells["in.label"] = Cell(income[li])
            vals = in_values.get(li, [])
            if vals:
                cells["in.amount"] = Cell(vals[0].fen, vals[0].location(), certain=not vals[0].doubt)
        if ri is not None:
            cells["out.label"] = Cell(expenditure[ri])
            vals = out_values.get(ri, [])
            if vals:
                option = _place(ParsedRow("line", [], [], vals), out_columns, identities).options[0]
                cells.update(_cells_from(option))
        key = (income[li] if li is not None else "", expenditure[ri] if ri is not None else "")
        kind = "total" if any(k in key[0] + key[1] for k in ("合计", "总计")) else "item"
        rows.append(Row(key, kind, cells))
    return _table(spec, region, rows)


def _values_table(spec: TableSpec, region: TableRegion, found: Extraction) -> Table:
    """A table of one unlabelled row (预算09表)."""
    values = [t for t in tokens(_after_heading(region)) if t.kind == "amount"]
    row = ParsedRow("total", [], [], values)
    placed = _place(row, _amount_columns(spec), _row_identities(spec))
    cells = _cells_from(placed.options[0]) if values else {}
    if len(placed.options) > 1:
        found.ambiguous.append((spec.number, ("合计",), [_cells_from(o) for o in placed.options]))
    return _table(spec, region, [Row(("合计",), "total", cells, 0)])


def _unit_for(name: str, unit_names: dict[str, str]) -> str:
    """The unit code a printed unit name stands for (names may be cut or carry a wrapped tail)."""
    name = normal(name)
    best, best_len = name, 3
    for code, known in unit_names.items():
        known = normal(known)
        if known == name:
            return code
        common = common_prefix(known, name)
        if known in name or name in known:
            common = max(common, min(len(known), len(name)))
        if common > best_len:
            best, best_len = code, common
    return best


def _unit_performance_table(spec: TableSpec, region: TableRegion, found: Extraction) -> Table:
    """预算14表: per unit, its 预算情况 amounts."""
    labels = [(key, normal(label).split("：")[-1], amount) for key, label, amount in UNIT_BUDGET_LINES]
    rows: list[Row] = []
    unit = ""
    toks = tokens(region.lines)
    for i, tok in enumerate(toks):
        text = normal(tok.text)
        if "部门（单位）名称" in text:
            name = text.split("部门（单位）名称", 1)[1] or (normal(toks[i + 1].text) if i + 1 < len(toks) else "")
            unit = _unit_for(name, found.unit_names)
            rows.append(Row((unit, "unit"), "unit", {"label": Cell("部门（单位）名称"), "name": Cell(name)}))
            continue
        if not unit or tok.kind != "text":
            continue
        for key, label, _amount in labels:
            if text.endswith(label) and i + 1 < len(toks) and toks[i + 1].kind == "amount":
                value = toks[i + 1]
                if not any(r.key == (unit, key) for r in rows):
                    rows.append(
                        Row((unit, key), "item", {"name": Cell(label), "amount": Cell(value.fen, value.location())})
                    )
                break
    return _table(spec, region, rows)


def _project_performance_table(spec: TableSpec, region: TableRegion, found: Extraction) -> Table:
    """预算15表: group (3 digits), unit (6) and project (long code) rows with their amounts."""
    toks = tokens(_after_heading(region))
    columns = _amount_columns(spec)
    identities = _row_identities(spec)
    rows: list[Row] = []
    i = 0
    current: Row | None = None
    current_name_x: float | None = None
    while i < len(toks):
        tok = toks[i]
        code = ""
        if tok.kind == "digits" and len(tok.text) >= 12:
            code = tok.text
            if i + 1 < len(toks) and toks[i + 1].kind == "digits" and len(toks[i + 1].text) <= 8 and len(code) < 20:
                code += toks[i + 1].text  # a long code wrapped onto the next line
                i += 1
            kind = "item"
        elif tok.kind == "digits" and len(tok.text) in (3, 6) and i + 1 < len(toks) and toks[i + 1].kind == "text":
            code = tok.text
            kind = "group" if len(code) == 3 else "unit"
        if code:
            i += 1
            name_parts: list[str] = []
            name_x: float | None = None
            while i < len(toks) and toks[i].kind != "amount":
                if toks[i].kind == "digits" and len(toks[i].text) >= 12:
                    break
                if name_parts and _bare_value(toks, i):
                    break  # the amounts, printed without decimals
                box = toks[i].bbox
                if name_x is None and box is not None:
                    name_x = box[0]
                name_parts.append(toks[i].text)
                i += 1
            values: list[Token] = []
            while i < len(toks) and (toks[i].kind == "amount" or _bare_value(toks, i)) and len(values) < len(columns):
                values.append(toks[i] if toks[i].kind == "amount" else bare_amount(toks[i]))
                i += 1
            placed = _place(ParsedRow(kind, [tok], [], values), columns, identities)
            cells = {
                "code": Cell(code, tok.location()),
                "name": Cell("".join(name_parts)),
                **_cells_from(placed.options[0]),
            }
            current = Row((code,), kind, cells, {"group": 0, "unit": 1, "item": 2}[kind])
            current_name_x = name_x
            rows.append(current)
            if kind == "item":
                found.project_targets[code] = []
            continue
        if current is not None and current.kind in ("item", "unit", "group"):
            x = tok.bbox[0] if tok.bbox is not None else None
            height = (tok.bbox[3] - tok.bbox[1]) if tok.bbox is not None else 0.0
            if current_name_x is not None and x is not None and abs(x - current_name_x) <= max(height, 1.0) * 0.8:
                # a positioned document: the name cell continues below its row's line
                current.cells["name"] = Cell(str(current.value("name") or "") + tok.text)
            elif current.kind == "item":
                found.project_targets[current.key[0]].append(tok)
        i += 1
    return _table(spec, region, rows)


def extract_tables(doc: Document, profile: Profile) -> tuple[TableSet, Extraction]:
    """Every table of the profile that the document contains, as a TableSet."""
    found = Extraction()
    regions = locate_tables(doc, profile)
    found.regions = {r.spec.number: r for r in regions}
    tables: list[Table] = []
    # unit names come from the tables that print unit code and name together; read those first
    order = sorted(regions, key=lambda r: r.spec.builder != "pivot" or r.spec.rows[-1].level in ("item", "project"))
    built: dict[str, Table] = {}
    for region in order:
        spec = region.spec
        if spec.builder == "two_sided":
            table = _two_sided_table(spec, region, profile)
        elif spec.builder == "unit_performance":
            table = _unit_performance_table(spec, region, found)
        elif spec.builder == "project_performance":
            table = _project_performance_table(spec, region, found)
        elif [r.level for r in spec.rows] == ["total"]:
            table = _values_table(spec, region, found)
        else:
            table = _pivot_table(spec, region, found, profile, doc.has_positions)
        built[spec.number] = table
    tables = [built[r.spec.number] for r in regions]
    names = [re.sub(r"^(?:部门|单位)名称[:：]\s*", "", r.subtitle).strip() for r in regions if r.subtitle]
    department = max(set(names), key=names.count) if names else ""  # as most tables print it
    return TableSet(year=0, department=department, template=profile.name, tables=tables), found


def iter_cells(table: Table) -> Iterator[tuple[Row, str, Cell]]:
    for row in table.rows:
        for key, cell in row.cells.items():
            yield row, key, cell


__all__ = ["Extraction", "Token", "extract_tables", "locate_tables", "normal", "parse_identity", "tokens"]
