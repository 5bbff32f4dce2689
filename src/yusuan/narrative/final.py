"""The 决算's 情况说明: every figure computed from the 决算's facts, worded by ``final-2025.j2``.

Like the budget's narrative (``narrative.build``) the numbers go through a ``FigureBook``;
this module adds the comparison a 决算 is about: 决算数 against 年初预算数, worded
大于 / 小于 / 等于 from the numbers, with a reason asked for (a warning) when the two differ
by more than a share of the 年初预算数 (``threshold``, 10% by default).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yusuan.catalog import Catalog, load_catalog
from yusuan.ledger.model import Budget
from yusuan.money import format_wan
from yusuan.narrative.build import OPERATING_COSTS, THREE_PUBLIC_NAMES, _environment, asset_figures, parse_blocks
from yusuan.narrative.figures import FigureBook, percent
from yusuan.narrative.model import Narrative
from yusuan.narrative.prior import THREE_PUBLIC_PARTS, operating_cost_facts
from yusuan.performance.execution import Execution
from yusuan.performance.scoring import DepartmentScore
from yusuan.tables.facts import Fact
from yusuan.tables.model import TableSet
from yusuan.tables.profile import Profile
from yusuan.tables.scope import Scope

#: 决算数 may differ from 年初预算数 by this share before the 情况说明 must say why
DEFAULT_THRESHOLD = Decimal("0.10")


@dataclass(frozen=True, slots=True)
class Versus:
    """决算数 against 年初预算数, as the 情况说明 words it."""

    budget: str  # 年初预算数 (万元)
    final: str  # 决算数 (万元)
    rate: str  # 完成年初预算的 …% ('' when the 年初预算数 is 0)
    word: str  # 大于 / 小于 / 等于
    reason: str  # why they differ ('' when not given)


def compare(
    book: FigureBook, subject: str, label: str, budget: int, final: int, reasons: dict[str, str], threshold: Decimal
) -> Versus:
    """决算数 against 年初预算数 for ``subject``; a warning when they differ by more than
    ``threshold`` × 年初预算数 and the ledger gives no reason (``prior_year.reasons`` under
    ``final.<subject>``)."""
    budget_text, final_text = book.amount(f"budget.{subject}", budget), book.amount(f"final.{subject}", final)
    # the word follows the amounts as printed: 2.63 against 2.63 reads 等于 even when the fen differ
    shown_budget, shown_final = Decimal(budget_text), Decimal(final_text)
    word = "大于" if shown_final > shown_budget else "小于" if shown_final < shown_budget else "等于"
    rate = f"{percent(final, budget):.2f}" if budget else ""
    if rate:
        book.share(f"final_rate.{subject}", Decimal(rate))
    reason = reasons.get(f"final.{subject}", "")
    if abs(final - budget) > threshold * budget and not reason:
        share = f"{abs(percent(final - budget, budget)):.2f}%" if budget else "（年初预算数为0）"
        book.warnings.append(
            f"{label}决算数{word}年初预算数，相差 {share}，超过 {threshold * 100:.0f}%："
            f"请在账本 prior_year.reasons 中以 final.{subject} 说明原因"
        )
    return Versus(budget_text, final_text, rate, word, reason)


def _by(facts: list[Fact], key: Any) -> tuple[dict[str, int], dict[str, int]]:
    budget: dict[str, int] = defaultdict(int)
    final: dict[str, int] = defaultdict(int)
    for f in facts:
        budget[key(f)] += f.amount
        final[key(f)] += f.executed
    return budget, final


def final_context(
    budget: Budget,
    execution: Execution,
    tables: TableSet,
    facts: dict[str, list[Fact]],
    profile: Profile,
    book: FigureBook,
    catalog: Catalog,
    threshold: Decimal = DEFAULT_THRESHOLD,
    scores: DepartmentScore | None = None,
    scope: Scope | None = None,
) -> dict[str, Any]:
    """Everything the 决算 情况说明 states, computed from the 决算's facts; worded for ``scope``
    (the department's 汇总 by default, or one unit's own 决算 with ``budget`` restricted to it)."""
    scope = scope or Scope(budget.department)
    # a 事业单位's own 决算 has no 机关运行经费 (the profile's unit_kinds say which kinds do)
    operating_reported = scope.reports("operating_costs", profile)
    spending, income = facts["expenditure"], facts["income"]
    groups = profile.fund_groups
    reasons = budget.prior_year.reasons

    def funds(fs: list[Fact], *names: str) -> list[Fact]:
        wanted = {fund for n in names for fund in groups[n]}
        return [f for f in fs if f.fund in wanted]

    def total(fs: list[Fact]) -> int:
        return sum(f.executed for f in fs)

    def vs(subject: str, label: str, fs: list[Fact]) -> Versus:
        return compare(book, subject, label, sum(f.amount for f in fs), total(fs), reasons, threshold)

    income_all = total(income)
    year_income = total(funds(income, "year"))
    carry_in = total(funds(income, "carry"))
    spent = total(spending)
    basic = [f for f in spending if f.part == "basic"]
    projects = [f for f in spending if f.part == "project"]
    income_sources = [
        ("fiscal", "财政拨款收入", funds(income, "fiscal_year")),
        ("superior", "上级补助收入", funds(income, "superior")),
        ("business", "事业收入", funds(income, "business")),
        ("operating", "经营收入", funds(income, "operating")),
        ("subsidiary", "附属单位上缴收入", funds(income, "subsidiary")),
        ("other", "其他收入", funds(income, "other")),
    ]
    income_shares = book.shares("final.income.share", {k: total(fs) for k, _, fs in income_sources})
    income_lines = [
        (label, book.amount(f"final.income.{k}", total(fs)), income_shares[k])
        for k, label, fs in income_sources
        if total(fs)
    ]
    structure = book.shares("final.expenditure.share", {"basic": total(basic), "project": total(projects)})
    fiscal_in = funds(income, "fiscal_all")
    fiscal_out = funds(spending, "fiscal_all")
    gpb = funds(spending, "gpb_fiscal_all")
    gpb_basic = [f for f in gpb if f.part == "basic"]
    item_budget, item_final = _by(gpb, lambda f: f.function)
    gpb_items = [
        (
            code,
            catalog.name("function", code),
            compare(
                book,
                f"gpb.item.{code}",
                f"{catalog.name('function', code)}（{code}）",
                item_budget[code],
                item_final[code],
                reasons,
                threshold,
            ),
        )
        for code in sorted(item_budget)
    ]
    econ_sets = profile.econ_sets
    three_parts = {k: [f for f in gpb if f.econ in econ_sets[f"three_public.{k}"]] for k in THREE_PUBLIC_PARTS}
    three_names = THREE_PUBLIC_NAMES
    three_all = [f for fs in three_parts.values() for f in fs]
    operating = operating_cost_facts(budget, gpb_basic, profile)
    declared = sum(c.amount for c in execution.carryovers)
    if execution.carryovers and declared != income_all - spent:
        book.warnings.append(
            f"填报的结转结余合计 {format_wan(declared)} 万元，与收入总计减本年支出得出的年末结转和结余 "
            f"{format_wan(income_all - spent)} 万元不符：请核对结转结余数据"
        )
    procured = sum(p.amount for p in execution.payments if p.procurement)
    procurement_plan = sum(p.amount for p in budget.procurement)
    assets = budget.assets
    return {
        "dept": budget.department,
        "scope": scope.kind,
        "words": scope.words(profile),
        "parent": scope.department,
        "unit_kind": scope.unit_kind(profile).get("name", ""),
        "dept_label": tables.department,
        "year": budget.year,
        "fiscal_level": budget.department.fiscal_level,
        "units": budget.units,
        "functions": budget.department.functions,
        "income_all": book.amount("final.income.all", income_all),
        "spent_and_carry": book.amount("final.out.all", income_all),
        "year_income": book.amount("final.income.year", year_income),
        "carry_in": book.amount("final.income.carry", carry_in),
        "income_lines": income_lines,
        "spent": book.amount("final.expenditure.total", spent),
        "spent_vs": vs("expenditure.total", "本年支出", spending),
        "carry_out": book.amount("final.carry_out", income_all - spent),
        "basic": book.amount("final.expenditure.basic", total(basic)),
        "project": book.amount("final.expenditure.project", total(projects)),
        "structure": structure,
        "fiscal_in": book.amount("final.fiscal.income", total(fiscal_in)),
        "fiscal_out": book.amount("final.fiscal.expenditure", total(fiscal_out)),
        "fiscal_carry": book.amount("final.fiscal.carry_out", total(fiscal_in) - total(fiscal_out)),
        "gpb_vs": vs("gpb", "一般公共预算财政拨款支出", gpb),
        "gpb_basic_vs": vs("gpb.basic", "一般公共预算财政拨款基本支出", gpb_basic),
        "gpb_project_vs": vs("gpb.project", "一般公共预算财政拨款项目支出", [f for f in gpb if f.part == "project"]),
        "gpb_items": gpb_items,
        "personnel": book.amount("final.gpb_basic.personnel", total([f for f in gpb_basic if f.cost == "personnel"])),
        "public": book.amount("final.gpb_basic.public", total([f for f in gpb_basic if f.cost == "public"])),
        "gov_fund": book.amount("final.gov_fund", total(funds(spending, "gov_fund_all"))),
        "soe": book.amount("final.soe", total(funds(spending, "soe_all"))),
        "three_vs": vs("three_public", "“三公”经费支出", three_all),
        "three": {k: vs(f"three_public.{k}", three_names[k], fs) for k, fs in three_parts.items()},
        "three_names": three_names,
        "operating_vs": vs("operating_costs", OPERATING_COSTS, operating) if operating_reported else None,
        "procured": book.amount("final.procurement", procured),
        "procurement_plan": book.amount("budget.procurement", procurement_plan),
        "assets": asset_figures(book, assets) if assets.total else None,
        "scores": scores,
        "scored": (
            {"score": f"{scores.score:.2f}", "rate": f"{scores.execution_rate:.2f}", "grade": scores.grade}
            if scores is not None
            else None
        ),
    }


def build_final_narrative(
    budget: Budget,
    execution: Execution,
    tables: TableSet,
    facts: dict[str, list[Fact]],
    profile: Profile,
    *,
    threshold: Decimal = DEFAULT_THRESHOLD,
    scores: DepartmentScore | None = None,
    catalog: Catalog | None = None,
    scope: Scope | None = None,
) -> Narrative:
    """The 决算's 情况说明, rendered from the profile's template (``<profile>.j2``); a unit's own
    (``scope``, with ``budget``, ``execution`` and ``tables`` already restricted to the unit) when given."""
    book = FigureBook()
    context = final_context(
        budget, execution, tables, facts, profile, book, catalog or load_catalog(), threshold, scores, scope
    )
    text = _environment().get_template(f"{profile.name}.j2").render(**context)
    noun = context["words"]["noun"]
    title = f"{tables.department}{budget.year}年度{noun}决算公开"
    attachment = f"附件：{tables.department}{budget.year}年度{noun}决算表"
    return Narrative(title, parse_blocks(text), book.figures, book.warnings, attachment)
