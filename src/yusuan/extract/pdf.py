"""Read a PDF's text layer with PDFium (pypdfium2) into a Document of positioned lines and words.

Each page's characters come with PDFium's loose boxes (the font's advance and
ascent–descent, so a line's characters share a height and a CJK run has no gaps).
Boxes are turned into the page as displayed: points, origin at the top-left,
``/Rotate`` and an offset crop box applied (the corpus has pages rotated 90° whose
text is drawn at 270°, and crop boxes starting at x = -12). Characters group into
lines by vertical centre (within 40 % of the line's height), lines are ordered top
to bottom, and a line's characters, left to right, group into words: a space or a
gap wider than half the character height ends a word.

Character boxes are read through the raw PDFium calls, one ctypes call per
character (about 0.3 ms per page), rather than pypdfium2's ``get_charbox`` wrapper
or text rectangles: rectangles are per text object (Beijing's tables draw every
character as its own object, 430 per page) and do not split at cell gaps.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from yusuan.extract.document import Document, DocumentError, Line, Word, looks_like_pdf, normalize_text
from yusuan.extract.text import read_bytes

WORD_GAP = 0.5  # a horizontal gap wider than this × the character height ends a word
LINE_TOLERANCE = 0.4  # a character whose centre is within this × the line height is on the line
DUPLICATE_OVERLAP = 0.5  # the same character overlapping its twin by this much is a fake-bold copy

# A character on its page as displayed: (centre, height, x0, x1, top, bottom, text)
_Char = tuple[float, float, float, float, float, float, str]
_Box = Callable[[float, float, float, float], tuple[float, float, float, float]]


def read_pdf(path: str | Path) -> Document:
    """Read a PDF's text layer into lines in reading order, each with its words' boxes."""
    data = read_bytes(path)
    if not data:
        raise DocumentError("empty", f"{path} 是空文件")
    if not looks_like_pdf(data):
        raise DocumentError("not_pdf", f"{path} 不是 PDF 文件（文件头没有 %PDF）")
    pdf = _open(data, path)
    try:
        pages = len(pdf)
        lines: list[Line] = []
        for index in range(pages):
            lines.extend(_page_lines(pdf, index))
    finally:
        pdf.close()
    if not lines:
        raise DocumentError("scanned", f"{path}：扫描件，没有可提取的文字，请先做 OCR")
    return Document(
        path=str(path),
        format="pdf",
        lines=lines,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        has_positions=True,
    )


def _open(data: bytes, path: str | Path) -> pdfium.PdfDocument:
    """Open PDF bytes with PDFium, turning its failures into DocumentError reasons."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise DocumentError("encrypted", f"{path} 已加密，需要密码才能打开，请提供未加密的文件") from exc
        if code == pdfium_c.FPDF_ERR_SUCCESS:  # opened, but has no page
            raise DocumentError("empty", f"{path} 是没有任何页面的 PDF") from exc
        raise DocumentError("unreadable", f"{path} 已损坏或不完整，无法作为 PDF 打开") from exc


def _page_lines(pdf: pdfium.PdfDocument, index: int) -> list[Line]:
    """The lines of one page, top to bottom."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:
        raise DocumentError("unreadable", f"第 {index + 1} 页已损坏，无法读取") from exc
    try:
        textpage = page.get_textpage()
        try:
            chars = _page_chars(textpage, _display_box(page))
        finally:
            textpage.close()
    finally:
        page.close()
    return [_line(group, index + 1) for group in _group_lines(chars)]


def _display_box(page: pdfium.PdfPage) -> _Box:
    """A function from a box in PDF user space (left, right, bottom, top) to the displayed page's
    (x0, x1, top, bottom): points from the top-left corner, after the crop box and /Rotate."""
    left, bottom, right, top = page.get_bbox()
    rotation = page.get_rotation()
    if rotation == 90:
        return lambda lx, rx, by, ty: (by - bottom, ty - bottom, lx - left, rx - left)
    if rotation == 180:
        return lambda lx, rx, by, ty: (right - rx, right - lx, by - bottom, ty - bottom)
    if rotation == 270:
        return lambda lx, rx, by, ty: (top - ty, top - by, right - rx, right - lx)
    return lambda lx, rx, by, ty: (lx - left, rx - left, top - ty, top - by)


def _page_chars(textpage: pdfium.PdfTextPage, box: _Box) -> list[_Char]:
    """The page's characters with their displayed boxes; PDFium's generated breaks left out."""
    count = textpage.count_chars()
    if count <= 0:
        return []
    raw = textpage.raw
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # characters beyond UCS-2 or excluded ones: read them one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, k) or 0xFFFD) for k in range(count))
    text = normalize_text(text)
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    is_generated = pdfium_c.FPDFText_IsGenerated
    chars: list[_Char] = []
    for k, ch in enumerate(text):
        if ch.isspace() and (ch in "\r\n" or is_generated(raw, k)):
            continue  # PDFium's own line breaks and guessed spaces: boxes are not real
        if not loose_box(raw, k, rect_ref):
            continue
        x0, x1, top, bottom = box(rect.left, rect.right, rect.bottom, rect.top)
        height = bottom - top
        if height <= 0 or x1 < x0:
            continue
        chars.append(((top + bottom) / 2, height, x0, x1, top, bottom, ch))
    if not any(not c[6].isspace() for c in chars):
        return []
    return chars


def _group_lines(chars: list[_Char]) -> list[list[_Char]]:
    """Characters grouped into lines by vertical centre, lines top to bottom."""
    chars.sort(key=lambda c: c[0])
    groups: list[list[_Char]] = []
    group: list[_Char] = []
    centre_sum = 0.0
    height = 0.0
    for char in chars:
        if group and abs(char[0] - centre_sum / len(group)) > LINE_TOLERANCE * max(height, char[1]):
            groups.append(group)
            group = []
        if not group:
            centre_sum = 0.0
            height = char[1]
        group.append(char)
        centre_sum += char[0]
        height = max(height, char[1])
    if group:
        groups.append(group)
    return [g for g in groups if any(not c[6].isspace() for c in g)]


def _line(chars: list[_Char], page: int) -> Line:
    """One line's characters, left to right, grouped into words."""
    chars.sort(key=lambda c: c[2])
    words: list[Word] = []
    text: list[str] = []
    x0 = x1 = top = bottom = 0.0
    last: _Char | None = None
    for char in chars:
        _, height, cx0, cx1, ctop, cbottom, ch = char
        if ch.isspace():
            last = None
            continue
        if last is not None:
            if ch == last[6] and cx0 < last[3] - DUPLICATE_OVERLAP * (last[3] - last[2]):
                continue  # drawn twice for a bold effect
            if cx0 - x1 > WORD_GAP * min(height, last[1]):
                last = None
        if last is None:
            if text:
                words.append(Word("".join(text), x0, x1, top, bottom))
            text = [ch]
            x0, x1, top, bottom = cx0, cx1, ctop, cbottom
        else:
            text.append(ch)
            x1 = max(x1, cx1)
            top = min(top, ctop)
            bottom = max(bottom, cbottom)
        last = char
    if text:
        words.append(Word("".join(text), x0, x1, top, bottom))
    return Line(
        text=" ".join(w.text for w in words),
        page=page,
        words=words,
        top=min(w.top for w in words),
    )
