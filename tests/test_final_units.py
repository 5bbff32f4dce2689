"""Unit 决算 (issue 13 §2, ``yusuan final --unit CODE`` / ``--units``): each unit's own final accounts.

A unit's 决算 is built from the ledger and the execution data restricted to that unit (once, in
``tables.scope``), so the units add up to the 汇总 in every 决算 table and every amount, 年初预算数
and 决算数 alike; each unit's PDF audits with 0 errors as a 决算; the wording follows the scope
(单位, 本单位, no composition sentence, 机关运行经费 only for the unit kinds that have it — the
budget profile's data, shared); the command line writes one unit, or the 汇总 and every unit, all
or nothing.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from datetime import date

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_ACTUALS, EXAMPLE_ADJUSTMENTS, EXAMPLE_DIR, EXAMPLE_EXECUTION, EXAMPLE_YAML
from tests.test_units import ADMINISTRATIVE, INSTITUTION, _amounts, _centre
from yusuan.audit.engine import audit_path
from yusuan.cli import app
from yusuan.ledger.model import Budget, FinalReason
from yusuan.ledger.synth import department_seed, generate_budget
from yusuan.outputs import CONSOLIDATED_DIR, build_final_disclosure, write_disclosures
from yusuan.performance.execution import Adjustment, Execution, Payment
from yusuan.tables.profile import load_profile
from yusuan.tables.scope import UnknownUnitError, scoped_execution

BUREAU, CENTRE = "焦作市解放区人力资源和社会保障局", "焦作市解放区就业创业服务中心"
EXECUTION, ADJUSTMENTS, ACTUALS = EXAMPLE_EXECUTION, EXAMPLE_ADJUSTMENTS, EXAMPLE_ACTUALS


@pytest.fixture(scope="module")
def execution(example_execution) -> Execution:
    return example_execution


def _assert_units_add_up(budget: Budget, execution: Execution) -> dict[tuple[str, tuple[str, ...], str], int]:
    """Σ units = 汇总 for every amount of every 决算 table; returns the 汇总's amounts."""
    consolidated = _amounts(build_final_disclosure(budget, execution).tables)
    added: dict[tuple[str, tuple[str, ...], str], int] = defaultdict(int)
    for unit in budget.units:
        for key, fen in _amounts(build_final_disclosure(budget, execution, unit=unit.code).tables).items():
            added[key] += fen
    differences = {
        k: (consolidated.get(k, 0), added.get(k, 0))
        for k in set(consolidated) | set(added)
        if consolidated.get(k, 0) != added.get(k, 0)
    }
    assert differences == {}, sorted(differences.items())[:10]
    return consolidated


def test_example_units_add_up_to_the_consolidated_final(example_budget, execution):
    consolidated = _assert_units_add_up(example_budget, execution)
    assert {number for number, _, _ in consolidated} == {f"公开0{i}表" for i in range(1, 10)}
    # both the 年初预算数 and the 决算数 columns are compared, and they differ on the example
    budget_cells = {k: v for k, v in consolidated.items() if k[2].startswith("budget.")}
    final_cells = {k: v for k, v in consolidated.items() if k[2].startswith("final.")}
    assert sum(budget_cells.values()) > 0 and sum(final_cells.values()) > 0
    assert sum(budget_cells.values()) != sum(final_cells.values())


