"""合计 = Σ 单位 in tables listing the department's units (table.unit_sum, audit/rules/units.py)."""

from __future__ import annotations

from tests.conftest import corpus_file
from yusuan.audit.engine import audit_document, audit_path
from yusuan.audit.rules.units import unit_name
from yusuan.extract.text import parse_text

_HEADERS = ("合计", "因公出国（境）费", "公务接待费", "公务用车购置及运行费")


def _coded(code: str, name: str, *values: str) -> str:
    return f"{code:<10}{name:<24}" + "".join(f"{v:>12}" for v in values)


def _three_public(*rows: tuple[str, str, tuple[str, ...]]) -> str:
    """A crafted 三公经费 table: a header line, then (code, name, amounts) rows."""
    return (
        "\n".join(
            [
                "表7 一般公共预算“三公”经费支出表".center(80),
                "单位：万元",
                _coded("单位编码", "单位名称", *_HEADERS),
                *(_coded(code, name, *values) for code, name, values in rows),
            ]
        )
        + "\n"
    )


_BUREAU = ("", "滨江市交通运输局", ("20.00", "0.00", "6.00", "14.00"))
_CENTRE = ("", "滨江市交通运输服务中心", ("10.00", "0.00", "4.00", "6.00"))


def _audit(text: str) -> tuple[list, dict[str, tuple[int, int]]]:
    report = audit_document(parse_text(text, path="crafted.txt"))
    stats = {t["number"]: (t["identities_checked"], t["identities_held"]) for t in report.tables}
    return [f for f in report.findings if f.rule in ("table.unit_sum", "rounding.tail_difference")], stats


def test_three_public_total_is_the_sum_of_its_units() -> None:
    findings, stats = _audit(_three_public(("", "合计", ("30.00", "0.00", "10.00", "20.00")), _BUREAU, _CENTRE))
    assert findings == []
    assert stats["表7"] == (3, 3)  # 合计, 公务接待费, 公务用车 (both 因公出国 zero: nothing to compare)


def test_three_public_total_not_the_sum_of_its_units_is_an_error() -> None:
    findings, stats = _audit(_three_public(("", "合计", ("31.00", "0.00", "10.00", "20.00")), _BUREAU, _CENTRE))
    assert [(f.rule, f.severity) for f in findings] == [("table.unit_sum", "error")]
    found = findings[0]
    assert (found.expected, found.actual) == ("30.00", "31.00")
    assert [(p.table, p.row, p.column) for p in found.locations] == [
        ("表7", "合计", "v1"),
        ("表7", "滨江市交通运输局", "v1"),
        ("表7", "滨江市交通运输服务中心", "v1"),
    ]
    assert "合计 = Σ 各单位" in found.message and "相差 1.00" in found.message
    assert stats["表7"] == (3, 2)


def test_one_display_step_per_unit_is_a_rounding_note() -> None:
    findings, _ = _audit(_three_public(("", "合计", ("30.02", "0.00", "10.00", "20.00")), _BUREAU, _CENTRE))
    assert [(f.rule, f.severity) for f in findings] == [("rounding.tail_difference", "info")]


def test_department_row_named_like_its_own_unit_sums_the_units() -> None:
    # 合计, the department (its own name), its 本级 and a second unit: 合计 = 部门 = Σ 所属单位
    department = ("", "滨江市交通运输局", ("30.00", "0.00", "10.00", "20.00"))
    own = ("", "滨江市交通运输局（本级）", ("20.00", "0.00", "6.00", "14.00"))
    total = ("", "合计", ("30.00", "0.00", "10.00", "20.00"))
    findings, stats = _audit(_three_public(total, department, own, _CENTRE))
    assert findings == [] and stats["表7"] == (6, 6)
    wrong = ("", "滨江市交通运输服务中心", ("10.00", "0.00", "5.00", "6.00"))
    findings, _ = _audit(_three_public(total, department, own, wrong))
    assert [f.rule for f in findings] == ["table.unit_sum"]
    assert findings[0].locations[0].row == "滨江市交通运输局" and "部门 = Σ 所属单位" in findings[0].message


def test_a_department_inside_the_list_is_not_checked() -> None:
    # a second department (its own name, then its 本级) amid the units: where its units end is not printed
    rows = [
        ("", "合计", ("40.00", "0.00", "10.00", "30.00")),
        ("", "滨江市交通运输局", ("40.00", "0.00", "10.00", "30.00")),
        ("", "滨江市交通运输局（本级）", ("20.00", "0.00", "6.00", "14.00")),
        ("", "滨江市公路管理局", ("20.00", "0.00", "4.00", "16.00")),
        ("", "滨江市公路管理局（本级）", ("12.00", "0.00", "2.00", "10.00")),
        ("", "滨江市公路养护中心", ("8.00", "0.00", "2.00", "6.00")),
    ]
    findings, stats = _audit(_three_public(*rows))
    assert findings == [] and stats["表7"][0] == 0


