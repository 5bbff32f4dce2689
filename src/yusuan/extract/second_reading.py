"""A second, independent reading of the amounts an error rests on.

The first reading (``extract/pdf.py``) groups PDFium's characters into lines and words by
position, and the table readers place those words in rows and columns. Before an error is
reported, the amounts it names are read again by Poppler (``pdftotext -tsv``): another PDF
parser with its own font decoding, its own word grouping and its own duplicate removal, so it
does not share the first reading's failure modes. Poppler's words are taken on the same page,
on the named cell's line, across the span of that row's amounts on that line; the amounts
there, left to right, must be the amounts the first reading placed in the row on that line.
A row read with a number missing, a number too many, two numbers glued where the other reading
sees them apart, or digits read otherwise, has the named cell marked uncertain; the engine then
withholds the errors resting on it (``audit/certainty.py``).
A zero the first reading has where Poppler sees nothing (a dash one reader drops) is no
disagreement: a blank and a zero mean the same in a budget table.

Poppler confirms the digits, not the column: a row with blank cells that the table readers
placed by the sums it makes (their positions alone did not decide) can be moved to other columns
by one amount read otherwise elsewhere, and Poppler still reads the same digits there. So the
named cell's position is also checked against where its column's amounts stand in the table's
other rows on that page (``misplaced``); a cell nearer to another column is uncertain too.

Only cells read from a PDF with a box can be read a second time; text input keeps its cells as
they are, and a PDF keeps the column check alone when ``pdftotext`` (poppler-utils) is not installed. Poppler runs
once per document, on the pages from the first to the last one named, and only when an error
names a cell: its cost is in ``stats["second_reading"]["seconds"]``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from yusuan.extract.document import Document, normalize_text
from yusuan.tables.model import Cell, Row, Table, TableSet

#: a word is on a cell's line when its vertical centre is within this share of the cell's height of the cell's
SAME_LINE = 0.5
#: an amount further than this share of its height from where its column's other amounts stand, and nearer
#: to another column's, is misplaced
MISPLACED = 0.5
#: points two readers' edges of one word may differ by
EDGE = 1.0
#: seconds Poppler may take for one document before the second reading is given up (cells stay as read)
POPPLER_TIMEOUT = 60
#: pieces of one printed number a reader may split (Poppler splits '174,900.64' into '174,900' and '.64' where a
#: font's metrics are wrong) are joined when at most this share of the cell's height apart
PIECE_GAP = 0.2
_AMOUNT = re.compile(r"[-−]?\d[\d,，]*(?:\.\d+)?")
_NUMERIC = re.compile(r"[-−]?[\d,，.]*\d[\d,，.]*%?|[-—－–]{1,2}")
_ZERO_MARKS = {"-", "—", "－", "–", "--", "——"}
_LEADING = re.compile(r"[-−]?\d[\d,，.]*%?(?=[^\d,，.%])")
_TRAILING = re.compile(r"(?<=[^\d,，.\-−])[-−]?\d[\d,，.]*%?$")
_SEPARATORS = re.compile(r"[.,，]+")
_BARE = re.compile(r"\d+")
_UNIT_TAIL = re.compile(r"(?<=\d)(亿元|万元|元)$")  # '5.50万元': an amount printed with its unit


@dataclass(frozen=True, slots=True)
class SecondWord:
    """A word as Poppler reads it: its text and its box on the displayed page (points from the top left)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class SecondReading:
    """What the second reading did: cells compared, cells it disagreed on, seconds it took."""

    cells: int = 0
    disagreed: int = 0  # Poppler reads the cell's line otherwise
    misplaced: int = 0  # the cell stands under another column
    seconds: float = 0.0
    available: bool = True  # False: no PDF bytes, or no pdftotext, so nothing could be read twice

    def to_data(self) -> dict[str, object]:
        out: dict[str, object] = {"cells": self.cells, "disagreed": self.disagreed, "misplaced": self.misplaced}
        out["seconds"] = round(self.seconds, 4)
        if not self.available:
            out["available"] = False
        return out


