"""Read a PDF's text layer with PDFium (pypdfium2) into a Document of positioned lines and words.

Boxes are given on the page as displayed: points from the top-left corner, with the
crop box and ``/Rotate`` applied (the corpus has pages rotated 90° whose text is
drawn at 270°, and crop boxes starting at x = -12).

A character's box is PDFium's loose box: its advance across and the font's ascent
to descent up, so a CJK run has no gaps and full-width punctuation (，：（) keeps
its blank half. Some producers embed fonts whose metrics are wrong (Chongqing's
digits claim boxes twice their advance and three times their height, which glues
neighbouring table columns together); a font size on the page whose loose boxes
are more than twice as tall as its glyphs' ink is not trusted, and its characters
get their ink box (PDFium's tight box) instead.

Characters group into lines by baseline (within 40 % of the character height),
lines are ordered top to bottom, and a line's characters, left to right, group
into words: a space or a gap wider than a quarter of the character height ends a
word (cells of a table row are often only that far apart), unless the line's
usual gap is wider (justified or letter-spaced text), up to 0.6 of the height.
The same character drawn twice at nearly the same place (a bold effect, or a
header repeated six times over itself) counts once. Text drawn off the page, or
hidden by its clipping path where it shows through other text, is left out.

Character boxes are read through the raw PDFium calls, two ctypes calls per
character, rather than pypdfium2's ``get_charbox`` wrapper or text rectangles:
rectangles are per text object (Beijing's tables draw every character as its own
object, 430 per page) and do not split at cell gaps. PDFium is not thread-safe:
read PDFs in parallel with processes, not threads.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from yusuan.extract.document import (
    MAX_DOCUMENT_BYTES,
    Document,
    DocumentError,
    Line,
    Word,
    looks_like_pdf,
    normalize_text,
)
from yusuan.extract.text import read_bytes

WORD_GAP = 0.25  # a horizontal gap wider than this × the character height (about 1.1 em) ends a word
INK_WORD_GAP = 0.5  # the same for ink boxes, × the em: ink leaves side bearings between letters
SPACING_MARGIN = 0.2  # a justified line's usual gap + this × the height still joins letters…
SPACING_CAP = 0.6  # …up to this × the height (columns of single characters, 类 款 项, stay apart)
LINE_TOLERANCE = 0.4  # a character whose baseline is within this × its height of the line's is on it
DUPLICATE_OVERLAP = 0.5  # the same character overlapping its twin by this share of its width is a copy
FONT_BOX_LIMIT = 2.0  # loose boxes taller than this × the glyphs' ink: the font's metrics are wrong
OVERPRINT = 0.6  # two different glyphs overlapping by this share of the narrower one are overprinted
_FONT_SAMPLE = 12  # characters whose ink is measured to judge a font size's loose boxes
_EM_PER_INK = 1.3  # an em over the ink height of digits and ideographs

# A character on its page as displayed:
# [baseline, height, x0, x1, top, bottom, text, PDFium index, loose-box height rounded, word gap]
_Char = list[Any]


def read_pdf(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read a PDF's text layer into lines in reading order, each with its words' boxes."""
    return pdf_document(read_bytes(path, max_bytes), str(path))


def pdf_document(data: bytes, path: str) -> Document:
    """A PDF's bytes as a Document: its text layer's lines in reading order, with their words' boxes."""
    if not data:
        raise DocumentError("empty", "文件是空的")
    if not looks_like_pdf(data):
        raise DocumentError("not_pdf", "不是 PDF 文件（文件头没有 %PDF）")
    pdf = _open(data)
    try:
        pages = len(pdf)
        lines: list[Line] = []
        for index in range(pages):
            lines.extend(_page_lines(pdf, index))
    finally:
        pdf.close()
    if not lines:
        raise DocumentError("scanned", "扫描件，没有可提取的文字，请先做 OCR")
    return Document(
        path=path,
        format="pdf",
        lines=lines,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        has_positions=True,
        pdfs=((0, pages, data),),
    )


