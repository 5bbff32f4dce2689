"""The second reading: an error is reported only where Poppler reads its amounts as the first reading did."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace

import pytest

from tests.conftest import corpus_file, page_count_zeroed
from yusuan.audit.engine import audit_document, audit_path, read_any
from yusuan.extract import second_reading
from yusuan.extract.document import Word
from yusuan.extract.second_reading import SecondWord, agrees, confirm, misplaced
from yusuan.extract.text import parse_text
from yusuan.tables.model import Cell, Location, Row, Table, TableSet

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")

# --- the comparison, on a row built by hand ---------------------------------------------------------------

TOP, BOTTOM = 100.0, 110.0


def _row(*cells: tuple[str, float, str]) -> Row:
    """A row of amounts (column, x0, printed text) on one line of page 3, 40 points wide each."""
    return Row(
        key=("2080101",),
        kind="item",
        cells={
            column: Cell(1, Location(page=3, bbox=(x0, TOP, x0 + 40, BOTTOM), text=text)) for column, x0, text in cells
        },
    )


def _words(*words: tuple[float, str], width: float = 40) -> list[SecondWord]:
    return [SecondWord(text, x0, TOP, x0 + width, BOTTOM) for x0, text in words]


ROW = _row(("v1", 200, "1,234.56"), ("v2", 260, "234.56"), ("v3", 320, "1,000.00"))


def test_the_same_amounts_in_the_same_places_agree():
    words = _words((10, "行政运行"), (200, "1,234.56"), (260, "234.56"), (320, "1,000.00"), (400, "12.5%"))
    assert all(agrees(ROW, column, words) for column in ROW.cells)


def test_a_digit_read_otherwise_makes_the_whole_line_uncertain():
    """The table readers place a row's amounts by the sums they make: one misread amount can move the others."""
    words = _words((200, "1,234.56"), (260, "234.65"), (320, "1,000.00"))
    assert not any(agrees(ROW, column, words) for column in ROW.cells)


def test_an_amount_the_first_reading_left_out_makes_the_whole_line_uncertain():
    words = _words(
        (200, "1,234.56"),
        (260, "234.56"),
        (
            290,
            "5.00",
        ),
        (320, "1,000.00"),
        width=25,
    )
    assert not any(agrees(ROW, column, words) for column in ROW.cells)


def test_an_amount_the_second_reading_does_not_see_makes_the_whole_line_uncertain():
    words = _words((200, "1,234.56"), (320, "1,000.00"))
    assert not agrees(ROW, "v1", words)


def test_two_amounts_the_first_reading_glued_disagree():
    row = _row(("v1", 200, "1234.00"))
    words = _words((200, "12"), (225, "34.00"), width=15)
    assert not agrees(row, "v1", words)


def test_an_amount_split_in_two_by_the_first_reading_disagrees():
    row = _row(("v1", 200, "1"), ("v2", 241, "2,345.67"))
    assert not agrees(row, "v2", _words((200, "12,345.67"), width=81))


def test_cells_poppler_glues_where_a_fonts_widths_are_wrong_agree_by_their_characters():
    """Chongqing's digits claim boxes wider than they are: Poppler reads '174,900' '.64101,833' '.84'."""
    row = _row(("v1", 200, "174,900.64"), ("v2", 250, "101,833.84"))
    words = [
        SecondWord("174,900", 197, 96, 235, 114),
        SecondWord(".64101,833", 230, 96, 284, 114),
        SecondWord(".84", 279, 96, 292, 114),
    ]
    assert agrees(row, "v1", words) and agrees(row, "v2", words)
    wrong = [replace(words[1], text=".64101,883")]
    assert not agrees(row, "v1", [words[0], *wrong, words[2]])


def test_a_percentage_read_as_a_dash_is_uncertain():
    """Wuhan's '-60.86%': the first reading took the '-' for a zero amount."""
    row = _row(("v1", 200, "3,099.90"), ("v2", 260, "-"))
    words = _words((200, "3,099.90"), (260, "-60.86%"))
    assert not agrees(row, "v2", words)


def test_a_zero_poppler_does_not_see_and_an_amount_with_its_unit_agree():
    row = _row(("v1", 200, "5.50"), ("v2", 260, "-"))
    assert agrees(row, "v1", _words((200, "5.50万元")))


def test_words_on_another_line_are_not_read():
    words = [SecondWord("9.99", 200, TOP + 14, 240, BOTTOM + 14), *_words((200, "1,234.56"), (260, "234.56"))]
    assert agrees(ROW, "v1", [*words, *_words((320, "1,000.00"))])


