"""The narrative read wherever it stands, its sentence structure, and the checks of its own words
(crafted documents of the generic layout, read with ``parse_text``)."""

from __future__ import annotations

from tests.conftest import corpus_file
from tests.test_generic_checks import _document
from yusuan.audit.engine import audit_document, audit_path
from yusuan.audit.finding import Finding
from yusuan.extract.text import parse_text


def _audit(text: str) -> list[Finding]:
    report = audit_document(parse_text(text, path="crafted.txt"))
    # the crafted tables' 某某局 is a placeholder: not what these tests are about
    return [
        f
        for f in report.findings
        if f.rule.startswith(("narrative.", "wording.", "rounding.")) and f.rule != "wording.placeholder"
    ]


def _errors(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.actual) for f in _audit(text) if f.severity == "error"]


def _after_tables(*sentences: str) -> str:
    """The crafted tables (表1 收支总表 120.00 …), then a part of narrative printed after them."""
    return _document() + "\f" + "\n".join(["第三部分 2026年部门预算情况说明", *sentences]) + "\n"


def _before_tables(*sentences: str) -> str:
    return _document(narrative=("第二部分 2026年部门预算情况说明", *sentences, "\f"))


# --- 1. where the narrative stands ---------------------------------------------------------------


def test_narrative_after_the_tables_is_read() -> None:
    assert _errors(_after_tables("一、收支预算总体情况", "收支总预算130.00万元。")) == [
        ("narrative.generic_totals", "130.00")
    ]
    assert _errors(_after_tables("一、收支预算总体情况", "收支总预算120.00万元。")) == []


def test_a_page_number_at_a_page_break_is_not_part_of_a_sentence() -> None:
    # '收支总预算' | '3' (the page number) | next page '120.00万元。': not 3120.00 万元
    text = _before_tables("一、收支预算总体情况", "甲局收支总预算", "3", "\f120.00万元。")
    assert _errors(text) == []
    text = _before_tables("一、收支预算总体情况", "甲局收支总预算", "- 3 -", "\f125.00万元。")
    assert _errors(text) == [("narrative.generic_totals", "125.00")]


def test_corpus_narrative_after_the_tables_is_checked() -> None:
    # 国家信访局 (develop half): its 情况说明 follows the tables; '委托业务费财政拨款预算 1,391.68万元，比 2025 年预算
    # 增加 333.83 万元，增长 31.35%' — 333.83 / 1057.85 is 31.56%: a real slip, unseen while only the lines
    # before the tables were read
    report = audit_path(corpus_file("c009_wuhan_001.pdf"))
    found = [f for f in report.findings if f.rule == "narrative.growth_arithmetic"]
    assert [(f.severity, f.expected, f.actual) for f in found] == [("error", "31.56", "31.35")]


# --- 2. sentence structure -----------------------------------------------------------------------


def test_a_parenthesised_breakdown_is_the_parts_of_a_part() -> None:
    said = (
        "支出预算120.00万元，其中：基本支出100.00万元（其中，人员经费80.00万元，公用经费20.00万元），"
        "项目支出20.00万元。"
    )
    assert _errors(_after_tables(said)) == []
    wrong = said.replace("公用经费20.00", "公用经费30.00")
    assert _errors(_after_tables(wrong)) == [("narrative.parts_sum", "100.00")]


def test_a_single_part_named_by_qizhong_ends_at_its_clause() -> None:
    said = "收入预算120.00万元，其中结转结余20.00万元，用于项目支出；财政拨款收入预算50.00万元。"
    assert _errors(_after_tables(said)) == []


def test_an_amount_in_a_reason_clause_is_not_the_whole() -> None:
    said = (
        "收入预算120.00万元，比上年增加20.00万元，增长20.00%，主要原因是上年结转结余20.00万元。"
        "其中：一般公共预算拨款收入100.00万元、政府性基金预算拨款收入20.00万元。"
    )
    assert _errors(_after_tables(said)) == []
    wrong = said.replace("政府性基金预算拨款收入20.00", "政府性基金预算拨款收入10.00")
    assert _errors(_after_tables(wrong)) == [("narrative.parts_sum", "120.00")]