def _open(data: bytes) -> pdfium.PdfDocument:
    """Open PDF bytes with PDFium, turning its failures into DocumentError reasons."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = _load_failure(data)
        if reason == "encrypted":
            raise DocumentError("encrypted", "PDF 已加密，需要密码才能打开，请提供未加密的文件") from exc
        if reason == "empty":
            raise DocumentError("empty", "PDF 没有任何页面") from exc
        raise DocumentError("unreadable", "PDF 已损坏或不完整，无法打开") from exc


def _load_failure(data: bytes) -> str:
    """Why PDFium cannot open a document: 'encrypted', 'empty' (no page) or 'unreadable'.

    Loads it again with the raw API: PDFium's last error is only set by a failed load, so
    the code pypdfium2 reports for a document without pages is left over from an earlier file.
    """
    document = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
    if document:
        pages = pdfium_c.FPDF_GetPageCount(document)
        pdfium_c.FPDF_CloseDocument(document)
        return "empty" if pages < 1 else "unreadable"
    if pdfium_c.FPDF_GetLastError() in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
        return "encrypted"
    return "unreadable"


def _page_lines(pdf: pdfium.PdfDocument, index: int) -> list[Line]:
    """The lines of one page, top to bottom."""
    number = index + 1
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:
        raise DocumentError("unreadable", f"第 {number} 页已损坏，无法读取") from exc
    try:
        try:
            textpage = page.get_textpage()
        except pdfium.PdfiumError as exc:
            raise DocumentError("unreadable", f"第 {number} 页的文字层已损坏，无法读取") from exc
        try:
            return _text_lines(page, textpage, number)
        finally:
            textpage.close()
    finally:
        page.close()


def _text_lines(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, number: int) -> list[Line]:
    """The lines of a page's text layer; lines with overprinted text are checked for clipped text."""
    transform = _display_transform(page)
    chars = _page_chars(textpage, transform, *_display_size(page))
    lines: list[Line] = []
    suspects: list[_Char] = []
    for group in _group_lines(chars):
        line, overprinted = _line(group, number)
        lines.append(line)
        if overprinted:
            suspects.extend(group)
    if suspects:
        hidden = _clipped(textpage.raw, suspects, transform)
        if hidden:
            groups = _group_lines([char for char in chars if id(char) not in hidden])
            lines = [_line(group, number)[0] for group in groups]
    return lines


def _display_transform(page: pdfium.PdfPage) -> tuple[float, float, float, float, float, float]:
    """The affine map (a, b, c, d, e, f) from PDF user space to the displayed page,
    x' = a·x + b·y + e and y' = c·x + d·y + f: points from the top-left corner with
    the crop box and /Rotate applied."""
    left, bottom, right, top = page.get_bbox()
    rotation = page.get_rotation()
    if rotation == 90:
        return (0.0, 1.0, 1.0, 0.0, -bottom, -left)
    if rotation == 180:
        return (-1.0, 0.0, 0.0, 1.0, right, -bottom)
    if rotation == 270:
        return (0.0, -1.0, -1.0, 0.0, top, right)
    return (1.0, 0.0, 0.0, -1.0, -left, top)


def _display_size(page: pdfium.PdfPage) -> tuple[float, float]:
    """The displayed page's width and height in points (crop box, /Rotate applied)."""
    left, bottom, right, top = page.get_bbox()
    if page.get_rotation() in (90, 270):
        return top - bottom, right - left
    return right - left, top - bottom


