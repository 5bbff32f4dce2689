"""The 决算 compared with last year's 决算 (issue 13 §2): last year's 决算数 come from last year's
ledger and execution data, computed by the same code as this year's (``final_facts`` and
``compared_facts``); every '比上年决算数增加 C 万元，增长 y%' follows from the two 决算数; a unit's
决算 is compared with the unit's own last year; ``yusuan final --prior … --prior-execution …``
refuses another year's or another department's ledger and writes nothing; without them the
document says no comparison is made and a warning asks for them; the PDF audits with 0 errors and
the audit checks each comparison sentence (a wrong rate is found).

Last year's data are derived here from the example: its ledger a year earlier without its largest
project and without 公务接待费 (``tests.test_narrative_ledger._last_year``), its payments re-dated
to 2024 at 90% of this year's.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_ADJUSTMENTS, EXAMPLE_EXECUTION, EXAMPLE_YAML
from tests.test_final_units import _synthetic_execution
from tests.test_narrative_ledger import _last_year
from tests.test_units import ADMINISTRATIVE, INSTITUTION
from yusuan.audit.engine import audit_path
from yusuan.cli import app
from yusuan.ledger import write_budget
from yusuan.ledger.model import Budget, FinalReason, PriorYear
from yusuan.ledger.synth import department_seed, generate_budget
from yusuan.narrative.final import MISSING_LAST_YEAR, NO_LAST_YEAR, LastYear, last_year_finals
from yusuan.narrative.model import Block
from yusuan.outputs import CONSOLIDATED_DIR, FINAL_PROFILE, build_final_disclosure, write_disclosures
from yusuan.performance.execution import Execution
from yusuan.tables.profile import load_profile

#: the figures compared with last year's 决算 in a 汇总 (收支总计, 财政拨款收入 and 支出, 本年支出,
#: 一般公共预算财政拨款支出 and its 基本/项目支出, “三公”经费 and its four parts, 机关运行经费)
COMPARED = 13


def _last_years_execution(last: Budget, execution: Execution) -> Execution:
    """This year's payments and adjustments on last year's lines, a year earlier, paying 90%."""
    projects = {p.code for p in last.projects}
    basic = {(b.unit, b.econ) for b in last.basic}
    payments = tuple(
        dataclasses.replace(p, date=p.date.replace(year=last.year), amount=p.amount * 9 // 10)
        for p in execution.payments
        if p.project in projects or (not p.project and (p.unit, p.econ) in basic)
    )
    adjustments = tuple(
        dataclasses.replace(a, date=a.date.replace(year=last.year))
        for a in execution.adjustments
        if a.project in projects or not a.project
    )
    return Execution(payments, adjustments)


@pytest.fixture(scope="module")
def last_year(example_budget, example_execution) -> LastYear:
    last = _last_year(example_budget)
    return LastYear(last, _last_years_execution(last, example_execution))


@pytest.fixture(scope="module")
def compared(example_budget, example_execution, last_year):
    return build_final_disclosure(example_budget, example_execution, last_year=last_year)


def _text(disclosure) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(b.text for b in disclosure.narrative.blocks)


def _figures(disclosure, prefix: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        f.subject.removeprefix(prefix): f.fen
        for f in disclosure.narrative.figures
        if f.subject.startswith(prefix) and f.fen is not None
    }


def test_last_years_finals_are_what_last_years_own_final_states(last_year):
    """One calculator: last year's figures are those last year's own 决算 states and tabulates."""
    finals = last_year_finals(last_year, None, load_profile(FINAL_PROFILE))
    assert finals is not None
    own = build_final_disclosure(last_year.budget, last_year.execution)
    stated = _figures(own, "final.")
    shared = set(finals) & set(stated)
    assert {"income.all", "expenditure.total", "gpb", "gpb.basic", "three_public", "operating_costs"} <= shared
    assert {k: finals[k] for k in shared} == {k: stated[k] for k in shared}
    assert own.tables.get("expenditure").row("合计").amount("total") == finals["expenditure.total"]
    assert finals["three_public.reception"] == 0 and finals["gpb"] > 0  # last year had no 公务接待费


def test_every_comparison_follows_from_the_two_finals(compared, last_year):
    text = _text(compared)
    assert NO_LAST_YEAR not in text
    finals = _figures(compared, "final.")
    lasts = last_year_finals(last_year, None, load_profile(FINAL_PROFILE))
    assert lasts is not None
    changes = {
        f.subject.removeprefix("change.final."): f for f in compared.narrative.figures if f.kind == "change_amount"
    }
    rates = {f.subject.removeprefix("growth.final."): f.value for f in compared.narrative.figures if f.kind == "growth"}
    assert len(changes) == COMPARED
    for subject, change in changes.items():
        diff = finals[subject] - lasts[subject]
        assert change.fen == abs(diff), subject
        if lasts[subject]:
            exact = Decimal(abs(diff)) * 100 / Decimal(lasts[subject])
            assert Decimal(rates[subject]) == exact.quantize(Decimal("0.01")), subject
        else:  # '上年为0': no rate
            assert subject not in rates
    # the words: '上年决算为 P 万元，决算数比上年决算数增加 C 万元' after '决算为 B 万元' says B − P = ±C
    said = re.findall(
        r"决算为([\d.]+)万元[^；]*；上年决算为([\d.]+)万元，决算数(?:比上年决算数(增加|减少)([\d.]+)万元|与上年决算数持平)",
        text,
    )
    assert len(said) == COMPARED - 3  # 收支总计 and 财政拨款收入/支出 say it right after their amount
    for final, last, word, amount in said:
        difference = Decimal(final) - Decimal(last)
        if not word:
            assert difference == 0
        else:
            assert abs(abs(difference) - Decimal(amount)) <= Decimal("0.01")
            assert word == ("增加" if difference > 0 else "减少")
    assert re.search(r"收、支总计各[\d.]+万元，与上年决算相比，收、支总计各增加[\d.]+万元，增长[\d.]+%", text)
    assert "公务接待费：年初预算为2.12万元" in text and "上年决算为0.00万元，决算数比上年决算数增加1.74万元。" in text


def test_a_change_past_the_threshold_asks_for_its_reason(example_budget, example_execution, last_year, compared):
    request = "比较=上年决算，项目=一般公共预算财政拨款支出，"
    asked = [w for w in compared.narrative.warnings if request in w]
    assert asked and "超过 10%" in asked[0] and "比上年决算数增加" in asked[0]
    reason = FinalReason("last_final", "gpb", "新增机关事业单位基本养老保险基金补助。")
    budget = dataclasses.replace(example_budget, final_reasons=(reason,))
    explained = build_final_disclosure(budget, example_execution, last_year=last_year)
    assert not any(request in w for w in explained.narrative.warnings)
    assert "增长156.66%，主要原因：新增机关事业单位基本养老保险基金补助。" in _text(explained)
    loose = build_final_disclosure(example_budget, example_execution, last_year=last_year, threshold=Decimal("0.99"))
    # 机关运行经费 grew 31.61%: past 10%, within 99%
    operating = "比较=上年决算，项目=机关（机构）运行经费，"
    assert any(operating in w for w in compared.narrative.warnings)
    assert not any(operating in w for w in loose.narrative.warnings)


def test_without_last_year_the_final_says_so_and_warns(example_budget, example_execution):
    bare = build_final_disclosure(example_budget, example_execution)
    text = _text(bare)
    assert f"收、支总计各12546.11万元，{NO_LAST_YEAR}。" in text
    assert "比上年" not in text and "上年决算为" not in text
    assert MISSING_LAST_YEAR in bare.narrative.warnings
    # a unit's document says so too; the request is the department's, made once
    unit = build_final_disclosure(example_budget, example_execution, unit=INSTITUTION)
    assert NO_LAST_YEAR in _text(unit) and MISSING_LAST_YEAR not in unit.narrative.warnings


def test_each_unit_is_compared_with_its_own_last_year(example_budget, example_execution, last_year, compared):
    profile = load_profile(FINAL_PROFILE)
    department = _figures(compared, "last_final.")
    added: dict[str, int] = {}
    for code in (ADMINISTRATIVE, INSTITUTION):
        unit = build_final_disclosure(example_budget, example_execution, unit=code, last_year=last_year)
        stated = _figures(unit, "last_final.")
        own = last_year_finals(last_year, code, profile)
        assert own is not None and stated == {k: own[k] for k in stated}
        for k, fen in stated.items():
            added[k] = added.get(k, 0) + fen
    assert stated["gpb"] != department["gpb"]  # a unit's share, not the department's
    shared = set(added) & set(department) - {"operating_costs"}  # only the 行政单位 reports it
    assert shared and {k: added[k] for k in shared} == {k: department[k] for k in shared}


def test_a_unit_new_this_year_is_not_compared(example_budget, example_execution, last_year):
    def without(records):  # type: ignore[no-untyped-def]
        return tuple(r for r in records if r.unit != INSTITUTION)

    last = last_year.budget
    older = dataclasses.replace(
        last,
        units=tuple(u for u in last.units if u.code != INSTITUTION),
        income=without(last.income),
        basic=without(last.basic),
        projects=without(last.projects),
        unit_performance=without(last.unit_performance),
        procurement=without(last.procurement),
    )
    execution = last_year.execution
    gone = LastYear(older, Execution(without(execution.payments), without(execution.adjustments)))
    unit = build_final_disclosure(example_budget, example_execution, unit=INSTITUTION, last_year=gone)
    assert NO_LAST_YEAR in _text(unit) and "上年决算为" not in _text(unit)
    assert any(f"上年账本中没有单位 {INSTITUTION}" in w for w in unit.narrative.warnings)
    kept = build_final_disclosure(example_budget, example_execution, unit=ADMINISTRATIVE, last_year=gone)
    assert "上年决算为" in _text(kept)


def test_generated_departments_units_add_up_to_their_last_year():
    """Generated departments (several units, every fund), last year's 决算 from other execution data:
    each change is the difference of the two 决算数, and the units' last years add up to the 汇总's."""
    for i in range(1, 4):
        budget = generate_budget(department_seed(13, i))
        last = dataclasses.replace(budget, year=budget.year - 1)
        previous = LastYear(last, _synthetic_execution(last, seed=100 + i))
        execution = _synthetic_execution(budget, seed=i)
        whole = build_final_disclosure(budget, execution, last_year=previous)
        finals, lasts = _figures(whole, "final."), _figures(whole, "last_final.")
        changes = _figures(whole, "change.final.")
        assert set(lasts) <= set(changes) and len(changes) == COMPARED
        for subject in lasts:
            assert changes[subject] == abs(finals[subject] - lasts[subject]), (i, subject)
        added: dict[str, int] = {}
        for unit in budget.units:
            own = build_final_disclosure(budget, execution, unit=unit.code, last_year=previous)
            for subject, fen in _figures(own, "last_final.").items():
                added[subject] = added.get(subject, 0) + fen
        shared = set(lasts) - {"operating_costs"}  # reported by the 行政单位 only
        assert {k: added.get(k, 0) for k in shared} == {k: lasts[k] for k in shared}, i


# --- the command ------------------------------------------------------------------------------


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@pytest.fixture(scope="module")
def last_year_files(last_year, tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("last-year")
    ledger, payments = folder / "budget-2024.yaml", folder / "execution-2024.csv"
    write_budget(last_year.budget, ledger)
    rows = ["unit_code,project_code,date,amount_yuan,econ_code"] + [
        f"{p.unit},{p.project},{p.date.isoformat()},{_yuan(p.amount)},{p.econ}" for p in last_year.execution.payments
    ]
    payments.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ledger, payments


def _final(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app, ["final", str(EXAMPLE_YAML), str(EXAMPLE_EXECUTION), "--adjustments", str(EXAMPLE_ADJUSTMENTS), *args]
    )


def test_cli_compares_with_last_years_final(tmp_path, last_year_files):
    ledger, payments = last_year_files
    out = tmp_path / "out"
    result = _final("-o", str(out), "--format", "json", "--prior", str(ledger), "--prior-execution", str(payments))
    assert result.exit_code == 0, result.output
    text = (out / "disclosure.json").read_text(encoding="utf-8")
    assert "比上年决算数增加" in text and NO_LAST_YEAR not in text
    said = result.stderr.replace("\n", "")  # as wrapped for the terminal
    assert "没有上年决算数据" not in said and "比较=上年决算，项目=一般公共预算财政拨款支出" in said
    units = _final("-o", str(tmp_path / "units"), "--units", "--format", "json", "--prior", str(ledger),
                   "--prior-execution", str(payments))  # fmt: skip
    assert units.exit_code == 0, units.output
    assert "上年决算为" in (tmp_path / "units" / INSTITUTION / "disclosure.json").read_text(encoding="utf-8")
    assert "上年决算为" in (tmp_path / "units" / CONSOLIDATED_DIR / "disclosure.json").read_text(encoding="utf-8")


def test_cli_without_last_year_warns(tmp_path):
    result = _final("-o", str(tmp_path / "out"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "没有上年决算数据" in result.stderr and "--prior-execution" in result.stderr


def _refused(tmp_path: Path, result, message: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_cli_refuses_another_years_or_another_departments_ledger(example_budget, tmp_path, last_year_files):
    _, payments = last_year_files
    older = tmp_path / "budget-2023.yaml"
    write_budget(dataclasses.replace(example_budget, year=2023, prior_year=PriorYear()), older)
    result = _final("-o", str(tmp_path / "out"), "--prior", str(older), "--prior-execution", str(payments))
    _refused(tmp_path, result, "budget-2023.yaml 是 2023 年的预算")
    other = tmp_path / "other.yaml"
    department = dataclasses.replace(example_budget.department, code="999001", name="某某局")
    write_budget(dataclasses.replace(example_budget, year=2024, department=department), other)
    result = _final("-o", str(tmp_path / "out"), "--prior", str(other), "--prior-execution", str(payments))
    _refused(tmp_path, result, "other.yaml 是某某局（部门代码 999001）的")


def test_cli_refuses_unreadable_last_year_files(tmp_path, last_year_files):
    ledger, payments = last_year_files
    missing = tmp_path / "nowhere.yaml"
    _refused(tmp_path, _final("-o", str(tmp_path / "out"), "--prior", str(missing), "--prior-execution", str(payments)),
             "nowhere.yaml")  # fmt: skip
    # this year's payments are dated 2025: not last year's
    result = _final("-o", str(tmp_path / "out"), "--prior", str(ledger), "--prior-execution", str(EXAMPLE_EXECUTION))
    _refused(tmp_path, result, "不在预算年度 2024 年内")


@pytest.mark.parametrize(
    "args",
    [["--prior", "x.yaml"], ["--prior-execution", "x.csv"], ["--prior-adjustments", "x.csv"]],
)
def test_cli_last_years_ledger_and_execution_go_together(tmp_path, args):
    result = _final("-o", str(tmp_path / "out"), *args)
    assert result.exit_code == 2
    assert "--prior 与 --prior-execution 须一起给出" in result.stderr
    assert not (tmp_path / "out").exists()


# --- the closed loop ----------------------------------------------------------------------------


def _rewritten(disclosure, old: str, new: str):  # type: ignore[no-untyped-def]
    """The disclosure with ``old`` replaced by ``new`` in the one narrative block that says it."""
    blocks = disclosure.narrative.blocks
    assert sum(old in b.text for b in blocks) == 1, old
    changed = [Block(b.kind, b.text.replace(old, new)) for b in blocks]
    return dataclasses.replace(disclosure, narrative=dataclasses.replace(disclosure.narrative, blocks=changed))


@pytest.fixture(scope="module")
def audited(compared, tmp_path_factory):
    """The 决算 with the comparison as generated, and with a wrong rate in each kind of sentence."""
    text = _text(compared)
    stated = re.search(
        r"(?<=机关运行经费支出).*?(上年决算为[\d.]+万元，决算数比上年决算数增加[\d.]+万元，增长([\d.]+)%)", text
    )
    inline = re.search(r"(与上年决算相比，收、支总计各增加[\d.]+万元，增长([\d.]+)%)", text)
    assert stated and inline

    def wrong(match: re.Match[str]):  # type: ignore[no-untyped-def]
        rate = Decimal(match.group(2)) + 5
        return _rewritten(compared, match.group(1), match.group(1).replace(f"{match.group(2)}%", f"{rate}%")), str(rate)

    out = tmp_path_factory.mktemp("final-prior")
    documents = {"asis": compared, "stated": wrong(stated)[0], "inline": wrong(inline)[0]}
    try:
        write_disclosures(documents, out, ["pdf"])
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))
    return out, {"stated": wrong(stated)[1], "inline": wrong(inline)[1]}


def test_the_compared_final_audits_clean(audited):
    out, _ = audited
    report = audit_path(out / "asis" / "disclosure.pdf")
    assert [f.message for f in report.findings if f.severity in ("error", "warning")] == []
    assert report.document["kind"] == "final" and report.stats["tables_recognised"] == 9


@pytest.mark.parametrize("sentence", ["stated", "inline"])
def test_the_audit_checks_each_comparison_sentence(audited, sentence):
    out, rates = audited
    report = audit_path(out / sentence / "disclosure.pdf")
    errors = [(f.rule, f.actual) for f in report.findings if f.severity == "error"]
    assert errors == [("narrative.growth_arithmetic", rates[sentence])]
