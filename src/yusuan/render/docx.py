"""DOCX output: the same document as the PDF, for finance bureaus that edit and stamp in Word.

The content is the PDF's own view model (:func:`yusuan.render.pdf.document_model`):
cover, contents, the narrative, then every table under 附件 with its number,
title, 部门名称 / 单位 line and note, each table in its own section, turned to
landscape exactly where the PDF turns the page.

- Headings use Word's heading styles (Heading 1: the parts and 附件; Heading 2:
  一、… and the table titles; Heading 3: （一）…), so the navigation pane works
  and the contents are a real ``TOC`` field (pre-filled, updated when opened).
- Tables are real Word tables: the merged multi-level header from
  :func:`yusuan.render.headers.header_grid` (``gridSpan`` / ``vMerge``), its rows
  repeated on every page (``w:tblHeader``), amounts right-aligned.
- Fonts are named in the styles: Noto Serif CJK SC / Noto Sans CJK SC for Latin
  text, 宋体 / 黑体 as the East Asian fonts (``w:rFonts w:eastAsia``).
- The same input gives the same bytes: fixed core-property dates and fixed ZIP
  entry times.

Table grids are written as WordprocessingML directly (python-docx's cell API is
far too slow for a few thousand cells); every text passes through :func:`_xml_text`.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.section import Section
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from yusuan.narrative.model import Narrative
from yusuan.render.atomic import atomic_write_bytes
from yusuan.render.fonts import SANS_FAMILY, SERIF_FAMILY, Fonts
from yusuan.render.pdf import TABLE_MARGIN_X_MM, TABLE_MARGIN_Y_MM, document_model
from yusuan.tables.model import TableSet

SERIF_EAST_ASIA = "宋体"
SANS_EAST_ASIA = "黑体"
TABLE_TEXT_STYLE = "Table Text"  # the paragraph style of every table cell
TOC_INSTRUCTION = r' TOC \o "1-2" \h \z \u '
HEADER_FILL = "E6E6E6"  # luma(230) in the PDF
SECTION_FILL = "F5F5F5"  # luma(245): the inner headings of 预算14表
TWIPS_PER_MM = 1440 / 25.4
TWIPS_PER_PT = 20
# the PDF's text pages: A4, 25 mm left/right, 28 mm top, 25 mm bottom
TEXT_MARGINS_MM = (25, 28, 25)

# characters XML 1.0 cannot hold (lxml refuses them); the PDF escapes them, Word cannot show them
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_docx(narrative: Narrative | None, tableset: TableSet) -> bytes:
    """The disclosure as DOCX bytes: cover, contents, narrative, then every table."""
    # Word names fonts and never embeds them here, so no font file is needed to write the DOCX.
    model = document_model(narrative, tableset, Fonts((), SERIF_FAMILY, SANS_FAMILY))
    doc = Document()
    _styles(doc)
    _settings(doc)
    _core_properties(doc, model["title"], tableset.year)

    first = doc.sections[0]
    _page(first, landscape=False, margins_mm=TEXT_MARGINS_MM)
    _cover(doc, model["title"])
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _contents(doc, model)

    numbered = False  # page numbers start at 1 with the first page after the contents
    if model["narrative"]:
        _numbered_section(doc, landscape=False, margins_mm=TEXT_MARGINS_MM)
        numbered = True
        for block in model["narrative"]:
            _narrative_block(doc, block)
    table_margins = (TABLE_MARGIN_X_MM, TABLE_MARGIN_Y_MM, TABLE_MARGIN_Y_MM)
    for i, table in enumerate(model["tables"]):
        if numbered:
            _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=table["flipped"], margins_mm=table_margins)
        else:
            _numbered_section(doc, landscape=table["flipped"], margins_mm=table_margins)
            numbered = True
        if i == 0:  # as on the PDF's first table page: left, 14 pt
            attachment = _paragraph(doc, "Heading 1", model["attachment_title"])
            attachment.alignment = WD_ALIGN_PARAGRAPH.LEFT
            attachment.paragraph_format.space_before = Pt(0)
            for run in attachment.runs:
                run.font.size = Pt(14)
        _table_block(doc, table)
    return _deterministic_zip(doc)


def write_docx(narrative: Narrative | None, tableset: TableSet, path: Path | str) -> Path:
    """Render the disclosure and write it to ``path`` atomically."""
    path = Path(path)
    atomic_write_bytes(path, render_docx(narrative, tableset))
    return path


# --------------------------------------------------------------------------- styles and settings


def _fonts(rpr_parent: Any, latin: str, east_asia: str) -> None:
    """Name the fonts of a style or run: Latin text in ``latin``, Chinese in ``east_asia``."""
    rpr = rpr_parent.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.attrib.clear()  # drops the template's theme fonts, which would win over named ones
    for attr in ("ascii", "hAnsi", "cs"):
        rfonts.set(qn(f"w:{attr}"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _style(doc: DocxDocument, name: str, *, sans: bool, size: float, bold: bool | None = None) -> Any:
    style = doc.styles[name]
    _fonts(style.element, SANS_FAMILY if sans else SERIF_FAMILY, SANS_EAST_ASIA if sans else SERIF_EAST_ASIA)
    style.font.size = Pt(size)
    style.font.color.rgb = None
    rpr = style.element.get_or_add_rPr()
    for color in rpr.findall(qn("w:color")):
        rpr.remove(color)
    if bold is not None:
        style.font.bold = bold
    return style


def _styles(doc: DocxDocument) -> None:
    normal = _style(doc, "Normal", sans=False, size=11)
    lang = normal.element.get_or_add_rPr()
    lang.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="en-US" w:eastAsia="zh-CN"/>'))
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Pt(22)  # two characters, as the PDF's first-line-indent: 2em
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.5

    for name, size, sans in (("Heading 1", 16, True), ("Heading 2", 12, True), ("Heading 3", 11, False)):
        style = _style(doc, name, sans=sans, size=size, bold=True)
        style.paragraph_format.first_line_indent = Pt(0)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(9)
    doc.styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name in ("Heading 2", "Heading 3"):
        doc.styles[name].paragraph_format.left_indent = Pt(22)
        doc.styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    title = _style(doc, "Title", sans=True, size=24, bold=True)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(220)
    title.paragraph_format.first_line_indent = Pt(0)

    for level in (1, 2):  # Word's own names, so an updated contents field uses them
        toc = doc.styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        toc.base_style = normal
        toc.paragraph_format.first_line_indent = Pt(0)
        toc.paragraph_format.left_indent = Pt(22 * (level - 1))
        toc.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        toc.font.bold = level == 1

    cell = doc.styles.add_style(TABLE_TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)  # not based on Normal: no indent
    _fonts(cell.element, SANS_FAMILY, SANS_EAST_ASIA)
    cell.font.size = Pt(9)
    cell.paragraph_format.space_before = Pt(0)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.line_spacing = 1.0


def _settings(doc: DocxDocument) -> None:
    settings = doc.settings.element
    # Word fills in the contents' page numbers when the file is opened; the element's place is fixed
    update = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
    successors = [qn(f"w:{tag}") for tag in ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars")]
    after = next((child for child in settings if child.tag in successors), None)
    if after is not None:
        after.addprevious(update)
    else:  # pragma: no cover - the bundled template has w:compat
        settings.append(update)
    for lang in settings.findall(qn("w:themeFontLang")):
        lang.set(qn("w:eastAsia"), "zh-CN")


def _core_properties(doc: DocxDocument, title: str, year: int) -> None:
    props = doc.core_properties
    props.title = _xml_text(title)
    props.author = "yusuan"
    props.comments = ""  # the template's «generated by python-docx»
    props.last_modified_by = "yusuan"
    props.language = "zh-CN"
    props.revision = 1
    # A fixed date keeps the output byte-for-byte reproducible (as the XLSX's).
    fixed = datetime(year, 1, 1, tzinfo=UTC)
    props.created = fixed
    props.modified = fixed
    props.last_printed = fixed


# --------------------------------------------------------------------------- sections


def _page(section: Section, *, landscape: bool, margins_mm: tuple[float, float, float]) -> None:
    """A4 in the given orientation; margins (left/right, top, bottom) in mm."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long = Mm(210), Mm(297)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    x, top, bottom = margins_mm
    section.left_margin = section.right_margin = Mm(x)
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    pg_num = section._sectPr.find(qn("w:pgNumType"))
    if pg_num is not None:  # a new section inherits its predecessor's restart; only one restarts
        section._sectPr.remove(pg_num)


