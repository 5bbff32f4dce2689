"""The narrative a department owns: reasons per item, extra paragraphs and 名词解释 from the ledger,
prior-year figures from last year's ledger, and no sentence that does not fit its numbers."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from yusuan.cli import app
from yusuan.ledger import read_budget, write_budget
from yusuan.ledger.model import BasicLine, Budget, ChangeReason, ExtraParagraph, Fund, Income, PriorYear, Term
from yusuan.ledger.problems import BudgetInputError
from yusuan.narrative.build import build_narrative
from yusuan.narrative.prior import NO_COMPARISON, PriorLedgerError, comparable_amounts, with_prior_ledger
from yusuan.tables import build_tables

OWN_WORDS = {
    "reasons": (
        ChangeReason("20801", "新增劳动保障监察人员经费"),
        ChangeReason("41080025T000000143880", "就业见习人数增加"),
    ),
    "paragraphs": (
        ExtraParagraph("three_public", "我部门严格执行公务接待标准。"),
        ExtraParagraph("transfers", "第一行\n第二行"),
    ),
    "terms": (Term("就业见习", "是指组织离校未就业高校毕业生到见习单位实践"),),
}


def _text(budget: Budget) -> str:
    narrative = build_narrative(budget, build_tables(budget))
    return "\n".join(b.text for b in narrative.blocks)


def _blocks(budget: Budget) -> list[str]:
    return [b.text for b in build_narrative(budget, build_tables(budget)).blocks]


@pytest.fixture(scope="module")
def owned(example_budget) -> Budget:
    project = example_budget.projects[0].code
    reasons = (OWN_WORDS["reasons"][0], ChangeReason(project, "就业见习人数增加"))
    return dataclasses.replace(example_budget, **{**OWN_WORDS, "reasons": reasons})


def test_own_words_survive_yaml_and_workbook(owned, tmp_path):
    for name in ("budget.yaml", "budget.xlsx"):
        write_budget(owned, tmp_path / name)
        again = read_budget(tmp_path / name)
        assert (again.reasons, again.paragraphs, again.terms) == (owned.reasons, owned.paragraphs, owned.terms), name


def test_item_reasons_explain_the_changes_and_silence_the_warning(owned, example_budget):
    reasons = {k: v for k, v in example_budget.prior_year.reasons.items() if k not in ("total", "gpb")}
    without = dataclasses.replace(owned, prior_year=PriorYear(example_budget.prior_year.amounts, reasons))
    bare = dataclasses.replace(without, reasons=())
    assert any("收支总计" in w for w in build_narrative(bare, build_tables(bare)).warnings)
    narrative = build_narrative(without, build_tables(without))
    assert not any("收支总计" in w or "一般公共预算收支" in w for w in narrative.warnings)
    text = "\n".join(b.text for b in narrative.blocks)
    project = owned.projects[0].name
    assert (
        f"增长13.26%，主要原因：人力资源和社会保障管理事务，新增劳动保障监察人员经费；{project}，就业见习人数增加。"
        in text
    )


def test_reason_for_an_unknown_code_is_an_error_at_its_row(example_budget, tmp_path):
    wrong = dataclasses.replace(example_budget, reasons=(ChangeReason("99999", "不存在"),))
    write_budget(wrong, tmp_path / "wrong.xlsx")
    with pytest.raises(BudgetInputError) as caught:
        read_budget(tmp_path / "wrong.xlsx")
    [problem] = caught.value.problems
    assert "99999" in problem.message and problem.origin.sheet == "变动原因" and problem.origin.row == 2


def test_paragraphs_close_their_section_and_terms_follow_the_template(owned):
    blocks = _blocks(owned)
    reception = next(i for i, b in enumerate(blocks) if b.startswith("（三）公务接待费"))
    assert blocks[reception + 1] == "我部门严格执行公务接待标准。"
    transfers = next(i for i, b in enumerate(blocks) if b.startswith("我部门负责管理的专项转移支付"))
    assert blocks[transfers + 1 : transfers + 3] == ["第一行", "第二行"]
    assert blocks[-1] == "八、就业见习：是指组织离校未就业高校毕业生到见习单位实践。"


def _last_year(example_budget) -> Budget:
    """The example a year earlier, without its largest project and without 公务接待费."""
    largest = max(example_budget.projects, key=lambda p: p.amount)
    projects = tuple(p for p in example_budget.projects if p is not largest)
    basic = tuple(b for b in example_budget.basic if not b.econ.startswith("30217"))
    spent = {u.code: 0 for u in example_budget.units}
    for line in (*basic, *(s for p in projects for s in p.spending)):
        spent[line.unit if isinstance(line, BasicLine) else next(p.unit for p in projects if line in p.spending)] += (
            line.amount
        )
    income = tuple(Income(unit, Fund.GPB, amount) for unit, amount in spent.items())
    return dataclasses.replace(
        example_budget, year=2024, projects=projects, basic=basic, income=income, prior_year=PriorYear()
    )


def test_prior_figures_come_from_last_years_ledger(example_budget):
    last = _last_year(example_budget)
    budget = with_prior_ledger(example_budget, last, "2024.yaml")
    assert budget.prior_year.amounts == comparable_amounts(last)
    assert budget.prior_year.reasons == example_budget.prior_year.reasons
    largest = max(p.amount for p in example_budget.projects)
    reception = budget.prior_year.amounts["three_public.reception"]
    assert reception == 0 and comparable_amounts(example_budget)["three_public.reception"] == 2_120_000
    assert budget.prior_year.amounts["total"] == comparable_amounts(example_budget)["total"] - largest - 2_120_000
    text = _text(budget)
    assert "公务接待费2.12万元，主要用于公务接待，比上年预算数增加2.12万元，主要原因：我部门厉行节约" in text


def test_prior_ledger_of_another_year_is_refused_in_chinese(example_budget, tmp_path):
    with pytest.raises(PriorLedgerError, match=r"2023 年的预算.*2025 年.*2024 年的账本"):
        with_prior_ledger(example_budget, dataclasses.replace(example_budget, year=2023), "old.yaml")
    current, old = tmp_path / "2025.yaml", tmp_path / "old.yaml"
    write_budget(example_budget, current)
    write_budget(dataclasses.replace(example_budget, year=2023), old)
    for command in (["check"], ["build", "-o", str(tmp_path / "out")]):
        result = CliRunner().invoke(app, [*command, str(current), "--prior", str(old)])
        assert result.exit_code == 1 and "old.yaml" in result.output and "2024 年的账本" in result.output
    assert not (tmp_path / "out").exists()


def test_prior_ledger_of_another_department_is_refused_in_chinese(example_budget):
    department = dataclasses.replace(example_budget.department, code="999001", name="某某局")
    other = dataclasses.replace(_last_year(example_budget), department=department)
    with pytest.raises(PriorLedgerError, match=r"other.yaml 是某某局（部门代码 999001）的.*同一部门"):
        with_prior_ledger(example_budget, other, "other.yaml")


def test_prior_ledger_of_another_template_is_refused_in_chinese(example_budget):
    # each template sums the compared figures by its own layout: last year's sums would not be comparable
    last = dataclasses.replace(_last_year(example_budget), template="henan-2024")
    with pytest.raises(PriorLedgerError, match=r"2024.yaml 用的是「henan-2024」模板.*本预算用「henan-2025」模板"):
        with_prior_ledger(example_budget, last, "2024.yaml")


def test_cli_imports_prior_figures(example_budget, tmp_path):
    current, last = tmp_path / "2025.yaml", tmp_path / "2024.xlsx"
    write_budget(dataclasses.replace(example_budget, prior_year=PriorYear()), current)
    write_budget(_last_year(example_budget), last)
    bare = CliRunner().invoke(app, ["check", str(current)])
    assert bare.exit_code == 0 and "账本没有上年数：收支总计" in bare.output and NO_COMPARISON in bare.output
    imported = CliRunner().invoke(app, ["check", str(current), "--prior", str(last)])
    assert imported.exit_code == 0 and "账本没有上年数" not in imported.output, imported.output


def test_without_prior_figures_every_comparison_says_so(example_budget):
    budget = dataclasses.replace(example_budget, prior_year=PriorYear())
    narrative = build_narrative(budget, build_tables(budget))
    text = "\n".join(b.text for b in narrative.blocks)
    assert "与上年" not in text and "比上年" not in text
    # 收支总计, 财政拨款, 三公 and its four parts, 机关运行经费
    assert text.count(NO_COMPARISON) == 8
    assert f"支出总计12593.11万元；{NO_COMPARISON}。" in text
    assert any("账本没有上年数" in w for w in narrative.warnings)


def test_reasons_are_not_written_for_an_unchanged_figure(example_budget):
    text = _text(example_budget)
    assert "“三公”经费支出预算为2.12万元，与上年预算数持平。" in text
    assert "厉行节约" not in text and "无此项支出" not in text


def test_sentences_about_zero_amounts_are_not_written(example_budget):
    no_public = dataclasses.replace(example_budget, basic=tuple(b for b in example_budget.basic if b.econ[:3] != "302"))
    text = _text(no_public)
    assert "公务接待费0.00万元，比上年预算数减少2.12万元" in text and "主要用于公务接待" not in text
    assert "运行经费支出预算0.00万元，比上年预算数减少" in text and "主要保障机关" not in text
    assert "专项转移支付项目共有0项。" in text and "积极做好项目分配" not in text