def _table(*rows: Row) -> Table:
    return Table("x", "预算05表", "", "万元", [], list(rows))


def test_an_amount_under_another_column_is_misplaced():
    """Amounts right-aligned in columns v1 (x 200–240), v2 (260–300), v3 (320–360): a row whose blank cells
    were filled by the sums it makes can put an amount printed under v2 into v3."""
    rows = [_row(("v1", 200, "9.00"), ("v2", 260, "5.00"), ("v3", 320, "4.00")) for _ in range(3)]
    shifted = _row(("v1", 200, "7.00"), ("v3", 260, "7.00"))
    table = _table(*rows, shifted)
    assert misplaced(table, shifted, "v3")
    assert not misplaced(table, shifted, "v1")
    assert not any(misplaced(table, rows[0], column) for column in rows[0].cells)


def test_a_shorter_amount_aligned_right_in_its_column_is_not_misplaced():
    rows = [_row(("v1", 200, "1,234,567.00")) for _ in range(3)]
    short = Row(("2",), "item", {"v1": Cell(1, Location(page=3, bbox=(222, TOP, 240, BOTTOM), text="5.00"))})
    assert not misplaced(_table(*rows, short), short, "v1")


# --- confirm: cells replaced, inputs without a second reading left alone -------------------------------------


def test_text_input_has_no_second_reading():
    doc = parse_text("预算05表\n合计 100.00\n")
    table = Table("x", "预算05表", "", "万元", [], [replace(ROW, cells=dict(ROW.cells))])
    result = confirm(doc, TableSet(2025, "", "", [table]), [("预算05表", "2080101", "v1")])
    assert result.to_data() == {"cells": 0, "disagreed": 0, "misplaced": 0, "seconds": 0.0, "available": False}
    assert all(c.certain for c in table.rows[0].cells.values())


def test_without_pdftotext_cells_stay_as_read(monkeypatch):
    monkeypatch.setattr(second_reading.shutil, "which", lambda name: None)
    assert second_reading.poppler_words(b"%PDF-1.4", 1, 1) is None


# --- the closed loop and the real corpus --------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_pdf(example_budget, tmp_path_factory):
    from yusuan.outputs import write_outputs

    out = tmp_path_factory.mktemp("example")
    try:
        write_outputs(example_budget, out, ["pdf"])
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))
    return out / "disclosure.pdf"


def _misread(path, printed: str, wrong: str):
    """The example PDF as the first reading would see it if it misread the first ``printed`` amount on page 13
    (预算05表) as ``wrong``: the PDF itself is unchanged."""
    doc = read_any(path)
    for line in doc.lines:
        for k, word in enumerate(line.words):
            if line.page == 13 and word.text == printed:
                line.words[k] = Word(wrong, word.x0, word.x1, word.top, word.bottom)
                line.text = " ".join(w.text for w in line.words)
                return doc
    raise AssertionError(f"{printed} not on page 13")


@needs_poppler
def test_a_misread_amount_is_not_an_error_of_the_document(example_pdf, monkeypatch):
    report = audit_document(_misread(example_pdf, "222.91", "222.19"))
    errors = [f for f in report.findings if f.severity == "error"]
    assert errors == [], [f.message for f in errors]
    uncertain = [f for f in report.findings if f.rule == "reading.uncertain"]
    assert [f.locations[0].table for f in uncertain] == ["预算05表"]
    assert "503001" in uncertain[0].message and "未作为错误报告" in uncertain[0].message
    assert report.stats["second_reading"]["disagreed"] >= 1

    # without the second reading the same misreading is reported as errors of the document
    monkeypatch.setattr(second_reading.shutil, "which", lambda name: None)
    report = audit_document(_misread(example_pdf, "222.91", "222.19"))
    assert any(f.severity == "error" for f in report.findings)
    assert report.stats["second_reading"]["available"] is False


@needs_poppler
def test_a_misread_that_moves_other_rows_to_other_columns_is_not_an_error(example_pdf):
    """行政运行 2080102's 7.60 misread as 7.06: the henan reader then places the rows with blank cells by the
    sums they make, and 2101101's 5.12 lands in the 项目支出 columns it is not printed under."""
    report = audit_document(_misread(example_pdf, "7.60", "7.06"))
    assert report.errors == 0, [f.message for f in report.findings if f.severity == "error"]
    assert report.stats["second_reading"]["misplaced"] >= 1
    uncertain = next(f for f in report.findings if f.rule == "reading.uncertain")
    assert "503001/2101101" in uncertain.message


