"""Amounts as real documents print them (bare integers, fewer decimals, misplaced thousands
separators, amounts run together) and the accounting of every number on a table row: a number
the reading cannot place leaves the row's amounts uncertain instead of being dropped."""

from __future__ import annotations

import pytest

from tests.conftest import SEED
from tests.test_generic import _line, _pdf, _values_line
from yusuan.audit.engine import audit_document
from yusuan.extract.amounts import excess_step, misgrouped, number_columns, printed_step, run_splits
from yusuan.extract.generic import generic_tables, hierarchy_checks
from yusuan.extract.text import parse_text
from yusuan.tables.model import Cell, Location, Table

WAN = 1_000_000  # fen in 1 万元
YUAN = 100

# right edges of 合计 | 基本支出 | 项目支出
TOTAL, BASIC, PROJECT = 340.0, 440.0, 540.0


def _heading(unit: str = "元") -> list:
    return [
        _line(1, 40, ("表3", 20)),
        _line(1, 52, ("一般公共预算支出表", 150)),
        _line(1, 66, (f"单位：{unit}", 420)),
    ]


def _errors(report) -> list[str]:
    return [f.rule for f in report.findings if f.severity == "error"]


def _table(doc) -> Table:
    tables, _ = generic_tables(doc)
    return tables.tables[0]


# --- pieces ----------------------------------------------------------------------------------------


def test_printed_amount_pieces() -> None:
    assert misgrouped("345678,901") and misgrouped("12345,678") and misgrouped("1,2345.00")
    assert not misgrouped("12,345,678.00") and not misgrouped("1,2") and not misgrouped("2450000")
    assert run_splits("1,234,500.0067,890,100.00") == [["1,234,500.00", "67,890,100.00"]]
    assert run_splits("2025.01.01") == [] and run_splits("12.50") == []
    assert printed_step("12.5", "万元") == WAN // 10 and printed_step("2450000", "元") == YUAN
    words = [
        ("事业单位经营收入", 300.0, 340.0),
        ("采购数量", 400.0, 420.0),
        ("功能分类科目编码", 20.0, 60.0),
        ("绩效目标", 500.0, 540.0),
    ]
    assert [numbers for _span, numbers in number_columns(words)] == [False, True, True, True]


# --- 1. bare integers ------------------------------------------------------------------------------


def _bare_integer_table() -> list:
    header = _line(1, 80, ("科目编码", 20), ("科目名称", 100), ("合计", 310), ("基本支出", 400), ("项目支出", 500))
    return [
        *_heading(),
        header,
        # a bare 7-digit amount in the 合计 column and a bare one in 项目支出 (Excel's General format)
        _values_line(1, 100, [("合计", 100)], {TOTAL: "2450000", BASIC: "2,000,000.00", PROJECT: "450000"}),
        _values_line(
            1,
            120,
            [("201", 20), ("一般公共服务支出", 100)],
            {TOTAL: "2,450,000.00", BASIC: "2,000,000.00", PROJECT: "450,000.00"},
        ),
        # a 7-digit code in the code column stays a code
        _values_line(
            1,
            140,
            [("2010101", 20), ("行政运行", 100)],
            {TOTAL: "2,450,000.00", BASIC: "2,000,000.00", PROJECT: "450,000.00"},
        ),
    ]


def test_bare_integers_in_amount_columns_are_amounts() -> None:
    table = _table(_pdf(_bare_integer_table()))
    total = table.row("合计")
    assert total.value("v1") == 2_450_000 * YUAN and total.value("v3") == 450_000 * YUAN
    assert all(c.certain for c in total.cells.values())
    assert table.row("2010101").value("v1") == 2_450_000 * YUAN
    checks = hierarchy_checks(table)
    assert checks and all(c.held for c in checks)


