"""Renderers: header grid, XLSX, HTML and JSON output of a hand-built TableSet."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

import openpyxl
import pytest

from yusuan.render.headers import HeaderRange, header_depth, header_grid, name_columns
from yusuan.render.html import render_html, write_html
from yusuan.render.json_out import render_json, write_json
from yusuan.render.xlsx import render_xlsx, write_xlsx
from yusuan.tables.model import Cell, Column, Row, Table, TableSet

BIG = 12_593_110_000  # fen = 12593.11 万元
PROJECT_CODE = "20801010000000001"

GPB_COLUMNS = [
    Column("cls", ("科目编码", "类"), type="code", width=5),
    Column("kuan", ("科目编码", "款"), type="code", width=5),
    Column("xiang", ("科目编码", "项"), type="code", width=5),
    Column("unit_code", ("单位代码",), type="code", width=9),
    Column("name", ("单位（科目名称）",), type="text", width=30),
    Column("total", ("合计",)),
    Column("basic.total", ("基本支出", "小计")),
    Column("basic.personnel.wages", ("基本支出", "人员经费", "工资福利支出")),
    Column("basic.personnel.family", ("基本支出", "人员经费", "对个人和家庭的补助")),
    Column("basic.public.goods", ("基本支出", "公用经费", "商品和服务支出")),
    Column("project.total", ("项目支出", "小计")),
    Column("project.operating", ("项目支出", "其他运转类")),
]


def _row(key, kind, level=0, **cells):
    return Row(key=tuple(key), kind=kind, level=level, cells={k.replace("__", "."): Cell(v) for k, v in cells.items()})


def make_tableset() -> TableSet:
    gpb = Table(
        kind="gpb_expenditure",
        number="预算05表",
        title="2025年一般公共预算支出预算表",
        unit="万元",
        columns=GPB_COLUMNS,
        subtitle="部门名称：焦作市解放区人力资源和社会保障局（汇总）",
        note="注：本表反映一般公共预算支出情况。",
        rows=[
            _row(
                ["合计"],
                "total",
                name="合计",
                total=BIG,
                basic__total=404_190_000,
                basic__personnel__wages=365_360_000,
                basic__personnel__family=6_050_000,
                basic__public__goods=32_780_000,
                project__total=12_188_920_000,
                project__operating=12_188_920_000,
            ),
            _row(
                ["503001"],
                "unit",
                unit_code="503001",
                name="焦作市解放区人力资源和社会保障局",
                total=BIG,
                basic__total=404_190_000,
                project__total=12_188_920_000,
            ),
            _row(
                ["503001", "2080101"],
                "item",
                level=1,
                cls="208",
                kuan="01",
                xiang="01",
                name="行政运行",
                total=99_860_000,
                basic__total=99_860_000,
                basic__personnel__wages=78_090_000,
                basic__personnel__family=3_420_000,
                basic__public__goods=18_350_000,
                project__total=0,
            ),
            _row(
                ["503001", "2080199"],
                "item",
                level=1,
                cls="208",
                kuan="01",
                xiang="99",
                name="其他人力资源和社会保障管理事务支出",
                total=1_565_000,  # 1.565 万元 → 1.57 (ROUND_HALF_UP)
                project__total=1_565_000,
                project__operating=1_565_000,
            ),
        ],
    )
    projects = Table(
        kind="project_expenditure",
        number="预算07表",
        title="2025年项目支出预算表",
        unit="万元",
        orientation="portrait",
        columns=[
            Column("unit", ("单位名称",), type="text", width=20),
            Column("code", ("项目编码",), type="code", width=20),
            Column("name", ("项目名称",), type="text", width=24),
            Column("total", ("合计",)),
            Column("year.gpb", ("本年拨款", "一般公共预算")),
            Column("carry.gpb", ("财政拨款结转结余", "一般公共预算")),
        ],
        subtitle="部门名称：焦作市解放区人力资源和社会保障局（汇总）",
        note="注：A&B <不是标签> 说明。",
        rows=[
            _row(["合计"], "total", name="合计", total=BIG, year__gpb=BIG, carry__gpb=0),
            _row(
                ["503001", PROJECT_CODE],
                "item",
                level=1,
                unit="焦作市解放区人力资源和社会保障局",
                code=PROJECT_CODE,
                name="引进人才费用",
                total=BIG,
                year__gpb=BIG,
                carry__gpb=0,
            ),
        ],
    )
    return TableSet(
        year=2025, department="焦作市解放区人力资源和社会保障局", template="henan-2025", tables=[gpb, projects]
    )


def make_empty_table() -> Table:
    return Table(
        kind="gov_fund_expenditure",
        number="预算09表",
        title="2025年政府性基金预算支出预算表",
        unit="万元",
        columns=[
            Column("code", ("科目编码",), type="code"),
            Column("name", ("科目名称",), type="text"),
            Column("total", ("合计",)),
            Column("basic", ("本年政府性基金预算支出", "基本支出")),
            Column("project", ("本年政府性基金预算支出", "项目支出")),
        ],
        rows=[_row(["合计"], "total", name="合计", total=0)],
        note="注：本部门无政府性基金预算支出，故本表为空表。",
    )


# --------------------------------------------------------------------------- header grid


def _covers(ranges: list[HeaderRange], ncols: int, depth: int) -> None:
    """Every header position is covered by exactly one range."""
    seen: dict[tuple[int, int], HeaderRange] = {}
    for h in ranges:
        for r in range(h.first_row, h.last_row + 1):
            for c in range(h.first_col, h.last_col + 1):
                assert (r, c) not in seen, f"{(r, c)} covered by {seen[(r, c)]} and {h}"
                seen[(r, c)] = h
    assert set(seen) == {(r, c) for r in range(depth) for c in range(ncols)}


def test_header_grid_three_levels():
    grid = header_grid(GPB_COLUMNS)
    assert header_depth(GPB_COLUMNS) == 3
    assert grid == [
        HeaderRange(0, 0, 0, 2, "科目编码"),
        HeaderRange(0, 3, 2, 3, "单位代码"),
        HeaderRange(0, 4, 2, 4, "单位（科目名称）"),
        HeaderRange(0, 5, 2, 5, "合计"),
        HeaderRange(0, 6, 0, 9, "基本支出"),
        HeaderRange(0, 10, 0, 11, "项目支出"),
        HeaderRange(1, 0, 2, 0, "类"),
        HeaderRange(1, 1, 2, 1, "款"),
        HeaderRange(1, 2, 2, 2, "项"),
        HeaderRange(1, 6, 2, 6, "小计"),
        HeaderRange(1, 7, 1, 8, "人员经费"),
        HeaderRange(1, 9, 1, 9, "公用经费"),
        HeaderRange(1, 10, 2, 10, "小计"),
        HeaderRange(1, 11, 2, 11, "其他运转类"),
        HeaderRange(2, 7, 2, 7, "工资福利支出"),
        HeaderRange(2, 8, 2, 8, "对个人和家庭的补助"),
        HeaderRange(2, 9, 2, 9, "商品和服务支出"),
    ]
    _covers(grid, len(GPB_COLUMNS), 3)
    assert HeaderRange(0, 3, 2, 3, "单位代码").rowspan == 3
    assert HeaderRange(0, 6, 0, 9, "基本支出").colspan == 4
    assert not HeaderRange(2, 9, 2, 9, "x").is_merged


def test_header_grid_edge_cases():
    # Same top header split by a different one: two runs, not one.
    paths = [("本年", "一般"), ("结转", "一般"), ("本年", "基金")]
    assert [h for h in header_grid(paths) if h.first_row == 0] == [
        HeaderRange(0, 0, 0, 0, "本年"),
        HeaderRange(0, 1, 0, 1, "结转"),
        HeaderRange(0, 2, 0, 2, "本年"),
    ]
    # Identical adjacent leaves stay separate cells; a leaf next to a group of the same name too.
    paths = [("合计",), ("合计",), ("合计", "小计"), ()]
    grid = header_grid(paths)
    _covers(grid, 4, 2)
    assert grid[:2] == [HeaderRange(0, 0, 1, 0, "合计"), HeaderRange(0, 1, 1, 1, "合计")]
    assert HeaderRange(0, 3, 1, 3, "") in grid
    # One level only, and no columns at all.
    assert header_grid([("a",), ("b",)]) == [HeaderRange(0, 0, 0, 0, "a"), HeaderRange(0, 1, 0, 1, "b")]
    assert header_grid([]) == []


def test_name_columns():
    assert name_columns(GPB_COLUMNS) == {"name"}
    assert name_columns(make_tableset().tables[1].columns) == {"name"}
    side_by_side = [
        Column("a", ("项目",), "text"),
        Column("b", ("金额",)),
        Column("c", ("项目",), "text"),
        Column("d", ("金额",)),
    ]
    assert name_columns(side_by_side) == {"a", "c"}
    assert name_columns([Column("x", ("编码",), "code"), Column("y", ("名称",), "text")]) == {"y"}


# --------------------------------------------------------------------------- XLSX


@pytest.fixture(scope="module")
def workbook():
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(make_tableset())))


def test_xlsx_sheets_and_layout(workbook):
    assert workbook.sheetnames == ["预算05表", "预算07表"]
    ws = workbook["预算05表"]
    assert ws["A1"].value == "2025年一般公共预算支出预算表"
    assert ws["A1"].font.b
    assert ws["A2"].value == "部门名称：焦作市解放区人力资源和社会保障局（汇总）"
    assert ws["L2"].value == "单位：万元"
    merged = {str(r) for r in ws.merged_cells.ranges}
    # title, subtitle and the header merges (header rows are Excel rows 3–5)
    assert {"A1:L1", "A2:K2", "A3:C3", "D3:D5", "E3:E5", "F3:F5", "G3:J3", "K3:L3"} <= merged
    assert {"A4:A5", "G4:G5", "H4:I4", "K4:K5", "L4:L5"} <= merged
    assert "J4:J4" not in merged  # single cells are not merged
    assert ws["D3"].value == "单位代码"
    assert ws["H4"].value == "人员经费"
    assert ws["H5"].value == "工资福利支出"
    assert ws["D3"].fill.fgColor.rgb.endswith("D9D9D9")
    assert ws["D3"].border.left.style == "thin"


def test_xlsx_cells(workbook):
    ws = workbook["预算05表"]
    total, unit, item, small = 6, 7, 8, 9
    assert ws.cell(total, 5).value == "合计"
    assert ws.cell(total, 6).value == pytest.approx(12593.11, abs=1e-9)
    assert isinstance(ws.cell(total, 6).value, float)
    assert "0.00" in ws.cell(total, 6).number_format
    assert ws.cell(total, 6).font.b and ws.cell(unit, 6).font.b and not ws.cell(item, 6).font.b
    assert ws.cell(unit, 4).value == "503001" and ws.cell(unit, 4).data_type == "s"
    assert [ws.cell(item, c).value for c in (1, 2, 3)] == ["208", "01", "01"]
    assert all(ws.cell(item, c).data_type == "s" for c in (1, 2, 3))
    assert ws.cell(item, 5).alignment.indent == 1
    assert ws.cell(item, 11).value is None  # a zero is left blank …
    assert ws.cell(item, 11).border.left.style == "thin"  # … but keeps its border
    assert ws.cell(small, 6).value == pytest.approx(1.57, abs=1e-9)  # 1.565 rounded half up
    assert ws.cell(small + 1, 1).value == "注：本表反映一般公共预算支出情况。"
    assert f"A{small + 1}:L{small + 1}" in {str(r) for r in ws.merged_cells.ranges}

    ws7 = workbook["预算07表"]
    code = ws7.cell(6, 2)  # two header rows (3–4), total row 5, item row 6
    assert code.value == PROJECT_CODE and code.data_type == "s"
    assert ws7.cell(6, 4).value == pytest.approx(12593.11, abs=1e-9)
    assert ws7.cell(6, 6).value is None


def test_xlsx_page_setup(workbook):
    ws = workbook["预算05表"]
    assert ws.print_title_rows == "$1:$5"
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == "9"
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 is the default
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert not ws.print_options.gridLines
    assert ws.column_dimensions["E"].width == pytest.approx(30, abs=1)
    ws7 = workbook["预算07表"]
    assert ws7.page_setup.orientation == "portrait"
    assert ws7.print_title_rows == "$1:$4"


def test_xlsx_empty_table_and_names(tmp_path):
    ts = make_tableset()
    dup = make_empty_table()
    dup.number = "预算05表"  # a repeated number still gets its own sheet
    empty = make_empty_table()
    empty.rows = []
    ts.tables += [make_empty_table(), dup, empty]
    ts.tables[-1].number = "预算/10表"
    path = write_xlsx(ts, tmp_path / "out" / "tables.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["预算05表", "预算07表", "预算09表", "预算05表(2)", "预算_10表"]
    ws = wb["预算09表"]
    assert ws["A3"].value == "科目编码" and ws["D3"].value == "本年政府性基金预算支出"
    assert ws["A5"].value is None and ws["B5"].value == "合计" and ws["C5"].value is None
    assert ws["A6"].value == "注：本部门无政府性基金预算支出，故本表为空表。"
    ws = wb["预算_10表"]
    assert ws["A5"].value == "注：本部门无政府性基金预算支出，故本表为空表。"
    assert ws.print_title_rows == "$1:$4"
    assert [p.name for p in path.parent.iterdir()] == ["tables.xlsx"]


def test_xlsx_reproducible():
    assert render_xlsx(make_tableset()) == render_xlsx(make_tableset())


# --------------------------------------------------------------------------- HTML


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h2: list[str] = []
        self.tds: list[tuple[dict[str, str | None], str]] = []
        self._in: list[str] = []
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("h2", "td"):
            self._in.append(tag)
            self._buf = []

    def handle_endtag(self, tag):
        if self._in and tag == self._in[-1]:
            self._in.pop()
            text = "".join(self._buf)
            if tag == "h2":
                self.h2.append(text)
            else:
                self.tds.append((dict(self.tags[-1][1]) if self.tags[-1][0] == "td" else {}, text))

    def handle_data(self, data):
        self.text.append(data)
        if self._in:
            self._buf.append(data)


@pytest.fixture(scope="module")
def page():
    html = render_html(make_tableset())
    parser = _Collect()
    parser.feed(html)
    parser.close()
    return html, parser


def test_html_structure(page):
    html, p = page
    assert html.startswith("<!DOCTYPE html>")
    html_tag = next(attrs for tag, attrs in p.tags if tag == "html")
    assert html_tag["lang"] == "zh-CN"
    assert "<title>焦作市解放区人力资源和社会保障局 2025年部门预算表</title>" in html
    assert "2025年一般公共预算支出预算表" in p.h2 and "2025年项目支出预算表" in p.h2
    ids = [a.get("id") for tag, a in p.tags if tag == "section"]
    assert ids == ["预算05表", "预算07表"]
    hrefs = [a.get("href") for tag, a in p.tags if tag == "a"]
    assert hrefs == ["#预算05表", "#预算07表"]
    ths = [a for tag, a in p.tags if tag == "th"]
    assert len(ths) == len(header_grid(GPB_COLUMNS)) + len(header_grid(make_tableset().tables[1].columns))
    assert {"rowspan": "3", "scope": "col"} in ths  # 单位代码, 合计 …
    assert {"colspan": "4", "scope": "colgroup"} in ths  # 基本支出
    assert any(a.get("rowspan") == "2" for a in ths) and any(a.get("colspan") == "2" for a in ths)
    assert "@page" in html and "A4 landscape" in html and "table-header-group" in html
    assert "page-break-before" in html


def test_html_cells(page):
    html, p = page
    text = "".join(p.text)
    assert "None" not in text and "None" not in html
    for amount in (
        "12593.11",
        "404.19",
        "365.36",
        "6.05",
        "32.78",
        "12188.92",
        "99.86",
        "78.09",
        "3.42",
        "18.35",
        "1.57",
    ):
        assert amount in [t for _, t in p.tds], amount
    assert "0.00" not in [t for _, t in p.tds]  # zeros are blank
    assert ({"class": "code"}, PROJECT_CODE) in p.tds
    assert ({"class": "code"}, "208") in p.tds
    assert ({"class": "amount"}, "12593.11") in p.tds
    assert ({"class": "text", "style": "padding-left: 1.4em"}, "行政运行") in p.tds
    trs = [a.get("class") for tag, a in p.tags if tag == "tr" and a.get("class")]
    assert "row-total level-0" in trs and "row-unit level-0" in trs and "row-item level-1" in trs
    # notes are escaped, not interpreted
    assert "注：A&B <不是标签> 说明。" in text
    assert "&lt;不是标签&gt;" in html and "A&amp;B" in html
    assert "部门名称：焦作市解放区人力资源和社会保障局（汇总）" in text and "单位：万元" in text


def test_html_empty_and_file(tmp_path):
    ts = make_tableset()
    ts.tables.append(make_empty_table())
    path = write_html(ts, tmp_path / "tables.html")
    html = path.read_text(encoding="utf-8")
    assert 'id="预算09表"' in html and "故本表为空表" in html and "None" not in html


# --------------------------------------------------------------------------- JSON


def test_json_round_trip(tmp_path):
    ts = make_tableset()
    text = render_json(ts)
    assert "12593.11" in text and "\\u" not in text  # Chinese kept as is
    data = json.loads(text)
    assert data["schema"] == "yusuan.tableset/1"
    assert [t["number"] for t in data["tables"]] == ["预算05表", "预算07表"]
    for table, tdata in zip(ts.tables, data["tables"], strict=True):
        for row, rdata in zip(table.rows, tdata["rows"], strict=True):
            assert tuple(rdata["key"]) == row.key
            for key, cell in row.cells.items():
                got = rdata["cells"][key]
                if table.column(key).type == "amount":
                    assert got["fen"] == cell.value and isinstance(got["fen"], int)
                else:
                    assert got == cell.value
    assert data["tables"][0]["rows"][0]["cells"]["total"] == {"fen": BIG, "text": "12593.11"}
    assert data["tables"][1]["rows"][1]["cells"]["code"] == PROJECT_CODE
    path = write_json(ts, tmp_path / "tables.json")
    assert json.loads(path.read_text(encoding="utf-8")) == data