def _numbered_section(doc: DocxDocument, *, landscape: bool, margins_mm: tuple[float, float, float]) -> None:
    """The first numbered section: page 1, with the «- n -» footer every later section inherits."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape=landscape, margins_mm=margins_mm)
    sect_pr = section._sectPr
    restart = parse_xml(f'<w:pgNumType {nsdecls("w")} w:start="1"/>')
    later = [qn(f"w:{t}") for t in ("cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "docGrid")]
    after = next((child for child in sect_pr if child.tag in later), None)
    if after is not None:
        after.addprevious(restart)
    else:  # pragma: no cover - the bundled template's sectPr has w:cols
        sect_pr.append(restart)
    footer = section.footer
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.first_line_indent = Pt(0)
    para._p.append(_run_xml("- ", size=9))
    para._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE ">{_run_body("1", size=9)}</w:fldSimple>'))
    para._p.append(_run_xml(" -", size=9))


# --------------------------------------------------------------------------- cover, contents, narrative


def _cover(doc: DocxDocument, title: str) -> None:
    _paragraph(doc, "Title", title)


def _contents_entries(model: dict[str, Any]) -> list[tuple[int, str]]:
    """What Word's TOC field lists (headings of levels 1–2), in document order."""
    entries: list[tuple[int, str]] = []
    for block in model["narrative"]:
        if block["kind"] == "part":
            entries.append((1, " ".join(t for t in (block["label"], block["text"]) if t)))
        elif block["kind"] == "heading":
            entries.append((2, block["text"]))
    if model["tables"]:
        entries.append((1, model["attachment_title"]))
    entries.extend((2, t["title"]) for t in model["tables"])
    return entries