def test_numbers_no_column_explains_leave_the_row_uncertain() -> None:
    lines = _bare_integer_table()
    # a number between the name and the first amount column, under no header: not a code, not an amount
    lines[-1].words.append(_line(1, 140, ("17", 230)).words[0])
    table = _table(_pdf(lines))
    row = table.row("2010101")
    assert [c.certain for k, c in row.cells.items() if k.startswith("v")] == [False, False, False]
    assert all(c.certain for c in table.row("201").cells.values())


def test_numbers_under_a_quantity_header_are_explained() -> None:
    lines = _bare_integer_table()
    lines[3].words.append(_line(1, 80, ("数量", 225)).words[0])
    lines[-1].words.append(_line(1, 140, ("17", 230)).words[0])
    table = _table(_pdf(lines))
    assert all(c.certain for c in table.row("2010101").cells.values())


def test_bare_integer_between_amounts_in_plain_text() -> None:
    text = "\n".join(
        [
            "表5 一般公共预算支出表",
            "单位：万元",
            "科目编码 科目名称 合计 基本支出 项目支出",
            "合计 30.00 20 10.00",
            "201 一般公共服务支出 30.00 20.00 10.00",
            "20101 人大事务 30.00 20.00 10",
            "2010101 行政运行 30.00 20.00 10.00",
        ]
    )
    table = _table(parse_text(text))
    assert table.row("合计").value("v2") == 20 * WAN
    assert table.row("20101").value("v3") == 10 * WAN  # not lost before the next row's code
    assert [r.key for r in table.rows] == [("合计",), ("201",), ("20101",), ("2010101",)]
    # no positions to confirm the column: read in printed order, and not vouched for
    assert not table.row("合计").cells["v2"].certain


@pytest.mark.parametrize(
    ("row", "bare"),
    [
        ("208 01 04 综合业务管理 300.00 300.00 300.00", "208 01 04 综合业务管理 300.00 300 300"),  # 预算05表
        ("在职人员基本工资 90.91 90.91", "在职人员基本工资 90.91 91"),  # 预算07表 (91 ≈ 90.91: a tail)
        ("208 01 04 综合业务管理 300.00 300.00 300.00", "208 01 04 综合业务管理 300 300.00 300.00"),  # first bare
    ],
)
def test_henan_bare_integer_after_amounts(tmp_path, row: str, bare: str) -> None:
    """The Henan reader: a bare integer after a row's amounts is one more amount, not part of
    the next row's name; the seed keeps exactly its genuine errors."""
    from tests.test_audit_seed import GENUINE
    from yusuan.audit.engine import audit_path

    if not SEED.exists():
        pytest.skip("../shared is absent")
    text = SEED.read_text(encoding="utf-8")
    assert row in text
    path = tmp_path / "seed.txt"
    path.write_text(text.replace(row, bare, 1), encoding="utf-8")
    report = audit_path(path)
    assert {(f.rule, f.expected, f.actual) for f in report.findings if f.severity == "error"} == GENUINE


# --- 2. fewer decimals than stored -----------------------------------------------------------------

FEWER = "\n".join(
    [
        "表5 一般公共预算支出表",
        "单位：万元",
        "科目编码 科目名称 合计",
        "合计 30.00",
        "201 一般公共服务支出 30.00",
        "20101 人大事务 17.53",
        "2010101 行政运行 17.53",
        "20103 政府办公厅（室）及相关机构事务 12.5",  # 12.47 printed with one decimal
        "2010301 行政运行 12.47",
    ]
)


def test_fewer_decimals_round_by_their_own_step() -> None:
    table = _table(parse_text(FEWER))
    assert all(c.held for c in hierarchy_checks(table))
    report = audit_document(parse_text(FEWER))
    assert _errors(report) == []
    # a real difference beyond the coarser step is still an error
    report = audit_document(parse_text(FEWER.replace("201 一般公共服务支出 30.00", "201 一般公共服务支出 31.00")))
    assert "table.code_hierarchy" in _errors(report)


def test_excess_step_counts_only_coarser_cells() -> None:
    step = WAN // 100
    cells = [
        Cell(12_50 * 10_000, Location(text="12.5")),
        Cell(17_53 * 10_000, Location(text="17.53")),
        Cell(0, Location(text="-")),
        None,
    ]
    assert excess_step(cells, "万元", step) == WAN // 10 - step


