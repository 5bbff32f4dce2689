"""Generic checks (no profile): the 收支总表 balances, and the same total agrees across tables."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED
from yusuan.audit.engine import audit_document, audit_path
from yusuan.audit.finding import Finding
from yusuan.extract.text import parse_text

CORPUS = SHARED / "corpus" / "real-2026"
RULES = ("summary.balance", "cross.generic_totals", "narrative.generic_totals")


def _row(a: str, b: str = "", c: str = "", d: str = "") -> str:
    return f"{a:<24}{b:>12}        {c:<24}{d:>12}"


def _coded(code: str, name: str, *values: str) -> str:
    return f"{code:<10}{name:<24}" + "".join(f"{v:>12}" for v in values)


def _document(
    income_total: str = "120.00",
    spending_total: str = "120.00",
    spending: str = "120.00",
    gpb: str = "100.00",
    carry: str = "0.00",
    narrative: tuple[str, ...] = (),
    basic: tuple[str, str, str] | None = None,
    gpb_headers: tuple[str, str, str] = ("合计", "基本支出", "项目支出"),
) -> str:
    """A crafted generic document; ``basic``: a 表6 一般公共预算基本支出表 (合计, 人员经费, 公用经费)."""
    basic_table = []
    if basic is not None:
        total, personnel, public = basic
        basic_table = [
            "\f" + "表6 一般公共预算基本支出表".center(80),
            "单位：万元",
            _coded("科目编码", "科目名称", "合计", "人员经费", "公用经费"),
            _coded("", "合计", total, personnel, public),
            _coded("301", "工资福利支出", personnel, personnel, "0.00"),
            _coded("302", "商品和服务支出", public, "0.00", public),
        ]
    return (
        "\n".join(
            [
                *narrative,
                "表1 收支总表".center(80),
                "单位名称：某某局" + " " * 50 + "单位：万元",
                _row("项目", "预算数", "项目", "预算数"),
                _row("一、一般公共预算拨款收入", "100.00", "一、一般公共服务支出", "120.00"),
                _row("二、政府性基金预算拨款收入", "20.00", "二、教育支出", ""),
                _row("本年收入合计", "120.00", "本年支出合计", "120.00"),
                _row("上年结转结余", carry, "年终结转结余", "0.00"),
                _row("收入总计", income_total, "支出总计", spending_total),
                "\f" + "表3 支出总表".center(80),
                "单位：万元",
                _coded("科目编码", "科目名称", "合计", "基本支出", "项目支出"),
                _coded("", "合计", spending, "100.00", "20.00"),
                _coded("201", "一般公共服务支出", spending, "100.00", "20.00"),
                "\f" + "表5 一般公共预算支出表".center(80),
                "单位：万元",
                _coded("科目编码", "科目名称", *gpb_headers),
                _coded("", "合计", gpb, "80.00", "20.00"),
                _coded("201", "一般公共服务支出", gpb, "80.00", "20.00"),
                *basic_table,
            ]
        )
        + "\n"
    )


def _findings(text: str) -> tuple[list[Finding], dict[str, tuple[int, int]]]:
    report = audit_document(parse_text(text, path="crafted.txt"))
    assert report.document["template"] == "generic"
    stats = {t["number"]: (t["identities_checked"], t["identities_held"]) for t in report.tables}
    return [f for f in report.findings if f.rule in RULES], stats


def test_balanced_summary_holds_and_is_counted() -> None:
    findings, stats = _findings(_document())
    assert findings == []
    assert stats["表1"] == (2, 2)  # 收入总计 = 支出总计; 收入总计 = 本年收入合计 + 上年结转结余
    assert stats["表3"][0] >= 1 and stats["表5"][0] >= 1


def test_unbalanced_summary_is_an_error() -> None:
    findings, stats = _findings(_document(spending_total="125.00"))
    assert [(f.rule, f.severity) for f in findings] == [("summary.balance", "error")]
    assert findings[0].expected == "120.00" and findings[0].actual == "125.00"
    assert {p.row for p in findings[0].locations} == {"收入总计", "支出总计"}
    assert stats["表1"][0] - stats["表1"][1] == 1


def test_grand_total_not_the_sum_of_year_and_carry_over() -> None:
    findings, _ = _findings(_document(income_total="130.00", spending_total="130.00", carry="5.00"))
    assert [f.rule for f in findings] == ["summary.balance"]
    assert "本年收入合计 + 上年结转结余" in findings[0].message


def test_one_display_step_is_a_rounding_note() -> None:
    report = audit_document(parse_text(_document(spending_total="120.01"), path="crafted.txt"))
    rules = {f.rule for f in report.findings}
    assert "summary.balance" not in rules and "rounding.tail_difference" in rules


def test_disagreeing_totals_across_tables() -> None:
    # 表3's 合计 110.00 is neither 表1's 支出总计 nor its own 基本支出 + 项目支出: one defect, one
    # error on that cell, the 表1 disagreement among its related places (audit/defects.py)
    report = audit_document(parse_text(_document(spending="110.00"), path="crafted.txt"))
    (total,) = [f for f in report.findings if f.severity == "error" and f.locations[0].row == "合计"]
    assert total.locations[0].table == "表3" and total.actual == "110.00" and total.expected == "120.00"
    assert {p.table for p in total.related} == {"表1"}
    report = audit_document(parse_text(_document(gpb="90.00"), path="crafted.txt"))
    (total,) = [f for f in report.findings if f.severity == "error" and f.locations[0].row == "合计"]
    assert total.locations[0].table == "表5" and "一般公共预算" in total.message
    assert {p.table for p in total.related} == {"表1"}


def test_gpb_total_not_compared_with_carry_over() -> None:
    # with a carry-over the 一般公共预算 spending may draw on it: not compared
    text = _document(income_total="125.00", spending_total="125.00", carry="5.00", gpb="105.00")
    findings, _ = _findings(text)
    assert findings == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus absent")
def test_corpus_wrapped_total_is_not_read_as_an_error() -> None:
    # 福州市商务局: 支出合计 24995.94 printed over two lines (24995.9 / 4) is not an imbalance
    report = audit_path(CORPUS / "c017_fuzhou_012.pdf")
    assert not [f for f in report.findings if f.rule in RULES and f.severity == "error"]
    # 重庆: the 一般公共预算支出表's first column is 2025年预算数, not compared
    report = audit_path(CORPUS / "c004_chongqing_004.pdf")
    assert not [f for f in report.findings if f.rule in RULES and f.severity == "error"]
    table = next(t for t in report.tables if t["kind"] == "summary")
    assert table["identities_checked"] >= 1


def _said(*sentences: str) -> tuple[str, ...]:
    return ("第二部分 2026年部门预算情况说明", "一、收支预算总体情况", *sentences, "\f")


def test_narrative_totals_agree_with_the_summary_table() -> None:
    said = _said("某某局2026年收支总预算120.00万元。", "2026年部门预算支出120.00万元。")
    findings, stats = _findings(_document(narrative=said))
    assert findings == []
    assert stats["表1"] == (4, 4)  # the two balances and the two narrative totals


def test_narrative_total_that_disagrees_is_an_error() -> None:
    findings, _ = _findings(_document(narrative=_said("某某局2026年收支总预算130.00万元。")))
    assert [(f.rule, f.severity) for f in findings] == [("narrative.generic_totals", "error")]
    assert findings[0].actual == "130.00" and findings[0].expected == "120.00"
    assert {p.row for p in findings[0].locations if p.table} == {"收入总计", "本年收入合计"}


def test_narrative_totals_that_are_not_grand_totals_are_not_compared() -> None:
    said = _said(
        "2026年财政拨款收支总预算100.00万元。",  # 财政拨款 only
        "其中：基本支出预算80.00万元，一般公共预算拨款支出预算100.00万元。",
        "“三公”经费支出预算3.00万元。",
    )
    findings, stats = _findings(_document(narrative=said))
    assert findings == [] and stats["表1"] == (2, 2)


def test_narrative_totals_of_several_units_are_not_compared() -> None:
    said = _said("一、甲单位部门预算收入80.00万元。", "二、乙单位部门预算收入40.00万元。")
    findings, stats = _findings(_document(narrative=said))
    assert findings == [] and stats["表1"] == (2, 2)


def test_narrative_total_written_in_whole_wan_may_cut_the_decimals() -> None:
    text = _document(income_total="120.63", spending_total="120.63", narrative=_said("收支总预算120万元。"))
    report = audit_document(parse_text(text, path="crafted.txt"))
    assert not [f for f in report.findings if f.rule == "narrative.generic_totals"]
    checked = next(t["identities_checked"] for t in report.tables if t["number"] == "表1")
    assert checked == 3  # the two balances and the narrative total, which was compared and held


def _columns(text: str) -> tuple[list[Finding], int]:
    report = audit_document(parse_text(text, path="crafted.txt"))
    found = [f for f in report.findings if f.rule == "table.generic_columns"]
    tails = [f for f in report.findings if f.rule == "rounding.tail_difference" and "≠ 基本支出" in f.message]
    return found, len(tails)


def test_row_totals_equal_their_part_columns() -> None:
    text = _document()
    report = audit_document(parse_text(text, path="crafted.txt"))
    assert not [f for f in report.findings if f.rule == "table.generic_columns"]
    checked = {t["number"]: t["identities_checked"] for t in report.tables}
    assert checked["表3"] >= 3  # the code hierarchy and, per row, 合计 = 基本支出 + 项目支出


def test_row_total_that_is_not_its_parts_is_an_error() -> None:
    found, _ = _columns(
        _document().replace(
            _coded("201", "一般公共服务支出", "120.00", "100.00", "20.00"),
            _coded("201", "一般公共服务支出", "120.00", "100.00", "30.00"),
            1,
        )
    )
    assert [(f.rule, f.severity) for f in found] == [("table.generic_columns", "error")]
    assert found[0].expected == "130.00" and found[0].actual == "120.00"
    assert found[0].locations[0].table == "表3" and found[0].locations[0].row == "201"


def test_row_total_off_by_the_rounding_is_a_note() -> None:
    found, tails = _columns(
        _document().replace(
            _coded("201", "一般公共服务支出", "120.00", "100.00", "20.00"),
            _coded("201", "一般公共服务支出", "120.00", "100.00", "20.01"),
            1,
        )
    )
    assert found == [] and tails == 1


def test_columns_are_compared_only_when_the_headers_list_every_part() -> None:
    incomplete = _document().replace(
        _coded("科目编码", "科目名称", "合计", "基本支出", "项目支出"),
        _coded("科目编码", "科目名称", "合计", "人员支出", "项目支出"),
    )
    incomplete = incomplete.replace(
        _coded("201", "一般公共服务支出", "120.00", "100.00", "20.00"),
        _coded("201", "一般公共服务支出", "120.00", "90.00", "20.00"),
        1,
    )
    found, _ = _columns(incomplete)
    assert found == []


def _across(text: str) -> tuple[list[Finding], dict[str, tuple[int, int]]]:
    """The findings and counts of cross.generic_columns alone (its rounding notes included)."""
    from yusuan.audit.rules import load_rules

    rule = "cross.generic_columns"
    report = audit_document(parse_text(text, path="crafted.txt"), {rule: load_rules()[rule]})
    stats = {t["number"]: (t["identities_checked"], t["identities_held"]) for t in report.tables}
    return report.findings, stats


def test_column_totals_agree_across_tables() -> None:
    findings, stats = _across(_document(basic=("80.00", "60.00", "20.00")))
    assert findings == []
    # 表5's 基本支出 column = 表6's 合计; the 支出总表's 基本支出 (100.00, all sources) is not compared:
    # its 合计 (120.00) is not the 一般公共预算's (100.00)
    assert stats["表6"] == (1, 1) and stats["表3"] == (0, 0)


def test_column_total_that_disagrees_is_an_error() -> None:
    findings, stats = _across(_document(basic=("85.00", "65.00", "20.00")))
    assert [(f.rule, f.severity) for f in findings] == [("cross.generic_columns", "error")]
    assert findings[0].expected == "80.00" and findings[0].actual == "85.00"
    assert [(p.table, p.row) for p in findings[0].locations] == [("表6", "合计"), ("表5", "合计")]
    assert "一般公共预算基本支出" in findings[0].message
    assert stats["表6"] == (1, 0)


def test_column_total_one_step_apart_is_a_rounding_note() -> None:
    findings, stats = _across(_document(basic=("80.01", "60.01", "20.00")))
    assert [(f.rule, f.severity) for f in findings] == [("rounding.tail_difference", "info")]
    assert stats["表6"] == (1, 1)


@pytest.mark.parametrize(
    "headers",
    [
        ("合计", "支出", "项目支出"),  # the basic column not named
        ("合计", "基本支出", "基本支出"),  # two columns claim it
        ("合计", "上年基本支出", "项目支出"),  # last year's
    ],
)
def test_columns_with_ambiguous_headers_are_not_compared(headers: tuple[str, str, str]) -> None:
    findings, stats = _across(_document(basic=("85.00", "65.00", "20.00"), gpb_headers=headers))
    assert findings == [] and stats["表6"] == (0, 0)


def test_all_source_table_joins_when_all_money_is_the_general_budget() -> None:
    # no 政府性基金 money (支出总表 合计 = 一般公共预算支出表 合计): the 支出总表's columns are the 一般公共预算's

    def spending(basic: str, project: str) -> str:
        text = _document(spending="100.00", gpb="100.00", basic=("80.00", "60.00", "20.00"))
        text = text.replace(_row("二、政府性基金预算拨款收入", "20.00"), _row("二、政府性基金预算拨款收入", "0.00"))
        for code, name in (("", "合计"), ("201", "一般公共服务支出")):
            text = text.replace(
                _coded(code, name, "100.00", "100.00", "20.00"), _coded(code, name, "100.00", basic, project)
            )
        return text

    findings, stats = _across(spending("80.00", "20.00"))
    assert findings == [] and stats["表3"] == (2, 2)  # its 基本支出 and 项目支出 against 表5's
    findings, stats = _across(spending("85.00", "15.00"))
    assert [(f.rule, f.locations[0].table, f.actual) for f in findings] == [
        ("cross.generic_columns", "表3", "85.00"),
        ("cross.generic_columns", "表3", "15.00"),
    ]
    assert stats["表3"] == (2, 0)


def test_subtotal_of_the_basic_group_and_its_parts() -> None:
    # 北京、江苏、浙江: 合计 | 小计 | 基本支出人员经费 | 公用经费 | 项目支出 — the 小计 is the basic spending
    text = _document(basic=("80.00", "60.00", "25.00"))
    text = text.replace(
        _coded("科目编码", "科目名称", "合计", "基本支出", "项目支出"),
        _coded("科目编码", "科目名称", "合计", "小计", "基本支出人员经费", "公用经费", "项目支出"),
    )
    for label in ("", "201"):
        name = "合计" if not label else "一般公共服务支出"
        text = text.replace(
            _coded(label, name, "100.00", "80.00", "20.00"),
            _coded(label, name, "100.00", "80.00", "60.00", "20.00", "20.00"),
        )
    findings, stats = _across(text)
    # 基本支出 and 人员经费 agree; 表6 prints 公用经费 25.00 against 表5's 20.00
    assert [(f.rule, f.locations[0].column) for f in findings] == [("cross.generic_columns", "v3")]
    assert "公用经费" in findings[0].message and stats["表6"] == (3, 2)


def test_source_column_of_an_all_source_table_only_without_carry_over() -> None:
    # a 基本支出预算表 by source: its 一般公共预算 column is this year's 一般公共预算 basic spending only when
    # nothing carried over is spent (珠海 表11 spends 上年结转 money in that column too)
    table = [
        "\f" + "表7 部门预算基本支出预算表".center(80),
        "单位：万元",
        _coded("科目编码", "科目名称", "合计", "一般公共预算", "政府性基金预算"),
        _coded("", "合计", "82.00", "82.00", "0.00"),
        _coded("301", "工资福利支出", "82.00", "82.00", "0.00"),
    ]
    text = _document(basic=("80.00", "60.00", "20.00")) + "\n".join(table) + "\n"
    findings, stats = _across(text)
    assert [(f.rule, f.locations[0].table) for f in findings] == [("cross.generic_columns", "表7")]
    assert stats["表7"] == (1, 0)
    carried = _document(income_total="125.00", spending_total="125.00", carry="5.00", basic=("80.00", "60.00", "20.00"))
    findings, stats = _across(carried + "\n".join(table) + "\n")
    assert findings == [] and stats["表7"] == (0, 0)


def test_basic_tables_printed_per_unit_are_not_compared() -> None:
    # two 一般公共预算基本支出表 alike (one per unit): neither is the department's total
    text = _document(basic=("85.00", "65.00", "20.00"))
    second = text[text.rindex("\f") :].replace("表6", "表7")  # 表6 is the last table: copy it
    findings, stats = _across(text + second)
    assert findings == [] and stats["表6"] == (0, 0) and stats["表7"] == (0, 0)


def _read_off_table(other: str) -> str:
    """表3 whose 项目支出 reads 0.00 while 合计 = 基本支出 + 20.00 and ``other`` stands in a fourth column."""
    rows = [("", "合计"), ("201", "一般公共服务支出")]
    return (
        "\n".join(
            [
                "表3 一般公共预算支出表".center(80),
                "单位：万元",
                _coded("科目编码", "科目名称", "合计", "基本支出", "项目支出", "上年预算数"),
                *(_coded(code, name, "120.00", "100.00", "0.00", other) for code, name in rows),
            ]
        )
        + "\n"
    )


def test_a_part_read_into_another_column_is_uncertain_from_the_reading() -> None:
    """The 20.00 合计 = 基本支出 + 项目支出 misses stands in the row's 上年预算数 column: a part read a
    column off. The reading marks the row uncertain; the rule only checks (and its failure is withheld)."""
    from yusuan.extract.reading import read_tables

    text = _read_off_table("20.00")
    table = read_tables(parse_text(text, path="crafted.txt")).tables.tables[0]
    assert [[row.cells[c].certain for c in ("v1", "v2", "v3", "v4")] for row in table.rows] == [
        [False, False, False, True]
    ] * 2
    report = audit_document(parse_text(text, path="crafted.txt"))
    assert [(f.rule, f.severity) for f in report.findings] == [("reading.uncertain", "warning")]
    # a missing amount found nowhere in the row is the document's error, on cells read with certainty
    text = _read_off_table("35.00")
    table = read_tables(parse_text(text, path="crafted.txt")).tables.tables[0]
    assert all(cell.certain for row in table.rows for cell in row.cells.values())
    found, _ = _columns(text)
    assert [(f.rule, f.locations[0].row) for f in found] == [
        ("table.generic_columns", "合计"),
        ("table.generic_columns", "201"),
    ]


def test_an_amount_glued_to_the_next_panels_label_does_not_make_the_others_look_cut() -> None:
    """Two-panel tables: '12593.11（一）一般公共服务支出' is one printed word. What follows its point is
    not decimals; read as 14 of them it made every other amount of the table look wrapped (cut)."""
    from yusuan.audit.rules.generic_figures import first_amount, readable_amount
    from yusuan.tables.model import Cell, Column, Location, Row, Table

    def amount(fen: int, printed: str) -> dict[str, Cell]:
        return {"v1": Cell(fen, Location(page=1, text=printed))}

    glued = Row(("收入总计",), "total", amount(1_259_311_000, "12593.11（一）一般公共服务支出"))
    plain = Row(("一般公共预算拨款收入",), "item", amount(1_000_000_000, "10000.00"))
    cut = Row(("政府性基金预算拨款收入",), "item", amount(25_930_000, "259.3"))  # 259.3 / 1 over two lines
    table = Table("summary", "表1", "收支总表", "万元", [Column("v1", ("预算数",))], [glued, plain, cut])
    assert readable_amount(table, plain, "v1") == 1_000_000_000
    assert first_amount(table, plain) == ("v1", 1_000_000_000)
    assert readable_amount(table, cut, "v1") is None
    assert readable_amount(table, glued, "v1") is None  # its decimals cannot be told: not relied on
