"""Readers: pdftotext text (plain, -layout) and PDF (PDFium) → Document, on the seed, the corpus and bad input."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_YAML, SEED, SHARED
from yusuan.extract.document import Document, DocumentError, normalize_text
from yusuan.extract.pdf import read_pdf
from yusuan.extract.read import read_document
from yusuan.extract.text import is_layout_text, layout_words, parse_text, read_text

CORPUS = SHARED / "corpus" / "real-2026"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def corpus_pdf(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"../shared corpus is absent: {path} not found")
    return path


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return found


def pdfinfo_pages(path: Path) -> int:
    info = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


def page_sizes(path: Path) -> list[tuple[float, float]]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_size() for i in range(len(pdf))]
    finally:
        pdf.close()


def assert_fails(reader, path: Path, reason: str) -> DocumentError:  # type: ignore[no-untyped-def]
    with pytest.raises(DocumentError) as caught:
        reader(path)
    error = caught.value
    assert error.reason == reason, (error.reason, error.detail)
    assert CHINESE.search(error.detail), error.detail
    return error


# ── text: the seed (plain pdftotext output) ──────────────────────────────────────


@pytest.fixture(scope="module")
def seed_doc() -> Document:
    if not SEED.exists():
        pytest.skip(f"../shared is absent: {SEED} not found")
    return read_text(SEED)


def test_seed_reads_as_plain_text_with_pages_from_form_feeds(seed_doc: Document) -> None:
    raw = SEED.read_text(encoding="utf-8")
    assert seed_doc.format == "text"
    assert seed_doc.has_positions is False
    assert seed_doc.pages == raw.rstrip().count("\f") + 1
    assert seed_doc.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert all(w.x0 == w.x1 == 0 for line in seed_doc.lines for w in line.words)


def test_seed_line_numbers_are_the_file_lines(seed_doc: Document) -> None:
    file_lines = SEED.read_text(encoding="utf-8").split("\n")
    by_number = {line.line: line for line in seed_doc.lines}
    sampled = [n for n, text in enumerate(file_lines, start=1) if re.search(r"预算0[1-9]表|208 05 99|合计", text)]
    assert len(sampled) >= 10
    for number in sampled:
        assert by_number[number].text == file_lines[number - 1].rstrip()
        assert seed_doc.lines[number - 1].line == number  # every file line is kept, blank ones too
    table5 = next(line for line in seed_doc.lines if line.text == "预算05表")
    assert file_lines[table5.line - 1] == "预算05表"  # type: ignore[operator]


# ── text: crafted ──────────────────────────────────────────────────────────────


def test_form_feeds_start_pages_and_a_trailing_one_opens_none() -> None:
    doc = parse_text("封面\n\f预算01表\n收入 1.00\n\f\f预算02表\n\f")
    assert doc.pages == 4  # the empty third page counts, the final feed (pdftotext ends every page so) not
    assert [(line.line, line.page, line.text) for line in doc.lines] == [
        (1, 1, "封面"),
        (2, 2, "预算01表"),
        (3, 2, "收入 1.00"),
        (4, 4, "预算02表"),
    ]
    assert doc.lines[2].text.split() == ["收入", "1.00"] and doc.lines[2].words == []  # plain text: no positions


def test_kangxi_radicals_are_normalised(tmp_path: Path) -> None:
    assert normalize_text("技术⽀撑，⽣态环境，能⼒") == "技术支撑，生态环境，能力"
    assert normalize_text("（一）收入：12.00") == "（一）收入：12.00"  # full-width punctuation is kept
    path = tmp_path / "kangxi.txt"
    path.write_text("⼀般公共预算⽀出 12.00\n", encoding="utf-8")
    assert read_text(path).lines[0].text == "一般公共预算支出 12.00"


def test_text_encodings(tmp_path: Path) -> None:
    text = "预算01表\n部门收支预算总表 12593.11\n"
    for name, data in {
        "bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "gb.txt": text.encode("gb18030"),
        "crlf.txt": text.replace("\n", "\r\n").encode("utf-8"),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        doc = read_text(path)
        assert [line.text for line in doc.lines] == ["预算01表", "部门收支预算总表 12593.11"], name


def test_layout_columns_count_characters() -> None:
    # pdftotext -layout pads by characters, not display width: 合计 takes two columns, like 12
    words = layout_words("  合计      12.00  3.5", row=7)
    assert [(w.text, w.x0, w.x1) for w in words] == [("合计", 2, 4), ("12.00", 10, 15), ("3.5", 17, 20)]
    assert {(w.top, w.bottom) for w in words} == {(7, 8)}
    assert not is_layout_text(["预算01表", "部门收支预算总表", "收入 12.00"])


# ── text: generated from corpus PDFs ───────────────────────────────────────────


def pdftotext(pdf: Path, out: Path, *options: str) -> Path:
    subprocess.run([tool("pdftotext"), *options, str(pdf), str(out)], check=True)
    return out


def test_layout_text_from_a_corpus_pdf(tmp_path: Path) -> None:
    pdf = corpus_pdf("c001_shanghai_001.pdf")
    doc = read_text(pdftotext(pdf, tmp_path / "layout.txt", "-layout"))
    assert doc.has_positions is True
    assert doc.pages == pdfinfo_pages(pdf)
    assert any(len(line.words) >= 4 for line in doc.lines)
    for line in doc.lines:
        starts = [w.x0 for w in line.words]
        assert starts == sorted(set(starts)), line.text
        for word in line.words:
            assert line.text[int(word.x0) : int(word.x1)] == word.text
    # the right-aligned amounts of a table end in the same column on every row
    table = next(line.page for line in doc.lines if line.text.strip() == "2026年预算单位收入预算总表")
    rows = [line for line in doc.lines if line.page == table and re.match(r"\s*2\d\d\s", line.text)]
    assert len(rows) >= 5
    assert len({line.words[-1].x1 for line in rows}) == 1


def test_plain_text_from_a_corpus_pdf_has_its_pages(tmp_path: Path) -> None:
    pdf = corpus_pdf("c002_beijing_001.pdf")
    doc = read_text(pdftotext(pdf, tmp_path / "plain.txt"))
    assert doc.has_positions is False
    assert doc.pages == pdfinfo_pages(pdf)
    assert max(line.page for line in doc.lines) == doc.pages


# ── PDF: the corpus ────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", ["c002_beijing_001.pdf", "c001_shanghai_001.pdf", "c003_shenzhen_001.pdf"])
def test_corpus_pdf_reads_with_sane_boxes(name: str) -> None:
    pdf = corpus_pdf(name)
    doc = read_pdf(pdf)
    assert doc.format == "pdf" and doc.has_positions
    assert doc.pages == pdfinfo_pages(pdf)
    assert doc.sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    text = doc.text()
    assert "预算" in text and "收支" in text
    sizes = page_sizes(pdf)
    previous = (0, -1.0)
    for line in doc.lines:
        assert line.line is None and line.words and line.text == " ".join(w.text for w in line.words)
        width, height = sizes[line.page - 1]
        assert (line.page, line.top) >= previous, "lines in reading order"
        previous = (line.page, line.top)
        x_starts = [w.x0 for w in line.words]
        assert x_starts == sorted(x_starts)
        for word in line.words:
            assert word.text and not any(ch.isspace() for ch in word.text)
            assert -0.5 <= word.x0 < word.x1 <= width + 0.5
            assert -0.5 <= word.top < word.bottom <= height + 0.5


def test_corpus_table_rows_split_into_cells() -> None:
    doc = read_pdf(corpus_pdf("c002_beijing_001.pdf"))
    row = next(line for line in doc.lines if line.page == 4 and line.text.startswith("2013601-行政运行 50101"))
    assert [w.text for w in row.words] == [
        "2013601-行政运行",
        "50101-工资奖金津补贴",
        "30101-基本工资",
        "151.992000",
        "151.992000",
    ]
    amounts = [line.words[3] for line in doc.lines if line.page == 4 and line.text.startswith("2013601-行政运行")]
    assert len({round(w.x1) for w in amounts}) == 1  # right-aligned in their column


def test_rotated_pages_read_upright() -> None:
    doc = read_pdf(corpus_pdf("c025_yantai_019.pdf"))  # pages 29–32 carry /Rotate 90, text drawn at 270°
    page = [line for line in doc.lines if line.page == 29]
    assert any("基本支出预算情况表" in line.text for line in page)
    assert any(line.text.startswith("302 01 办公费 502 01 办公经费") for line in page)


def test_font_with_wrong_metrics_keeps_columns_apart() -> None:
    # Chongqing's digits claim boxes twice their advance: ink boxes keep adjacent amounts apart
    doc = read_pdf(corpus_pdf("c004_chongqing_001.pdf"))
    row = next(line for line in doc.lines if line.page == 9 and line.text.startswith("201 一般公共服务支出"))
    assert [w.text for w in row.words][2:4] == ["23,103.76", "16,604.23"]


def test_kangxi_radicals_in_a_corpus_pdf_are_normalised() -> None:
    doc = read_pdf(corpus_pdf("c005_guangzhou_006.pdf"))  # its text layer writes 支 as ⽀ (U+2F40)
    text = doc.text()
    assert not re.search("[\u2f00-\u2fdf]", text)
    assert "提升技术支撑" in text.replace(" ", "")


def test_text_hidden_by_clipping_is_left_out() -> None:
    # a browser-printed table repeats its header over the rows continued from the previous page
    doc = read_pdf(corpus_pdf("c002_beijing_019.pdf"))
    header = next(line for line in doc.lines if line.page == 39 and "项目名称" in line.text)
    assert "项目名称" in [w.text for w in header.words]
    assert not any(ch.isdigit() for ch in header.text)


def test_read_document_dispatches_by_content(tmp_path: Path) -> None:
    pdf = corpus_pdf("c001_shanghai_001.pdf")
    renamed = tmp_path / "disclosure.txt"  # the name does not matter
    renamed.write_bytes(pdf.read_bytes())
    assert read_document(renamed).format == "pdf"
    assert_fails(read_text, renamed, "not_text")
    text = pdftotext(pdf, tmp_path / "out.pdf")
    assert read_document(text).format == "text"


# ── PDF: our own rendering ─────────────────────────────────────────────────────


def test_our_own_pdf_reads_back(tmp_path: Path) -> None:
    render = pytest.importorskip("yusuan.render.pdf")
    from yusuan.ledger import read_budget
    from yusuan.outputs import build_disclosure

    disclosure = build_disclosure(read_budget(EXAMPLE_YAML))
    path = tmp_path / "own.pdf"
    path.write_bytes(render.render_pdf(disclosure.narrative, disclosure.tables))
    doc = read_pdf(path)
    assert doc.pages == len(page_sizes(path))
    assert any(line.text == "预算05表" for line in doc.lines)
    words = {w.text for line in doc.lines for w in line.words}
    assert "12593.11" in words  # 收入总计: a word of its own, 5 pt from the next column's text


# ── bad input ──────────────────────────────────────────────────────────────────

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def encrypted_pdf(user: bytes = b"secret", owner: bytes = b"owner") -> bytes:
    """A one-page PDF under the standard security handler, revision 2 (RC4, 40 bits), user password set."""
    permissions = -44
    file_id = hashlib.md5(b"yusuan").digest()
    owner_entry = _rc4(hashlib.md5((owner + _PAD)[:32]).digest()[:5], (user + _PAD)[:32])
    key = hashlib.md5((user + _PAD)[:32] + owner_entry + struct.pack("<i", permissions) + file_id).digest()[:5]
    user_entry = _rc4(key, _PAD)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner_entry.hex().encode(), user_entry.hex().encode(), permissions),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    ident = file_id.hex().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        ident,
        ident,
        xref,
    )
    return bytes(out)


def image_only_pdf() -> bytes:
    """A one-page PDF whose only content is an image: what a scan looks like."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(200, 200)
    bitmap = pdfium.PdfBitmap.new_native(40, 40, pdfium_c.FPDFBitmap_BGR)
    bitmap.fill_rect((255, 255, 255, 255), 0, 0, 40, 40)
    bitmap.fill_rect((0, 0, 0, 255), 8, 10, 24, 4)  # a "line of text" in pixels
    image = pdfium.PdfImage.new(pdf)
    image.set_bitmap(bitmap)
    image.set_matrix(pdfium.PdfMatrix().scale(200, 200))
    page.insert_obj(image)
    page.gen_content()
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def zero_page_pdf() -> bytes:
    import pypdfium2 as pdfium

    buffer = io.BytesIO()
    pdfium.PdfDocument.new().save(buffer)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.txt", b"")
    blank = write(tmp_path, "blank.txt", b"  \n\t\n\f\n   \n")
    for path in (empty, blank):
        assert_fails(read_text, path, "empty")
        assert_fails(read_document, path, "empty")
    assert_fails(read_pdf, write(tmp_path, "empty.pdf", b""), "empty")


