"""Stage 1 of the profile reader: locating the profile's tables by their numbers (预算05表).

Each table's region runs from its number line to the next table; its heading gives the title
and unit (单位：万元), and ``_after_heading`` leaves the body without page footers or the header
rows a table repeats on its continuation pages. ``normal`` (text without spaces) lives here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from yusuan.extract.document import Document, Line
from yusuan.extract.profile_tokens import _kind
from yusuan.tables.profile import Profile, TableSpec

_SPACES = re.compile(r"\s+")


_TOC_TAIL = re.compile(r"[.…·。\s]{3,}\d+$|\s\d{1,3}$")
_UNIT_LINE = re.compile(r"单位[:：]\s*(万元|元)")
_PAREN = str.maketrans({"(": "（", ")": "）", ":": "："})


@lru_cache(maxsize=1 << 16)  # asked of the same labels and titles again and again
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
class TableRegion:
    spec: TableSpec
    lines: list[Line]  # from the number line to the next table
    title: str = ""
    unit: str = "万元"
    subtitle: str = ""


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