def poppler_words(data: bytes, first: int, last: int) -> dict[int, list[SecondWord]] | None:
    """Poppler's words on pages ``first``..``last`` (1-based) by page, with the crop box and
    /Rotate applied as the first reading does; None when pdftotext is missing or fails."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    args = [exe, "-q", "-tsv", "-cropbox", "-f", str(first), "-l", str(last), "fd://0", "-"]
    try:
        done = subprocess.run(args, input=data, capture_output=True, timeout=POPPLER_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    pages: dict[int, list[SecondWord]] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5":  # level 5: a word (pages, flows and lines are levels 1–4)
            continue
        try:
            page, left, top, width, height = int(parts[1]), *(float(p) for p in parts[6:10])
        except ValueError:
            continue
        text = normalize_text("\t".join(parts[11:]))
        pages.setdefault(page, []).append(SecondWord(text, left, top, left + width, top + height))
    return pages


def _amount(text: str) -> Decimal | None:
    """A printed amount as a number (zero for a dash); None for anything else (a percentage, text)."""
    text = text.strip()
    if text in _ZERO_MARKS:
        return Decimal(0)
    if not _AMOUNT.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", "").replace("，", "").replace("−", "-"))
    except InvalidOperation:
        return None


def _box(cell: Cell) -> tuple[int, tuple[float, float, float, float]] | None:
    loc = cell.location
    if loc is None or not loc.page or loc.bbox is None or not isinstance(cell.value, int):
        return None
    return loc.page, loc.bbox


def _on_line(box: tuple[float, float, float, float], top: float, bottom: float) -> bool:
    centre, height = (box[1] + box[3]) / 2, box[3] - box[1]
    return abs((top + bottom) / 2 - centre) <= SAME_LINE * max(height, 1.0)


def _glued(word: SecondWord) -> list[SecondWord]:
    """A word's numbers: the word itself when it is one, else an amount glued to the front or the end
    of text (a cell's number run into its neighbour's label: '12593.11（一）一般公共服务支出'), with
    its share of the word's box (a digit half as wide as an ideograph); text alone has none."""
    text = _UNIT_TAIL.sub("", word.text.strip())
    if _NUMERIC.fullmatch(text) or _SEPARATORS.fullmatch(text):  # a separator alone: a piece of a number
        return [SecondWord(text, word.x0, word.top, word.x1, word.bottom)]
    widths = [0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text]
    scale = (word.x1 - word.x0) / (sum(widths) or 1.0)
    out = []
    for match in (_LEADING.match(text), _TRAILING.search(text)):
        if match is not None and any(mark in match.group() for mark in ".,，%"):
            x0 = word.x0 + scale * sum(widths[: match.start()])
            x1 = word.x0 + scale * sum(widths[: match.end()])
            out.append(SecondWord(match.group(), x0, word.top, x1, word.bottom))
    return out


def _numbers(words: list[SecondWord], height: float) -> list[SecondWord]:
    """The numbers (amounts, dashes, percentages) among Poppler's words on one line, left to right,
    with the pieces of one number joined; text (names, notes) is left out."""
    out: list[SecondWord] = []
    for word in sorted((n for w in words for n in _glued(w)), key=lambda w: w.x0):
        last = out[-1] if out else None
        if last is not None and word.x0 - last.x1 <= PIECE_GAP * height and word.text[0] in ".,，0123456789":
            out[-1] = SecondWord(last.text + word.text, last.x0, last.top, max(last.x1, word.x1), last.bottom)
        else:
            out.append(word)
    return out


def _same(first: list[tuple[tuple[float, float, float, float], str]], numbers: list[SecondWord]) -> bool:
    """Whether Poppler's numbers on a line are the amounts the first reading placed there (``first``:
    box, printed text). Any difference makes the whole line uncertain, not one cell: the table readers
    place a row's amounts by their positions and by the sums they make, so one amount read otherwise
    can move the others to other columns.

    The first reading's amounts and Poppler's numbers are intervals on the line; a run of overlapping
    intervals is compared as a whole. One amount over one number: the values must be equal (a
    percentage is no amount). An amount over no number: only a zero (a dash one reader drops). A number
    under no amount: only a zero or a percentage (a column the table readers leave out). One amount
    over several numbers apart: the first reading glued cells. Several amounts: the same amounts in the
    same order, or, where Poppler glued them into something that is no amount (it does where a font's
    widths are wrong), the same characters in the same order."""
    items = sorted(
        [(box[0], box[2], 0, k) for k, (box, _) in enumerate(first)]
        + [(w.x0, w.x1, 1, k) for k, w in enumerate(numbers)]
    )
    run: list[tuple[float, float, int, int]] = []
    for item in [*items, None]:
        if item is not None and run and item[0] < max(r[1] for r in run):
            run.append(item)
            continue
        ours = [first[k][1] for _, _, side, k in run if side == 0]
        theirs = [numbers[k].text for _, _, side, k in run if side == 1]
        values = [_amount(text) for text in ours]
        if not theirs:
            same = not any(values)
        elif not ours:
            same = not any(_amount(t) for t in theirs)
        elif len(ours) == 1:
            same = len(theirs) == 1 and values[0] is not None and _amount(theirs[0]) == values[0]
        elif None in values:
            same = False
        elif all(_amount(t) is not None for t in theirs):
            same = values == [_amount(t) for t in theirs]
        else:
            same = "".join(t.strip() for t in ours) == "".join(t.strip() for t in theirs)
        if not same:
            return False
        run = [item] if item is not None else []
    return True


