"""A document as lines of text with locations: the common ground of every reader.

Readers turn a PDF (pypdfium2, with character boxes) or a text file
(``pdftotext`` output, plain or ``-layout``) into a ``Document``: its lines in
reading order, each with its page, its 1-based line in the input (text input)
and, for PDF, the boxes of its words. Table and narrative extraction work on
this model only, so they serve every input format alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

#: the most a reader reads of one document (``yusuan audit --max-size`` changes it): the largest
#: real disclosure is a few MB, and a text file takes some 70 times its size in memory once read
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


class DocumentError(Exception):
    """A file that cannot be read as a disclosure at all (exit code 2), with the reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        # not_pdf / not_text / xlsx / encrypted / scanned / empty / unknown_layout / unreadable / too_large
        self.reason = reason
        self.detail = detail
        super().__init__(detail or reason)


@dataclass(frozen=True, slots=True)
class Word:
    """A run of characters on one line; for PDF with its box (x0, top, x1, bottom in points)."""

    text: str
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0


@dataclass(slots=True)
class Line:
    """One line of text with where it stands."""

    text: str
    page: int  # 1-based
    line: int | None = None  # 1-based line in the input file (text input)
    words: list[Word] = field(default_factory=list)  # PDF: words with boxes; text: split on spaces
    top: float = 0.0  # PDF: vertical position on its page

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        if not self.words or not any(w.x1 for w in self.words):
            return None
        return (
            min(w.x0 for w in self.words),
            min(w.top for w in self.words),
            max(w.x1 for w in self.words),
            max(w.bottom for w in self.words),
        )


@dataclass(slots=True)
class Document:
    """A disclosure's text: lines in reading order, with the source they came from."""

    path: str  # as given by the user
    format: str  # pdf / text / xlsx
    lines: list[Line]
    pages: int
    sha256: str = ""
    has_positions: bool = False  # PDF: words carry boxes
    #: PDF: each file's bytes after the number of the document's pages before its first, and its own
    #: pages, kept for the second reading (``extract/second_reading.py``): an upload may have no path to
    #: read again, and files audited together (``audit_together``) are one document
    pdfs: tuple[tuple[int, int, bytes], ...] = field(default=(), repr=False, compare=False)

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _char_fixes() -> dict[int, str]:
    """One-for-one replacements that undo PDF text-layer quirks without changing string length."""
    ranges = (
        range(0x2E80, 0x2F00),  # CJK radicals supplement (⻌ …)
        range(0x2F00, 0x2FE0),  # Kangxi radicals: ⽀ U+2F40 → 支, ⽣ → 生, ⼒ → 力
        range(0xF900, 0xFB00),  # CJK compatibility ideographs
        range(0x2F800, 0x2FA20),  # CJK compatibility ideographs supplement
    )
    fixes: dict[int, str] = {}
    for block in ranges:
        for cp in block:
            normal = unicodedata.normalize("NFKC", chr(cp))
            if normal != chr(cp) and len(normal) == 1:
                fixes[cp] = normal
    fixes[0xFFFE] = "-"  # PDFium marks a hyphen at a line end as U+FFFE (科技研发资金-成果转化专项)
    return fixes


CHAR_FIXES = _char_fixes()
_NEEDS_FIX = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\ufffe\U0002f800-\U0002fa1f]")


def normalize_text(text: str) -> str:
    """Replace Kangxi radicals and CJK compatibility ideographs by the ideographs they stand for.

    Some PDF producers map common ideographs to look-alike radicals (⽀出 for 支出); the
    replacement is one character for one, so indexes into the text stay valid.
    """
    return text.translate(CHAR_FIXES) if _NEEDS_FIX.search(text) else text


def looks_like_pdf(head: bytes) -> bool:
    """Whether a file's first bytes are a PDF header (``%PDF-`` within the first 1024 bytes)."""
    return b"%PDF-" in head[:1024]
