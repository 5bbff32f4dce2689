"""The 决算's 情况说明: every figure computed from the 决算's facts, worded by ``final-2025.j2``.

Like the budget's narrative (``narrative.build``) the numbers go through a ``FigureBook``;
this module adds the comparison a 决算 is about: 决算数 against 年初预算数, worded
大于 / 小于 / 等于 from the numbers, with a reason asked for (a warning) when the two differ
by more than a share of the 年初预算数 (``threshold``, 10% by default).

Given last year's ledger and execution data (``LastYear``), each figure is also compared with
last year's 决算数, computed by the same code as this year's (``final_facts`` spreads the
payments, ``compared_facts`` says which facts each figure sums), worded as the budget's
year-on-year changes are (``FigureBook.change``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yusuan.catalog import Catalog, load_catalog
from yusuan.ledger.model import FINAL_COMPARISONS, FINAL_ITEM, FINAL_SUBJECTS, Budget, FinalReason, final_subject_name
from yusuan.money import format_wan
from yusuan.narrative.build import THREE_PUBLIC_NAMES, _environment, asset_figures, parse_blocks
from yusuan.narrative.figures import Change, FigureBook, percent
from yusuan.narrative.model import Narrative
from yusuan.narrative.prior import THREE_PUBLIC_PARTS, operating_cost_facts
from yusuan.performance.execution import Execution
from yusuan.performance.scoring import DepartmentScore
from yusuan.tables.facts import Fact, final_facts
from yusuan.tables.model import TableSet
from yusuan.tables.profile import Profile
from yusuan.tables.scope import Scope, UnknownUnitError, scoped, scoped_execution

#: 决算数 may differ from 年初预算数 (or from last year's 决算数) by this share before the 情况说明 must say why
DEFAULT_THRESHOLD = Decimal("0.10")
#: what the 决算 says where its comparison with last year's 决算 would stand
NO_LAST_YEAR = "无上年决算数据，不作与上年的比较"
MISSING_LAST_YEAR = (
    f"没有上年决算数据：说明中写作“{NO_LAST_YEAR}”"
    "（可用 --prior 上年账本 与 --prior-execution 上年支出数据 算出上年决算数）"
)


@dataclass(frozen=True, slots=True)
class LastYear:
    """Last year's ledger and execution data (this department's, of the year before): its 决算数
    are computed from them exactly as this year's are."""

    budget: Budget
    execution: Execution


@dataclass(frozen=True, slots=True)
class Versus:
    """决算数 against 年初预算数, as the 情况说明 words it."""

    budget: str  # 年初预算数 (万元)
    final: str  # 决算数 (万元)
    rate: str  # 完成年初预算的 …% ('' when the 年初预算数 is 0)
    word: str  # 大于 / 小于 / 等于
    reason: str  # why they differ ('' when not given)
    last: str = ""  # last year's 决算数 (万元; '' when unknown)
    change: Change | None = None  # 决算数 against last year's 决算数 (None when unknown)


