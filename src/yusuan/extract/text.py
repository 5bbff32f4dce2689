"""Read text extracted from a PDF (``pdftotext`` plain or ``-layout`` output) into a Document.

Pages are separated by form feeds: ``\\f`` starts a new page, page 1 is before the
first one, and a trailing ``\\f`` (pdftotext ends every page with one) opens no page.
Every line of the file becomes a ``Line`` with its 1-based line number, so a finding
can point at ``file:line``. Lines are split on ``\\n`` only (``str.splitlines`` would
also split on ``\\f`` and ``\\v`` and shift the numbering).

``-layout`` output is recognised by its column alignment; its words then carry
column positions: ``x0``/``x1`` are the word's first and past-the-end character
columns and ``top``/``bottom`` its row on the page, so table extraction can treat
them like PDF boxes. pdftotext ``-layout`` pads by characters, not by display
width (a CJK character is one column, like a digit), so columns count characters.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from pathlib import Path

from yusuan.extract.document import (
    MAX_DOCUMENT_BYTES,
    Document,
    DocumentError,
    Line,
    Word,
    looks_like_pdf,
    normalize_text,
)

_INTERNAL_GAP = re.compile(r"\S {2,}\S")
_INDENT = re.compile(r" {2,}\S")
_WORD = re.compile(r"\S+")

# A text is -layout output when many of its lines are aligned with runs of spaces and
# lines are long: pdftotext plain output has neither (measured on the corpus: 0.00 of
# lines with internal space runs and a 90th-percentile line length of 12–28 characters;
# -layout output: 0.33–0.66 and 73–137).
_LAYOUT_ALIGNED_SHARE = 0.25
_LAYOUT_LONG_LINE = 40

_MIB = 1024 * 1024
_UTF16_SAMPLE = 65536  # bytes looked at to tell UTF-16 without a BOM
_UTF16_ASCII_SHARE = 0.05  # …when at least this share of its characters are ASCII
_UTF16_MIN_NULS = 16  # …and at least this many (a NUL or two in a short file prove nothing)
_COMMON_CHARS = re.compile("[\t\n\r\f\x20-\x7e\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_COMMON_SHARE = 0.8


def read_text(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read a pdftotext output file (plain or ``-layout``) as a Document of numbered lines."""
    return text_document(read_bytes(path, max_bytes), str(path))


def text_document(data: bytes, path: str) -> Document:
    """A pdftotext output file's bytes as a Document of numbered lines."""
    if looks_like_pdf(data[:1024]):
        raise DocumentError("not_text", "这是 PDF 文件，不是文本文件，请按 PDF 读取")
    text = decode_text(data)
    if not text.strip():
        raise DocumentError("empty", "文件是空的，没有任何文字")
    return parse_text(text, path=path, sha256=hashlib.sha256(data).hexdigest())