def test_a_growth_clause_after_a_list_is_the_totals() -> None:
    said = "支出预算120.00万元，其中：基本支出90.00万元，项目支出30.00万元，比上年增加20.00万元，增长20.00%。"
    assert _errors(_after_tables(said)) == []
    wrong = said.replace("增长20.00%", "增长25.00%")
    assert _errors(_after_tables(wrong)) == [("narrative.growth_arithmetic", "25.00")]


def test_parts_in_whole_wan_are_each_rounded() -> None:
    findings = _audit(_after_tables("专项经费100.20万元，其中：基本支出60万元、项目支出41万元。"))
    assert [(f.rule, f.severity) for f in findings] == [("rounding.tail_difference", "info")]
    assert _errors(_after_tables("专项经费100.20万元，其中：基本支出60万元、项目支出42万元。")) == [
        ("narrative.parts_sum", "100.20")
    ]


def test_corpus_reason_clause_amount_is_not_the_whole() -> None:
    # 福州 交通管理支队: '收入预算为61764.88万元，…主要原因是…上年结转结余8000.00万元。其中：…' (develop half)
    report = audit_path(corpus_file("c017_fuzhou_008.pdf"))
    assert not [f for f in report.findings if f.rule == "narrative.parts_sum"]


# --- 3. the narrative's words against its numbers and its year --------------------------------------


def _final(*sentences: str) -> str:
    """The crafted tables as a 2025 决算 (titles …决算表), then its narrative."""
    text = _document()
    for title, final in (
        ("表1 收支总表", "表1 2025年度收入支出决算总表"),
        ("表3 支出总表", "表3 2025年度支出决算表"),
        ("表5 一般公共预算支出表", "表5 2025年度一般公共预算财政拨款支出决算表"),
    ):
        text = text.replace(title.center(80), final.center(80))
    return text + "\f" + "\n".join(["第三部分 2025年度部门决算情况说明", *sentences]) + "\n"


def test_a_rate_follows_from_last_years_and_this_years_amounts() -> None:
    said = "上年执行数为100.00万元，本年预算安排120.00万元，比上年执行数增加20.00%。"
    assert _errors(_after_tables(said)) == []
    assert _errors(_after_tables(said.replace("20.00%", "25.00%"))) == [("narrative.rate_arithmetic", "25.00")]


def test_a_comparative_word_agrees_with_the_two_amounts() -> None:
    assert _errors(_after_tables("上年执行数为100.00万元，本年预算安排90.00万元，比上年执行数减少。")) == []
    found = _errors(_after_tables("上年执行数为100.00万元，本年预算安排90.00万元，比上年执行数增加。"))
    assert [rule for rule, _ in found] == ["narrative.comparison_words"]
    found = _errors(_final("年初预算为100.00万元，决算数为90.00万元，决算数大于预算数。"))
    assert [rule for rule, _ in found] == ["narrative.comparison_words"]
    assert _errors(_final("年初预算为100.00万元，决算数为110.00万元，决算数大于预算数。")) == []
    # 上年结转 is this year's money, not last year's figure: no comparison is read
    assert _errors(_after_tables("上年结转100.00万元，本年预算安排90.00万元，比上年增加。")) == []


def test_a_year_compared_with_itself_is_an_error() -> None:
    assert _errors(_after_tables("2026年支出预算120.00万元，比2025年预算增加20.00万元。")) == []
    found = _errors(_after_tables("2026年支出预算120.00万元，比2026年预算增加20.00万元。"))
    assert found == [("narrative.year_self_comparison", "2026")]
    assert _errors(_final("2025年度支出决算120.00万元，与2025年度相比增加20.00万元。")) == [
        ("narrative.year_self_comparison", "2025")
    ]
    assert _errors(_final("2025年度支出决算120.00万元，与2025年年初预算相比增加20.00万元。")) == []