# --- 3. misplaced thousands separators -------------------------------------------------------------

MISGROUPED = "\n".join(
    [
        "2026年预算单位支出预算总表",
        "编制单位：市财政信息中心 单位：元",
        "功能分类科目编码 功能分类科目名称 合计",
        "合计 12,345,678.00",
        "208 社会保障和就业支出 12345,678.00",
        "20805 行政事业单位养老支出 12,345,678.00",
        "2080501 行政单位离退休 12,345,678.00",
    ]
)


def test_misgrouped_numbers_are_read_and_reported() -> None:
    table = _table(parse_text(MISGROUPED))
    assert table.row("208").value("v1") == 12_345_678 * YUAN
    assert table.row("208").value("name") == "社会保障和就业支出"
    report = audit_document(parse_text(MISGROUPED))
    assert _errors(report) == []
    formats = [f for f in report.findings if f.rule == "wording.number_format"]
    assert len(formats) == 1 and formats[0].severity == "warning"
    assert "208" in formats[0].message and "12345,678.00" in formats[0].message
    assert formats[0].locations[0].row == "208" and formats[0].locations[0].line


# --- 4. amounts run together -----------------------------------------------------------------------


def test_amounts_run_together_are_split_by_their_decimals() -> None:
    header = _line(1, 80, ("科目编码", 20), ("科目名称", 100), ("合计", 310), ("基本支出", 400), ("项目支出", 500))
    run = "1,234,500.0067,890,100.00"  # 合计 and 基本支出 printed without a gap
    lines = [
        *_heading(),
        header,
        _values_line(1, 100, [("合计", 100)], {TOTAL: "1,234,500.00", BASIC: "67,890,100.00", PROJECT: "0.00"}),
        _values_line(1, 120, [("201", 20), ("一般公共服务支出", 100)], {BASIC: run, PROJECT: "0.00"}),
    ]
    table = _table(_pdf(lines))
    row = table.row("201")
    assert row.value("v1") == 1_234_500 * YUAN and row.value("v2") == 67_890_100 * YUAN
    assert row.cells["v1"].certain and row.cells["v2"].certain


def test_bare_integers_on_a_line_a_row_took_in_are_not_its_amounts() -> None:
    header = _line(1, 80, ("项目", 100), ("合计", 310), ("基本支出", 400), ("项目支出", 500))
    lines = [
        *_heading(),
        header,
        _values_line(1, 100, [("合计", 100)], {TOTAL: "3,450,000.00", BASIC: "3,000,000.00", PROJECT: "450,000.00"}),
        _values_line(1, 112, [("人员经费", 100)], {TOTAL: "1,000,000.00", BASIC: "1,000,000.00"}),
        # printed tight under the row above, amounts without decimals and no code: read with it
        _values_line(1, 124, [("公用经费", 100)], {TOTAL: "2450000", BASIC: "2000000", PROJECT: "450000"}),
    ]
    table = _table(_pdf(lines))
    taken = [r for r in table.rows if "人员经费" in str(r.value("name"))]
    assert len(taken) == 1 and taken[0].value("v3") is None  # 450000 lent to no other row
    assert not any(c.certain for c in taken[0].cells.values() if isinstance(c.value, int))


# --- a real document printed otherwise -------------------------------------------------------------


