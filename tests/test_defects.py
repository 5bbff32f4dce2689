"""One printed defect, one finding: the failures one wrong number causes are grouped, with a guess
of what happened when the pattern is clear (audit/defects.py)."""

from __future__ import annotations

import pytest

from tests.conftest import corpus_file
from yusuan.audit.engine import AuditReport, audit_document, audit_path
from yusuan.audit.finding import Finding
from yusuan.extract.text import parse_text


def _coded(code: str, name: str, *values: str) -> str:
    return f"{code:<10}{name:<24}" + "".join(f"{v:>12}" for v in values)


#: a 一般公共预算支出表 with two amount columns whose every sum holds
ROWS = {
    "合计": ("", "合计", "50.00", "40.00"),
    "201": ("201", "一般公共服务支出", "30.00", "20.00"),
    "20101": ("20101", "人大事务", "30.00", "20.00"),
    "2010101": ("2010101", "行政运行", "30.00", "20.00"),
    "205": ("205", "教育支出", "20.00", "20.00"),
    "20502": ("20502", "普通教育", "20.00", "20.00"),
    "2050201": ("2050201", "学前教育", "10.00", "10.00"),
    "2050202": ("2050202", "小学教育", "10.00", "10.00"),
}


def _audit(**changed: tuple[str, str]) -> AuditReport:
    """The table with some rows' two amounts changed (row key → (合计, 基本支出))."""
    rows = [_coded(*r[:2], *changed.get(key, r[2:])) for key, r in ROWS.items()]
    head = ["表5 一般公共预算支出表".center(80), "单位：万元", _coded("科目编码", "科目名称", "合计", "基本支出")]
    report = audit_document(parse_text("\n".join([*head, *rows]) + "\n", path="crafted.txt"))
    assert report.document["template"] == "generic"
    return report


def _errors(report: AuditReport) -> list[Finding]:
    return [f for f in report.findings if f.severity == "error"]


def test_a_table_that_adds_up_has_no_error() -> None:
    assert _errors(_audit()) == []


def test_one_wrong_class_amount_is_one_error_naming_the_cell() -> None:
    report = _audit(**{"201": ("35.00", "20.00")})  # 类 201 printed 35.00, its 款 and the 合计 say 30.00
    assert report.errors == 1
    (error,) = _errors(report)
    first = error.locations[0]
    assert (first.row, first.column, first.text) == ("201", "v1", "35.00")
    assert "该数可能印错：按各项关系应为 30.00" in error.message and "表5「201」行「合计」列" in error.message
    assert (error.expected, error.actual) == ("30.00", "35.00")
    # the other failure (合计 ≠ Σ类) is listed among the related places
    assert {(p.row, p.column) for p in error.related} >= {("合计", "v1"), ("205", "v1")}
    assert error.to_data()["related"][0]["table"] == "表5"


def test_a_total_exceeding_its_parts_in_every_column_is_a_missing_part() -> None:
    report = _audit(合计=("57.00", "47.00"))  # both columns 7.00 more than 201 + 205
    assert report.errors == 1
    (error,) = _errors(report)
    assert "合计比所列明细多 7.00万元：明细可能被省略" in error.message
    assert "均相差 7.00万元" in error.message
    assert {(p.row, p.column) for p in (*error.locations, *error.related)} >= {("合计", "v1"), ("合计", "v2")}


def test_a_total_short_of_its_parts_may_miss_a_part_or_count_one_twice() -> None:
    report = _audit(合计=("45.00", "35.00"))
    (error,) = _errors(report)
    assert "合计比所列明细少 5.00万元：可能重复计列或合计漏加" in error.message


def test_two_independent_wrong_cells_stay_two_errors() -> None:
    # 201 and 205 both wrong in the 合计 column: the 合计 ≠ Σ类 they share follows from the two
    report = _audit(**{"201": ("35.00", "20.00"), "205": ("23.00", "20.00")})
    errors = _errors(report)
    assert len(errors) == report.errors == 2
    cells = {(f.locations[0].row, f.locations[0].column, f.expected) for f in errors}
    assert cells == {("201", "v1", "30.00"), ("205", "v1", "20.00")}


