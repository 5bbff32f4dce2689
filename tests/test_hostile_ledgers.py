"""Issue 14: hostile and careless ledgers (YAML, XLSX) and absurd values are problems, never crashes or hangs.

Each test is a reproducer from the issue's fuzzing and attack trial; all of them crashed,
hung or passed silently before the readers were bounded.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_XLSX, EXAMPLE_YAML
from yusuan.ledger import BudgetInputError, read_budget, read_budget_bytes
from yusuan.ledger.limits import (
    LONG_TEXT_CHARS,
    MAX_AMOUNT_FEN,
    MAX_INPUT_BYTES,
    MAX_PROBLEMS,
    MAX_UNPACKED_BYTES,
    YAML_MAX_ALIASES,
)

EXAMPLE = EXAMPLE_YAML.read_text(encoding="utf-8")


def _problems(path: Path) -> list:
    with pytest.raises(BudgetInputError) as info:
        read_budget(path)
    return info.value.problems


def _ledger(tmp_path: Path, text: str, name: str = "budget.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    assert old in EXAMPLE, old
    return _ledger(tmp_path, EXAMPLE.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line == needle)


# ---------------------------------------------------------------- YAML: shapes


PLAIN_ITEMS = {
    "units": ("units:\n", "units:\n- x\n", "- x"),
    "income": ("income:\n", "income:\n- 5\n", "- 5"),
    "basic": ("basic:\n", "basic:\n- basic line\n", "- basic line"),
    "projects": ("projects:\n", "projects:\n- p\n", "- p"),
    "spending": ("  spending:\n", "  spending:\n  - 7\n", "  - 7"),
    "indicators": ("  indicators:\n", "  indicators:\n  - [a, b]\n", "  - [a, b]"),
    "unit_performance": ("unit_performance:\n", "unit_performance:\n- goal\n", "- goal"),
    "tasks": ("  tasks:\n", "  tasks:\n  - task\n", "  - task"),
    "procurement": ("procurement: []\n", "procurement:\n- 12\n", "- 12"),
    "transfers": ("transfers: []\n", "transfers:\n- null\n", "- null"),
    "functions": ("  functions:\n", "  functions:\n  - {text: 职责}\n", "  - {text: 职责}"),
}


@pytest.mark.parametrize("section", PLAIN_ITEMS)
def test_yaml_list_items_of_the_wrong_shape_are_problems_at_their_line(tmp_path, section):
    """`units: [x]` crashed the reader with AttributeError (46 of 54 crashing fuzz inputs)."""
    old, new, bad_line = PLAIN_ITEMS[section]
    path = _edited(tmp_path, old, new)
    problems = _problems(path)
    [problem] = [p for p in problems if f"「{section}」的第1项" in p.message]
    assert problem.origin.row == _line_of(path, bad_line)
    assert "应为键值表" in problem.message or "应为一段文字" in problem.message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("department:\n  code: '503'", "department: 503\nunused:\n  code: '503'"),
        ("  staffing:\n    headcount: 21", "  staffing: many\n  stuff:\n    headcount: 21"),
        ("prior_year:\n", "prior_year: [1, 2]\nold_prior_year:\n"),
        ("  name: 焦作市解放区人力资源和社会保障局\n  consolidated", "  name: [焦作, 解放区]\n  consolidated"),
    ],
)
def test_yaml_parts_of_the_wrong_shape_are_problems(tmp_path, old, new):
    problems = _problems(_edited(tmp_path, old, new))
    assert any("应为键值表" in p.message or "应为一个值" in p.message for p in problems), problems


def test_yaml_number_over_4300_digits_is_a_problem(tmp_path):
    """Python refuses to convert an int of more than 4,300 digits: ValueError before."""
    path = _edited(tmp_path, "year: 2025", "year: " + "1" * 5000)
    [problem] = _problems(path)
    assert problem.origin.column == "year" and problem.origin.row
    assert "预算年度" in problem.message and len(problem.message) < 200


def test_yaml_nesting_1000_deep_is_refused(tmp_path):
    """A 1,000-deep list crashed with RecursionError."""
    path = _ledger(tmp_path, "year: 2025\nunits: " + "[" * 1000 + "]" * 1000 + "\n")
    [problem] = _problems(path)
    assert "嵌套超过" in problem.message and problem.origin.row == 2


def test_yaml_lone_surrogate_is_a_problem(tmp_path):
    """`"\\uD800"` was read into the budget and crashed whatever wrote it out as UTF-8."""
    old = "  name: 焦作市解放区人力资源和社会保障局\n  consolidated"
    path = _edited(tmp_path, old, '  name: "\\uD800"\n  consolidated')
    [problem] = _problems(path)
    assert "Unicode" in problem.message and problem.origin.row == 9


def test_yaml_duplicate_key_is_refused_naming_both_lines(tmp_path):
    """A second `year:` silently changed the year."""
    path = _edited(tmp_path, "template: henan-2025\n", "template: henan-2025\nyear: 2024\n")
    [problem] = _problems(path)
    assert "「year」重复" in problem.message and "第5行和第7行" in problem.message


def test_yaml_merge_keys_may_still_be_overridden(tmp_path):
    """Anchors, aliases and merges within the bounds read as before; an explicit key overrides a merged one."""
    text = EXAMPLE.replace(
        "- unit: '503001'\n  fund: 一般公共预算\n  amount: '11486.24'",
        "- &line\n  unit: '503001'\n  fund: 一般公共预算\n  amount: '11486.24'",
        1,
    ).replace(
        "- unit: '704001'\n  fund: 一般公共预算\n  amount: '1106.87'",
        "- <<: *line\n  unit: '704001'\n  amount: '1106.87'",
    )
    assert read_budget(_ledger(tmp_path, text)) == read_budget(EXAMPLE_YAML)


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a: &a [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        name, before = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{before}"] * width) + "]")
    return "\n".join(lines)


def _bombed_ledger() -> str:
    """The example ledger whose department name is the bomb."""
    return _alias_bomb() + "\n" + EXAMPLE.replace("  name: 焦作市解放区人力资源和社会保障局\n", "  name: *i\n", 1)


def test_yaml_alias_bomb_is_refused_in_milliseconds(tmp_path):
    """9 levels of 9 aliases stand for 387 million strings: the reader froze expanding them."""
    path = _ledger(tmp_path, _bombed_ledger())
    started = time.perf_counter()
    problems = _problems(path)
    assert time.perf_counter() - started < 1.0
    assert any("别名" in p.message for p in problems), problems


def test_yaml_alias_uses_are_bounded(tmp_path):
    anchored = "year: &y 2025\n" + "".join(f"k{i}: *y\n" for i in range(YAML_MAX_ALIASES + 1))
    [problem] = _problems(_ledger(tmp_path, anchored))
    assert f"超过 {YAML_MAX_ALIASES} 处" in problem.message and problem.origin.row == YAML_MAX_ALIASES + 2


def test_yaml_self_referencing_alias_is_refused(tmp_path):
    [problem] = _problems(_ledger(tmp_path, "year: 2025\nunits: &u [*u]\n"))
    assert "自身" in problem.message


def test_yaml_larger_than_the_bound_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"# " + b"x" * (MAX_INPUT_BYTES - 1) + b"\n")
    [problem] = _problems(path)
    assert "MB" in problem.message


def test_yaml_control_character_is_a_problem_at_its_line(tmp_path):
    """Found by the fuzz test: YAML refuses a control character before parsing starts."""
    path = _edited(tmp_path, "template: henan-2025", "template: henan-2025 \x16")
    [problem] = _problems(path)
    assert "U+0016" in problem.message and problem.origin.row == 6


def test_yaml_odd_scalars_stay_text_for_the_field_to_judge(tmp_path):
    """A date that is no date (2025-13-45), an !!int that is no int: ValueError in PyYAML's constructors."""
    path = _edited(tmp_path, "  fiscal_level: 区级", "  fiscal_level: 2025-13-45")
    assert read_budget(path).department.fiscal_level == "2025-13-45"
    path = _edited(tmp_path, "    headcount: 21", "    headcount: !!int abc")
    [problem] = _problems(path)
    assert problem.message == "「人员数量」应为非负整数：「abc」"


