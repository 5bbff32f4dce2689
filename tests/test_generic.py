"""The generic extractor: tables of any template found by their titles, rows rebuilt without a
profile, and the hierarchy identities (类 = Σ 款, 款 = Σ 项, 合计 = Σ 类) that prove the reading."""

from __future__ import annotations

import pytest

from tests.conftest import corpus_file
from yusuan.extract.document import Document, Line, Word
from yusuan.extract.generic import find_tables, generic_tables, hierarchy_checks, parse_rows, title_kind
from yusuan.extract.text import parse_text
from yusuan.tables.model import Table

# one document per template family (small ones: reading costs about 3 ms a page)
FAMILIES = {
    "上海": "c001_shanghai_001.pdf",
    "北京": "c002_beijing_015.pdf",
    "深圳": "c003_shenzhen_010.pdf",
    "重庆": "c004_chongqing_004.pdf",
    "广州": "c005_guangzhou_005.pdf",
    "苏州": "c006_suzhou_007.pdf",
    "杭州": "c008_hangzhou_001.pdf",  # names only: codes inferred from the catalog
    "国家信访局": "c009_wuhan_001.pdf",
    "无锡": "c014_wuxi_004.pdf",
    "长沙": "c015_changsha_003.pdf",
    "泉州": "c021_quanzhou_001.pdf",
    "西安": "c020_xian_020.pdf",
    "烟台": "c025_yantai_016.pdf",
    "湖州": "c079_huzhou_004.pdf",
}
SUMMARY_KINDS = {"summary", "income", "expenditure", "fiscal_summary", "gpb_expenditure"}
WAN = 1_000_000  # fen in 1 万元


_DOCS: dict[str, Document] = {}


def _read(name: str) -> Document:
    from yusuan.extract.pdf import read_pdf

    if name not in _DOCS:
        _DOCS[name] = read_pdf(corpus_file(name))
    return _DOCS[name]


def _checks(table: Table) -> tuple[int, int]:
    checks = hierarchy_checks(table)
    return len(checks), sum(1 for c in checks if c.held)


# --- real documents ----------------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_corpus_family(family: str) -> None:
    doc = _read(FAMILIES[family])
    tables, info = generic_tables(doc)
    kinds = {t.kind for t in tables.tables}
    assert kinds >= SUMMARY_KINDS, f"{family}: kinds found {sorted(kinds)}"
    coded = [r for t in tables.tables for r in t.rows if r.kind in ("class", "kuan", "item") and r.value("code")]
    assert len(coded) >= 5
    for row in coded[:20]:
        code = str(row.value("code"))
        assert code.isdigit() and len(code) in (3, 5, 6, 7)
        cells = [c for k, c in row.cells.items() if k.startswith("v") and isinstance(c.value, int)]
        assert all(c.location is not None and c.location.page for c in cells)
    checked = held = 0
    for table in tables.tables:
        n, ok = _checks(table)
        checked, held = checked + n, held + ok
    assert checked >= 10
    assert held >= 0.95 * checked, f"{family}: {held}/{checked} identities hold"
    assert len(info["tables"]) == len(tables.tables)


def test_corpus_document_errors_are_reported() -> None:
    """Two real inconsistencies: 苏州 公开07表 lists 222 粮油物资储备支出 (388.25) outside its 合计;
    长春 预算表6 prints 301 工资福利支出 911.21 over 款 rows adding to 920.96."""
    suzhou, _ = generic_tables(_read("c006_suzhou_001.pdf"))
    table = suzhou.by_number("公开07表")
    failed = [c for c in hierarchy_checks(table) if not c.held]
    assert failed and failed[0].row_key == ("合计",)
    assert failed[0].actual == 9_078_52 * 10_000 and failed[0].difference == -388_25 * 10_000
    changchun, _ = generic_tables(_read("c040_changchun_007.pdf"))
    table = changchun.by_number("预算表6")
    failed = [c for c in hierarchy_checks(table) if not c.held and c.row_key == ("301",) and c.column == "v1"]
    assert failed and failed[0].actual == 911_21 * 10_000 and failed[0].expected == 920_96 * 10_000


# --- crafted documents -------------------------------------------------------------------------


def _width(text: str) -> float:
    return sum(10.0 if ord(ch) > 0x2000 else 5.5 for ch in text)


def _line(page: int, top: float, *words: tuple[str, float], right: bool = False) -> Line:
    """A PDF line: words at x (their left edge, or their right edge when ``right``), 10 points high."""
    boxes = []
    for text, x in words:
        x0 = x - _width(text) if right and text[0].isdigit() and "." in text else x
        boxes.append(Word(text, x0, x0 + _width(text), top, top + 10.0))
    return Line(" ".join(w.text for w in boxes), page, words=boxes, top=top)