def test_two_wrong_cells_in_different_columns_stay_two_errors() -> None:
    report = _audit(**{"201": ("35.00", "20.00"), "205": ("20.00", "23.00")})
    cells = {(f.locations[0].row, f.locations[0].column, f.expected) for f in _errors(report)}
    assert cells == {("201", "v1", "30.00"), ("205", "v2", "20.00")}


def test_one_failure_names_the_only_cell_no_other_sum_vouches_for() -> None:
    # 20101 ≠ its only 项; 20101 = 201 holds, 201 fits the 合计: the 项 is the odd one out
    report = _audit(**{"2010101": ("28.00", "20.00")})
    (error,) = _errors(report)
    assert (error.locations[0].row, error.expected, error.actual) == ("2010101", "30.00", "28.00")
    assert error.message.startswith("表5 20101 的 v1（30.00）与其各组成部分之和（28.00）不符")
    assert error.message.endswith("表5「2010101」行「合计」列为 28.00万元，该数可能印错：按各项关系应为 30.00万元")


def test_a_failure_no_cell_explains_is_left_as_it_is() -> None:
    # 20502 ≠ 2050201 + 2050202 in one column: either 项 may be wrong, so no guess
    report = _audit(**{"2050201": ("12.00", "10.00")})
    (error,) = _errors(report)
    assert "该数可能印错" not in error.message and error.related == ()
    assert "related" not in error.to_data()


def test_the_renderers_show_related_places() -> None:
    from rich.console import Console

    from yusuan.audit.report import CSV_COLUMNS, csv_rows, print_text, render_html

    report = _audit(**{"201": ("35.00", "20.00")})
    html = render_html([report])
    assert "相关位置" in html and "表5 合计 [v1]" in html
    (row,) = [r for r in csv_rows(report) if r[2] == "error"]
    assert len(row) == len(CSV_COLUMNS) and "表5 合计 [v1]" in row[CSV_COLUMNS.index("related")]
    console = Console(record=True, width=400)
    print_text([report], console)
    assert "相关位置 2 处" in console.export_text()


@pytest.mark.parametrize(
    "name",
    ["c017_fuzhou_002.pdf"],  # 款 20402 shows 319.24 more than its 项, in two columns of two tables
)
def test_corpus_missing_part_in_two_tables_is_one_error(name: str) -> None:
    report = audit_path(corpus_file(name))
    errors = _errors(report)
    assert len(errors) == 1
    assert "「20402」行：合计比所列明细多 319.24万元：明细可能被省略" in errors[0].message
    assert len({p.table for p in (*errors[0].locations, *errors[0].related)}) == 2


def _equality(report: AuditReport, *cells: tuple[str, int]) -> Finding:
    """A failed equality over the crafted table's 合计-column cells (row key, sign)."""
    from yusuan.audit.context import finding

    assert report.context is not None
    table = report.context.tables.tables[0]
    rows = {"/".join(r.key): r for r in table.rows}
    places = [report.context.place(table, rows[row], "v1") for row, _ in cells]
    return finding("table.code_hierarchy", "error", "不符", "", "", places, [sign for _, sign in cells])


def test_failures_sharing_a_cell_off_by_the_same_amount_are_one_finding_without_a_guess() -> None:
    from yusuan.audit.defects import group_defects

    report = _audit()
    ctx = report.context
    assert ctx is not None
    # 合计 − 201 and 201 − 2050201 are both 20.00 off; they want 201 at 50.00 and at 10.00: no guess
    first = _equality(report, ("合计", 1), ("201", -1))
    second = _equality(report, ("201", 1), ("2050201", -1))
    ctx.balanced.clear()
    (grouped,) = group_defects(ctx, [first, second])
    assert "可能出自同一处印错" in grouped.message and "该数可能印错" not in grouped.message
    assert {p.row for p in grouped.related} == {"2050201"}
    # cells equalities that held vouch for: what they have in common is not the defect
    ctx.balanced.update(("表5", row, "v1") for row in ("合计", "201", "2050201"))
    assert group_defects(ctx, [first, second]) == [first, second]
