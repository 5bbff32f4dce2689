"""The Word disclosure: the same document as the PDF, read back from both.

The DOCX is read with python-docx; the PDF with pdftotext (narrative and every
text) and with the audit's own PDF extraction (every amount, cell by cell).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from yusuan.audit.engine import audit_path
from yusuan.money import format_amount, parse_amount
from yusuan.narrative.model import Block, Narrative
from yusuan.outputs import RENDERERS, Disclosure, build_disclosure, parse_formats
from yusuan.render import pdf as pdf_mod
from yusuan.render.docx import render_docx, write_docx
from yusuan.render.headers import header_grid
from yusuan.tables.model import Table

PDFTOTEXT = shutil.which("pdftotext")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def disclosure(example_budget) -> Disclosure:
    return build_disclosure(example_budget)


@pytest.fixture(scope="module")
def docx_bytes(disclosure: Disclosure) -> bytes:
    return render_docx(disclosure.narrative, disclosure.tables)


@pytest.fixture(scope="module")
def document(docx_bytes: bytes) -> Any:
    return Document(io.BytesIO(docx_bytes))


@pytest.fixture(scope="module")
def pdf_file(disclosure: Disclosure, tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        pdf_mod.find_fonts()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    path = tmp_path_factory.mktemp("pdf") / "disclosure.pdf"
    path.write_bytes(pdf_mod.render_pdf(disclosure.narrative, disclosure.tables))
    return path


@pytest.fixture(scope="module")
def pdf_text(pdf_file: Path) -> str:
    """The PDF's text without white space (pdftotext breaks lines where the PDF wraps them)."""
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run([PDFTOTEXT, "-raw", "-enc", "UTF-8", str(pdf_file), "-"], capture_output=True, check=True)
    return _squash(out.stdout.decode("utf-8"))


def _body_paragraphs(document: Any) -> list[Any]:
    """The paragraphs outside tables and outside the contents field."""
    return [p for p in document.paragraphs if not p.style.name.startswith("toc ")]


def _rows(doc_table: Any, table: Table) -> list[list[str]]:
    """The texts of a Word table's body rows (below the header rows)."""
    return [[c.text for c in row.cells] for row in doc_table.rows[table.header_depth :]]


def _nonzero_amounts(table: Table, rows: list[list[str]]) -> dict[tuple[Any, ...], int]:
    """{(row key, column key): fen} of every nonzero amount shown in ``rows``, read back from its text."""
    cells = {}
    for row, texts in zip(table.rows, rows, strict=True):
        for col, text in zip(table.columns, texts, strict=True):
            if col.type == "amount" and text.strip():
                fen = parse_amount(text, table.unit)
                if fen:
                    cells[(row.key, col.key)] = fen
    return cells


# --------------------------------------------------------------------------- format and text