@dataclass(slots=True)
class FinalReasons:
    """The ledger's 决算变动原因 one 决算 states: the department's (unit ''), and for a unit's own
    决算 that unit's, which take the place of the department's for the same comparison. Knows
    which were asked for, and how to ask for a missing one in the ledger's words."""

    given: dict[tuple[str, str], FinalReason] = field(default_factory=dict)  # (comparison, subject) → the row
    unit: str = ""  # the unit whose own 决算 this is ('' for the 汇总)
    asked: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, budget: Budget, unit: str = "") -> FinalReasons:
        department = {(r.comparison, r.subject): r for r in budget.final_reasons if not r.unit}
        own = {(r.comparison, r.subject): r for r in budget.final_reasons if unit and r.unit == unit}
        return cls({**department, **own}, unit)

    def get(self, comparison: str, subject: str) -> str:
        self.asked.add((comparison, subject))
        given = self.given.get((comparison, subject))
        return given.reason if given is not None else ""

    def request(self, comparison: str, subject: str) -> str:
        """What to fill in for a missing reason, as the ledger's 决算变动原因 names it."""
        whose = f"单位代码={self.unit}，" if self.unit else ""
        return (
            f"请在账本「决算变动原因」中填写：{whose}比较={FINAL_COMPARISONS[comparison]}，"
            f"项目={final_subject_name(subject)}，原因=…"
        )

    def unstated(self, compared_last_year: bool) -> list[str]:
        """Warnings for this 决算's own reasons (the unit's, or the department's in its 汇总) that
        no comparison of the 说明 asked for: a 项 without spending or budget, a figure the scope
        does not report; reasons against last year's 决算 only when it was compared."""
        out = []
        for key, given in self.given.items():
            if given.unit != self.unit or key in self.asked:
                continue
            if given.comparison == "last_final" and not compared_last_year:
                continue
            out.append(
                f"{given.origin}：说明中没有“比较={FINAL_COMPARISONS[given.comparison]}，"
                f"项目={final_subject_name(given.subject)}”这一比较，此行原因未写入说明"
            )
        return out


def year_on_year(
    book: FigureBook,
    subject: str,
    label: str,
    final: int,
    last: int,
    reasons: FinalReasons,
    threshold: Decimal,
) -> Change:
    """决算数 against last year's 决算数 for ``subject``; a warning when they differ by more than
    ``threshold`` × last year's and the ledger gives no reason (比较=上年决算)."""
    reason = reasons.get("last_final", subject)
    change = book.change(f"final.{subject}", final, last, reason, label, ask_reason=False)
    assert change is not None  # last year's figure is known
    if abs(final - last) > threshold * last and not reason:
        share = f"{change.trend}{change.percent}%" if last else "上年决算数为0"
        book.warnings.append(
            f"{label}决算数比上年决算数{change.direction} {change.amount} 万元（{share}），"
            f"超过 {threshold * 100:.0f}%：{reasons.request('last_final', subject)}"
        )
    return change


def compare(
    book: FigureBook,
    subject: str,
    label: str,
    budget: int,
    final: int,
    reasons: FinalReasons,
    threshold: Decimal,
    last: int | None = None,
) -> Versus:
    """决算数 against 年初预算数 for ``subject`` (and against ``last`` year's 决算数 when known); a
    warning when they differ by more than ``threshold`` × 年初预算数 and the ledger gives no reason
    (比较=年初预算)."""
    budget_text, final_text = book.amount(f"budget.{subject}", budget), book.amount(f"final.{subject}", final)
    # the word follows the amounts as printed: 2.63 against 2.63 reads 等于 even when the fen differ
    shown_budget, shown_final = Decimal(budget_text), Decimal(final_text)
    word = "大于" if shown_final > shown_budget else "小于" if shown_final < shown_budget else "等于"
    rate = f"{percent(final, budget):.2f}" if budget else ""
    if rate:
        book.share(f"final_rate.{subject}", Decimal(rate))
    reason = reasons.get("budget", subject)
    if abs(final - budget) > threshold * budget and not reason:
        share = f"{abs(percent(final - budget, budget)):.2f}%" if budget else "（年初预算数为0）"
        book.warnings.append(
            f"{label}决算数{word}年初预算数，相差 {share}，超过 {threshold * 100:.0f}%："
            f"{reasons.request('budget', subject)}"
        )
    if last is None:
        return Versus(budget_text, final_text, rate, word, reason)
    last_text = book.amount(f"last_final.{subject}", last)
    change = year_on_year(book, subject, label, final, last, reasons, threshold)
    return Versus(budget_text, final_text, rate, word, reason, last_text, change)


