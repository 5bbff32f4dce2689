"""The same source of income agrees across tables (cross.generic_sources, audit/rules/sources.py)."""

from __future__ import annotations

from tests.conftest import corpus_file
from yusuan.audit.engine import audit_document, audit_path
from yusuan.audit.finding import Finding
from yusuan.extract.text import parse_text


def _row(a: str, b: str = "", c: str = "", d: str = "") -> str:
    return f"{a:<24}{b:>12}        {c:<24}{d:>12}"


def _coded(code: str, name: str, *values: str) -> str:
    return f"{code:<10}{name:<24}" + "".join(f"{v:>12}" for v in values)


def _fiscal(a: str, b: str = "", c: str = "", *amounts: str) -> str:
    return f"{a:<24}{b:>12}        {c:<24}" + "".join(f"{v:>14}" for v in amounts)


def _fiscal_summary(gpb_spending: str) -> list[str]:
    """A 财政拨款收支总表 whose spending side splits 本年支出合计 by source."""
    return [
        "\f" + "表3 财政拨款收支总表".center(80),
        "单位：万元",
        _fiscal("收入项目", "预算数", "支出项目", "合计", "一般公共预算", "政府性基金预算"),
        _fiscal("一、一般公共预算拨款", "100.00", "一、一般公共服务支出", "120.00", gpb_spending, "20.00"),
        _fiscal("二、政府性基金预算拨款", "20.00"),
        _fiscal("本年收入合计", "120.00", "本年支出合计", "120.00", gpb_spending, "20.00"),
        _fiscal("收入总计", "120.00", "支出总计", "120.00", gpb_spending, "20.00"),
    ]


def _document(
    gpb_line: str = "100.00",
    gpb_column: str = "100.00",
    carry_line: str = "0.00",
    carry_column: str = "0.00",
    income_headers: tuple[str, ...] = ("合计", "一般公共预算", "政府性基金预算", "上年结转结余"),
    gpb_spending: str | None = None,
) -> str:
    """A 收支总表 (一般公共预算 100 + 政府性基金 20), a 收入总表 by source, and the 财政拨款 (120)
    and 一般公共预算 (100) spending tables."""
    income_total = f"{120 + float(carry_line):.2f}"
    return (
        "\n".join(
            [
                "表1 收支总表".center(80),
                "单位名称：某某局" + " " * 50 + "单位：万元",
                _row("项目", "预算数", "项目", "预算数"),
                _row("一、一般公共预算拨款收入", gpb_line, "一、一般公共服务支出", "120.00"),
                _row("二、政府性基金预算拨款收入", "20.00", "二、教育支出", ""),
                _row("本年收入合计", "120.00", "本年支出合计", "120.00"),
                _row("上年结转结余", carry_line, "年终结转结余", carry_line),
                _row("收入总计", income_total, "支出总计", income_total),
                "\f" + "表2 收入总表".center(80),
                "单位：万元",
                _coded("科目编码", "科目名称", *income_headers),
                _coded("", "合计", income_total, gpb_column, "20.00", carry_column),
                _coded("201", "一般公共服务支出", income_total, gpb_column, "20.00", carry_column),
                *(_fiscal_summary(gpb_spending) if gpb_spending is not None else []),
                "\f" + "表4 财政拨款支出表".center(80),
                "单位：万元",
                _coded("科目编码", "科目名称", "合计", "基本支出", "项目支出"),
                _coded("", "合计", "120.00", "100.00", "20.00"),
                _coded("201", "一般公共服务支出", "120.00", "100.00", "20.00"),
                "\f" + "表5 一般公共预算支出表".center(80),
                "单位：万元",
                _coded("科目编码", "科目名称", "合计", "基本支出", "项目支出"),
                _coded("", "合计", "100.00", "80.00", "20.00"),
                _coded("201", "一般公共服务支出", "100.00", "80.00", "20.00"),
            ]
        )
        + "\n"
    )


def _audit(text: str) -> tuple[list[Finding], dict[str, tuple[int, int]]]:
    report = audit_document(parse_text(text, path="crafted.txt"))
    stats = {t["number"]: (t["identities_checked"], t["identities_held"]) for t in report.tables}
    rules = ("cross.generic_sources", "cross.generic_totals", "cross.generic_columns")
    return [f for f in report.findings if f.rule in rules], stats