def test_a_heading_or_year_end_of_another_year_in_a_final_account() -> None:
    said = ("一、2025年度收入支出决算总体情况说明", "截至2025年12月31日，共有车辆1辆。")
    assert _errors(_final(*said)) == []
    wrong = ("一、2024年度收入支出决算总体情况说明", "截至2024年12月31日，2025年度共有车辆1辆。")
    assert _errors(_final(*wrong)) == [("narrative.wrong_year", "2024"), ("narrative.wrong_year", "2024")]


def test_the_final_accounts_grand_total_in_the_narrative() -> None:
    assert _errors(_final("2025年度收入支出总计120.00万元。")) == []
    assert _errors(_final("2025年度收入支出总计130.00万元。")) == [
        ("narrative.generic_totals", "130.00"),
        ("narrative.generic_totals", "130.00"),
    ]


def _itemised(*sentences: str) -> str:
    """The crafted tables with the 一般公共预算支出表's 类 broken down into 款 and 项, then a narrative."""
    from tests.test_generic_checks import _coded

    text = _document()
    rows = [
        _coded("201", "一般公共服务支出", "100.00", "80.00", "20.00"),
        _coded("20101", "人大事务", "100.00", "80.00", "20.00"),
        _coded("2010101", "行政运行", "80.00", "80.00", ""),
        _coded("2010102", "一般行政管理事务", "20.00", "", "20.00"),
    ]
    gpb = text.index("表5 一般公共预算支出表")
    line = _coded("201", "一般公共服务支出", "100.00", "80.00", "20.00")
    text = text[:gpb] + text[gpb:].replace(line, "\n".join(rows), 1)
    return text + "\f" + "\n".join(["第三部分 2026年部门预算情况说明", *sentences]) + "\n"


def test_a_classified_subject_agrees_with_its_table_row() -> None:
    said = (
        "（一）一般公共服务支出（类）人大事务（款）行政运行（项）80.00万元，主要用于机关运转。",
        "（二）2010102-一般行政管理事务 20.00万元。",
        "（三）一般行政管理事务（2010102）2026年预算数为20.00万元。",
    )
    assert _errors(_itemised(*said)) == []
    wrong = _errors(_itemised("一般公共服务支出（类）人大事务（款）行政运行（项）85.00万元，主要用于机关运转。"))
    assert wrong == [("narrative.item_amount", "85.00")]
    assert _errors(_itemised("2010102-一般行政管理事务 25.00万元。")) == [("narrative.item_amount", "25.00")]
    # an amount that is not the subject's own (last year's) is not compared
    assert _errors(_itemised("行政运行（项）上年执行数为85.00万元，本年预算80.00万元。")) == []
    # a part of the item (西安 017: 专项业务经费 under 培训支出 107.6 of 109.6): one of the row's columns
    assert _errors(_itemised("（3）专项业务经费：人大事务（20101）20.00万元，用于专项工作。")) == []


def test_corpus_classified_subjects_are_tied_to_their_rows() -> None:
    # 湖州 财政局: '（1）一般公共服务支出（类）财政事务（款）行政运行（项）3685.65 万元' … (develop half)
    from yusuan.audit.rules.narrative_items import _row_of, _rows, _subjects

    report = audit_path(corpus_file("c079_huzhou_001.pdf"))
    assert report.context is not None
    table = report.context.table("gpb_expenditure")
    assert table is not None
    rows = _rows(table)
    assert sum(1 for s in _subjects(report.context) if _row_of(s, rows) is not None) >= 10
    assert not [f for f in report.findings if f.rule == "narrative.item_amount"]


def test_an_item_headings_amount_agrees_with_its_body() -> None:
    heading = "（02款）住房公积金（01项）{} 万元"
    body = "主要用于按规定为职工缴存住房公积金，本年预算安排{} 万元，与上年持平。"
    assert (
        _errors(_after_tables("住房保障支出（221类）住房改革支出" + heading.format("20.00"), body.format("20.00")))
        == []
    )
    found = _errors(_after_tables("住房保障支出（221类）住房改革支出" + heading.format("20.00"), body.format("25.00")))
    assert found == [("narrative.item_amount", "25.00")]