def compared_facts(budget: Budget, facts: dict[str, list[Fact]], profile: Profile) -> dict[str, list[Fact]]:
    """The facts each compared figure of the 说明 sums (subject → facts): the one place that says
    what 一般公共预算财政拨款基本支出, “三公”经费 … are, for this year's 决算 and last year's alike."""
    spending, income = facts["expenditure"], facts["income"]
    groups, econ_sets = profile.fund_groups, profile.econ_sets

    def funds(fs: list[Fact], name: str) -> list[Fact]:
        return [f for f in fs if f.fund in groups[name]]

    gpb = funds(spending, "gpb_fiscal_all")
    gpb_basic = [f for f in gpb if f.part == "basic"]
    items: dict[str, list[Fact]] = defaultdict(list)
    for f in gpb:
        items[f.function].append(f)
    three = {k: [f for f in gpb if f.econ in econ_sets[f"three_public.{k}"]] for k in THREE_PUBLIC_PARTS}
    return {
        "income.all": income,
        "expenditure.total": spending,
        "fiscal.income": funds(income, "fiscal_all"),
        "fiscal.expenditure": funds(spending, "fiscal_all"),
        "gpb": gpb,
        "gpb.basic": gpb_basic,
        "gpb.project": [f for f in gpb if f.part == "project"],
        **{f"{FINAL_ITEM}{code}": fs for code, fs in sorted(items.items())},
        "three_public": [f for fs in three.values() for f in fs],
        **{f"three_public.{k}": fs for k, fs in three.items()},
        "operating_costs": operating_cost_facts(budget, gpb_basic, profile),
    }