def _line_of(row: Row, column: str) -> tuple[int, tuple[float, float, float, float]] | None:
    """The page and a box on the named cell's line: the cell's own, else (a cell the first reading
    found no amount for) the row's first amount's, else its first label's that has a box."""
    cell = row.cells.get(column)
    own = _box(cell) if cell is not None else None
    if own is not None:
        return own
    for amounts in (True, False):
        for other in row.cells.values():
            loc = other.location
            if loc is not None and loc.page and loc.bbox is not None and isinstance(other.value, int) == amounts:
                return loc.page, loc.bbox
    return None


def column_bands(table: Table, page: int) -> list[tuple[float, float]]:
    """Where the table's amount columns stand on a page: for each column, from the left edge of its
    leftmost amount to the right edge of its rightmost."""
    bands: dict[str, tuple[float, float]] = {}
    for row in table.rows:
        for key, cell in row.cells.items():
            at = _box(cell)
            if at is not None and at[0] == page:
                left, right = bands.get(key, (at[1][0], at[1][2]))
                bands[key] = (min(left, at[1][0]), max(right, at[1][2]))
    return list(bands.values())


def _counts(word: SecondWord, bands: list[tuple[float, float]] | None) -> bool:
    """Whether a number the first reading did not read counts as an amount it missed: a bare integer
    ('1', '27') is also what a 行次 column prints, so it counts only under one of the table's amount
    columns (``bands``; None: wherever it stands)."""
    if bands is None or not _BARE.fullmatch(word.text):
        return True
    middle = (word.x0 + word.x1) / 2
    return any(left - EDGE <= middle <= right + EDGE for left, right in bands)


def agrees(row: Row, column: str, words: list[SecondWord], bands: list[tuple[float, float]] | None = None) -> bool:
    """Whether Poppler's words on the named cell's page read the row's amounts on the cell's line as the
    first reading did (``_same``).

    The amounts are compared between the text before the row's first amount (its name) and the text
    after its last (a note, or the next panel's label), so that a number the first reading left out
    beside them counts too. Where the first reading found no amount at all on the line, between the
    first text after the row's labels (its name) and the next text."""
    where = _line_of(row, column)
    if where is None:
        return True
    page, box = where
    first: list[tuple[tuple[float, float, float, float], str]] = []
    labels: list[float] = []
    for cell in row.cells.values():
        at = _box(cell)
        loc = cell.location
        if at is not None and at[0] == page and _on_line(box, at[1][1], at[1][3]):
            first.append((at[1], loc.text if loc is not None else ""))
        elif loc is not None and loc.page == page and loc.bbox is not None and _on_line(box, loc.bbox[1], loc.bbox[3]):
            labels.append(loc.bbox[2])
    line = sorted((w for w in words if _on_line(box, w.top, w.bottom)), key=lambda w: w.x0)
    text = [w for w in line if not _glued(w) and any(ch.isalpha() for ch in w.text)]
    if first:
        # text inside the first or the last amount's box (the first reading glued it to the amount) is
        # before or after it by its middle
        head = min((b for b, _ in first), key=lambda b: b[0])
        tail = max((b for b, _ in first), key=lambda b: b[2])
        before = [w.x1 for w in text if w.x1 <= head[2] + EDGE and w.x0 + w.x1 < head[0] + head[2]]
        after = [w.x0 for w in text if w.x0 >= tail[0] - EDGE and w.x0 + w.x1 > tail[0] + tail[2]]
        start, end = max(before, default=head[0]), min(after, default=float("inf"))
    else:
        names = [w for w in text if labels and w.x0 >= max(labels) - EDGE]
        if not names:
            return True  # no text past the row's labels: where its amounts would begin is unknown
        start = names[0].x1
        end = min((w.x0 for w in names[1:]), default=float("inf"))
    area = [w for w in line if start - EDGE <= (w.x0 + w.x1) / 2 <= end + EDGE]
    numbers = [
        n
        for n in _numbers(area, box[3] - box[1])
        if _counts(n, bands) or any(n.x1 > b[0] and n.x0 < b[2] for b, _ in first)
    ]
    return _same(first, numbers)