# ---------------------------------------------------------------- bounds on values


def test_amount_above_10_to_15_yuan_is_an_input_error(tmp_path):
    """An amount of 10^26 passed validation and crashed build, perf monitor and audit (InvalidOperation)."""
    path = _edited(tmp_path, "amount: '11486.24'", "amount: '1" + "0" * 26 + "'")
    problems = _problems(path)
    [problem] = [p for p in problems if "金额过大" in p.message]
    assert problem.origin.column == "amount" and problem.origin.row == 48  # the record's line
    assert not any("出错" in p.message for p in problems)  # no check crashed on it


def test_amount_bound_holds_where_no_check_adds_up(tmp_path):
    """国有资产 amounts take part in no balance: 10^20 万元 read as a valid budget before."""
    path = _edited(tmp_path, "assets:\n", "assets:\n  special_equipment: '100000000000000000000'\n")
    path.write_text(path.read_text(encoding="utf-8").replace("  special_equipment: '0.00'\n", "", 1), encoding="utf-8")
    [problem] = _problems(path)
    assert "金额过大" in problem.message and problem.origin.column == "special_equipment"


def test_amount_at_the_bound_is_accepted(tmp_path):
    wan = MAX_AMOUNT_FEN // 1_000_000
    path = _edited(tmp_path, "assets:\n", f"assets:\n  special_equipment: '{wan}'\n")
    path.write_text(path.read_text(encoding="utf-8").replace("  special_equipment: '0.00'\n", "", 1), encoding="utf-8")
    assert read_budget(path).assets.special_equipment == MAX_AMOUNT_FEN


