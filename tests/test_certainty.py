"""Errors that rest on a cell the reading is unsure of are withheld as reading.uncertain; a table
whose identities mostly fail is reported as unreadable, not as dozens of errors."""

from __future__ import annotations

import dataclasses

from yusuan.audit.engine import audit_document
from yusuan.extract.text import parse_text

TEXT = "\n".join(
    [
        "表5 一般公共预算支出表",
        "单位：万元",
        "科目编码 科目名称 合计",
        "合计 30.00",
        "201 一般公共服务支出 30.00",
        "20101 人大事务 20.00",
        "2010101 行政运行 20.00",
        "20103 政府办公厅（室）及相关机构事务 5.00",
        "2010301 行政运行 5.00",
    ]
)


def _errors(report) -> list[str]:
    return [f.rule for f in report.findings if f.severity == "error"]


def test_an_error_on_certain_cells_stays_an_error() -> None:
    report = audit_document(parse_text(TEXT))
    assert _errors(report) == ["table.code_hierarchy"]
    assert report.stats["cells_uncertain"] == 0
    assert report.stats["cells_read"] > 0
    assert report.stats["identities_certain"] == report.stats["identities_checked"]


def test_an_error_on_an_uncertain_cell_becomes_one_reading_warning(monkeypatch) -> None:
    from yusuan.extract import generic

    real = generic.generic_tables

    def unsure_of_20103(doc, regions=None):  # as if the reader could not place a token of row 20103
        tables, info = real(doc, regions)
        for table in tables.tables:
            for row in table.rows:
                if row.key and row.key[-1] == "20103":
                    row.cells = {k: dataclasses.replace(c, certain=False) for k, c in row.cells.items()}
        return tables, info

    monkeypatch.setattr(generic, "generic_tables", unsure_of_20103)
    report = audit_document(parse_text(TEXT))
    assert _errors(report) == []
    warnings = [f for f in report.findings if f.rule == "reading.uncertain"]
    assert len(warnings) == 1
    assert "1 行无法可靠读取" in warnings[0].message and "20103" in warnings[0].message
    assert "1 项核对未作为错误报告" in warnings[0].message
    assert report.stats["cells_uncertain"] == 1
    assert report.stats["identities_certain"] == report.stats["identities_checked"] - 1


def test_a_table_where_most_identities_fail_is_unreadable_not_many_errors() -> None:
    rows = ["合计 90.00", "201 一般公共服务支出 90.00"]
    for k in range(1, 8):  # every 款 disagrees with its only 项: a misread table, not 7 mistakes
        rows += [f"201{k:02d} 款{k} {k}.00", f"201{k:02d}01 项{k} {k + 1}.00"]
    text = "\n".join(["表5 一般公共预算支出表", "单位：万元", "科目编码 科目名称 合计", *rows])
    report = audit_document(parse_text(text))
    assert _errors(report) == []
    [warning] = [f for f in report.findings if f.rule == "reading.unreadable_table"]
    assert "未能可靠读取" in warning.message and "表5" in warning.message


def test_a_row_no_table_can_place_is_uncertain() -> None:
    """The profile reader's ambiguous row: when no placement agrees better with the other tables,
    the row's cells are uncertain, not a guess."""
    from yusuan.audit.context import AuditContext
    from yusuan.audit.settle import settle_ambiguous
    from yusuan.catalog import load_catalog
    from yusuan.extract.tables import Extraction
    from yusuan.tables.model import Cell, Column, Row, Table, TableSet

    columns = [Column("label", ("项目",), "text"), Column("a", ("甲",)), Column("b", ("乙",))]
    row = Row(("x",), "item", {"label": Cell("x"), "a": Cell(5)})
    table = Table("gpb_expenditure", "表5", "一般公共预算支出表", "万元", columns, [row])
    extraction = Extraction(ambiguous=[("表5", ("x",), [{"a": Cell(5)}, {"b": Cell(5)}])])
    ctx = AuditContext(None, None, TableSet(2026, "", "generic", [table]), load_catalog(), extraction)
    settle_ambiguous(ctx)
    assert row.cells["a"].value == 5 and not row.cells["a"].certain and row.cells["label"].certain
    # one option only wins: certain
    row.cells = {"label": Cell("x")}
    ctx.extraction = Extraction(ambiguous=[("表5", ("x",), [{"a": Cell(5)}, {"a": Cell(5)}])])
    settle_ambiguous(ctx)
    assert row.cells["a"].certain


MOVED = [
    "表5 一般公共预算支出表",
    "单位：万元",
    "科目编码   科目名称              合计       基本支出      项目支出",
    "           合计                  30.00      20.00         10.00",
    "201        一般公共服务支出      30.00      20.00         10.00",
    "20101      人大事务              30.00      20.00         10.00",
    "2010101    行政运行              20.00      20.00",
    "2010102    一般行政管理事务      10.00                    10.00",
]


def test_a_value_read_one_column_off_is_uncertain_not_two_errors() -> None:
    """20101's 基本支出 over by 10 and 项目支出 short by 10: a child's 10.00 stands a column off."""
    assert _errors(audit_document(parse_text("\n".join(MOVED)))) == []
    shifted = [*MOVED[:-1], "2010102    一般行政管理事务      10.00      10.00"]
    report = audit_document(parse_text("\n".join(shifted)))
    assert _errors(report) == []
    [warning] = [f for f in report.findings if f.rule == "reading.uncertain"]
    assert "2010102" in warning.message and "2 项核对未作为错误报告" in warning.message


