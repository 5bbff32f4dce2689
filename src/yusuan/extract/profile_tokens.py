"""Stage 2 of the profile reader: a table's lines as tokens (amounts, digits, text) with their locations.

The lowest stage, used by all the others: what a printed word is (``Token``, ``readable_amount``),
words split where amounts are glued to text or run together, text runs on a line merged so that
wrapped names read as one, and the bare numbers (printed without decimals) that are amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yusuan.extract.amounts import misgrouped, misgrouped_value, piece_boxes, run_splits
from yusuan.extract.document import Line
from yusuan.money import parse_amount
from yusuan.tables.model import Location

_AMOUNT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d{1,6}$")
_ZERO = {"0", "-", "—", "－"}
_DIGITS = re.compile(r"^\d+$")
_INTEGER = re.compile(r"^\d{1,3}(,\d{3})+$")  # '7,099,698': a whole-yuan amount (Shanghai prints 元 without decimals)
MAX_AMOUNT_DIGITS = 15


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


_GLUED = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+\.\d{2,6}|\d+\.\d{2,6}"
    # one decimal only before the next line's label ('12593.1（一）一般公共服务支出'): '1.5万元' stays text
    r"|\d+\.\d(?=（|\(|[一二三四五六七八九十]+、))(?![\d.])"
)


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


def _bare_number(tok: Token) -> bool:
    """A number printed without decimals and shorter than a project's code (12 digits or more)."""
    return tok.kind in ("digits", "integer") and len(tok.text) < 12


def _bare_value(toks: list[Token], i: int) -> bool:
    """A bare number that only numbers follow on its line: an amount — unless it is a code (a
    project's long code, or a unit's 6 digits alone on its line)."""
    tok = toks[i]
    if not _bare_number(tok) or not _numbers_to_line_end(toks, i):
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