def test_a_page_with_a_unit_line_after_the_tables_is_no_narrative() -> None:
    # a table whose title was not found (a 绩效目标表): its cells are not sentences
    table_page = ("项目 预算数（单位：万元） 绩效目标", "支出预算130.00万元 完成率100%")
    assert _errors(_after_tables(*table_page)) == []
    assert _errors(_after_tables("支出预算130.00万元。")) == [("narrative.generic_totals", "130.00")]


def test_shares_and_rates_of_amounts_in_whole_wan_are_open_within_their_rounding() -> None:
    # 1237/1361 = 90.89%, but 1236.6/1361.4 = 90.83%: amounts in whole 万元 leave the share open
    said = "“三公”经费预算1,361万元，其中：因公出国（境）费1,237万元，占90.83%。"
    assert _errors(_after_tables(said)) == []
    assert _errors(_after_tables(said.replace("90.83%", "95.83%"))) == [("narrative.share_arithmetic", "95.83")]
    # 2/10 = 20%, but 2.4/9.9 = 24.2%: a change of 2 万元 on 12 万元 may be any rate from 13.6% to 27.8%
    said = "“三公”经费预算12万元，比上年增加2万元，增长22.22%。"
    assert _errors(_after_tables(said)) == []
    assert _errors(_after_tables(said.replace("22.22%", "32.22%"))) == [("narrative.growth_arithmetic", "32.22")]


def test_a_rate_needs_its_percent_sign_and_may_be_called_zengfu() -> None:
    # '增加10.00万元，2026年…': 2026 is no rate
    assert _errors(_after_tables("“三公”经费预算110.00万元，比上年增加10.00万元，2026年将继续压减。")) == []
    said = "“三公”经费预算110.00万元，比上年增加10.00万元，增幅10.00%。"
    assert _errors(_after_tables(said)) == []
    assert _errors(_after_tables(said.replace("10.00%", "12.00%"))) == [("narrative.growth_arithmetic", "12.00")]


def test_an_amount_after_bi_shangnian_is_last_years() -> None:
    """烟台 004: '2,042.55万元，比上年预算2,920.59万元，减少878.04万元，下降30%': 2,920.59 is the base."""
    said = "委托业务费财政拨款预算为2,042.55万元，比上年预算2,920.59万元，减少878.04万元，下降30%。"
    assert _errors(_after_tables(said)) == []
    wrong = said.replace("下降30%", "下降25%")
    assert _errors(_after_tables(wrong)) == [("narrative.growth_arithmetic", "25")]


def test_a_rate_on_last_years_stated_amount_is_open_within_its_rounding() -> None:
    """'上年决算为6.37万元，…增加0.71万元，增长11.11%': from fen the rate is 11.11%, from the printed
    amounts 11.15%; both amounts are rounded to 0.01 万元, so any rate from 11.06% to 11.23% fits."""
    said = "行政运行支出决算为7.08万元；上年决算为6.37万元，决算数比上年决算数增加0.71万元，增长11.11%。"
    assert _errors(_after_tables(said)) == []
    assert _errors(_after_tables(said.replace("11.11%", "11.31%"))) == [("narrative.growth_arithmetic", "11.31")]


def test_an_amount_split_before_its_decimals_is_one_amount() -> None:
    """重庆 001 as pdftotext -layout prints it: '890             .22万元' is 890.22, not 22."""
    said = "2026年“三公”经费预算890             .22万元。其中：因公出国（境）费用552万元，公务接待费338.22万元。"
    assert _errors(_after_tables(said)) == []
    wrong = said.replace("338.22", "300.22")
    assert _errors(_after_tables(wrong)) == [("narrative.parts_sum", "890.22")]