@needs_poppler
def test_a_defect_printed_in_the_pdf_stays_an_error(example_budget):
    """The example with 行政运行's total printed 0.18 too small: both readings read 99.68, so the
    error is the document's; the PDF is read from its bytes, as an upload without a path is."""
    from yusuan.extract.pdf import pdf_document
    from yusuan.outputs import build_disclosure
    from yusuan.render.pdf import render_pdf

    disclosure = build_disclosure(example_budget)
    row = disclosure.tables.by_number("预算05表").row("503001", "2080101")
    row.cells["total"] = replace(row.cells["total"], value=row.cells["total"].value - 1_800_000)
    try:
        data = render_pdf(disclosure.narrative, disclosure.tables)
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))
    report = audit_document(pdf_document(data, ""))
    errors = [f for f in report.findings if f.severity == "error"]
    assert any(p.row == "503001/2080101" and p.column == "total" for f in errors for p in f.locations)
    assert report.stats["second_reading"]["cells"] >= 1
    assert report.stats["second_reading"]["disagreed"] == 0
    # the defect also moves rows with blank cells (placed by the sums they make) to other columns: the sums
    # of those columns fail because of the move, not of the document, and are not errors
    moved = {"503001/2080102", "503001/2101101"}
    assert not any(p.row in moved and p.column != "total" for f in errors for p in f.locations)
    assert report.stats["second_reading"]["misplaced"] >= 1


@needs_poppler
def test_a_real_defect_stays_an_error():
    """Yantai's 公开表10: 302 类 116.37 while its 款 add up to 117.37 (docs/corpus-review.md)."""
    report = audit_path(corpus_file("c025_yantai_013.pdf"))
    errors = [f for f in report.findings if f.severity == "error"]
    assert [f.rule for f in errors] == ["table.code_hierarchy"]
    assert "116.37" in errors[0].message
    assert report.stats["second_reading"]["cells"] >= 2
    assert report.stats["second_reading"]["disagreed"] == report.stats["second_reading"]["misplaced"] == 0


def test_an_amount_glued_to_the_next_panels_label_is_read():
    """Two-panel tables: '12593.11（一）一般公共服务支出' is one word for both readers."""
    row = _row(("v1", 174, "12593.11"))
    words = [SecondWord("12593.11（一）一般公共服务支出", 174, TOP, 306, BOTTOM)]
    assert agrees(row, "v1", words)
    assert not agrees(row, "v1", [replace(words[0], text="12593.17（一）一般公共服务支出")])


@needs_poppler
def test_both_readings_place_words_alike_on_rotated_pages():
    """Yantai's table pages are rotated 90°: Poppler's boxes (crop box and /Rotate applied) must be
    the first reading's, else every amount there would disagree."""
    import pypdfium2 as pdfium

    path = corpus_file("c025_yantai_001.pdf")
    pdf = pdfium.PdfDocument(path)
    rotated = {k + 1 for k in range(len(pdf)) if pdf[k].get_rotation()}
    pdf.close()
    doc = read_any(path)
    report = audit_document(doc)
    words = second_reading.poppler_words(doc.pdfs[0][2], 1, doc.pages)
    cells = [
        (row, column, cell.location.page)
        for table in report.tableset.tables
        for row in table.rows
        for column, cell in row.cells.items()
        if isinstance(cell.value, int) and cell.location is not None and cell.location.page in rotated
    ]
    assert len(cells) > 500
    assert all(agrees(row, column, words[page]) for row, column, page in cells)


@needs_poppler
def test_files_audited_together_are_read_a_second_time_each_on_its_own_pages(example_pdf):
    """``audit --together``: the document's page 13 of the second file is that file's page 13 - its offset."""
    from yusuan.extract.document import Document

    single = read_any(example_pdf)
    _, pages, data = single.pdfs[0]
    together = Document("a + b", "pdf", [], 2 * pages, pdfs=((0, pages, data), (pages, pages, data)))
    words = second_reading._document_words(together, {13, pages + 13})
    assert words is not None and words[13] and words[pages + 13] == words[13]


def test_a_bare_integer_counts_under_an_amount_column_only():
    """Excel's General format prints a whole 万元 amount bare ('20'); a 行次 column prints bare integers too.
    A bare number the first reading left out counts as a missed amount under one of the table's amount
    columns, not elsewhere."""
    bands = [(200.0, 240.0), (260.0, 300.0), (320.0, 360.0)]
    serial = _words((10, "行政运行"), (120, "7"), (200, "1,234.56"), (260, "234.56"), (320, "1,000.00"), width=40)
    assert agrees(ROW, "v1", serial, bands)
    row = _row(("v1", 200, "47.51"), ("v2", 260, "0.45"))
    bare = _words((10, "商品和服务支出"), (200, "47.51"), (260, "0.45"), (340, "20"), width=20)
    assert not agrees(row, "v1", bare, bands)
    assert agrees(row, "v1", bare, [(200.0, 240.0), (260.0, 300.0)])


