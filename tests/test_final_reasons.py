"""决算变动原因 (issue 13 §2/§4): the reasons a 决算's comparisons ask for are entered in the ledger,
YAML ``final_reasons`` or the workbook sheet 「决算变动原因」 (单位代码, 比较, 项目, 原因), a figure
named as the 说明 names it (a 项 by its code). A reason stands in the 说明 where its comparison does
and silences the request; a request names what to fill in, in the ledger's words; a bad row is a
problem that says where; a unit's own reason takes the place of the department's in its 决算.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import EXAMPLE_YAML
from tests.test_final_prior import _last_years_execution
from tests.test_narrative_ledger import _last_year
from tests.test_units import ADMINISTRATIVE, INSTITUTION
from yusuan.ledger import read_budget, write_budget
from yusuan.ledger.model import FINAL_ITEM, FINAL_SUBJECTS, Budget, FinalReason, final_comparisons
from yusuan.ledger.problems import BudgetInputError
from yusuan.ledger.workbook import HELP_SHEET, write_template, write_workbook
from yusuan.narrative.final import LastYear, compared_facts
from yusuan.outputs import FINAL_PROFILE, build_final_disclosure
from yusuan.tables.facts import final_facts
from yusuan.tables.profile import load_profile

#: the example's 决算 asks for these (决算数 past 10% below 年初预算数); the rows name them as a user
#: would: the 说明's name, without its quote marks, a code with spaces, a 项 as the 说明 writes it
ROWS = (
    ("", "年初预算", "公务接待费", "严格执行公务接待标准，压减接待批次。"),
    ("", "年初预算", "三公经费支出", "厉行节约，压减“三公”经费。"),
    ("", "年初预算", "208 01 04", "部分业务工作延至下年开展。"),
    ("", "年初预算", "引进人才费用（2080116）", "引进人才人数少于计划"),
)
REQUEST = "请在账本「决算变动原因」中填写："


def _yaml_rows(rows: tuple[tuple[str, str, str, str], ...]) -> str:
    lines = ["final_reasons:"]
    for unit, comparison, subject, reason in rows:
        lines.append(f"  - {{unit: '{unit}', comparison: {comparison}, subject: '{subject}', reason: {reason}}}")
    return "\n".join(lines) + "\n"


def _yaml_ledger(tmp_path: Path, rows: tuple[tuple[str, str, str, str], ...]) -> Path:
    path = tmp_path / "budget.yaml"
    path.write_text(EXAMPLE_YAML.read_text(encoding="utf-8") + _yaml_rows(rows), encoding="utf-8")
    return path


def _workbook_ledger(budget: Budget, tmp_path: Path, rows: tuple[tuple[str, ...], ...]) -> Path:
    """The example as a workbook, the rows typed into 「决算变动原因」 as a user would in Excel."""
    path = tmp_path / "budget.xlsx"
    write_workbook(budget, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["决算变动原因"]
    headers = [c.value for c in ws[1]]
    assert headers == ["单位代码（空白为全部门）", "比较", "项目", "原因"]
    for row in rows:
        ws.append([value or None for value in row])
    wb.save(path)
    return path


def _text(disclosure) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(b.text for b in disclosure.narrative.blocks)


def _requests(disclosure) -> list[str]:  # type: ignore[no-untyped-def]
    return [w for w in disclosure.narrative.warnings if REQUEST in w]


def _problems(path: Path) -> list[str]:
    with pytest.raises(BudgetInputError) as caught:
        read_budget(path)
    return [str(p) for p in caught.value.problems]


def _states_the_reasons(budget: Budget, execution) -> None:  # type: ignore[no-untyped-def]
    disclosure = build_final_disclosure(budget, execution)
    assert _requests(disclosure) == []
    text = _text(disclosure)
    for name, reason in (
        ("公务接待费", "严格执行公务接待标准，压减接待批次。"),
        ("“三公”经费支出", "厉行节约，压减“三公”经费。"),
        ("综合业务管理（2080104）", "部分业务工作延至下年开展。"),
        ("引进人才费用（2080116）", "引进人才人数少于计划。"),
    ):
        said = rf"{name}：?年初预算为[\d.]+万元，决算为[\d.]+万元，完成年初预算的[\d.]+%，决算数小于年初预算数，"
        assert re.search(said + f"主要原因：{reason}", text), name


def test_the_example_asks_for_each_reason_in_the_ledgers_words(example_budget, example_execution):
    asked = _requests(build_final_disclosure(example_budget, example_execution))
    assert [w.split(REQUEST)[1] for w in asked] == [
        "比较=年初预算，项目=2080104，原因=…",
        "比较=年初预算，项目=2080116，原因=…",
        "比较=年初预算，项目=“三公”经费支出，原因=…",
        "比较=年初预算，项目=公务接待费，原因=…",
    ]
    unit = _requests(build_final_disclosure(example_budget, example_execution, unit=INSTITUTION))
    assert unit and all(f"{REQUEST}单位代码={INSTITUTION}，比较=年初预算，项目=" in w for w in unit)


def test_no_request_names_an_internal_key(example_budget, example_execution):
    last = _last_year(example_budget)
    last_year = LastYear(last, _last_years_execution(last, example_execution))
    for unit in (None, ADMINISTRATIVE, INSTITUTION):
        disclosure = build_final_disclosure(example_budget, example_execution, unit=unit, last_year=last_year)
        warnings = disclosure.narrative.warnings
        assert any("比较=上年决算，项目=" in w for w in warnings) or unit is not None
        for w in warnings:
            assert not re.search(r"prior_year|final\.|prior\.|gpb\.|three_public|operating_costs", w), w


def test_reasons_entered_in_yaml_stand_in_the_final(tmp_path, example_execution):
    _states_the_reasons(read_budget(_yaml_ledger(tmp_path, ROWS)), example_execution)


def test_reasons_entered_in_the_workbook_stand_in_the_final(tmp_path, example_budget, example_execution):
    _states_the_reasons(read_budget(_workbook_ledger(example_budget, tmp_path, ROWS)), example_execution)


def test_a_reason_against_last_years_final_is_entered_the_same_way(tmp_path, example_execution):
    row = ("", "上年决算", "一般公共预算财政拨款支出", "新增机关事业单位基本养老保险基金补助。")
    budget = read_budget(_yaml_ledger(tmp_path, (row,)))
    last = _last_year(budget)
    last_year = LastYear(last, _last_years_execution(last, example_execution))
    disclosure = build_final_disclosure(budget, example_execution, last_year=last_year)
    assert not any("项目=一般公共预算财政拨款支出，" in w for w in disclosure.narrative.warnings)
    assert "增长156.66%，主要原因：新增机关事业单位基本养老保险基金补助。" in _text(disclosure)


def test_round_trip_yaml_workbook_yaml(tmp_path):
    rows = (*ROWS, (INSTITUTION, "上年决算", "公务接待费", "本单位接待任务增加。"))
    budget = read_budget(_yaml_ledger(tmp_path, rows))
    assert len(budget.final_reasons) == 5
    write_workbook(budget, tmp_path / "again.xlsx")
    from_workbook = read_budget(tmp_path / "again.xlsx")
    assert from_workbook == budget
    write_budget(from_workbook, tmp_path / "again.yaml")
    assert read_budget(tmp_path / "again.yaml") == budget
    written = (tmp_path / "again.yaml").read_text(encoding="utf-8")
    # written in the user's words: 项目 as the 说明 names it, a 项 by its code
    assert "comparison: 年初预算" in written and "subject: “三公”经费支出" in written
    assert "subject: '2080104'" in written and "gpb.item" not in written


@pytest.mark.parametrize(
    ("row", "column", "said"),
    [
        (("", "年初预算", "公务招待费", "x"), "subject", "「项目」的值「公务招待费」无效，应为说明中比较的项目："),
        (("", "年初预算", "208", "x"), "subject", "或功能分类科目“项”的7位编码"),
        (("", "预算", "公务接待费", "x"), "comparison", "「比较」的值「预算」无效，应为：年初预算、上年决算"),
        (("", "年初预算", "收、支总计", "x"), "comparison", "说明中「收、支总计」只与上年决算比较，不与年初预算比较"),
        (("", "上年决算", "2080104", "x"), "comparison", "说明中「2080104」只与年初预算比较"),
        (("", "年初预算", "2089998", "x"), "项目", "决算变动原因的项目 2089998 不是功能分类科目的“项”"),
        (("999999", "年初预算", "公务接待费", "x"), "单位代码（空白为全部门）", "单位代码 999999 不在单位表中"),
        (("", "年初预算", "公务接待费", ""), "reason", "缺少必填项「原因」"),
    ],
    ids=[
        "unknown-name",
        "not-a-7-digit-code",
        "unknown-comparison",
        "total-against-budget",
        "item-against-last-year",
        "unknown-item-code",
        "unknown-unit",
        "no-reason",
    ],
)
def test_a_bad_row_is_a_problem_that_says_where(tmp_path, row, column, said):
    path = _yaml_ledger(tmp_path, (row,))
    problems = _problems(path)
    line = path.read_text(encoding="utf-8").splitlines().index(_yaml_rows((row,)).splitlines()[1]) + 1
    (problem,) = problems
    assert problem.startswith(f"{path} 「final_reasons」 第{line}行 字段「{column}」：") and said in problem


def test_an_unknown_name_lists_the_allowed_ones(tmp_path):
    (problem,) = _problems(_yaml_ledger(tmp_path, (("", "年初预算", "接待费", "x"),)))
    for name in ("「收、支总计」", "「本年支出」", "「公务接待费」", "「机关（机构）运行经费」"):
        assert name in problem


def test_a_workbook_row_is_named_by_sheet_row_and_column(tmp_path, example_budget):
    rows = (("", "年初预算", "公务接待费", "一"), ("", "年初预算", "公务招待费", "二"))
    path = _workbook_ledger(example_budget, tmp_path, rows)
    (problem,) = _problems(path)
    assert problem.startswith(f"{path} 工作表「决算变动原因」 第3行 列「C列（项目）」：「项目」的值「公务招待费」无效")


def test_a_duplicate_is_refused_even_when_written_differently(tmp_path):
    rows = (("", "年初预算", "公务接待费", "一"), ("", "年初预算", " 公务接待费", "二"))
    (problem,) = _problems(_yaml_ledger(tmp_path, rows))
    assert "全部门“比较=年初预算，项目=公务接待费”的原因重复，只能写一行" in problem
    # the same figure for a unit's own 决算 is another row, not a duplicate
    rows = (rows[0], (INSTITUTION, "年初预算", "公务接待费", "二"))
    assert len(read_budget(_yaml_ledger(tmp_path, rows)).final_reasons) == 2


def test_a_units_own_reason_takes_the_place_of_the_departments(tmp_path, example_execution):
    rows = (
        ("", "年初预算", "公务接待费", "全部门压减接待。"),
        (INSTITUTION, "年初预算", "公务接待费", "中心接待任务减少。"),
        (ADMINISTRATIVE, "年初预算", "2080104", "局机关业务延至下年。"),
    )
    budget = read_budget(_yaml_ledger(tmp_path, rows))
    whole = build_final_disclosure(budget, example_execution)
    centre = build_final_disclosure(budget, example_execution, unit=INSTITUTION)
    bureau = build_final_disclosure(budget, example_execution, unit=ADMINISTRATIVE)
    assert "主要原因：全部门压减接待。" in _text(whole) and "中心接待任务减少" not in _text(whole)
    assert "主要原因：中心接待任务减少。" in _text(centre) and "全部门压减接待" not in _text(centre)
    assert "主要原因：全部门压减接待。" in _text(bureau)
    # a unit's reason is its own: the 汇总 still asks for the department's
    assert "主要原因：局机关业务延至下年。" in _text(bureau) and "局机关业务" not in _text(whole)
    assert any("比较=年初预算，项目=2080104，" in w for w in _requests(whole))
    assert not any("项目=2080104，" in w for w in _requests(bureau))


def test_a_reason_the_final_does_not_state_is_warned(tmp_path, example_execution):
    rows = (
        ("", "年初预算", "2010101", "本部门无此项支出。"),  # a 项 the department neither budgets nor spends
        (INSTITUTION, "年初预算", "2080104", "x"),  # the bureau's 项 only: not in the centre's 决算
    )
    path = _yaml_ledger(tmp_path, rows)
    budget = read_budget(path)
    (unstated,) = [w for w in build_final_disclosure(budget, example_execution).narrative.warnings if "未写入" in w]
    assert unstated.startswith(f"{path} 「final_reasons」 第") and "“比较=年初预算，项目=2010101”这一比较" in unstated
    # each document warns of its own rows only: the centre of its row, not of the department's
    centre = build_final_disclosure(budget, example_execution, unit=INSTITUTION).narrative.warnings
    (unstated,) = [w for w in centre if "未写入" in w]
    assert "“比较=年初预算，项目=2080104”这一比较，此行原因未写入说明" in unstated


def test_the_template_explains_the_sheet(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    cells = [str(c.value) for row in wb[HELP_SHEET].iter_rows() for c in row if c.value]
    assert "「决算变动原因」的项目" in cells and "公务接待费" in cells and "收、支总计" in cells
    assert [c.value for c in wb["决算变动原因"][1]] == ["单位代码（空白为全部门）", "比较", "项目", "原因"]


def test_the_ledgers_list_of_comparisons_is_the_finals(example_budget, example_execution):
    """FINAL_SUBJECTS (what the ledger accepts) says what the 说明 compares: with a reason for every
    comparison it allows, the 汇总 compared with last year states them all and asks for none."""
    last = _last_year(example_budget)
    last_year = LastYear(last, _last_years_execution(last, example_execution))
    profile = load_profile(FINAL_PROFILE)
    facts = compared_facts(example_budget, final_facts(example_budget, example_execution), profile)
    assert {s for s in facts if not s.startswith(FINAL_ITEM)} == set(FINAL_SUBJECTS)
    every = tuple(
        FinalReason(comparison, subject, f"原因{n}")
        for n, (comparison, subject) in enumerate(
            (comparison, subject) for subject in facts for comparison in final_comparisons(subject)
        )
    )
    budget = dataclasses.replace(example_budget, final_reasons=every)
    disclosure = build_final_disclosure(budget, example_execution, last_year=last_year)
    assert _requests(disclosure) == [] and not any("未写入" in w for w in disclosure.narrative.warnings)
    stated = set(re.findall(r"主要原因：(原因\d+)", _text(disclosure)))
    # all but those of the figures that did not change (持平 and 等于 state no reason)
    assert len(stated) > len(every) * 3 // 4