def test_income_total_beyond_a_bigint_is_refused(tmp_path):
    big = MAX_AMOUNT_FEN // 1_000_000
    income = "".join(f"- unit: '503001'\n  fund: 一般公共预算\n  amount: '{big}'\n" for _ in range(100))
    spending = "".join(
        f"- unit: '503001'\n  function: '2080101'\n  econ: '30101'\n  fund: 一般公共预算\n  item: 工资{i}\n"
        f"  amount: '{big}'\n"
        for i in range(100)
    )
    text = EXAMPLE.replace("income:\n", f"income:\n{income}", 1).replace("basic:\n", f"basic:\n{spending}", 1)
    problems = _problems(_ledger(tmp_path, text))
    messages = [p.message for p in problems]
    assert any(m.startswith("收入合计") and "超过上限" in m for m in messages), messages
    assert any(m.startswith("基本支出合计") and "超过上限" in m for m in messages), messages


def test_text_fields_have_a_length_limit(tmp_path):
    """A 300,000-character name made Rich and Typst explode; free text takes more than a name."""
    name = "名" * 300_000
    path = _edited(tmp_path, "  name: 焦作市解放区就业创业服务中心", f"  name: {name}")
    [problem] = _problems(path)
    assert "「单位名称」过长：300000 个字符，最多 200 个" in problem.message and len(problem.message) < 100
    goal = next(line for line in EXAMPLE.splitlines() if line.startswith("  goal: "))
    path = _edited(tmp_path, goal, "  goal: " + "目标" * (LONG_TEXT_CHARS // 2))
    assert len(read_budget(path).unit_performance[0].goal) == LONG_TEXT_CHARS  # free text takes 20,000


def test_problems_are_capped_with_a_count_of_the_rest(tmp_path):
    """300,000 bad rows produced a 43 MB error page."""
    bad = "".join(f"- unit: '503001'\n  fund: 一般公共预算\n  amount: 坏{i}\n" for i in range(MAX_PROBLEMS + 500))
    with pytest.raises(BudgetInputError) as caught:
        read_budget(_edited(tmp_path, "income:\n", f"income:\n{bad}"))
    assert len(caught.value.problems) == MAX_PROBLEMS and caught.value.unlisted == 500
    assert f"输入有 {MAX_PROBLEMS + 500} 处错误" in str(caught.value)
    assert str(caught.value).endswith("另有 500 个问题未列出（请先改正以上问题）")
    # an upload (bytes, renamed to the uploaded file's name) keeps the count too
    with pytest.raises(BudgetInputError) as uploaded:
        read_budget_bytes(EXAMPLE_YAML.read_text().replace("income:\n", f"income:\n{bad}", 1).encode(), "上传.yaml")
    assert uploaded.value.unlisted == 500 and uploaded.value.problems[0].origin.file == "上传.yaml"


# ---------------------------------------------------------------- XLSX


def _workbook_with(parts: dict[str, bytes], drop: str = "") -> bytes:
    """The example workbook with parts replaced or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(EXAMPLE_XLSX) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            if info.filename not in parts and info.filename != drop:
                target.writestr(info, source.read(info.filename))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def _sheet_part(title: str) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(EXAMPLE_XLSX, read_only=True)
    try:
        index = wb.sheetnames.index(title) + 1
    finally:
        wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def test_damaged_sheet_xml_is_a_problem_naming_the_sheet(tmp_path):
    with zipfile.ZipFile(EXAMPLE_XLSX) as source:
        part = _sheet_part("单位")
        xml = source.read(part)
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(_workbook_with({part: xml[: len(xml) // 2]}))
    problems = _problems(path)
    assert [p.origin.sheet for p in problems] == ["单位"]
    assert "工作表「单位」已损坏" in problems[0].message


def test_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    bomb = _workbook_with({"xl/media/padding.bin": bytes(MAX_UNPACKED_BYTES + 1)})
    assert len(bomb) < 1_000_000
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    started = time.perf_counter()
    [problem] = _problems(path)
    assert time.perf_counter() - started < 1.0
    assert "解压后" in problem.message and "上限" in problem.message


def test_part_with_a_bomb_ratio_is_refused(tmp_path):
    path = tmp_path / "ratio.xlsx"
    path.write_bytes(_workbook_with({"xl/media/zeros.bin": bytes(8 * 1024 * 1024)}))
    [problem] = _problems(path)
    assert "压缩比异常" in problem.message


def _rows_sheet(rows: int) -> bytes:
    """Sheet XML of ``rows`` rows under a 单位代码 header, written directly (a workbook writer is too slow)."""
    body = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, rows + 2))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>单位代码</t></is></c></row>'
        f"{body}</sheetData></worksheet>"
    ).encode()


def test_sheet_past_the_row_bound_is_refused(tmp_path, monkeypatch):
    from yusuan.ledger import xlsx_reading

    monkeypatch.setattr(xlsx_reading, "MAX_ROWS", 50)
    path = tmp_path / "rows.xlsx"
    path.write_bytes(_workbook_with({_sheet_part("单位"): _rows_sheet(60)}))
    problems = _problems(path)
    [problem] = [p for p in problems if p.origin.sheet == "单位"]
    assert "超过 50 行" in problem.message and "第52行" in problem.message


def test_a_million_rows_are_refused_in_seconds(tmp_path):
    """An 11 MB workbook of 1 M rows took 67 s and 1.9 GB: it stops at the row bound now."""
    path = tmp_path / "million.xlsx"
    path.write_bytes(_workbook_with({_sheet_part("单位"): _rows_sheet(1_000_000)}))
    started = time.perf_counter()
    problems = _problems(path)
    assert time.perf_counter() - started < 15
    assert any("不予读取" in p.message for p in problems), problems


def test_wide_rows_are_refused(tmp_path):
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>单位代码</t></is></c><c r="XFD1"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    path = tmp_path / "wide.xlsx"
    path.write_bytes(_workbook_with({_sheet_part("单位"): sheet}))
    [problem] = [p for p in _problems(path) if p.origin.sheet == "单位"]
    assert "列之后还有数据" in problem.message


def test_uploads_get_the_same_bounds(tmp_path):
    """The web app parses uploads with read_budget_bytes: the bounds belong to the reader."""
    with pytest.raises(BudgetInputError) as info:
        read_budget_bytes(_bombed_ledger().encode("utf-8"), "上传.yaml")
    assert any("别名" in p.message and p.origin.file == "上传.yaml" for p in info.value.problems)
    with pytest.raises(BudgetInputError) as info:
        read_budget_bytes(_workbook_with({"xl/media/padding.bin": bytes(MAX_UNPACKED_BYTES + 1)}), "上传.xlsx")
    assert "解压后" in info.value.problems[0].message and info.value.problems[0].origin.file == "上传.xlsx"