def last_year_finals(last: LastYear, unit: str | None, profile: Profile) -> dict[str, int] | None:
    """Last year's 决算数 of each compared figure (subject → fen), for the department or for unit
    ``unit`` (last year's ledger and execution restricted to it as this year's are); None when
    last year's ledger has no such unit."""
    try:
        budget, _ = scoped(last.budget, unit)
    except UnknownUnitError:
        return None
    facts = final_facts(budget, scoped_execution(last.execution, unit))
    return {subject: sum(f.executed for f in fs) for subject, fs in compared_facts(budget, facts, profile).items()}


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
    last_year: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Everything the 决算 情况说明 states, computed from the 决算's facts; worded for ``scope``
    (the department's 汇总 by default, or one unit's own 决算 with ``budget`` restricted to it);
    compared with ``last_year``'s 决算数 (subject → fen, see :func:`last_year_finals`) when given."""
    scope = scope or Scope(budget.department)
    # a 事业单位's own 决算 has no 机关运行经费 (the profile's unit_kinds say which kinds do)
    operating_reported = scope.reports("operating_costs", profile)
    spending, income = facts["expenditure"], facts["income"]
    groups = profile.fund_groups
    reasons = FinalReasons.of(budget, scope.unit.code if scope.unit is not None else "")

    def funds(fs: list[Fact], *names: str) -> list[Fact]:
        wanted = {fund for n in names for fund in groups[n]}
        return [f for f in fs if f.fund in wanted]

    def total(fs: list[Fact]) -> int:
        return sum(f.executed for f in fs)

    subjects = compared_facts(budget, facts, profile)

    def last_of(subject: str) -> int | None:
        return None if last_year is None else last_year[subject]

    def vs(subject: str) -> Versus:
        fs, label = subjects[subject], FINAL_SUBJECTS[subject][0]
        return compare(book, subject, label, sum(f.amount for f in fs), total(fs), reasons, threshold, last_of(subject))

    def against_last_year(subject: str) -> Change | None:
        last = last_of(subject)
        if last is None:
            return None
        label = FINAL_SUBJECTS[subject][0]
        return year_on_year(book, subject, label, total(subjects[subject]), last, reasons, threshold)

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
    fiscal_in, fiscal_out = subjects["fiscal.income"], subjects["fiscal.expenditure"]
    gpb_basic = subjects["gpb.basic"]
    item_codes = [subject.removeprefix(FINAL_ITEM) for subject in subjects if subject.startswith(FINAL_ITEM)]
    # each 项 is compared with its 年初预算数 only: the year-on-year comparison is the totals' (as the real 决算 do)
    gpb_items = [
        (
            code,
            catalog.name("function", code),
            compare(
                book,
                f"{FINAL_ITEM}{code}",
                f"{catalog.name('function', code)}（{code}）",
                sum(f.amount for f in subjects[f"{FINAL_ITEM}{code}"]),
                total(subjects[f"{FINAL_ITEM}{code}"]),
                reasons,
                threshold,
            ),
        )
        for code in item_codes
    ]
    three_names = THREE_PUBLIC_NAMES
    declared = sum(c.amount for c in execution.carryovers)
    if execution.carryovers and declared != income_all - spent:
        book.warnings.append(
            f"填报的结转结余合计 {format_wan(declared)} 万元，与收入总计减本年支出得出的年末结转和结余 "
            f"{format_wan(income_all - spent)} 万元不符：请核对结转结余数据"
        )
    procured = sum(p.amount for p in execution.payments if p.procurement)
    procurement_plan = sum(p.amount for p in budget.procurement)
    assets = budget.assets
    context = {
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
        "total_change": against_last_year("income.all"),
        "spent_and_carry": book.amount("final.out.all", income_all),
        "year_income": book.amount("final.income.year", year_income),
        "carry_in": book.amount("final.income.carry", carry_in),
        "income_lines": income_lines,
        "spent": book.amount("final.expenditure.total", spent),
        "spent_vs": vs("expenditure.total"),
        "carry_out": book.amount("final.carry_out", income_all - spent),
        "basic": book.amount("final.expenditure.basic", total(basic)),
        "project": book.amount("final.expenditure.project", total(projects)),
        "structure": structure,
        "fiscal_in": book.amount("final.fiscal.income", total(fiscal_in)),
        "fiscal_in_change": against_last_year("fiscal.income"),
        "fiscal_out": book.amount("final.fiscal.expenditure", total(fiscal_out)),
        "fiscal_out_change": against_last_year("fiscal.expenditure"),
        "fiscal_carry": book.amount("final.fiscal.carry_out", total(fiscal_in) - total(fiscal_out)),
        "gpb_vs": vs("gpb"),
        "gpb_basic_vs": vs("gpb.basic"),
        "gpb_project_vs": vs("gpb.project"),
        "gpb_items": gpb_items,
        "personnel": book.amount("final.gpb_basic.personnel", total([f for f in gpb_basic if f.cost == "personnel"])),
        "public": book.amount("final.gpb_basic.public", total([f for f in gpb_basic if f.cost == "public"])),
        "gov_fund": book.amount("final.gov_fund", total(funds(spending, "gov_fund_all"))),
        "soe": book.amount("final.soe", total(funds(spending, "soe_all"))),
        "three_vs": vs("three_public"),
        "three": {k: vs(f"three_public.{k}") for k in THREE_PUBLIC_PARTS},
        "three_names": three_names,
        "operating_vs": vs("operating_costs") if operating_reported else None,
        "no_comparison": NO_LAST_YEAR,
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
    book.warnings.extend(reasons.unstated(compared_last_year=last_year is not None))
    return context


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
    last_year: dict[str, int] | None = None,
) -> Narrative:
    """The 决算's 情况说明, rendered from the profile's template (``<profile>.j2``); a unit's own
    (``scope``, with ``budget``, ``execution`` and ``tables`` already restricted to the unit) when given;
    compared with ``last_year``'s 决算数 (:func:`last_year_finals`) when given."""
    book = FigureBook()
    context = final_context(
        budget, execution, tables, facts, profile, book, catalog or load_catalog(), threshold, scores, scope, last_year
    )
    text = _environment().get_template(f"{profile.name}.j2").render(**context)
    noun = context["words"]["noun"]
    title = f"{tables.department}{budget.year}年度{noun}决算公开"
    attachment = f"附件：{tables.department}{budget.year}年度{noun}决算表"
    return Narrative(title, parse_blocks(text), book.figures, book.warnings, attachment)