def test_build_writes_docx(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tests.conftest import EXAMPLE_YAML
    from yusuan.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(EXAMPLE_YAML), "-o", str(out), "--format", "docx,xlsx"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["disclosure.docx", "tables.xlsx"]
    assert Document(str(out / "disclosure.docx")).tables
    assert parse_formats("pdf,docx", RENDERERS) == ["pdf", "docx"]


def test_narrative_paragraphs_equal_the_pdf(document: Any, disclosure: Disclosure, pdf_text: str) -> None:
    """Every paragraph of the DOCX is in the PDF, and every narrative block of both is in the DOCX."""
    body = [p.text for p in _body_paragraphs(document) if p.text.strip()]
    docx_text = _squash("".join(body))
    for block in disclosure.narrative.blocks:
        assert _squash(block.text) in docx_text, block.text
        assert _squash(block.text) in pdf_text, block.text
    for text in body:
        assert _squash(text) in pdf_text, text
    assert body[0] == disclosure.narrative.title  # the cover


def test_every_table_cell_equals_the_pdf(document: Any, disclosure: Disclosure, pdf_file: Path, pdf_text: str) -> None:
    """Cell by cell: text as printed in the PDF; amounts equal to what the audit reads from the PDF."""
    read = audit_path(pdf_file).tableset
    tables = disclosure.tables.tables
    assert len(document.tables) == len(tables)
    for doc_table, table in zip(document.tables, tables, strict=True):
        rows = _rows(doc_table, table)
        assert len(rows) == len(table.rows), table.number
        for row, texts in zip(table.rows, rows, strict=True):
            for col, text in zip(table.columns, texts, strict=True):
                value = row.value(col.key)
                if col.type == "amount" and isinstance(value, int):
                    assert text == format_amount(value, table.unit, blank_zero=True), (table.number, row.key, col.key)
                else:
                    assert text == ("" if value is None else str(value)), (table.number, row.key, col.key)
                if text.strip():
                    assert _squash(text) in pdf_text, (table.number, text)
        if table.kind == "dept_performance":  # as the closed loop: its free-text form is read as text
            continue
        docx_cells = _nonzero_amounts(table, rows)
        pdf_cells = {
            (r.key, c): v.value
            for r in read.by_number(table.number).rows
            for c, v in r.cells.items()
            if isinstance(v.value, int) and v.value
        }
        if table.kind in ("summary", "fiscal_summary"):  # the audit keys these rows by their first two cells
            docx_cells = {(k[0][0], k[0][1], k[1]): v for k, v in docx_cells.items()}
            pdf_cells = {(k[0][0], k[0][1], k[1]): v for k, v in pdf_cells.items()}
        assert docx_cells == pdf_cells, table.number


def test_table_numbers_titles_units_and_notes(document: Any, disclosure: Disclosure, pdf_text: str) -> None:
    body = _squash("".join(p.text for p in _body_paragraphs(document)))
    for table in disclosure.tables.tables:
        for text in (table.number, table.title, table.subtitle, f"单位：{table.unit}", table.note):
            if text:
                assert _squash(text) in body, (table.number, text)
                assert _squash(text) in pdf_text, (table.number, text)


def test_hostile_text_survives(example_tables, tmp_path: Path) -> None:
    text = '<w:t>&amp; "引号" \\ #*$ 控制\x01字符\n第二行\t制表'
    blocks = [Block("part", "第一部分"), Block("paragraph", text), Block("title", "不跟在部分后的标题")]
    path = write_docx(Narrative("测试单位2025年部门预算公开", blocks), example_tables, tmp_path / "d.docx")
    paragraphs = {p.text: p for p in Document(str(path)).paragraphs}
    assert '<w:t>&amp; "引号" \\ #*$ 控制字符\n第二行\t制表' in paragraphs
    title = paragraphs["不跟在部分后的标题"]  # centred and bold, not a heading: as in the PDF
    assert title.style.name == "Normal" and title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.runs[0].bold


def test_tables_only_without_narrative(example_tables) -> None:
    """Like the PDF without a narrative: cover, contents, then the tables, numbered from their first page."""
    doc = Document(io.BytesIO(render_docx(None, example_tables)))
    assert len(doc.tables) == len(example_tables.tables)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"附件：{example_tables.department}{example_tables.year}年度部门预算表"]
    numbered = doc.sections[1]
    assert numbered._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    assert "PAGE" in numbered.footer._element.xml
    assert all(s._sectPr.find(qn("w:pgNumType")) is None for s in doc.sections[2:])  # numbering runs on


# --------------------------------------------------------------------------- Word structure


def test_headings_use_heading_styles(document: Any, disclosure: Disclosure) -> None:
    styles = {_squash(p.text): p.style.name for p in _body_paragraphs(document) if p.text.strip()}
    blocks = disclosure.narrative.blocks
    for i, block in enumerate(blocks):
        if block.kind == "part":
            title = blocks[i + 1].text if i + 1 < len(blocks) and blocks[i + 1].kind == "title" else ""
            assert styles[_squash(block.text + title)] == "Heading 1", block.text
        elif block.kind == "heading":
            assert styles[_squash(block.text)] == "Heading 2", block.text
        elif block.kind == "subheading":
            assert styles[_squash(block.text)] == "Heading 3", block.text
    assert styles[_squash(disclosure.narrative.attachment_title)] == "Heading 1"
    for table in disclosure.tables.tables:
        assert styles[_squash(table.title)] == "Heading 2", table.number
    for name in ("Heading 1", "Heading 2", "Heading 3"):  # what the navigation pane shows
        level = document.styles[name].element.pPr.find(qn("w:outlineLvl"))
        assert level is not None and level.get(qn("w:val")) == str(int(name[-1]) - 1)


def test_contents_is_a_toc_field(document: Any, disclosure: Disclosure) -> None:
    body = document.element.body
    xml_order = [el for el in body.iter() if el.tag in (qn("w:instrText"), qn("w:fldChar"))]
    kinds = [el.get(qn("w:fldCharType")) or el.text.strip() for el in xml_order]
    start = kinds.index("begin")
    assert kinds[start + 1].startswith("TOC \\o") and kinds[start + 2 : start + 4] == ["separate", "end"]
    paragraphs = document.paragraphs
    contents = next(i for i, p in enumerate(paragraphs) if p.text == "目　录")
    first_heading = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1")
    toc = [p for p in paragraphs[contents:first_heading] if p.style.name.startswith("toc ")]
    assert any("instrText" in p._p.xml for p in toc)
    listed = {p.text for p in toc}
    for table in disclosure.tables.tables:
        assert table.title in listed, table.number