def test_binary_garbage(tmp_path: Path) -> None:
    garbage = bytes(range(256)) * 8
    named_pdf = write(tmp_path, "random.pdf", garbage)
    assert_fails(read_pdf, named_pdf, "not_pdf")
    assert_fails(read_document, named_pdf, "unreadable")
    assert_fails(read_text, write(tmp_path, "nul.txt", "预算\x00表".encode()), "unreadable")
    assert_fails(read_text, write(tmp_path, "bad.txt", b"\xff\xfe\xfd\x80\x81" * 20), "unreadable")


def test_truncated_pdf(tmp_path: Path) -> None:
    real = corpus_pdf("c002_beijing_001.pdf").read_bytes()
    truncated = write(tmp_path, "truncated.pdf", real[:1000])
    assert_fails(read_pdf, truncated, "unreadable")
    assert_fails(read_document, truncated, "unreadable")


def test_encrypted_pdf(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    path = write(tmp_path, "encrypted.pdf", encrypted_pdf())
    assert len(pdfium.PdfDocument(str(path), password="secret")) == 1  # a well-formed encrypted file
    assert_fails(read_pdf, path, "encrypted")
    assert_fails(read_document, path, "encrypted")


def test_image_only_pdf_is_scanned(tmp_path: Path) -> None:
    error = assert_fails(read_pdf, write(tmp_path, "scan.pdf", image_only_pdf()), "scanned")
    assert error.detail == "扫描件，没有可提取的文字，请先做 OCR"


def test_pdf_without_pages_is_empty(tmp_path: Path) -> None:
    path = write(tmp_path, "zero.pdf", zero_page_pdf())
    assert_fails(read_pdf, path, "empty")
    # PDFium's last error is stale after another file failed: the reason must not follow it
    assert_fails(read_pdf, write(tmp_path, "junk.pdf", b"%PDF-1.4\nnot really\n"), "unreadable")
    assert_fails(read_pdf, path, "empty")


def test_unsupported_kinds_and_missing_files(tmp_path: Path) -> None:
    import openpyxl

    workbook = tmp_path / "budget.xlsx"
    openpyxl.Workbook().save(workbook)
    assert_fails(read_document, workbook, "xlsx")
    assert_fails(read_document, tmp_path, "unreadable")
    assert_fails(read_document, tmp_path / "missing.pdf", "unreadable")
    assert_fails(read_pdf, tmp_path / "missing.pdf", "unreadable")
    assert_fails(read_text, tmp_path, "unreadable")
