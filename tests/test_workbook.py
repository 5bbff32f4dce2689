"""The budget workbook: template, writer, reader, and round trips with YAML."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from yusuan.ledger import Budget, BudgetInputError, read_budget, write_budget
from yusuan.ledger.problems import Problem
from yusuan.ledger.records import budget_records
from yusuan.ledger.schema import SECTIONS
from yusuan.ledger.workbook import (
    CODES_SHEET,
    HELP_SHEET,
    amount_cell,
    load_workbook_records,
    write_template,
    write_workbook,
)

BUDGET_YAML = """\
year: 2025
template: henan-2025
department:
  code: '410801'
  name: 某区人力资源和社会保障局
  institutions: 内设办公室、就业股等 5 个股室。
  staffing: {headcount: 40, administrative: 25, institution: 10}
  functions:
    - 贯彻执行人力资源和社会保障法律法规。
    - 负责促进就业工作。
units:
  - code: '410801001'
    name: 某区人力资源和社会保障局机关
    kind: 行政
    staffing: {headcount: 30, administrative: 25, institution: 0}
  - code: '410801002'
    name: 某区劳动保障监察大队
    kind: 参公
    staffing: {headcount: 10, administrative: 0, institution: 10}
income:
  - {unit: '410801001', fund: 一般公共预算, amount: '150.00'}
  - {unit: '410801002', fund: 一般公共预算, amount: '12.345678'}
basic:
  - {unit: '410801001', function: '2080101', econ: '30101', gov_econ: '50101', fund: 一般公共预算,
     item: 在职人员基本工资, amount: '100.00'}
  - {unit: '410801001', function: '2080101', econ: '30201', gov_econ: '50201', fund: 一般公共预算,
     item: 公用经费项目, amount: '20'}
  - {unit: '410801002', function: '2101101', econ: '30101', item: 在职人员基本工资, amount: '123456.78元'}
projects:
  - unit: '410801001'
    code: '41080125000000000001'
    name: 就业培训补贴项目
    category: 特定目标类
    function: '2080106'
    amount: '30.00'
    key: true
    purpose: 主要用于职业技能培训补贴。
    spending:
      - {econ: '30201', gov_econ: '50201', fund: 一般公共预算, amount: '25.00'}
      - {econ: '30399', gov_econ: '50999', fund: 一般公共预算, amount: '5.00'}
    indicators:
      - {level1: 产出指标, level2: 数量指标, name: 培训人次, value: ≥500人次}
      - {level1: 满意度指标, name: 受训人员满意度, value: ≥90%, explanation: 问卷调查}
unit_performance:
  - unit: '410801001'
    goal: 全面完成年度就业目标任务。
    tasks:
      - {name: 促进就业, content: 城镇新增就业 3000 人。}
    indicators:
      - {level1: 投入管理指标, level2: 预算执行, name: 预算执行率, value: ≥95%, explanation: 按季度考核}
prior_year:
  total: {amount: '160.00', reason: 人员减少，支出相应减少。}
  three_public: {amount: '1.50'}
  operating_costs: {reason: 压减一般性支出。}
procurement:
  - {unit: '410801001', item: 办公设备, category: 货物, amount: '3.00'}
assets:
  buildings: '1000.00'
  vehicles: '12.50'
  office_equipment: '1.234567'
  general_vehicles: 2
transfers:
  - {name: 就业补助资金, amount: '500.00'}
reasons:
  - {code: '208', reason: 就业补助增加}
final_reasons:
  - {comparison: 年初预算, subject: 公务接待费, reason: 严格执行接待标准。}
  - {unit: '410801002', comparison: 上年决算, subject: 一般公共预算财政拨款支出, reason: 新增监察人员。}
  - {comparison: 年初预算, subject: '2080106', reason: 部分培训延至下年。}
paragraphs:
  - {section: 一般公共预算“三公”经费支出预算情况说明, text: 严格控制“三公”经费。}
terms:
  - {term: 就业补助资金, explanation: 是指用于促进就业的资金。}
"""


@pytest.fixture
def budget(tmp_path: Path) -> Budget:
    source = tmp_path / "source.yaml"
    source.write_text(BUDGET_YAML, encoding="utf-8")
    return read_budget(source)


@pytest.fixture
def xlsx(budget: Budget, tmp_path: Path) -> Path:
    path = tmp_path / "budget.xlsx"
    write_workbook(budget, path)
    return path


def edit(path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """Change a workbook with openpyxl, as a user would in Excel."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def find_row(ws: object, column: int, value: str) -> int:
    for row in ws.iter_rows(min_row=2):  # type: ignore[attr-defined]
        if row[column - 1].value == value:
            return row[0].row
    raise AssertionError(f"{value} not in column {column}")


