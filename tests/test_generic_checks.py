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
) -> str:
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
                _coded("科目编码", "科目名称", "合计", "基本支出", "项目支出"),
                _coded("", "合计", gpb, "80.00", "20.00"),
                _coded("201", "一般公共服务支出", gpb, "80.00", "20.00"),
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
    findings, _ = _findings(_document(spending="110.00"))
    assert [(f.rule, f.severity) for f in findings] == [("cross.generic_totals", "error")]
    assert findings[0].locations[0].table == "表3" and findings[0].actual == "110.00"
    findings, _ = _findings(_document(gpb="90.00"))
    assert [f.rule for f in findings] == ["cross.generic_totals"]
    assert findings[0].locations[0].table == "表5" and "一般公共预算" in findings[0].message


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