def _page_chars(
    textpage: pdfium.PdfTextPage, transform: tuple[float, ...], size_x: float, size_y: float
) -> list[_Char]:
    """The page's characters with their displayed boxes, on a page displayed size_x × size_y
    points; PDFium's generated breaks and characters off the page left out."""
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
    ox, oy = ctypes.c_double(), ctypes.c_double()
    ox_ref, oy_ref = ctypes.byref(ox), ctypes.byref(oy)
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    char_origin = pdfium_c.FPDFText_GetCharOrigin
    is_generated = pdfium_c.FPDFText_IsGenerated
    a, b, c, d, e, f = transform
    upright = b == 0.0  # rotated 0° or 180°: x from x; else x from y
    width2, height2 = 2 * size_x, 2 * size_y  # the displayed page, doubled to test box centres
    chars: list[_Char] = []
    samples: dict[float, list[int]] = {}  # loose-box height → some letters' indexes, to judge the font
    inked = False
    for k, ch in enumerate(text):
        space = ch.isspace()
        if space and (ch in "\r\n" or is_generated(raw, k)):
            continue  # PDFium's own line breaks and guessed spaces: their boxes are not real
        if not loose_box(raw, k, rect_ref) or not char_origin(raw, k, ox_ref, oy_ref):
            continue
        lx, rx, by, ty = rect.left, rect.right, rect.bottom, rect.top
        height = ty - by
        size = round(height, 1)
        if ch.isalnum():
            sample = samples.get(size)
            if sample is None:
                samples[size] = [k]
            elif len(sample) < _FONT_SAMPLE:
                sample.append(k)
        if upright:
            x0, x1, top, bottom, baseline = a * lx + e, a * rx + e, d * ty + f, d * by + f, d * oy.value + f
        else:
            x0, x1, top, bottom, baseline = b * by + e, b * ty + e, c * lx + f, c * rx + f, c * ox.value + f
        if x0 > x1:
            x0, x1 = x1, x0
        if top > bottom:
            top, bottom = bottom, top
        if not (0.0 <= x0 + x1 <= width2 and 0.0 <= top + bottom <= height2):
            continue  # drawn off the page (WPS prints a cell's overflow below the bottom edge)
        if space:
            height = 0.0  # a space has no ink: it separates words but sets no line height
        else:
            inked = True
        chars.append([baseline, height, x0, x1, top, bottom, ch, k, size, WORD_GAP * height])
    if not inked:
        return []
    distrusted = _distrusted_sizes(raw, samples)
    if distrusted:
        _use_ink_boxes(raw, chars, distrusted, transform)
    return chars


def _distrusted_sizes(raw: Any, samples: dict[float, list[int]]) -> dict[float, float]:
    """Loose-box heights on the page whose boxes are far taller than their glyphs' ink,
    each with the height to use instead: about an em, from the tallest ink measured
    (digits' ink is about three quarters of an em)."""
    left, right, low, high = (ctypes.c_double() for _ in range(4))
    tight_args = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(low), ctypes.byref(high))
    distrusted: dict[float, float] = {}
    for size, indexes in samples.items():
        ink = 0.0
        for k in indexes:
            if pdfium_c.FPDFText_GetCharBox(raw, k, *tight_args):
                ink = max(ink, high.value - low.value)
        if ink > 0 and size > FONT_BOX_LIMIT * ink:
            distrusted[size] = ink * _EM_PER_INK
    return distrusted


def _use_ink_boxes(raw: Any, chars: list[_Char], distrusted: dict[float, float], transform: tuple[float, ...]) -> None:
    """Give the characters of distrusted font sizes their ink box and an em-like height."""
    a, b, c, d, e, f = transform
    left, right, low, high = (ctypes.c_double() for _ in range(4))
    tight_args = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(low), ctypes.byref(high))
    for char in chars:
        height = distrusted.get(char[8])
        if height is None or not pdfium_c.FPDFText_GetCharBox(raw, char[7], *tight_args):
            continue
        lx, rx, by, ty = left.value, right.value, low.value, high.value
        xs = (a * lx + b * by + e, a * rx + b * ty + e)
        ys = (c * lx + d * by + f, c * rx + d * ty + f)
        char[2], char[3] = min(xs), max(xs)
        char[4], char[5] = min(ys), max(ys)
        if char[1]:
            char[1] = height
            char[9] = INK_WORD_GAP * height


def _clipped(raw: Any, chars: list[_Char], transform: tuple[float, ...]) -> set[int]:
    """The ids of the characters whose centre lies outside their text object's clipping path.

    Reading clipping paths costs about 15 µs per text object, so it is done only for
    lines where overprinted text shows that something is hidden.
    """
    a, b, c, d, e, f = transform
    x, y = ctypes.c_float(), ctypes.c_float()
    point_args = (ctypes.byref(x), ctypes.byref(y))
    clips: dict[int | None, tuple[float, float, float, float] | None] = {}
    hidden: set[int] = set()
    for char in chars:
        obj = pdfium_c.FPDFText_GetTextObject(raw, char[7])
        key = ctypes.cast(obj, ctypes.c_void_p).value
        if key not in clips:
            clips[key] = _clip_box(obj, point_args, x, y) if obj else None
        box = clips[key]
        if box is not None:
            xs = (a * box[0] + b * box[1] + e, a * box[2] + b * box[3] + e)
            ys = (c * box[0] + d * box[1] + f, c * box[2] + d * box[3] + f)
            cx, cy = (char[2] + char[3]) / 2, (char[4] + char[5]) / 2
            if not (min(xs) <= cx <= max(xs) and min(ys) <= cy <= max(ys)):
                hidden.add(id(char))
    return hidden