def test_fonts_named_in_styles(document: Any) -> None:
    def fonts(name: str) -> tuple[str | None, str | None]:
        rfonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        return rfonts.get(qn("w:ascii")), rfonts.get(qn("w:eastAsia"))

    assert fonts("Normal") == ("Noto Serif CJK SC", "宋体")
    assert fonts("Heading 1") == ("Noto Sans CJK SC", "黑体")
    assert fonts("Heading 2") == ("Noto Sans CJK SC", "黑体")
    assert fonts("Table Text") == ("Noto Sans CJK SC", "黑体")


def test_header_rows_repeat_and_merges_match_the_model(document: Any, disclosure: Disclosure) -> None:
    for doc_table, table in zip(document.tables, disclosure.tables.tables, strict=True):
        depth = table.header_depth
        repeated = [
            row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None for row in doc_table.rows
        ]
        assert repeated == [True] * depth + [False] * len(table.rows), table.number
        seen: list[Any] = []  # the Word cells met so far, kept alive so that lxml keeps their identity
        for h in header_grid(table.columns):
            tcs = [
                doc_table.cell(r, c)._tc
                for r in range(h.first_row, h.last_row + 1)
                for c in range(h.first_col, h.last_col + 1)
            ]
            assert all(tc is tcs[0] for tc in tcs), (table.number, h)  # one Word cell covers the whole range
            assert doc_table.cell(h.first_row, h.first_col).text == h.text, (table.number, h)
            assert not any(tcs[0] is tc for tc in seen), (table.number, h)
            seen.append(tcs[0])
        assert any(h.is_merged for h in header_grid(table.columns)) or table.header_depth == 1


def test_amounts_right_aligned(document: Any, disclosure: Disclosure) -> None:
    checked = 0
    for doc_table, table in zip(document.tables, disclosure.tables.tables, strict=True):
        for row in doc_table.rows[table.header_depth :]:
            for col, cell in zip(table.columns, row.cells, strict=True):
                if col.type == "amount" and cell.text:
                    assert cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT, table.number
                    checked += 1
    assert checked > 100


def test_landscape_sections_for_wide_tables(document: Any, disclosure: Disclosure) -> None:
    """Each table stands in its own section, landscape exactly where the PDF turns the page."""
    section_of_table = []
    section = 0
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            section_of_table.append(section)
        elif child.tag == qn("w:p") and child.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            section += 1
    sections = document.sections
    assert len(set(section_of_table)) == len(section_of_table) == len(disclosure.tables.tables)
    model = pdf_mod.document_model(disclosure.narrative, disclosure.tables, pdf_mod.Fonts((), "", ""))
    for table, view, index in zip(disclosure.tables.tables, model["tables"], section_of_table, strict=True):
        sect = sections[index]
        landscape = sect.orientation == WD_ORIENT.LANDSCAPE
        assert landscape == view["flipped"] == (table.orientation == "landscape"), table.number
        assert (sect.page_width > sect.page_height) == landscape
    assert any(t.orientation == "landscape" for t in disclosure.tables.tables)
    assert sections[0].orientation == WD_ORIENT.PORTRAIT  # cover and contents


def test_two_builds_give_identical_bytes(docx_bytes: bytes, disclosure: Disclosure, document: Any) -> None:
    assert render_docx(disclosure.narrative, disclosure.tables) == docx_bytes
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    fixed = datetime(disclosure.tables.year, 1, 1, tzinfo=UTC)
    assert document.core_properties.created == fixed and document.core_properties.modified == fixed


def test_opens_with_libreoffice(docx_bytes: bytes, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path / "disclosure.docx"
    source.write_bytes(docx_bytes)
    profile = tmp_path / "profile"  # its own profile: no clash with a running LibreOffice
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        capture_output=True, check=True, timeout=180,
    )  # fmt: skip
    converted = tmp_path / "disclosure.pdf"
    assert converted.is_file() and converted.read_bytes().startswith(b"%PDF")
    if PDFTOTEXT is not None:
        text = subprocess.run([PDFTOTEXT, str(converted), "-"], capture_output=True, check=True).stdout.decode()
        # Word and LibreOffice set a space between CJK and Latin text on their own (autospace): 预算 01 表
        assert "预算01表" in "".join(text.split())


def test_web_app_offers_the_docx(tmp_path_factory: pytest.TempPathFactory) -> None:
    from types import SimpleNamespace

    from tests.test_web_api import _client, web_app

    apps = web_app(SimpleNamespace(param="sqlite"), tmp_path_factory, "docx-web")
    app = next(apps)
    try:
        client = _client(app, "reviewer")
        assert "/departments/503/2025/download/docx" in client.get("/departments/503/2025").text
        response = client.get("/departments/503/2025/download/docx")
        assert response.status_code == 200
        assert response.headers["content-type"].endswith("wordprocessingml.document")
        assert "disclosure.docx" in response.headers["content-disposition"]
        assert Document(io.BytesIO(response.content)).tables
    finally:
        apps.close()