def test_a_number_after_the_next_panels_label_is_another_rows():
    words = _words((200, "1,234.56"), (260, "234.56"), (320, "1,000.00"), (380, "一般公共服务支出"), (500, "88.00"))
    assert agrees(ROW, "v1", words)


def test_letter_spaced_digits_are_one_number():
    """Chongqing's 表五 draws every character on its own: Poppler reads '1' '0' '1' ',' '8' …"""
    row = _row(("v1", 200, "101,833.84"))
    digits = "101,833.84"
    words = [SecondWord(ch, 200 + 4 * k, TOP, 204 + 4 * k, BOTTOM) for k, ch in enumerate(digits)]
    assert agrees(row, "v1", words)


def test_a_cell_read_blank_where_an_amount_is_printed_becomes_uncertain(monkeypatch):
    """A sum that fails because the first reading found no amount in a cell: the cell is named, and
    Poppler reads a number on the row's line under that column."""
    from yusuan.extract.document import Document

    code = Cell("30239", Location(page=3, bbox=(10, TOP, 40, BOTTOM), text="30239"))
    blank = Row(("30239",), "item", {"code": code, "v1": Cell(None)})
    table = _table(_row(("v1", 200, "5.94")), blank)
    doc = Document("x.pdf", "pdf", [], 3, pdfs=((0, 3, b"%PDF"),))
    printed = {3: _words((10, "30239"), (60, "其他交通费用"), (220, "2"), width=20)}
    monkeypatch.setattr(second_reading, "poppler_words", lambda data, first, last: printed)
    result = confirm(doc, TableSet(2025, "", "", [table]), [("预算05表", "30239", "v1")])
    assert result.disagreed == 1 and not blank.cells["v1"].certain
    printed[3] = _words((10, "30239"), (60, "其他交通费用"), width=20)  # blank in print too: a real blank
    blank.cells["v1"] = Cell(None)
    result = confirm(doc, TableSet(2025, "", "", [table]), [("预算05表", "30239", "v1")])
    assert result.disagreed == 0 and blank.cells["v1"].certain


@needs_poppler
def test_a_pdf_poppler_refuses_is_audited_without_the_second_reading(tmp_path):
    """Yantai's 公开表10 defect in a PDF whose page tree says /Count 00: PDFium reads its 56 pages,
    Poppler refuses it ('Invalid page count 0'). The audit completes, reports the defect as read, and
    says, in the text and in the HTML report, that the amounts it rests on could not be read a second time."""
    import io

    from rich.console import Console

    from yusuan.audit.report import print_text, render_html

    damaged = tmp_path / "yantai-count-zero.pdf"
    damaged.write_bytes(page_count_zeroed(corpus_file("c025_yantai_013.pdf"), 56))
    assert second_reading.poppler_words(damaged.read_bytes(), 1, 1) is None
    report = audit_path(damaged)
    assert report.source["pages"] == 56
    errors = [f for f in report.findings if f.severity == "error"]
    assert [f.rule for f in errors] == ["table.code_hierarchy"] and "116.37" in errors[0].message
    assert report.stats["second_reading"]["available"] is False
    assert report.stats["second_reading"]["cells"] >= 2
    out = io.StringIO()
    print_text([report], Console(file=out, width=200))
    assert "未能用第二种读法（Poppler）复核" in out.getvalue()
    html = render_html([report])
    assert f"错误所依据的 {report.stats['second_reading']['cells']} 个金额未能用第二种读法（Poppler）复核" in html
    assert html.index("第二种读法") < html.index("116.37")  # before the errors it qualifies
    # the undamaged document was read a second time: no such note
    undamaged = audit_path(corpus_file("c025_yantai_013.pdf"))
    out = io.StringIO()
    print_text([undamaged], Console(file=out, width=200))
    assert "第二种读法" not in out.getvalue()
    assert "第二种读法" not in render_html([undamaged])


def test_a_pdftotext_that_hangs_is_given_up_after_its_timeout(tmp_path, monkeypatch):
    """A pdftotext that never answers: the second reading gives up after POPPLER_TIMEOUT seconds."""
    fake = tmp_path / "pdftotext"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setattr(second_reading, "POPPLER_TIMEOUT", 0.5)
    started = time.perf_counter()
    assert second_reading.poppler_words(b"%PDF-1.4", 1, 1) is None
    assert time.perf_counter() - started < 10