def _pdf(lines: list[Line]) -> Document:
    return Document("crafted.pdf", "pdf", lines, max(line.page for line in lines), has_positions=True)


def _values_line(page: int, top: float, head: list[tuple[str, float]], values: dict[float, str]) -> Line:
    """A row: its code and name words, and amounts right-aligned at the given column edges."""
    line = _line(page, top, *head)
    for edge, text in values.items():
        line.words.append(Word(text, edge - _width(text), edge, top, top + 10.0))
    line.text = " ".join(w.text for w in line.words)
    return line


COLUMNS = (340.0, 420.0, 500.0)  # right edges of 合计 | 基本支出 | 项目支出


def _split_code_table() -> Document:
    total, basic, project = COLUMNS
    return _pdf(
        [
            _line(1, 40, ("表3", 20)),
            _line(1, 52, ("一般公共预算支出表", 150)),
            _line(1, 66, ("单位：万元", 420)),
            _line(1, 80, ("科目编码", 20), ("科目名称", 100), ("合计", 310), ("基本支出", 380), ("项目支出", 460)),
            _values_line(1, 100, [("合计", 100)], {total: "30.00", basic: "20.00", project: "10.00"}),
            _values_line(1, 120, [("208", 20), ("社会保障和就业支出", 100)], {total: "20.00", basic: "20.00"}),
            _values_line(
                1, 140, [("208", 20), ("05", 45), ("行政事业单位养老支出", 100)], {total: "20.00", basic: "20.00"}
            ),
            # a name wrapped over two lines around its centred values
            _line(1, 155.5, ("机关事业单位基本养老", 100)),
            _values_line(1, 160, [("208", 20), ("05", 45), ("05", 65)], {total: "15.00", basic: "15.00"}),
            _line(1, 164.5, ("保险缴费支出", 100)),
            _values_line(
                1,
                185,
                [("208", 20), ("05", 45), ("06", 65), ("机关事业单位职业年金缴费支出", 100)],
                {total: "5.00", basic: "5.00"},
            ),
            # the 基本支出 cell left blank: the 项目支出 amount keeps its column
            _values_line(1, 205, [("212", 20), ("城乡社区支出", 100)], {total: "10.00", project: "10.00"}),
            _values_line(
                1,
                225,
                [("212", 20), ("08", 45), ("国有土地使用权出让收入安排的支出", 100)],
                {total: "10.00", project: "10.00"},
            ),
            _values_line(
                1,
                245,
                [("212", 20), ("08", 45), ("06", 65), ("土地出让业务支出", 100)],
                {total: "10.00", project: "10.00"},
            ),
        ]
    )


def test_split_codes_wrapped_names_and_blank_cells() -> None:
    doc = _split_code_table()
    regions = find_tables(doc)
    assert [(r.number, r.title, r.kind, r.unit) for r in regions] == [
        ("表3", "一般公共预算支出表", "gpb_expenditure", "万元")
    ]
    rows = parse_rows(regions[0])
    assert [r.code for r in rows] == ["", "208", "20805", "2080505", "2080506", "212", "21208", "2120806"]
    assert [r.kind for r in rows] == ["total", "class", "kuan", "item", "item", "class", "kuan", "item"]
    assert rows[3].name == "机关事业单位基本养老保险缴费支出"
    tables, info = generic_tables(doc)
    table = tables.tables[0]
    assert info["tables"][0]["positional"] is True
    assert [c.key for c in table.columns] == ["code", "name", "v1", "v2", "v3"]
    assert table.column("v2").headers == ("基本支出",)
    land = table.row("212")
    assert land.value("v1") == 10 * WAN and land.value("v2") is None and land.value("v3") == 10 * WAN
    cell = land.cells["v3"]
    assert cell.location is not None and cell.location.page == 1 and cell.location.bbox is not None
    checks = hierarchy_checks(table)
    assert checks and all(c.held for c in checks)
    identities = {c.identity for c in checks}
    assert {"类 = Σ 款", "款 = Σ 项", "合计 = Σ 最上级各行"} <= identities


