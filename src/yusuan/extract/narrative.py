"""Narrative facts: every amount, share, change and count the 情况说明 states, with where.

The narrative's lines are joined into one text (pdftotext wraps mid-word) with a
map from each character back to its line, then read with a few patterns:
``…12593.11万元``, ``占3.21%``, ``增加1474.55万元，增长12.26%``, ``共有1辆``.
Each fact keeps its sentence, its clause (the text before it back to the last
punctuation: its subject) and the section heading it stands under.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from yusuan.extract.document import Document, Line
from yusuan.extract.tables import readable_amount
from yusuan.money import UNIT_FEN, AmountError, parse_amount
from yusuan.tables.model import Location

_AMOUNT = re.compile(r"(?<![\d.])(\d[\d,]*(?:\.\d+)?)\s*万元")  # not the tail of '890 .22万元'
#: a number the text extraction split before its decimals ('890             .22万元')
_SPLIT_DECIMALS = re.compile(r"(?<=\d)[ \t]+(?=\.\d)")
_SHARE = re.compile(r"占(?:比)?\s*(\d+(?:\.\d+)?)\s*[%％]")
_CHANGE = re.compile(
    # a rate only with its percent sign: '增加10万元，2026年…' has none
    r"(增加|减少|增长|下降)\s*(-?\d[\d,]*(?:\.\d+)?)\s*万元"
    r"(?:\s*[，,]?\s*(增长|下降|增加|减少|增幅|减幅|降幅)?\s*(-?\d+(?:\.\d+)?)\s*[%％])?"
)
_COUNT = re.compile(r"(\d+)\s*(辆|个|项|人|台（套）|台\(套\)|台|套)")
_HEADING = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|第[一二三四五六七八九十]+部分)")
_CLAUSE_END = "，。；：、,;:"
_REASON = re.compile(r"原因|由于")
_SENTENCE_END = "。；;"


@dataclass(frozen=True, slots=True)
class NarrativeFact:
    """One number the narrative states."""

    kind: str  # amount / share / change / count
    text: str  # the number as written
    start: int  # offset in the joined narrative text
    end: int
    clause: str  # the words before it back to the last punctuation: its subject
    sentence: int  # index of its sentence
    section: str  # the heading it stands under
    line: Line  # where it starts
    value: Decimal = Decimal(0)
    fen: int = 0  # amounts and changes
    direction: str = ""  # changes: 增加 / 减少
    rate: str = ""  # changes: the growth rate as written ('' when none)
    unit: str = ""  # counts: 辆 / 个 …
    rate_line: Line | None = None  # changes: where the growth rate stands (it may wrap to the next line)
    reason: bool = False  # it stands in a reason clause (主要原因是…增加了 N 万元): not the sentence's subject

    @property
    def step(self) -> int:
        """The precision its number is written with, in fen: 0.01 万元 for '12.34', 1 万元 for '12'."""
        exponent = self.value.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return UNIT_FEN["万元"] // 10 ** min(decimals, 6)

    def location(self) -> Location:
        return Location(page=self.line.page, line=self.line.line, text=self.text)


@dataclass(slots=True)
class Narrative:
    """The narrative part of a document as one text, with its facts."""

    text: str
    line_of: list[Line]  # the line of each character
    facts: list[NarrativeFact] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)  # (start, end) offsets

    def sentence_text(self, index: int) -> str:
        start, end = self.sentences[index]
        return self.text[start:end]

    def location(self, start: int, end: int) -> Location:
        line = self.line_of[min(start, len(self.line_of) - 1)]
        return Location(page=line.page, line=line.line, text=self.text[start:end])


_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(?:人民币)?\s*万?元")
_TOC_ENTRY = re.compile(r"([.…·]\s*){3,}\S*\s*\d+\s*$")


def narrative_lines(
    doc: Document, first_table_line: int | None, table_lines: Collection[int] = frozenset()
) -> list[Line]:
    """The narrative wherever it stands: the lines before the tables (up to 附件) and every line
    after the first table that no table region holds (情况说明 and 名词解释 printed between or
    after the tables), without table-of-contents entries, page numbers and running headers:
    a page number joined into a sentence across a page break would read as an amount.
    ``table_lines``: the ``id()`` of every line of a table region."""
    from yusuan.extract.generic import page_furniture

    end = first_table_line if first_table_line is not None else len(doc.lines)
    furniture = page_furniture(doc)

    def kept(index: int, line: Line) -> bool:
        return index not in furniture and not _TOC_ENTRY.search(line.text)

    before = [line for i, line in enumerate(doc.lines[:end]) if kept(i, line)]
    for k in range(len(before) - 1, -1, -1):
        if before[k].text.strip().startswith("附件"):
            before = before[:k]
            break
    # after the tables, a page that prints a unit line (单位：万元) holds a table, read or not: its cells
    # are no sentences (a 绩效目标表 without a title the tables were not found by)
    tabled = {line.page for line in doc.lines[end:] if _UNIT_LINE.search(line.text)}
    after = [
        line
        for i, line in enumerate(doc.lines[end:], end)
        if id(line) not in table_lines and line.page not in tabled and kept(i, line)
    ]
    return before + after


def read_narrative(lines: list[Line]) -> Narrative:
    """Join the lines into one text and find every fact in it."""
    parts: list[str] = []
    line_of: list[Line] = []
    headings: list[tuple[int, str]] = []
    offset = 0  # where the next line starts in the joined text
    for line in lines:
        text = _SPLIT_DECIMALS.sub("", line.text.strip())
        if not text:
            continue
        if _HEADING.match(text) and len(text) < 40:
            headings.append((offset, text))
        parts.append(text)
        offset += len(text)
        line_of.extend([line] * len(text))
    text = "".join(parts)
    sentences = _sentences(text)
    narrative = Narrative(text, line_of, sentences=sentences)

    def sentence_at(pos: int) -> int:
        for k, (s, e) in enumerate(sentences):
            if s <= pos < e:
                return k
        return len(sentences) - 1

    def section_at(pos: int) -> str:
        current = ""
        for offset, heading in headings:
            if offset <= pos:
                current = heading
        return current

    def clause_before(pos: int) -> str:
        """The words before ``pos`` back to the last punctuation or the end of a heading line (a
        heading printed without punctuation is not part of the subject of the sentence after it)."""
        stop = max((o + len(h) for o, h in headings if o + len(h) <= pos and _titled(h)), default=0)
        k = pos
        while k > stop and text[k - 1] not in _CLAUSE_END:
            k -= 1
        return text[k:pos]

    facts: list[NarrativeFact] = []

    def add(kind: str, m: re.Match[str], group: int, number: str, **extra: object) -> None:
        """A fact for match ``m``: its number (as written in ``group``), subject and place.

        A number longer than any amount (mangled, or hostile) is no fact: it is left out.
        """
        if not readable_amount(number):
            return
        at = m.start()
        sentence = sentence_at(at)
        reason = _REASON.search(text, sentences[sentence][0], at) is not None if sentences else False
        facts.append(
            NarrativeFact(
                kind,
                m.group(group),
                m.start(group),
                m.end(group),
                clause_before(at),
                sentence,
                section_at(at),
                line_of[at],
                Decimal(number.replace(",", "")),
                reason=reason,
                **extra,  # type: ignore[arg-type]
            )
        )

    taken: list[tuple[int, int]] = []
    for m in _CHANGE.finditer(text):
        direction = "增加" if m.group(1) in ("增加", "增长") else "减少"
        rate_line = line_of[m.start(4)] if m.group(4) else None
        add(
            "change",
            m,
            0,
            m.group(2),
            fen=_fen(m.group(2)),
            direction=direction,
            rate=m.group(4) or "",
            rate_line=rate_line,
        )
        taken.append((m.start(), m.end()))
    for m in _AMOUNT.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            add("amount", m, 1, m.group(1), fen=_fen(m.group(1)))
    for m in _SHARE.finditer(text):
        add("share", m, 1, m.group(1))
    for m in _COUNT.finditer(text):
        before = text[max(0, m.start() - 1) : m.start()]
        if not (before.isdigit() or before == "."):
            add("count", m, 1, m.group(1), unit=m.group(2))
    narrative.facts = sorted(facts, key=lambda f: f.start)
    return narrative


def _titled(heading: str) -> bool:
    """Whether a heading line is a title alone (no clause of a sentence that runs on to the next line)."""
    rest = _HEADING.sub("", heading)
    return not any(ch in _CLAUSE_END for ch in rest) and not rest.endswith(("为", "是", "共", "达"))


def _fen(text: str) -> int:
    """An amount in 万元; misplaced thousands separators ('4107,573.11') are read without them
    (the wording rule reports the format)."""
    try:
        return parse_amount(text)
    except AmountError:
        return parse_amount(text.replace(",", ""))


def _sentences(text: str) -> list[tuple[int, int]]:
    out = []
    start = 0
    for k, ch in enumerate(text):
        if ch in _SENTENCE_END:
            out.append((start, k + 1))
            start = k + 1
    if start < len(text):
        out.append((start, len(text)))
    return out