def _kuan_printed_as(line: str) -> list[str]:
    """MOVED with its 款 row 20101 printed as ``line``."""
    return [line if "20101      人大事务" in old else old for old in MOVED]


def test_a_sum_short_in_two_columns_is_still_an_error() -> None:
    """Differences of the same sign are not a moved value: the 款 is misprinted (or parts omitted)."""
    short = _kuan_printed_as("20101      人大事务              28.00      19.00         9.00")
    report = audit_document(parse_text("\n".join(short)))
    assert "table.code_hierarchy" in _errors(report)
    assert not [f for f in report.findings if f.rule.startswith("reading.")]


def test_a_sum_short_by_a_printed_but_unread_amount_is_uncertain() -> None:
    """The 款 misses 7.00; 7.00 is printed on the table's lines but no cell holds it: the reading
    lost a row. An amount missing from the print altogether stays the document's error."""
    from yusuan.extract.generic import hierarchy_checks, table_display_step
    from yusuan.extract.lost_values import mark_lost_values

    def table_and_lines(printed_lost: bool):
        rows = [
            "表5 一般公共预算支出表",
            "单位：万元",
            "科目编码 科目名称 合计",
            "合计 17.00",
            "201 一般公共服务支出 17.00",
            "20101 人大事务 17.00",
            "2010101 行政运行 10.00",
        ]
        doc = parse_text("\n".join(rows))
        from yusuan.extract.generic import generic_tables

        table = generic_tables(doc)[0].tables[0]
        lines = list(doc.lines)
        if printed_lost:  # a line the reader did not turn into a row (as if merged away)
            lines.append(dataclasses.replace(lines[-1], text="2010102 一般行政管理事务 7.00"))
        return table, lines

    table, lines = table_and_lines(printed_lost=True)
    marked = mark_lost_values(table, lines, hierarchy_checks(table), table_display_step(table))
    assert marked == 1
    row = next(r for r in table.rows if r.key == ("20101",))
    assert not row.cells["v1"].certain
    table, lines = table_and_lines(printed_lost=False)
    assert mark_lost_values(table, lines, hierarchy_checks(table), table_display_step(table)) == 0


def test_a_row_read_a_column_off_is_uncertain() -> None:
    """The 款 row's values each stand one column right of their sums: read off, not misprinted."""
    shifted = _kuan_printed_as("20101      人大事务                         30.00         20.00")
    report = audit_document(parse_text("\n".join(shifted)))
    assert _errors(report) == []
    assert any(f.rule == "reading.uncertain" and "20101" in f.message for f in report.findings)


def test_a_code_label_read_as_a_unit_row_is_uncertain() -> None:
    """'50102-社会保障缴费' with amounts is a wrapped economic label, not a unit's subtotal."""
    from yusuan.extract.misreadings import _mark_coded_unit_rows
    from yusuan.tables.model import Cell, Column, Row, Table

    columns = [Column("name", ("名称",), "text"), Column("v1", ("合计",))]
    label = Row(
        ("50102-社会保障缴费30108-机关事业单位基本养老保险缴费",),
        "unit",
        {"name": Cell("50102-社会保障缴费"), "v1": Cell(7)},
    )
    unit = Row(("甲局本级",), "unit", {"name": Cell("北京市某某局本级"), "v1": Cell(9)})
    table = Table("expenditure", "预算03表", "支出总表", "万元", columns, [label, unit])
    _mark_coded_unit_rows(table)
    assert not label.cells["v1"].certain and label.cells["name"].certain
    assert unit.cells["v1"].certain


def test_a_part_standing_under_a_column_outside_the_identity_is_uncertain() -> None:
    """合计 = 基本支出 + 项目支出 misses 10.00, and 10.00 stands in the row's 上缴上级支出 column: a
    part read a column off (a continuation page's columns stand elsewhere), not a misprint."""
    from tests.test_generic_checks import _coded

    head = [
        "表3 支出总表".center(80),
        "单位：万元",
        _coded("科目编码", "科目名称", "合计", "基本支出", "项目支出", "上缴上级支出"),
    ]
    rows = [
        _coded("", "合计", "30.00", "20.00", "10.00", "0.00"),
        _coded("201", "一般公共服务支出", "30.00", "20.00", "10.00", "0.00"),
        _coded("20101", "人大事务", "30.00", "20.00", "10.00", "0.00"),
        _coded("2010101", "行政运行", "20.00", "20.00", "0.00", "0.00"),
    ]
    good = _coded("2010102", "一般行政管理事务", "10.00", "0.00", "10.00", "0.00")
    assert _errors(audit_document(parse_text("\n".join([*head, *rows, good])))) == []
    off = _coded("2010102", "一般行政管理事务", "10.00", "0.00", "0.00", "10.00")
    report = audit_document(parse_text("\n".join([*head, *rows, off])))
    assert _errors(report) == []
    assert any(f.rule == "reading.uncertain" and "2010102" in f.message for f in report.findings)