def test_sources_agreeing_are_counted() -> None:
    findings, stats = _audit(_document())
    assert findings == []
    # 收入总计 = 合计 (cross.generic_totals) and 一般公共预算, 政府性基金, 上年结转结余 by name
    assert stats["表2"] == (4, 4)


def test_gpb_income_disagreeing_between_tables_is_an_error() -> None:
    findings, stats = _audit(_document(gpb_column="90.00"))
    assert [(f.rule, f.severity) for f in findings] == [("cross.generic_sources", "error")]
    found = findings[0]
    assert (found.expected, found.actual) == ("100.00", "90.00")
    where = [(p.table, p.row, p.column) for p in found.locations]
    assert where == [("表2", "合计", "v2"), ("表1", "一、一般公共预算拨款收入", "v1")]
    assert found.message.startswith("一般公共预算拨款在两表中不一致：表2「合计」行「一般公共预算」列为 90.00")
    assert stats["表2"] == (4, 3)


def test_carry_over_disagreeing_between_tables_is_an_error() -> None:
    findings, _ = _audit(_document(carry_line="5.00", carry_column="6.00", gpb_column="100.00"))
    rules = [(f.rule, f.locations[0].column) for f in findings if f.rule == "cross.generic_sources"]
    assert rules == [("cross.generic_sources", "v4")]


def test_fiscal_and_gpb_differ_by_the_fund_without_a_finding() -> None:
    # 财政拨款 120 = 一般公共预算 100 + 政府性基金 20: a 财政拨款 column is not the 一般公共预算's
    headers = ("合计", "财政拨款", "政府性基金预算", "上年结转结余")
    findings, stats = _audit(_document(gpb_column="120.00", income_headers=headers))
    assert findings == []
    assert stats["表2"] == (3, 3)  # 合计; 政府性基金; 上年结转结余 — not 财政拨款 against 一般公共预算


def test_last_years_and_partial_columns_are_not_this_years_source() -> None:
    headers = ("合计", "上年一般公共预算", "政府性基金预算", "上年结转结余")
    findings, stats = _audit(_document(gpb_column="90.00", income_headers=headers))
    assert findings == [] and stats["表2"] == (3, 3)


def test_gpb_spending_disagreeing_between_tables_is_an_error() -> None:
    findings, stats = _audit(_document(gpb_spending="100.00"))
    # 表5: its two rows' columns, 收支总表's 一般公共预算 line, and 表3's 本年支出合计 一般公共预算
    assert findings == [] and stats["表5"] == (4, 4)
    findings, _ = _audit(_document(gpb_spending="95.00"))
    assert [(f.rule, f.severity) for f in findings] == [("cross.generic_sources", "error")]
    where = [(p.table, p.row, p.column) for p in findings[0].locations]
    assert where == [("表5", "合计", "v1"), ("表3", "本年支出合计", "v3")]
    assert "一般公共预算拨款支出在两表中不一致" in findings[0].message


def test_gpb_spending_not_compared_when_carried_over_money_is_spent() -> None:
    text = _document(gpb_spending="95.00", carry_line="5.00", carry_column="5.00")
    findings, _ = _audit(text)
    assert not [f for f in findings if "支出在两表中" in f.message]


def test_a_header_beside_unread_headers_is_not_trusted() -> None:
    # 北京 预算02表: a group's title (上年结转结余) read over one of its columns, the others unread
    headers = ("合计", "", "", "上年结转结余")
    findings, stats = _audit(_document(carry_line="5.00", carry_column="3.00", income_headers=headers))
    assert findings == [] and stats["表2"] == (1, 1)  # 收入总计 = 合计 only
    report = audit_path(corpus_file("c002_beijing_057.pdf"))
    assert not [f for f in report.findings if f.rule == "cross.generic_sources"]


def test_corpus_sources_agree() -> None:
    # 西安: the 收支总表, the 财政拨款收支总表 and the 收入总表 name the same sources
    report = audit_path(corpus_file("c020_xian_007.pdf"))
    assert not [f for f in report.findings if f.rule == "cross.generic_sources"]
    stats = {t["number"]: t["identities_checked"] for t in report.tables}
    assert stats["表4"] >= 4 and stats["表2"] >= 13