def test_code_heads_with_names_attached() -> None:
    text = "\n".join(
        [
            "表5 一般公共预算支出表",
            "单位：万元",
            "科目编码 科目名称 合计 基本支出 项目支出",
            "合计 30.00 20.00 10.00",
            "201-一般公共服务支出 30.00 20.00 10.00",
            "20101人大事务 30.00 20.00 10.00",
            "2010101-行政运行 20.00 20.00 0.00",
            "[2010102]一般行政管理事务 10.00 0.00 10.00",
        ]
    )
    doc = parse_text(text, path="crafted.txt")
    tables, _ = generic_tables(doc)
    table = tables.get("gpb_expenditure")
    assert [r.key for r in table.rows] == [("合计",), ("201",), ("20101",), ("2010101",), ("2010102",)]
    assert [r.value("name") for r in table.rows[1:]] == ["一般公共服务支出", "人大事务", "行政运行", "一般行政管理事务"]
    assert table.row("2010102").value("v3") == 10 * WAN
    checks = hierarchy_checks(table)
    assert len(checks) == 9 and all(c.held for c in checks)


def test_yuan_table_with_thousands_separators() -> None:
    text = "\n".join(
        [
            "2026年预算单位支出预算总表",
            "编制单位：某某中心 单位：元",
            "功能分类科目编码 功能分类科目名称 合计 基本支出 项目支出",
            "208 社会保障和就业支出 7,099,698.00 7,099,698.00 0.00",
            "208 05 行政事业单位养老支出 7,099,698.00 7,099,698.00 0.00",
            "208 05 01 行政单位离退休 1,058,456.50 1,058,456.50 0.00",
            "208 05 05 机关事业单位基本养老保险缴费支出 6,041,241.50 6,041,241.50 0.00",
            "合计 7,099,698.00 7,099,698.00 0.00",
        ]
    )
    tables, _ = generic_tables(parse_text(text))
    table = tables.tables[0]
    assert (table.kind, table.unit, table.subtitle) == ("expenditure", "元", "某某中心")
    assert table.row("2080501").value("v1") == 105_845_650  # fen
    assert table.row("208").value("v1") == 709_969_800
    checks = hierarchy_checks(table)
    assert checks and all(c.held for c in checks)
    # whole 元 without decimals (上海 prints them so)
    whole = text.replace(".00", "").replace(".50", "")
    table = generic_tables(parse_text(whole))[0].tables[0]
    assert table.row("2080505").value("v1") == 604_124_100
    assert all(c.held for c in hierarchy_checks(table))


def test_table_of_contents_is_not_a_table() -> None:
    contents = [
        "目录",
        "一、收支总表 ........................ 5",
        "二、收入总表 ........................ 6",
        "表1 收支总表 3",
        "表2 收入总表 4",
        "（一）收支总表",
        "（二）收入总表",
        "（三）支出总表",
        "详见公开报表中的政府采购表",
    ]
    assert find_tables(parse_text("\n".join(contents))) == []
    table = ["表2", "收入总表", "单位：万元", "项目 合计 财政拨款", "合计 10.00 10.00"]
    regions = find_tables(parse_text("\n".join([*contents, *table])))
    assert [(r.number, r.title, r.kind) for r in regions] == [("表2", "收入总表", "income")]


def test_failing_identity_is_reported() -> None:
    text = "\n".join(
        [
            "表5 一般公共预算支出表",
            "单位：万元",
            "合计 30.00",
            "201 一般公共服务支出 30.00",
            "20101 人大事务 20.00",
            "2010101 行政运行 20.00",
            "20103 政府办公厅（室）及相关机构事务 5.00",
            "2010301 行政运行 5.00",
        ]
    )
    table = generic_tables(parse_text(text))[0].tables[0]
    failed = [c for c in hierarchy_checks(table) if not c.held]
    assert len(failed) == 1
    check = failed[0]
    assert (check.identity, check.row_key, check.column) == ("类 = Σ 款", ("201",), "v1")
    assert (check.expected, check.actual, check.difference) == (25 * WAN, 30 * WAN, 5 * WAN)
    assert check.parts == ((("20101",), "v1"), (("20103",), "v1"))
    # one display step (0.01 万元) per summed term is rounding, not an error
    rounded = text
    for before, after in (("事务 20.00", "事务 25.01"), ("1 行政运行 20.00", "1 行政运行 25.01")):
        rounded = rounded.replace(before, after)
    for before, after in (("事务 5.00", "事务 4.98"), ("1 行政运行 5.00", "1 行政运行 4.98")):
        rounded = rounded.replace(before, after)
    assert all(c.held for c in hierarchy_checks(generic_tables(parse_text(rounded))[0].tables[0]))