def test_units_by_code_with_project_lines_under_them() -> None:
    # 西安 专项业务经费表: 合计, the department's 3-digit code, its units' 6-digit codes, projects under them
    text = (
        "\n".join(
            [
                "表10 部门综合预算专项业务经费支出表".center(80),
                "单位：万元",
                _coded("单位编码", "单位名称", "项目金额"),
                _coded("", "合计", "50.00"),
                _coded("263", "滨江市商务局", "50.00"),
                _coded("263001", "滨江市商务局", "30.00"),
                _coded("", "电商博览会", "30.00"),
                _coded("263002", "滨江市商务综合执法支队", "25.00"),
                _coded("", "执法装备购置", "25.00"),
            ]
        )
        + "\n"
    )
    findings, _ = _audit(text)
    assert [f.rule for f in findings] == ["table.unit_sum"]
    assert findings[0].locations[0].row == "263" and (findings[0].expected, findings[0].actual) == ("55.00", "50.00")


def test_lines_by_category_are_not_units() -> None:
    # a 三公 table by its parts (福州): 1、因公出国（境）费用 … are lines, not units
    rows = [
        ("", "合计", ("31.00",)),
        ("", "1、因公出国（境）费用", ("10.00",)),
        ("", "2、公务接待费", ("20.00",)),
    ]
    findings, stats = _audit(_three_public(*rows))
    assert findings == [] and stats["表7"][0] == 0
    assert unit_name("滨江市交通运输服务中心（滨江市物流发展中心）") and unit_name("滨江市交通运输局（本级）")
    assert not unit_name("公务用车运行维护费") and not unit_name("其中：滨江市交通运输局")
    assert not unit_name("2026年滨江市交通运输局")


def test_unit_named_row_with_unexplained_lines_is_not_checked() -> None:
    # a unit name followed by lines that are neither units nor coded lines: not a list of units
    rows = [
        ("", "合计", ("31.00", "0.00", "10.00", "20.00")),
        _BUREAU,
        ("", "公务接待", ("10.00", "0.00", "4.00", "6.00")),
    ]
    findings, stats = _audit(_three_public(*rows))
    assert findings == [] and stats["表7"][0] == 0


def test_corpus_three_public_and_income_by_unit() -> None:
    # 湖州: 三公 table by unit name; 收入总表 with the department's row above its units
    report = audit_path(corpus_file("c079_huzhou_001.pdf"))
    stats = {t["number"]: (t["identities_checked"], t["identities_held"]) for t in report.tables}
    assert stats["表07"][0] >= 4 and stats["表07"][0] == stats["表07"][1]
    assert stats["表02"][0] >= 6 and stats["表02"][0] == stats["表02"][1]
    assert not [f for f in report.findings if f.rule == "table.unit_sum"]


def test_a_department_row_adding_up_its_units_is_not_a_unit() -> None:
    """湖州 004 表02: '退役军人事务局' above its units is their sum, not one more unit (which made
    Σ 单位 twice the 合计)."""
    other = ("", "滨江市公路管理局", ("0.50", "0.00", "0.50", "0.00"))
    total = ("", "合计", ("30.50", "0.00", "10.50", "20.00"))
    department = ("", "滨江市交通运输系统局", ("30.50", "0.00", "10.50", "20.00"))
    findings, _ = _audit(_three_public(total, department, _BUREAU, _CENTRE, other))
    assert findings == []
    wrong = ("", "滨江市公路管理局", ("0.70", "0.00", "0.70", "0.00"))  # the units no longer add up: checked
    findings, _ = _audit(_three_public(total, department, _BUREAU, _CENTRE, wrong))
    errors = [f for f in findings if f.severity == "error"]
    assert errors and all("部门 = Σ 所属单位" in f.message for f in errors)


def test_units_printed_with_one_decimal_round_by_their_own_step() -> None:
    """Units printed '20.1' and '10.1' in a table whose 合计 prints two decimals: each rounds by 0.1, so
    a 合计 of 30.28 (20.14 + 10.14) is a rounding note (尾差), as in the code hierarchy."""
    bureau = ("", "滨江市交通运输局", ("20.1", "0.00", "6.00", "14.1"))
    centre = ("", "滨江市交通运输服务中心", ("10.1", "0.00", "4.00", "6.1"))
    total = ("", "合计", ("30.28", "0.00", "10.00", "20.28"))
    findings, stats = _audit(_three_public(total, bureau, centre))
    assert [(f.rule, f.severity) for f in findings] == [("rounding.tail_difference", "info")] * 2
    assert stats["表7"] == (3, 3)
    # a misprint larger than any rounding is still one error
    findings, _ = _audit(_three_public(("", "合计", ("31.28", "0.00", "10.00", "20.28")), bureau, centre))
    assert [(f.rule, f.severity) for f in findings if f.severity == "error"] == [("table.unit_sum", "error")]
    assert (findings[0].expected, findings[0].actual) == ("30.20", "31.28")