def test_real_table_with_misgrouped_and_rounded_amounts() -> None:
    """长沙 003's 一般公共预算基本支出表 with one amount printed with a misplaced separator and
    another with one decimal fewer: both are read, every identity still holds, no error."""
    import dataclasses

    from tests.conftest import corpus_file
    from yusuan.extract.pdf import read_pdf

    doc = read_pdf(corpus_file("c015_changsha_003.pdf"))
    table = generic_tables(doc)[0].get("gpb_basic_econ")
    amounts = [
        (row, row.cells["v1"])
        for row in table.rows
        if row.kind != "total" and isinstance(row.value("v1"), int) and row.cells["v1"].location is not None
    ]
    grouped = next((r, c) for r, c in amounts if len(c.location.text.partition(".")[0]) >= 3)
    rounded = next((r, c) for r, c in amounts if r.kind == "item" and not c.location.text.endswith("0"))
    whole = grouped[1].location.text
    prints = {id(grouped[1]): whole[0] + "," + whole[1:], id(rounded[1]): rounded[1].location.text[:-1]}
    for _row, cell in (grouped, rounded):
        loc = cell.location
        for line in doc.lines:
            if line.page != loc.page:
                continue
            for k, word in enumerate(line.words):
                if (word.x0, word.top, word.x1, word.bottom) == loc.bbox:
                    line.words[k] = dataclasses.replace(word, text=prints[id(cell)])
                    line.text = " ".join(w.text for w in line.words)
    again = generic_tables(doc)[0].get("gpb_basic_econ")
    assert again.row(*grouped[0].key).value("v1") == grouped[1].value
    assert abs(again.row(*rounded[0].key).value("v1") - rounded[1].value) < WAN // 10
    checks = hierarchy_checks(again)
    assert checks and all(c.held for c in checks)
    report = audit_document(doc)
    assert _errors(report) == []
    formats = [f for f in report.findings if f.rule == "wording.number_format" and f.locations[0].table]
    assert [f.locations[0].row for f in formats] == ["/".join(grouped[0].key)]


def test_whole_yuan_plain_text_codes_are_not_amounts() -> None:
    """Without positions, in a table printing whole 元: '… 0 208 05 行政事业单位养老支出' — 208 opens
    the next row (a 类 the catalog knows, before a 款), it is no fourth amount of the row before."""
    text = "\n".join(
        [
            "2026年预算单位支出预算总表",
            "编制单位：市财政信息中心 单位：元",
            "功能分类科目编码 功能分类科目名称 合计 基本支出 项目支出",
            "208 社会保障和就业支出 7,099,698 7,099,698 0",
            "208 05 行政事业单位养老支出 7,099,698 7,099,698 0",
            "208 05 01 行政单位离退休 1,058,456 1,058,456 0",
            "208 05 05 机关事业单位基本养老保险缴费支出 6,041,242 6,041,242 0",
            "合计 7,099,698 7,099,698 0",
        ]
    )
    table = _table(parse_text(text))
    assert [c.key for c in table.columns if c.type == "amount"] == ["v1", "v2", "v3"]
    assert [r.key for r in table.rows] == [("208",), ("20805",), ("2080501",), ("2080505",), ("合计",)]
    assert all(c.held for c in hierarchy_checks(table))


def test_a_column_of_bare_integers_is_read_and_vouched_for_by_its_header() -> None:
    """项目支出 prints only bare integers: an amount column by its header; 车辆 (a header that names
    no amount) prints only bare integers too: read, each such cell uncertain, the row's others not."""
    header = _line(1, 80, ("科目编码", 20), ("科目名称", 100), ("合计", 310), ("项目支出", 400), ("车辆", 515))
    lines = [
        *_heading("万元"),
        header,
        _values_line(1, 100, [("合计", 100)], {TOTAL: "30.50", BASIC: "30", PROJECT: "2"}),
        _values_line(1, 120, [("201", 20), ("一般公共服务支出", 100)], {TOTAL: "30.50", BASIC: "30", PROJECT: "2"}),
        _values_line(1, 140, [("2010101", 20), ("行政运行", 100)], {TOTAL: "30.50", BASIC: "30", PROJECT: "2"}),
    ]
    table = _table(_pdf(lines))
    row = table.row("2010101")
    assert (row.value("v1"), row.value("v2"), row.value("v3")) == (30_50 * 10_000, 30 * WAN, 2 * WAN)
    assert row.cells["v1"].certain and row.cells["v2"].certain and not row.cells["v3"].certain
