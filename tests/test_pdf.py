"""PDF output: the example disclosure typeset by Typst, read back with poppler-utils."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from yusuan.money import format_amount
from yusuan.narrative.model import Block, Narrative
from yusuan.render import fonts as fonts_mod
from yusuan.render import pdf as pdf_mod  # imports typst only when compiling
from yusuan.tables.model import Table, TableSet

pytest.importorskip("typst")

PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")
PDFFONTS = shutil.which("pdffonts")

# Each holds characters that mean something in Typst markup or code.
PARAGRAPH_1 = (
    '= 不是标题。#let x = 1 与 #x、*不加粗*、_不倾斜_、"直引号"、反斜杠\\n 不是换行、'
    "$a^2$ 不是公式、[方括号]、@引用、<标签>、// 不是注释、`raw`、~ 与 - 列表 + 编号。"
)
PARAGRAPH_2 = "金额 12593.11 万元占 100%；路径 C:\\temp\\x；结尾反斜杠\\"


def _narrative() -> Narrative:
    return Narrative(
        title="测试单位2025年部门预算公开",
        blocks=[
            Block("part", "第一部分"),
            Block("title", "测试单位部门概况"),
            Block("heading", "一、主要职能"),
            Block("subheading", "（一）机构设置情况"),
            Block("paragraph", PARAGRAPH_1),
            Block("paragraph", PARAGRAPH_2),
        ],
        attachment_title="附件：测试单位2025年度部门预算表",
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fonts_or_skip() -> None:
    try:
        pdf_mod.find_fonts()
    except RuntimeError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def rendered(example_tables: TableSet) -> bytes:
    _fonts_or_skip()
    return pdf_mod.render_pdf(_narrative(), example_tables)


@pytest.fixture(scope="module")
def pdf_file(rendered: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "disclosure.pdf"
    path.write_bytes(rendered)
    return path


@pytest.fixture(scope="module")
def pages(pdf_file: Path) -> list[str]:
    """The text of each page, in content-stream order (so a wrapped cell's lines stay together).

    pdftotext separates pages with a form feed.
    """
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run([PDFTOTEXT, "-raw", "-enc", "UTF-8", str(pdf_file), "-"], capture_output=True, check=True)
    text = out.stdout.decode("utf-8")
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


@pytest.fixture(scope="module")
def page_sizes(pdf_file: Path) -> list[tuple[float, float]]:
    if PDFINFO is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    out = subprocess.run([PDFINFO, "-f", "1", "-l", "9999", str(pdf_file)], capture_output=True, check=True)
    sizes = re.findall(r"^Page\s+\d+\s+size:\s+([\d.]+) x ([\d.]+) pts", out.stdout.decode(), re.MULTILINE)
    return [(float(w), float(h)) for w, h in sizes]


def _table_pages(tables: list[Table], pages: list[str]) -> dict[str, list[int]]:
    """Page indexes of each table: from the page showing its number and title to the next table's."""
    firsts = []
    for table in tables:
        mark = _squash(table.number + table.title)
        # skip the cover and the contents (which list every table too)
        first = next(i for i, page in enumerate(pages) if i > 1 and mark in _squash(page))
        firsts.append(first)
    assert firsts == sorted(firsts), "tables out of order"
    ends = [*firsts[1:], len(pages)]
    return {t.number: list(range(a, b)) for t, a, b in zip(tables, firsts, ends, strict=True)}


# --------------------------------------------------------------------------- escaping


def test_typst_str_escapes_backslash_quote_and_controls() -> None:
    assert pdf_mod.typst_str('a"b\\c') == '"a\\"b\\\\c"'
    assert pdf_mod.typst_str("一\n二\r\n三\t四") == '"一\\n二\\n三\\t四"'
    assert pdf_mod.typst_str("x\x00y\x1bz") == '"x\\u{0}y\\u{1b}z"'
    assert pdf_mod.typst_str(None) == '""'
    assert pdf_mod.typst_str("#*$[_@<") == '"#*$[_@<"'


def test_template_refuses_unescaped_text() -> None:
    env = pdf_mod._environment()
    with pytest.raises(TypeError, match="typst_str"):
        env.from_string("{{ x }}").render(x="#raw")
    assert env.from_string("{{ x|typst_str }} {{ n }}").render(x="#raw", n=3) == '"#raw" 3'


def test_source_has_every_text_as_a_literal(example_tables: TableSet) -> None:
    _fonts_or_skip()
    source = pdf_mod.typst_source(_narrative(), example_tables)
    assert pdf_mod.typst_str(PARAGRAPH_1) in source
    assert pdf_mod.typst_str(PARAGRAPH_2) in source
    assert "#set document(" in source and "date: none" in source
    # one table per table, and 预算14表 one per unit (each unit's form on a page of its own)
    units = len({r.key[0] for r in example_tables.by_number("预算14表").rows if r.kind == "unit"})
    assert units == 2
    assert source.count("table.header(repeat: true") == len(example_tables.tables) + units - 1
    form_14 = source[source.index('"预算14表"') : source.index('"预算15表"')]
    assert form_14.count("pagebreak()") == units - 1


def test_missing_fonts_raise_a_chinese_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts_mod, "FONT_ROOTS", (tmp_path,))
    pdf_mod.find_fonts.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
            pdf_mod.find_fonts()
    finally:
        pdf_mod.find_fonts.cache_clear()