def test_continuation_pages_and_units() -> None:
    def page(unit: str, rows: list[str]) -> str:
        return "\n".join(["表3", "支出总表", f"部门名称：{unit} 单位：万元", "科目编码 科目名称 合计", *rows])

    text = "\n\f".join(  # pdftotext starts each page after a form feed
        [
            page("甲局", ["合计 30.00", "208 社会保障和就业支出 30.00", "20805 行政事业单位养老支出 30.00"]),
            page(
                "甲局", ["2080505 机关事业单位基本养老保险缴费支出 20.00", "2080506 机关事业单位职业年金缴费支出 10.00"]
            ),
            page("乙中心", ["合计 5.00", "221 住房保障支出 5.00"]),
        ]
    )
    doc = parse_text(text)
    regions = find_tables(doc)
    assert [r.continuation for r in regions] == [False, True, False]
    assert [r.subtitle for r in regions] == ["甲局", "甲局", "乙中心"]
    tables, info = generic_tables(doc)
    assert [len(t.rows) for t in tables.tables] == [5, 2]
    assert info["tables"][0]["pages"] == [1, 2]
    assert all(c.held for c in hierarchy_checks(tables.tables[0]))


def test_title_kinds() -> None:
    assert title_kind("2026年部门收支预算总表") == "summary"
    assert title_kind("财政拨款收支总体情况表") == "fiscal_summary"
    assert title_kind("一般公共预算财政拨款支出表") == "gpb_expenditure"
    assert title_kind("一般公共预算基本支出表") == "gpb_basic_econ"
    assert title_kind("财政拨款“三公”经费支出表") == "three_public"
    assert title_kind("一般公共预算机关运行经费支出预算表") == "operating_costs"
    assert title_kind("政府性基金预算支出表") == "gov_fund"
    assert title_kind("国有资本经营预算支出表") == "soe_capital"
    assert title_kind("项目支出表") == "projects"
    assert title_kind("政府采购预算明细表") == "procurement"
    assert title_kind("部门整体支出绩效目标表") == "dept_performance"
    assert title_kind("项目支出绩效目标表") == "project_performance"
    assert title_kind("第二部分 部门预算表") == ""


def test_names_only_table_gets_codes_from_the_catalog() -> None:
    text = "\n".join(
        [
            "表3：2026年市级部门支出预算总表",
            "部门名称：某气象局 单位：万元",
            "功能分类科目名称 总计 基本支出 项目支出",
            "合计 396.67 395.77 0.90",
            "社会保障和就业支出 396.67 395.77 0.90",
            "行政事业单位养老支出 396.67 395.77 0.90",
            "行政单位离退休 193.24 192.34 0.90",
            "机关事业单位基本养老保险缴费支出 135.62 135.62 0.00",
            "机关事业单位职业年金缴费支出 67.81 67.81 0.00",
        ]
    )
    tables, info = generic_tables(parse_text(text))
    table = tables.tables[0]
    assert info["tables"][0]["codes_inferred"] is True
    assert [r.value("code") for r in table.rows[1:]] == ["208", "20805", "2080501", "2080505", "2080506"]
    assert table.row("20805").cells["code"].location is None  # not printed
    assert table.row("20805").cells["name"].location is not None
    checks = hierarchy_checks(table)
    assert len(checks) == 9 and all(c.held for c in checks)


def test_two_sided_labels_split_by_value_columns() -> None:
    left, right = 200.0, 500.0  # right edges of the two 预算数 columns
    doc = _pdf(
        [
            _line(1, 40, ("收支总表", 150)),
            _line(1, 56, ("单位：元", 420)),
            _line(1, 70, ("项目", 20), ("预算数", 160), ("项目", 260), ("预算数", 460)),
            _values_line(
                1, 90, [("一、财政拨款收入", 20), ("一、一般公共服务支出", 260)], {left: "100.00", right: "60.00"}
            ),
            # the left amount is blank: the two labels are two rows all the same
            _values_line(1, 110, [("二、事业收入", 20), ("二、教育支出", 260)], {right: "40.00"}),
            _values_line(1, 130, [("收入总计", 20), ("支出总计", 260)], {left: "100.00", right: "100.00"}),
        ]
    )
    table = generic_tables(doc)[0].tables[0]
    assert table.kind == "summary" and table.unit == "元"
    assert [r.key[0] for r in table.rows] == [
        "一、财政拨款收入",
        "一、一般公共服务支出",
        "二、事业收入",
        "二、教育支出",
        "收入总计",
        "支出总计",
    ]
    assert table.row("二、事业收入").value("v1") is None
    assert table.row("二、教育支出").value("v2") == 4000
    assert [r.kind for r in table.rows][-2:] == ["total", "total"]