def _synthetic_execution(budget: Budget, seed: int) -> Execution:
    """Seeded execution data for a generated ledger: payments on most lines (some on a code the
    ledger lacks), a 追加 or 追减 on some projects and basic budgets."""
    rng = random.Random(seed)
    payments: list[Payment] = []
    adjustments: list[Adjustment] = []
    day = date(budget.year, 6, 30)
    for line in budget.basic:
        if rng.random() < 0.9:
            payments.append(Payment(line.unit, "", day, line.amount * rng.randint(60, 110) // 100, line.econ))
    for project in budget.projects:
        for s in project.spending:
            econ = s.econ if rng.random() < 0.8 else "30299"
            payments.append(Payment(project.unit, project.code, day, s.amount * rng.randint(40, 100) // 100, econ))
        if rng.random() < 0.5:
            kind = rng.choice(("追加", "追减"))
            adjustments.append(Adjustment(project.unit, project.code, day, kind, max(1, project.amount // 10)))
    for unit in budget.units:
        adjustments.append(Adjustment(unit.code, "", day, "追加", rng.randint(1, 10_000_00)))
    return Execution(payments=tuple(payments), adjustments=tuple(adjustments))


def test_generated_departments_units_add_up_to_their_consolidated_final():
    budgets = [generate_budget(department_seed(13, i)) for i in range(1, 6)]
    assert sum(len(b.units) for b in budgets) > 8
    for i, budget in enumerate(budgets):
        _assert_units_add_up(budget, _synthetic_execution(budget, seed=i))


def test_a_units_execution_is_its_own_payments_adjustments_and_carryovers(execution):
    own = scoped_execution(execution, INSTITUTION)
    assert own.payments and all(p.unit == INSTITUTION for p in own.payments)
    assert all(a.unit == INSTITUTION for a in own.adjustments)
    assert len(own.payments) == sum(1 for p in execution.payments if p.unit == INSTITUTION)
    assert scoped_execution(execution, None) is execution


def _text(disclosure) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(b.text for b in disclosure.narrative.blocks)


def test_a_unit_final_speaks_as_the_unit(example_budget, execution):
    unit = build_final_disclosure(example_budget, execution, unit=INSTITUTION)
    assert unit.narrative.title == f"{CENTRE}2025年度单位决算公开"
    assert unit.tables.department == CENTRE
    text = _text(unit)
    assert f"{CENTRE}2025年度单位决算情况说明" in text
    assert "一、单位职责" in text and f"本单位职责见{BUREAU}部门决算公开" in text
    assert f"{CENTRE}为事业单位，是{BUREAU}的预算单位。" in text
    assert "纳入本部门" not in text and "部门决算情况说明" not in text
    assert f"本单位国有资产占用情况见{BUREAU}（汇总）部门决算公开" in text


def test_the_consolidated_final_keeps_its_department_wording(example_budget, execution):
    text = _text(build_final_disclosure(example_budget, execution))
    assert "纳入本部门2025年度部门决算编制范围的单位共2个" in text
    assert "2025年度部门决算情况说明" in text and "单位决算" not in text


def test_operating_costs_follow_the_unit_kind(example_budget, execution):
    by_kind = _centre(example_budget, operating_costs=None)  # the example's centre reports them (see its ledger)
    centre = build_final_disclosure(by_kind, execution, unit=INSTITUTION)
    assert f"{CENTRE}为事业单位，不涉及机关（机构）运行经费。" in _text(centre)
    assert not any("机关（机构）运行经费" in w for w in centre.narrative.warnings)
    assert not any("operating_costs" in f.subject for f in centre.narrative.figures)
    bureau = build_final_disclosure(example_budget, execution, unit=ADMINISTRATIVE)
    assert "2025年度机关运行经费支出年初预算为" in _text(bureau)
    assert "不涉及机关" not in _text(bureau)
    assert any(f.subject == "final.operating_costs" for f in bureau.narrative.figures)


def test_the_final_shares_the_budget_profiles_scope_data():
    """One place: the 决算's scope words and unit kinds are the budget profile's, not a copy."""
    final, budget = load_profile("final-2025").raw, load_profile("henan-2025").raw
    assert final["scopes"] == budget["scopes"] and final["unit_kinds"] == budget["unit_kinds"]
    text = (EXAMPLE_DIR.parents[1] / "src/yusuan/tables/profiles/final-2025.yaml").read_text(encoding="utf-8")
    assert "unit_kinds:" not in text and "\nscopes:" not in text


def test_a_unit_final_states_the_ledgers_reasons_for_its_part(example_budget, execution):
    """The ledger's 决算变动原因 without a unit are the department's: a unit's 决算 states them for
    its own part rather than asking for reasons it cannot be given (a unit's own take their place,
    see tests/test_final_reasons.py)."""
    request = "比较=年初预算，项目=2080104，"  # 综合业务管理: the bureau's only, 45% of its budget spent
    bare = build_final_disclosure(example_budget, execution, unit=ADMINISTRATIVE)
    assert any(request in w for w in bare.narrative.warnings)
    reason = FinalReason("budget", "gpb.item.2080104", "部分项目延至下年实施。")
    budget = dataclasses.replace(example_budget, final_reasons=(reason,))
    explained = build_final_disclosure(budget, execution, unit=ADMINISTRATIVE)
    assert not any(request in w for w in explained.narrative.warnings)
    assert "决算数小于年初预算数，主要原因：部分项目延至下年实施" in _text(explained)


def test_unknown_unit_is_the_same_chinese_error(example_budget, execution):
    with pytest.raises(UnknownUnitError) as caught:
        build_final_disclosure(example_budget, execution, unit="999999")
    assert "预算账本中没有单位代码 999999" in str(caught.value) and INSTITUTION in str(caught.value)


def test_a_units_performance_scores_only_its_own_projects(example_budget, execution):
    from yusuan.performance.scoring import read_actuals

    actuals = read_actuals(ACTUALS, example_budget)
    own = sum(1 for p in example_budget.projects if p.unit == INSTITUTION)
    assert 0 < own < len(example_budget.projects)
    text = _text(build_final_disclosure(example_budget, execution, unit=INSTITUTION, actuals=actuals))
    assert f"2025年度对{own}个项目开展了绩效自评" in text


# --- the closed loop for units -------------------------------------------------------------------


@pytest.fixture(scope="module")
def units_final(example_budget, execution, tmp_path_factory):
    out = tmp_path_factory.mktemp("final-units")
    disclosures = {u: build_final_disclosure(example_budget, execution, unit=u) for u in (ADMINISTRATIVE, INSTITUTION)}
    try:
        write_disclosures(disclosures, out, ["pdf"])
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))
    return out


@pytest.mark.parametrize("unit", [ADMINISTRATIVE, INSTITUTION])
def test_each_unit_final_pdf_audits_clean_as_a_final_account(units_final, unit):
    report = audit_path(units_final / unit / "disclosure.pdf")
    errors = [f.message for f in report.findings if f.severity == "error"]
    assert errors == []
    assert report.document["kind"] == "final"
    assert report.document["template"] == "final-2025"
    assert report.stats["tables_found"] == report.stats["tables_recognised"] == 9
    held, checked = report.stats["identities_held"], report.stats["identities_checked"]
    tails = [f for f in report.findings if f.rule == "rounding.tail_difference"]
    assert checked > 100 and held + len(tails) >= checked


# --- command line ----------------------------------------------------------------------------------


def _final(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app, ["final", str(EXAMPLE_YAML), str(EXECUTION), "--adjustments", str(ADJUSTMENTS), *args]
    )


def test_cli_unit_writes_that_units_final(tmp_path):
    out = tmp_path / "out"
    result = _final("-o", str(out), "--unit", INSTITUTION, "--format", "json")
    assert result.exit_code == 0, result.output
    assert f"{CENTRE} 2025年度单位决算公开文件" in result.stdout
    assert [p.name for p in out.iterdir()] == ["disclosure.json"]
    assert f"{CENTRE}2025年度单位决算公开" in (out / "disclosure.json").read_text(encoding="utf-8")


def test_cli_unknown_unit_writes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "disclosure.json").write_text("old", encoding="utf-8")
    result = _final("-o", str(out), "--unit", "999999", "--format", "json")
    assert result.exit_code == 1
    assert "未生成任何文件：预算账本中没有单位代码 999999" in result.stderr and INSTITUTION in result.stderr
    assert "Traceback" not in result.output
    assert [p.name for p in out.iterdir()] == ["disclosure.json"]
    assert (out / "disclosure.json").read_text(encoding="utf-8") == "old"


def test_cli_units_writes_the_consolidated_and_every_unit(tmp_path):
    out = tmp_path / "out"
    result = _final("-o", str(out), "--units", "--format", "html,json")
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == sorted(
        f"{folder}/{name}"
        for folder in (CONSOLIDATED_DIR, ADMINISTRATIVE, INSTITUTION)
        for name in ("disclosure.html", "disclosure.json")
    )
    assert "2025年度部门决算公开" in (out / CONSOLIDATED_DIR / "disclosure.json").read_text(encoding="utf-8")
    # each document's requests for reasons say which document asks
    assert f"提示：{CONSOLIDATED_DIR}：" in result.stderr and f"提示：{INSTITUTION}：" in result.stderr
    assert f"{CENTRE}2025年度单位决算公开" in (out / INSTITUTION / "disclosure.json").read_text(encoding="utf-8")


def test_cli_units_failing_midway_writes_nothing(tmp_path, monkeypatch):
    from yusuan import outputs

    name, render = outputs.RENDERERS["json"]

    def failing(disclosure):  # type: ignore[no-untyped-def]
        if disclosure.tables.department == CENTRE:
            raise RuntimeError("模拟的渲染失败")
        return render(disclosure)

    monkeypatch.setitem(outputs.RENDERERS, "json", (name, failing))
    out = tmp_path / "out"
    result = _final("-o", str(out), "--units", "--format", "json")
    assert result.exit_code == 1
    assert "生成失败，未写出任何文件" in result.stderr
    assert not out.exists() or list(out.rglob("*")) == []