# --------------------------------------------------------------------------- the example PDF


def test_pdf_is_deterministic(rendered: bytes, example_tables: TableSet) -> None:
    assert rendered.startswith(b"%PDF-")
    assert pdf_mod.render_pdf(_narrative(), example_tables) == rendered


def test_write_pdf(example_tables: TableSet, rendered: bytes, tmp_path: Path) -> None:
    path = pdf_mod.write_pdf(_narrative(), example_tables, tmp_path / "out" / "d.pdf")
    assert path.read_bytes() == rendered
    assert [p.name for p in path.parent.iterdir()] == ["d.pdf"]  # no temporary left behind


def test_narrative_text_verbatim(pages: list[str]) -> None:
    body = _squash("".join(pages[2:]))
    for text in ("第一部分", "测试单位部门概况", "一、主要职能", "（一）机构设置情况", PARAGRAPH_1, PARAGRAPH_2):
        assert _squash(text) in body, text
    assert _squash("测试单位2025年部门预算公开") in _squash(pages[0])  # the cover


def test_contents_list_parts_and_tables(pages: list[str], example_tables: TableSet) -> None:
    contents = _squash(pages[1])
    assert "目录" in contents.replace("\u3000", "")
    assert "第一部分测试单位部门概况" in contents
    assert "附件：测试单位2025年度部门预算表" in contents
    for table in example_tables.tables:
        assert _squash(table.number + table.title) in contents, table.number


def test_every_table_number_title_and_text_cell(pages: list[str], example_tables: TableSet) -> None:
    where = _table_pages(example_tables.tables, pages)
    for table in example_tables.tables:
        text = _squash("".join(pages[i] for i in where[table.number]))
        assert _squash(table.number) in text
        assert _squash(table.title) in text
        assert _squash(table.subtitle) in text
        assert f"单位：{table.unit}" in text
        if table.note:
            assert _squash(table.note) in text
        for row in table.rows:
            for col in table.columns:
                value = row.value(col.key)
                if col.type != "amount" and isinstance(value, str) and value.strip():
                    assert _squash(value) in text, (table.number, col.key, value)


def test_every_amount_and_code_printed(pages: list[str], example_tables: TableSet) -> None:
    """Every nonzero amount and every code, as printed, occurs as a number at least as often as in the tables.

    A number is a maximal run of digits and dots, so ``12593.11`` next to a
    CJK cell (pdftotext may not put a space between them) is still found,
    while two amounts run together would not be.
    """
    words = Counter(re.findall(r"[0-9][0-9.]*", "\n".join(pages)))
    expected: Counter[str] = Counter()
    for table in example_tables.tables:
        for row in table.rows:
            for col in table.columns:
                value = row.value(col.key)
                if col.type == "amount" and isinstance(value, int) and value:
                    expected[format_amount(value, table.unit)] += 1
                elif col.type == "code" and isinstance(value, str) and re.fullmatch(r"[0-9][0-9.]*", value.strip()):
                    expected[value.strip()] += 1  # other code cells (合计 …) are checked as text
    assert "12593.11" in expected and "404.19" in expected and "208" in expected
    missing = {word: (n, words[word]) for word, n in expected.items() if words[word] < n}
    assert not missing, f"printed fewer times than in the tables (expected, found): {missing}"