def read_bytes(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of a file, or DocumentError saying why not: 'unreadable', or 'too_large' past ``max_bytes``.

    At most ``max_bytes`` + 1 bytes are read, whatever the file claims to be: a link to
    /dev/zero or a pipe that never ends is refused as soon as it passes the bound.
    """
    p = Path(path)
    if not p.exists():
        raise DocumentError("unreadable", "找不到文件")
    if p.is_dir():
        raise DocumentError("unreadable", "这是目录，不是文件")
    try:
        with p.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError("unreadable", f"无法读取文件：{exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise DocumentError(
            "too_large", f"文件超过 {max_bytes / _MIB:g} MB 的读取上限，未审核（命令行可用 --max-size 调高上限）"
        )
    return data


def decode_text(data: bytes) -> str:
    """Decode text as UTF-16 (by its BOM or its NUL bytes), UTF-8 (a BOM tolerated) or GB18030.

    Binary data is 'unreadable'.
    """
    utf16 = _utf16(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16).lstrip("\ufeff")
        except UnicodeDecodeError:
            raise DocumentError("unreadable", "文件像是 UTF-16 编码的文本，但无法解码") from None
        if not _looks_chinese_text(text):
            raise DocumentError("unreadable", "文件含有二进制数据，不是文本文件")
        return text
    if b"\x00" in data:
        raise DocumentError("unreadable", "文件含有二进制数据（NUL 字节），不是文本文件")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text
    raise DocumentError("unreadable", "文件无法按 UTF-8 或 GB18030 解码，不是可读的文本文件")


def _utf16(data: bytes) -> str | None:
    """The UTF-16 codec of a text: by its BOM, or, without one, by where its NUL bytes stand.

    A UTF-16 text has a NUL beside every ASCII character (digits, spaces, line ends: a good
    share of a disclosure), all on the same side of each pair; binary data has them anywhere.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(data) % 2 or b"\x00" not in data:
        return None
    sample = data[:_UTF16_SAMPLE]
    pairs = len(sample) // 2
    low, high = sample[1::2].count(0), sample[0::2].count(0)  # NULs after / before each pair's first byte
    for nuls, other, codec in ((low, high, "utf-16-le"), (high, low, "utf-16-be")):
        if nuls >= max(_UTF16_MIN_NULS, pairs * _UTF16_ASCII_SHARE) and other * 8 <= nuls:
            return codec
    return None


def _looks_chinese_text(text: str) -> bool:
    """Whether decoded text is mostly what a disclosure is made of: Chinese, ASCII, CJK punctuation.

    Any bytes decode as UTF-16; a third of random code units are ideographs, not four fifths.
    """
    sample = text[:_UTF16_SAMPLE]
    return not sample or len(_COMMON_CHARS.findall(sample)) >= _COMMON_SHARE * len(sample)


def _looks_binary(text: str) -> bool:
    """Control characters other than tab, newline, carriage return and form feed betray binary data."""
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f")
    return controls > max(2, len(sample) // 200)


def parse_text(text: str, *, path: str = "", sha256: str = "") -> Document:
    """Split decoded pdftotext output into numbered lines on form-feed pages."""
    raw_lines = text.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()  # the file's final newline ends the last line, it opens none
    pages = text.rstrip().count("\f") + 1
    layout = is_layout_text(raw_lines)
    lines: list[Line] = []
    page = 1
    row = 0  # the line's row on its page, for -layout positions
    for number, raw in enumerate(raw_lines, start=1):
        feeds = raw.count("\f")
        if feeds:
            page += feeds
            row = 0
            raw = raw.replace("\f", "")
        if page > pages:  # only whitespace follows the last form feed
            continue
        content = normalize_text(raw.rstrip())
        words = layout_words(content, row) if layout else []  # plain text: readers split line.text
        lines.append(Line(text=content, page=page, line=number, words=words, top=float(row)))
        row += 1
    return Document(path=path, format="text", lines=lines, pages=pages, sha256=sha256, has_positions=layout)


def is_layout_text(lines: list[str]) -> bool:
    """Whether text is ``pdftotext -layout`` output: many space-aligned lines and long lines."""
    content = [line.replace("\f", "").rstrip() for line in lines]
    content = [line for line in content if line.strip()]
    if not content:
        return False
    aligned = sum(1 for line in content if _INTERNAL_GAP.search(line) or _INDENT.match(line))
    lengths = sorted(len(line) for line in content)
    long_line = lengths[int(len(lengths) * 0.9)] if len(lengths) > 1 else lengths[0]
    return aligned / len(content) >= _LAYOUT_ALIGNED_SHARE and long_line >= _LAYOUT_LONG_LINE


def layout_words(text: str, row: int = 0) -> list[Word]:
    """The words of a -layout line with their character columns (x0, x1) and page row (top, bottom)."""
    return [Word(m.group(), float(m.start()), float(m.end()), float(row), float(row + 1)) for m in _WORD.finditer(text)]