def _contents(doc: DocxDocument, model: dict[str, Any]) -> None:
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.first_line_indent = Pt(0)
    run = heading.add_run("目　录")
    run.bold = True
    run.font.size = Pt(18)
    _fonts(run._r, SANS_FAMILY, SANS_EAST_ASIA)
    entries = _contents_entries(model) or [(1, "（更新域以生成目录）")]
    begin = (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve">{TOC_INSTRUCTION}</w:instrText></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
    )
    end = f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'
    for i, (level, text) in enumerate(entries):
        para = _paragraph(doc, f"toc {level}")
        if i == 0:
            for xml in begin:
                para._p.append(parse_xml(xml))
        para._p.append(_run_xml(text))
        if i == len(entries) - 1:
            para._p.append(parse_xml(end))


def _narrative_block(doc: DocxDocument, block: dict[str, str]) -> None:
    kind = block["kind"]
    if kind == "part":
        para = _paragraph(doc, "Heading 1")
        para.paragraph_format.page_break_before = True
        para.add_run(_xml_text(block["label"]))
        if block["text"]:
            para.add_run().add_break()
            para.add_run(_xml_text(block["text"]))
    elif kind == "title":
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.first_line_indent = Pt(0)
        run = para.add_run(_xml_text(block["text"]))
        run.bold = True
        run.font.size = Pt(14)
        _fonts(run._r, SANS_FAMILY, SANS_EAST_ASIA)
    elif kind == "heading":
        _paragraph(doc, "Heading 2", block["text"])
    elif kind == "subheading":
        _paragraph(doc, "Heading 3", block["text"])
    else:
        doc.add_paragraph(_xml_text(block["text"]))