def test_zero_amounts_are_blank(pages: list[str], example_tables: TableSet) -> None:
    where = _table_pages(example_tables.tables, pages)
    empty = example_tables.by_number("预算10表")
    assert empty.is_empty
    assert "0.00" not in "".join(pages[i] for i in where["预算10表"])


def test_header_rows_repeat_on_every_page(pages: list[str], example_tables: TableSet) -> None:
    where = _table_pages(example_tables.tables, pages)
    spanning = [n for n, idx in where.items() if len(idx) > 1]
    assert "预算08表" in spanning and "预算15表" in spanning
    for table in example_tables.tables:
        leaves = {_squash(c.headers[-1]) for c in table.columns if c.headers}
        for i in where[table.number]:
            text = _squash(pages[i])
            assert all(leaf in text for leaf in leaves), (table.number, i)


def test_page_orientation(pages: list[str], page_sizes: list[tuple[float, float]], example_tables: TableSet) -> None:
    assert len(page_sizes) == len(pages)
    assert 20 <= len(page_sizes) <= 60
    for w, h in page_sizes:  # A4 either way
        assert sorted((round(w), round(h))) == [595, 842]
    landscape = [w > h for w, h in page_sizes]
    assert not landscape[0] and not landscape[1] and not landscape[2]  # cover, contents, narrative
    assert any(landscape)
    where = _table_pages(example_tables.tables, pages)
    for table in example_tables.tables:
        for i in where[table.number]:
            assert landscape[i] == (table.orientation == "landscape"), (table.number, i)


def test_only_cjk_fonts_embedded(pdf_file: Path) -> None:
    if PDFFONTS is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = subprocess.run([PDFFONTS, str(pdf_file)], capture_output=True, check=True).stdout.decode()
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
    assert names, out
    assert all("CJK" in name for name in names), names  # no fallback to a font without Chinese glyphs


def test_tables_only_without_narrative(example_tables: TableSet, tmp_path: Path) -> None:
    _fonts_or_skip()
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = pdf_mod.write_pdf(None, example_tables, tmp_path / "tables.pdf")
    text = subprocess.run([PDFTOTEXT, "-raw", str(path), "-"], capture_output=True, check=True).stdout.decode()
    pages = text.split("\f")[:-1]
    first = example_tables.tables[0].number
    assert _table_pages(example_tables.tables, pages)[first][0] == 2  # cover, contents, then the tables
    assert all(page.strip() for page in pages)
    assert _squash(example_tables.department) in _squash(pages[0])


def test_no_table_cell_is_laid_out_with_one_character_alone_on_its_last_line(example_tables) -> None:
    # 预算07表's 类型 column broke 公用经费 as 公用经 / 费; tests/test_cell_wrapping.py reads the PDF back
    from yusuan.render.cell_fit import cell_width_em, orphaned

    lone = []
    for table in example_tables.tables:
        laid = pdf_mod._table(table)
        kind = "landscape" if laid["flipped"] else "portrait"
        for row in laid["rows"]:
            for i, cell in enumerate(row["cells"]):
                room = cell_width_em(laid["widths"], i, laid["size"], kind, cell["indent"])
                if any(orphaned(part, room, row["bold"]) for part in cell["printed"].split("\n")):
                    lone.append((table.number, cell["text"]))
    assert lone == []


def test_every_total_row_of_table_07_is_labelled(example_tables) -> None:
    table = example_tables.by_number("预算07表")
    totals = [r for r in table.rows if r.kind == "total"]
    assert totals and all(r.value("item.unit") == "合计" for r in totals)