def _clip_box(obj: Any, point_args: tuple[Any, Any], x: Any, y: Any) -> tuple[float, float, float, float] | None:
    """The bounding box (x0, y0, x1, y1, user space) of a page object's clipping path, or None."""
    clip = pdfium_c.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    box: tuple[float, float, float, float] | None = None
    for path in range(pdfium_c.FPDFClipPath_CountPaths(clip)):
        xs: list[float] = []
        ys: list[float] = []
        for index in range(pdfium_c.FPDFClipPath_CountPathSegments(clip, path)):
            segment = pdfium_c.FPDFClipPath_GetPathSegment(clip, path, index)
            if segment and pdfium_c.FPDFPathSegment_GetPoint(segment, *point_args):
                xs.append(x.value)
                ys.append(y.value)
        if not xs:
            continue
        # the clip is the intersection of its paths: intersect their boxes (never smaller than the clip)
        here = (min(xs), min(ys), max(xs), max(ys))
        if box is not None:
            here = (max(box[0], here[0]), max(box[1], here[1]), min(box[2], here[2]), min(box[3], here[3]))
        box = here
    return box


def _group_lines(chars: list[_Char]) -> list[list[_Char]]:
    """Characters grouped into lines by baseline, lines top to bottom."""
    chars.sort(key=lambda ch: ch[0])
    groups: list[list[_Char]] = []
    group: list[_Char] = []
    baseline_sum = 0.0
    height = 0.0
    for char in chars:
        char_height = char[1]
        if group:
            reach = LINE_TOLERANCE * (height if height > char_height else char_height)
            if abs(char[0] - baseline_sum / len(group)) > reach:
                groups.append(group)
                group = []
        if not group:
            baseline_sum = 0.0
            height = char_height
        group.append(char)
        baseline_sum += char[0]
        if char_height > height:
            height = char_height
    if group:
        groups.append(group)
    return [g for g in groups if not all(ch[6].isspace() for ch in g)]


def _line(chars: list[_Char], page: int) -> tuple[Line, bool]:
    """One line's characters, left to right, grouped into words; and whether two different
    letters or ideographs of it are drawn over each other (overprinted), the mark of text
    hidden by a clipping path (browser-printed tables repeat their header over the rows
    continued from the previous page)."""
    chars.sort(key=lambda c: c[2])
    inked = [c for c in chars if c[1]]
    gaps = sorted(b[2] - a[3] for a, b in itertools.pairwise(inked))
    spacing = gaps[len(gaps) // 2] if gaps else 0.0  # the line's usual gap: tracking or justification
    words: list[Word] = []
    text: list[str] = []
    x0 = x1 = top = bottom = 0.0
    last: _Char | None = None  # the word's last character
    previous: _Char | None = None  # the last character drawn, in any word
    overprinted = False
    for char in chars:
        _, height, cx0, cx1, ctop, cbottom, ch, _, _, word_gap = char
        if ch.isspace():
            last = None
            continue
        if previous is not None and cx0 < previous[3] and ch != previous[6]:
            overlap = previous[3] - cx0
            narrower = min(cx1 - cx0, previous[3] - previous[2])
            if overlap > OVERPRINT * narrower and ch.isalnum() and previous[6].isalnum():
                overprinted = True
        if last is not None:
            if ch == last[6] and cx0 < last[3] - DUPLICATE_OVERLAP * (last[3] - last[2]):
                continue  # the same character drawn again over itself: a bold effect or a repeat
            gap = cx0 - x1
            if gap > word_gap or gap > last[9]:
                small = height if height < last[1] else last[1]
                if gap > min(spacing + SPACING_MARGIN * small, SPACING_CAP * small):
                    last = None
        if last is None:
            if text:
                words.append(Word("".join(text), x0, x1, top, bottom))
            text = [ch]
            x0, x1, top, bottom = cx0, cx1, ctop, cbottom
        else:
            text.append(ch)
            if cx1 > x1:
                x1 = cx1
            if ctop < top:
                top = ctop
            if cbottom > bottom:
                bottom = cbottom
        last = previous = char
    if text:
        words.append(Word("".join(text), x0, x1, top, bottom))
    line = Line(text=" ".join(w.text for w in words), page=page, words=words, top=min(w.top for w in words))
    return line, overprinted