# --------------------------------------------------------------------------- tables


def _table_block(doc: DocxDocument, table: dict[str, Any]) -> None:
    """Number, title (Heading 2), the 部门名称 / 单位 line, the table and its note."""
    _plain_line(doc, table["number"], size=10)
    title = _paragraph(doc, "Heading 2", table["title"])
    fmt = title.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.left_indent = Pt(0)
    fmt.space_before = Pt(3)
    for run in title.runs:
        run.font.size = Pt(15)
    width = _text_width_twips(table["flipped"])
    line = _plain_line(doc, table["subtitle"], size=10)
    # the unit at the right edge, as the PDF's (1fr, auto) grid
    line.paragraph_format.tab_stops.add_tab_stop(Pt(width / TWIPS_PER_PT), alignment=WD_TAB_ALIGNMENT.RIGHT)
    if table["unit"]:
        line.add_run("\t" + _xml_text(table["unit"])).font.size = Pt(10)
    body = doc.element.body
    body.sectPr.addprevious(parse_xml(_table_xml(table, width)))
    if table["note"]:
        _plain_line(doc, table["note"], size=9).paragraph_format.space_before = Pt(5)
    else:  # Word needs a paragraph between a table and the section break
        _plain_line(doc, "", size=2)


def _plain_line(doc: DocxDocument, text: str, *, size: float) -> Paragraph:
    para = _paragraph(doc, TABLE_TEXT_STYLE)
    para.paragraph_format.space_after = Pt(3)
    if text:
        para.add_run(_xml_text(text)).font.size = Pt(size)
    return para


def _text_width_twips(landscape: bool) -> int:
    page_mm = 297 if landscape else 210
    return int((page_mm - 2 * TABLE_MARGIN_X_MM) * TWIPS_PER_MM)