def _document_words(doc: Document, pages: set[int]) -> dict[int, list[SecondWord]] | None:
    """Poppler's words on the document's ``pages``, by page of the document (which may be several PDFs
    audited together); None when Poppler cannot read one of them."""
    words: dict[int, list[SecondWord]] = {}
    for before, count, data in doc.pdfs:
        own = [page - before for page in pages if before < page <= before + count]
        if not own:
            continue
        read = poppler_words(data, min(own), max(own))
        if read is None:
            return None
        words.update((page + before, found) for page, found in read.items())
    return words


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def _offset(box: tuple[float, float, float, float], column: list[tuple[float, float, float, float]]) -> float:
    """How far a box stands from a column's other boxes: the least of the distances of its left
    edge, right edge and centre from theirs (amounts are aligned right, left or centred)."""
    return min(
        abs(box[0] - _median([b[0] for b in column])),
        abs(box[2] - _median([b[2] for b in column])),
        abs((box[0] + box[2]) / 2 - _median([(b[0] + b[2]) / 2 for b in column])),
    )


def page_boxes(table: Table, page: int) -> dict[str, list[tuple[int, tuple[float, float, float, float]]]]:
    """The boxes of the table's cells on a page, by column, each with its row's id."""
    columns: dict[str, list[tuple[int, tuple[float, float, float, float]]]] = {}
    for other in table.rows:
        for key, cell in other.cells.items():
            at = _box(cell)
            if at is not None and at[0] == page:
                columns.setdefault(key, []).append((id(other), at[1]))
    return columns


def misplaced(
    table: Table,
    row: Row,
    column: str,
    boxes: dict[str, list[tuple[int, tuple[float, float, float, float]]]] | None = None,
) -> bool:
    """Whether the named amount stands under another column of its table than the one it was placed
    in, judged by where the column's amounts of the other rows stand on the same page. The table
    readers place a row with blank cells by the sums it makes where its positions do not decide;
    one amount read otherwise elsewhere can then move a row's amounts to other columns."""
    where = _box(row.cells[column]) if column in row.cells else None
    if where is None:
        return False
    page, box = where
    on_page = page_boxes(table, page) if boxes is None else boxes  # ``boxes``: page_boxes(table, page), once
    columns = {key: [b for owner, b in found if owner != id(row)] for key, found in on_page.items()}
    columns = {key: found for key, found in columns.items() if found}
    if column not in columns:
        return False
    own = _offset(box, columns[column])
    if own <= MISPLACED * (box[3] - box[1]):
        return False
    return any(_offset(box, boxes) < own for key, boxes in columns.items() if key != column)


def confirm(doc: Document, tables: TableSet, named: Iterable[tuple[str, str, str]]) -> SecondReading:
    """Read the named cells (table number, row key joined with '/', column) a second time; a cell
    whose row Poppler reads otherwise, or which stands under another column, is replaced by the same
    cell marked uncertain."""
    if not doc.pdfs:
        return SecondReading(available=False)  # text input: nothing to read a second time
    started = time.perf_counter()
    result = SecondReading()
    rows = {(t.number, "/".join(r.key)): (t, r) for t in tables.tables for r in t.rows}
    cells: list[tuple[Table, Row, str, int]] = []
    for number, key, column in sorted(set(named)):
        table, row = rows.get((number, key), (None, None))
        if table is None or row is None or not column:
            continue
        cell = row.cells.get(column)
        where = _line_of(row, column) if cell is None or cell.certain else None
        if where is not None:  # also a cell the first reading found no amount for: is there one printed?
            cells.append((table, row, column, where[0]))
    if not cells:
        return result
    words = _document_words(doc, {page for *_, page in cells})
    result.available = words is not None
    bands: dict[tuple[int, int], list[tuple[float, float]]] = {}  # per table and page, computed once
    boxes: dict[tuple[int, int], dict[str, list[tuple[int, tuple[float, float, float, float]]]]] = {}
    for table, row, column, page in cells:
        result.cells += 1
        at = (id(table), page)
        if at not in bands:
            bands[at], boxes[at] = column_bands(table, page), page_boxes(table, page)
        if misplaced(table, row, column, boxes[at]):
            result.misplaced += 1
        elif words is None or agrees(row, column, words.get(page, []), bands[at]):
            continue
        else:
            result.disagreed += 1
        row.cells[column] = replace(row.cells.get(column) or Cell(None), certain=False)
    result.seconds = time.perf_counter() - started
    return result