def read_problems(path: Path) -> list[Problem]:
    before = sorted(os.listdir(path.parent))
    with pytest.raises(BudgetInputError) as info:
        read_budget(path)
    assert sorted(os.listdir(path.parent)) == before  # nothing written beside the input
    return [p for p in info.value.problems if p.severity == "error"]


def only(problems: list[Problem], text: str) -> Problem:
    matching = [p for p in problems if text in p.message]
    assert len(matching) == 1, problems
    return matching[0]


# ---------------------------------------------------------------- the template


def test_template_has_every_sheet_header_and_drop_downs(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [HELP_SHEET, *(s.sheet for s in SECTIONS), CODES_SHEET]
    assert wb.sheetnames[0] == "填写说明"
    assert wb[CODES_SHEET].sheet_state == "hidden"
    for section in SECTIONS:
        ws = wb[section.sheet]
        assert [c.value for c in ws[1]] == [f.header for f in section.fields]
        assert ws.freeze_panes == "A2"
        assert ws.max_row == 1  # blank below the headers
        for col, spec in enumerate(section.fields, start=1):
            cell = ws.cell(1, col)
            assert cell.font.b
            assert (cell.comment is not None) and ("必填" if spec.required else "选填") in cell.comment.text
    required = wb["单位"].cell(1, 1).fill.fgColor.rgb
    optional = wb["单位"].cell(1, 4).fill.fgColor.rgb
    assert required != optional
    validations = {s.sheet: wb[s.sheet].data_validations.dataValidation for s in SECTIONS}
    assert sum(len(v) for v in validations.values()) > 10
    kinds = {str(dv.sqref): dv for dv in validations["单位"]}
    assert kinds["C2:C1048576"].formula1 == '"行政,事业,参公"'
    basic = {str(dv.sqref): dv.formula1 for dv in validations["基本支出"]}
    assert basic["B2:B1048576"].startswith(f"'{CODES_SHEET}'!$A$2:$A$")  # function codes on the hidden sheet
    assert all(len(f or "") <= 255 for f in basic.values())
    single = {str(dv.sqref) for dv in validations["预算信息"]}
    assert single and all(ref.endswith("2") and ":" not in ref for ref in single)  # only row 2
    codes = [c.value for c in next(wb[CODES_SHEET].iter_cols(min_col=1, max_col=1, min_row=2))]
    assert "2080101" in codes and all(isinstance(c, str) and len(c) == 7 for c in codes)
    help_text = " ".join(str(c.value) for row in wb[HELP_SHEET].iter_rows() for c in row if c.value)
    assert "万元" in help_text and "元" in help_text and "「项目」" in help_text and "文本" in help_text


def test_template_column_formats(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    xml = _sheet_xml(path, "基本支出")
    assert 'width="18' in xml  # FieldSpec.width of the code columns
    wb = openpyxl.load_workbook(path)
    formats = {wb._cell_styles[i].numFmtId for i in range(len(wb._cell_styles))}
    assert 49 in formats  # '@' text
    assert 2 in formats  # '0.00'


def _sheet_xml(path: Path, sheet: str) -> str:
    import zipfile

    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet) + 1
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_blank_template_reads_as_no_data(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    assert load_workbook_records(path) == ({}, [])
    problems = read_problems(path)
    assert problems  # 缺少预算信息 …


# ---------------------------------------------------------------- round trips


def test_yaml_budget_xlsx_round_trip(budget: Budget, xlsx: Path) -> None:
    again = read_budget(xlsx)
    assert again == budget
    assert again.basic[2].gov_econ == "50101"  # derived for the 参公 unit, then written
    assert again.basic[0].origin.sheet == "基本支出" and again.basic[0].origin.row == 2


def test_yaml_round_trip(budget: Budget, tmp_path: Path) -> None:
    path = tmp_path / "again.yaml"
    write_budget(budget, path)
    assert read_budget(path) == budget


def test_xlsx_yaml_xlsx_round_trip(budget: Budget, xlsx: Path, tmp_path: Path) -> None:
    from_xlsx = read_budget(xlsx)
    write_budget(from_xlsx, tmp_path / "b.yaml")
    write_budget(read_budget(tmp_path / "b.yaml"), tmp_path / "b2.xlsx")
    assert read_budget(tmp_path / "b2.xlsx") == budget


def test_every_section_is_written(budget: Budget) -> None:
    rows = budget_records(budget)
    assert set(rows) == {s.key for s in SECTIONS}
    assert all(rows[s.key] for s in SECTIONS)  # the test budget fills every section


def test_written_cells(xlsx: Path) -> None:
    wb = openpyxl.load_workbook(xlsx)
    basic = wb["基本支出"]
    assert basic["G2"].value == 100 and basic["G2"].number_format == "0.00"
    assert basic["G4"].value == "123456.78元"  # not a whole 0.01 万元: exact text
    assert basic["B2"].value == "2080101" and basic["B2"].number_format == "@"
    project = wb["项目"]
    assert project["B2"].value == "41080125000000000001"
    assert project["G2"].value == "是"
    assert wb["预算信息"]["A2"].value == 2025
    assert wb["国有资产"]["C2"].value == "12345.67元"
    prior = {r[0]: r[1:] for r in wb["上年数"].iter_rows(min_row=2, values_only=True)}
    assert prior == {
        "operating_costs": (None, "压减一般性支出。"),
        "three_public": (1.5, None),
        "total": (160, "人员减少，支出相应减少。"),
    }


def test_amount_cell() -> None:
    assert amount_cell(125_931_100_000) == 125931.1  # 125931.10 万元
    assert amount_cell(10_000) == 0.01
    assert amount_cell(12_345_678) == "123456.78元"
    assert amount_cell(1) == "0.01元"
    assert amount_cell(0) == 0.0


def test_numbers_typed_into_code_and_amount_cells(xlsx: Path, budget: Budget) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["基本支出"]
        ws["B2"].value = 2080101  # typed into a General cell
        ws["C2"].value = 30101.0
        ws["G2"].value = 100.0
        ws["G3"].value = 0.1 + 19.9  # a computed float
        wb["单位"]["D2"].value = 30.0  # headcount
        wb["项目绩效指标"]["E2"].value = "≥500人次"

    assert read_budget(edit(xlsx, change)) == budget


def test_columns_are_found_by_header(xlsx: Path, budget: Budget) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["基本支出"]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        ws.delete_rows(1, ws.max_row)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(reversed(row), start=1):
                ws.cell(r, c).value = value
        ws["A1"].value = "金额(万元)"  # ASCII parentheses are accepted

    assert read_budget(edit(xlsx, change)) == budget


def test_empty_rows_and_empty_extra_sheets_are_skipped(xlsx: Path, budget: Budget) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["收入"].insert_rows(2, 2)
        wb["收入"]["C3"].value = "   "
        wb.create_sheet("Sheet1")
        del wb["专项转移支付"]  # optional sections may be deleted

    again = read_budget(edit(xlsx, change))
    assert again.income == budget.income
    assert again.income[0].origin.row == 4
    assert again.transfers == ()


# ---------------------------------------------------------------- problems


def test_unknown_function_code(xlsx: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["基本支出"]["B3"].value = "2080177"

    p = only(read_problems(edit(xlsx, change)), "2080177")
    assert (p.origin.file, p.origin.sheet, p.origin.row) == (str(xlsx), "基本支出", 3)
    assert "功能分类科目编码" in p.origin.column
    assert str(p).startswith(f"{xlsx} 工作表「基本支出」 第3行 列「")


def test_non_numeric_amount(xlsx: Path) -> None:
    edit(xlsx, lambda wb: wb["基本支出"].cell(2, 7, "abc"))
    problems = read_problems(xlsx)
    assert len(problems) == 1
    p = problems[0]
    assert (p.origin.file, p.origin.sheet, p.origin.row, p.origin.column) == (
        str(xlsx),
        "基本支出",
        2,
        "G列（金额（万元））",
    )
    assert "abc" in p.message
    assert str(p).startswith(f"{xlsx} 工作表「基本支出」 第2行 列「G列（金额（万元））」：")


def test_unknown_codes_are_named_alongside_unreadable_cells(xlsx: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["基本支出"].cell(2, 7, "abc")
        wb["基本支出"]["B3"].value = "2080177"

    problems = read_problems(edit(xlsx, change))
    assert {(p.origin.sheet, p.origin.row) for p in problems} == {("基本支出", 2), ("基本支出", 3)}
    only(problems, "2080177")


def test_unreadable_project_row_is_reported_once(xlsx: Path) -> None:
    """A bad cell in a project row is one problem, not one more for each row that names the project."""

    def change(wb: openpyxl.Workbook) -> None:
        sheet = wb["项目"]
        header = [c.value for c in sheet[1]]
        sheet.cell(2, 1 + next(i for i, h in enumerate(header) if "金额" in str(h)), "待定")

    problems = read_problems(edit(xlsx, change))
    assert len(problems) == 1, problems
    assert (problems[0].origin.sheet, problems[0].origin.row) == ("项目", 2)
    assert "待定" in problems[0].message


def test_spending_of_a_project_that_does_not_exist(xlsx: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["项目经济分类"]["A2"].value = "999999999999"

    p = only(read_problems(edit(xlsx, change)), "不存在的项目编码")
    assert (p.origin.sheet, p.origin.row) == ("项目经济分类", 2)


def test_negative_amount(xlsx: Path) -> None:
    edit(xlsx, lambda wb: wb["收入"].cell(3, 3, -5))
    p = only(read_problems(xlsx), "负数")
    assert (p.origin.sheet, p.origin.row, p.origin.column) == ("收入", 3, "C列（金额（万元））")


def test_missing_sheet(xlsx: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        del wb["单位"]

    p = only(read_problems(edit(xlsx, change)), "缺少工作表")
    assert (p.origin.file, p.origin.sheet) == (str(xlsx), "单位")


def test_missing_column(xlsx: Path) -> None:
    edit(xlsx, lambda wb: wb["基本支出"].delete_cols(7))
    p = only(read_problems(xlsx), "缺少必填列")
    assert (p.origin.file, p.origin.sheet, p.origin.row, p.origin.column) == (str(xlsx), "基本支出", 1, "金额（万元）")
    assert "金额（万元）" in p.message


def test_unknown_column_and_sheet(xlsx: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["单位"]["H1"].value = "备注"
        wb["单位"]["H2"].value = "x"
        wb.create_sheet("附表")["A1"].value = "数据"

    problems = read_problems(edit(xlsx, change))
    p = only(problems, "无法识别的列")
    assert (p.origin.sheet, p.origin.row, p.origin.column) == ("单位", 1, "H列（备注）")
    assert only(problems, "无法识别的工作表").origin.sheet == "附表"


def test_long_code_stored_as_number(xlsx: Path) -> None:
    edit(xlsx, lambda wb: wb["项目"].cell(2, 2, 41080125000000000001))
    p = only(read_problems(xlsx), "15位")
    assert (p.origin.sheet, p.origin.row, p.origin.column) == ("项目", 2, "B列（项目编码）")


def test_duplicate_project_code(xlsx: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["项目"]
        for col in range(1, 9):
            ws.cell(3, col).value = ws.cell(2, col).value
        ws["C3"].value = "另一个项目"

    duplicates = [p for p in read_problems(edit(xlsx, change)) if "重复" in p.message]
    assert {(p.origin.sheet, p.origin.row, p.origin.column) for p in duplicates} == {
        ("项目", 2, "B列（项目编码）"),
        ("项目", 3, "B列（项目编码）"),
    }


def test_project_amount_differs_from_breakdown(xlsx: Path) -> None:
    edit(xlsx, lambda wb: wb["项目"].cell(2, 6, 31))
    p = only(read_problems(xlsx), "不符")
    assert (p.origin.sheet, p.origin.row, p.origin.column) == ("项目", 2, "F列（项目金额（万元））")


def test_income_differs_from_spending(xlsx: Path) -> None:
    edit(xlsx, lambda wb: wb["收入"].cell(2, 3, 151))
    p = only(read_problems(xlsx), "不相等")
    assert (p.origin.file, p.origin.sheet, p.origin.row, p.origin.column) == (
        str(xlsx),
        "收入",
        2,
        "C列（金额（万元））",
    )


def test_every_error_reported_at_once_reading(xlsx: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["收入"]["C2"].value = "abc"
        wb["基本支出"]["G3"].value = -1
        wb["项目"]["I1"].value = "备注"

    problems = read_problems(edit(xlsx, change))
    assert len(problems) == 3, problems
    assert {(p.origin.sheet, p.origin.row) for p in problems} == {("收入", 2), ("基本支出", 3), ("项目", 1)}


def test_every_error_reported_at_once_checking(xlsx: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        wb["基本支出"]["B2"].value = "2080177"
        wb["项目"]["F2"].value = 31
        wb["政府采购"]["A2"].value = "999"

    problems = read_problems(edit(xlsx, change))
    assert len(problems) == 3, problems
    assert {p.origin.sheet for p in problems} == {"基本支出", "项目", "政府采购"}
    assert all(p.origin.file == str(xlsx) and p.origin.row and p.origin.column for p in problems)


def test_extra_row_in_single_sheet(xlsx: Path) -> None:
    edit(xlsx, lambda wb: wb["预算信息"].cell(3, 1, 2026))
    p = only(read_problems(xlsx), "只能填写一行")
    assert (p.origin.sheet, p.origin.row) == ("预算信息", 3)


@pytest.mark.parametrize("content", [b"", os.urandom(2000), b"PK\x03\x04" + os.urandom(500), b"year: 2025\n"])
def test_not_a_workbook(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "budget.xlsx"
    path.write_bytes(content)
    problems = read_problems(path)
    assert len(problems) == 1
    assert problems[0].origin.file == str(path)
    assert "Excel 工作簿" in problems[0].message
    assert load_workbook_records(path)[0] == {}


def test_writing_is_atomic(budget: Budget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "budget.xlsx"
    path.write_bytes(b"old")
    import yusuan.ledger.workbook as workbook

    def broken(*args: object) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr(workbook, "_workbook_bytes", broken)
    with pytest.raises(RuntimeError):
        write_workbook(budget, path)
    assert path.read_bytes() == b"old"
    assert set(os.listdir(tmp_path)) == {"budget.xlsx", "source.yaml"}


def test_any_amount_and_text_round_trips(budget: Budget, tmp_path: Path) -> None:
    import dataclasses
    import random

    from yusuan.ledger.limits import MAX_AMOUNT_FEN
    from yusuan.ledger.model import Transfer

    rng = random.Random(20250101)
    amounts = [
        0,
        1,
        99,
        10_000,
        999_999,
        1_000_000,
        MAX_AMOUNT_FEN - 10_000,  # the largest amounts a line may have (10^15 元), past Excel's 15 digits
        MAX_AMOUNT_FEN - 1,
        MAX_AMOUNT_FEN,
        *(rng.randrange(10**15) for _ in range(200)),
    ]
    amounts += [a - a % 10_000 for a in amounts]  # whole 0.01 万元: written as numbers
    texts = ["多行\r\n文本", "制表\t符", "_x0041_", "=A1", "00123", "1e5"]
    transfers = tuple(Transfer(f"{texts[i % len(texts)]}{i}", a) for i, a in enumerate(amounts))
    department = dataclasses.replace(budget.department, functions=tuple(texts))
    wide = dataclasses.replace(budget, transfers=transfers, department=department)
    path = tmp_path / "wide.xlsx"
    write_workbook(wide, path)
    assert read_budget(path) == wide
    write_budget(wide, tmp_path / "wide.yaml")
    assert read_budget(tmp_path / "wide.yaml") == wide


BAD_EDITS: dict[str, tuple[Callable[[openpyxl.Workbook], None], str]] = {
    "unknown code": (lambda wb: setattr(wb["基本支出"]["B3"], "value", "2080177"), "2080177"),
    "non-numeric": (lambda wb: wb["基本支出"].cell(2, 7, "abc"), "abc"),
    "negative": (lambda wb: wb["收入"].cell(3, 3, -5), "负数"),
    "missing sheet": (lambda wb: wb.remove(wb["单位"]), "缺少工作表"),
    "missing column": (lambda wb: wb["基本支出"].delete_cols(7), "缺少必填列"),
    "income ≠ spending": (lambda wb: wb["收入"].cell(2, 3, 151), "不相等"),
}


@pytest.mark.parametrize("case", sorted(BAD_EDITS))
def test_build_refuses_bad_workbook_and_writes_nothing(xlsx: Path, tmp_path: Path, case: str) -> None:
    from typer.testing import CliRunner

    from yusuan.cli import app

    change, text = BAD_EDITS[case]
    edit(xlsx, change)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(xlsx), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert text in result.output and "未生成任何文件" in result.output
    assert str(xlsx.name) in result.output.replace("\n", "")
    assert not out.exists()