def _column_widths(weights: list[int], total: int) -> list[int]:
    """Column widths in twips, proportional to the PDF's relative widths, summing to ``total``."""
    widths = [total * w // sum(weights) for w in weights]
    widths[-1] += total - sum(widths)
    return widths


def _table_xml(table: dict[str, Any], width: int) -> str:
    widths = _column_widths(table["widths"], width)
    half_points = max(int(table["size"] * 2), 8)
    inset = int(table["size"] * 0.25 * TWIPS_PER_PT)  # the PDF's cell inset: 0.25 em each side
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{width}" w:type="dxa"/><w:jc w:val="center"/>',
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>',
        f'<w:tblCellMar><w:left w:w="{inset}" w:type="dxa"/><w:right w:w="{inset}" w:type="dxa"/></w:tblCellMar>',
        '<w:tblLook w:val="0020" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
        ' w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
    ]
    parts.extend(_header_rows(table, widths, half_points))
    aligns = [_alignment(a) for a in table["aligns"]]
    for row in table["rows"]:
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        bold = row["bold"]
        fill = SECTION_FILL if row["kind"] == "section" else None
        for i, cell in enumerate(row["cells"]):
            indent = int(cell["indent"] * table["size"] * TWIPS_PER_PT)  # the PDF pads 1 em per level
            parts.append(
                _cell_xml(
                    cell["text"], widths[i], half_points, align=aligns[i], bold=bold, fill=fill,
                    indent=indent, nowrap=cell["nowrap"], valign="top",
                )
            )  # fmt: skip
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _header_rows(table: dict[str, Any], widths: list[int], half_points: int) -> list[str]:
    """The header rows, repeated on every page; merged cells as gridSpan / vMerge.

    ``table["header"]`` is :func:`yusuan.render.headers.header_grid` (as the PDF's
    and the XLSX's merges): ranges that tile the header grid. A range spanning
    rows starts with ``vMerge restart`` and continues below with ``vMerge``.
    """
    cover: dict[tuple[int, int], dict[str, Any]] = {}
    for h in table["header"]:
        for r in range(h["y"], h["y"] + h["rowspan"]):
            for c in range(h["x"], h["x"] + h["colspan"]):
                cover[(r, c)] = h
    depth = max((h["y"] + h["rowspan"] for h in table["header"]), default=0)
    rows = []
    for r in range(depth):
        cells = []
        c = 0
        while c < len(widths):
            h = cover[(r, c)]
            span = h["colspan"]
            width = sum(widths[c : c + span])
            merge = None if h["rowspan"] == 1 else ("restart" if h["y"] == r else "continue")
            text = h["text"] if h["y"] == r else ""
            cells.append(
                _cell_xml(
                    text, width, half_points, align="center", bold=False, fill=HEADER_FILL,
                    span=span, vmerge=merge, valign="center",
                )
            )  # fmt: skip
            c += span
        rows.append(f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{''.join(cells)}</w:tr>")
    return rows


def _alignment(typst_align: str) -> str:
    """The horizontal part of the PDF's cell alignment (``right + top`` → ``right``)."""
    return str(typst_align).split("+")[0].strip()


def _cell_xml(
    text: str,
    width: int,
    half_points: int,
    *,
    align: str,
    bold: bool,
    fill: str | None,
    span: int = 1,
    vmerge: str | None = None,
    indent: int = 0,
    nowrap: bool = False,
    valign: str,
) -> str:
    props = [f'<w:tcW w:w="{width}" w:type="dxa"/>']
    if span > 1:
        props.append(f'<w:gridSpan w:val="{span}"/>')
    if vmerge == "restart":
        props.append('<w:vMerge w:val="restart"/>')
    elif vmerge == "continue":
        props.append("<w:vMerge/>")
    if fill:
        props.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>')
    if nowrap:
        props.append("<w:noWrap/>")
    props.append(f'<w:vAlign w:val="{valign}"/>')
    ppr = f'<w:pStyle w:val="{TABLE_TEXT_STYLE.replace(" ", "")}"/>'
    if indent:
        ppr += f'<w:ind w:left="{indent}"/>'
    ppr += f'<w:jc w:val="{align}"/>'
    run = _run_body(text, size=half_points / 2, bold=bold) if text else ""
    return f"<w:tc><w:tcPr>{''.join(props)}</w:tcPr><w:p><w:pPr>{ppr}</w:pPr>{run}</w:p></w:tc>"


# --------------------------------------------------------------------------- runs and text


def _paragraph(doc: DocxDocument, style: str, text: str = "") -> Paragraph:
    """A new paragraph in the style named ``style`` (python-docx looks a name up by scanning every style
    for each paragraph, which was most of the rendering time; the id is its name without spaces here)."""
    para = doc.add_paragraph(_xml_text(text))
    para._p.style = style.replace(" ", "")
    return para


def _xml_text(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _XML_ILLEGAL.sub("", text or "")


def _run_body(text: str, *, size: float | None = None, bold: bool = False) -> str:
    """A ``w:r`` (no namespace declaration): line breaks as ``w:br``, tabs as ``w:tab``."""
    rpr = ""
    if bold:
        rpr += "<w:b/><w:bCs/>"
    if size is not None:
        rpr += f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>'
    pieces = []
    for n, line in enumerate(_xml_text(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if n:
            pieces.append("<w:br/>")
        for m, chunk in enumerate(line.split("\t")):
            if m:
                pieces.append("<w:tab/>")
            if chunk:
                pieces.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
    return f"<w:r>{f'<w:rPr>{rpr}</w:rPr>' if rpr else ''}{''.join(pieces)}</w:r>"


def _run_xml(text: str, *, size: float | None = None) -> Any:
    body = _run_body(text, size=size)
    return parse_xml(body.replace("<w:r>", f"<w:r {nsdecls('w')}>", 1))


# --------------------------------------------------------------------------- package


#: the time stamped on every ZIP entry (the earliest a ZIP can hold): reproducible bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _deterministic_zip(doc: DocxDocument) -> bytes:
    """The saved package with every entry's time fixed (python-docx stamps the current time)."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


__all__ = ["render_docx", "write_docx"]
