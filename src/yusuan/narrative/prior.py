"""Last year's figures: computed from a ledger (this year's, or last year's to import them), and the
reasons for each change, from the prior-year section or from the reasons given per item.

One place knows how each compared figure (PRIOR_YEAR_KEYS) is summed, so this year's value and
last year's value imported from last year's ledger are the same sum.
"""

from __future__ import annotations

import dataclasses

from yusuan.catalog import Catalog
from yusuan.ledger.model import PRIOR_YEAR_KEYS, Budget, PriorYear
from yusuan.tables.facts import Fact, expenditure_facts
from yusuan.tables.profile import Profile, load_profile
from yusuan.tables.scope import reporting_units

THREE_PUBLIC_PARTS = ("abroad", "vehicle_purchase", "vehicle_operation", "reception")
#: what the document says where a comparison would stand and last year's figure is unknown
NO_COMPARISON = "无上年数据，不作比较"
#: the compared figures whose change may be explained by reasons given per 功能分类 or project
_ITEMISED = {"total": None, "gpb": "gpb", "gov_fund": "gov_fund", "soe": "soe"}


class PriorLedgerError(ValueError):
    """Last year's ledger cannot give this budget its prior-year figures."""


def _in_group(facts: list[Fact], profile: Profile, group: str) -> list[Fact]:
    funds = profile.fund_groups[group]
    return [f for f in facts if f.fund in funds]


def operating_cost_facts(budget: Budget, gpb_basic: list[Fact], profile: Profile) -> list[Fact]:
    """The 机关（机构）运行经费 among the 一般公共预算 basic spending: its codes, of the units that report it
    (as 预算13表 selects them)."""
    units = reporting_units(budget, "operating_costs", profile)
    codes = profile.econ_sets["operating_costs"]
    return [f for f in gpb_basic if f.econ in codes and f.unit in units]


def comparable_amounts(budget: Budget) -> dict[str, int]:
    """Each figure the narrative compares with last year (key of PRIOR_YEAR_KEYS → fen)."""
    profile = load_profile(budget.template)
    spending = expenditure_facts(budget)
    gpb = _in_group(spending, profile, "gpb")
    three = {
        k: sum(f.amount for f in gpb if f.econ in profile.econ_sets[f"three_public.{k}"]) for k in THREE_PUBLIC_PARTS
    }
    gpb_basic = [f for f in gpb if f.part == "basic"]
    return {
        "total": sum(f.amount for f in spending),
        "gpb": sum(f.amount for f in gpb),
        "gov_fund": sum(f.amount for f in _in_group(spending, profile, "gov_fund")),
        "soe": sum(f.amount for f in _in_group(spending, profile, "soe")),
        "three_public": sum(three.values()),
        **{f"three_public.{k}": v for k, v in three.items()},
        "operating_costs": sum(f.amount for f in operating_cost_facts(budget, gpb_basic, profile)),
    }


def check_last_years_ledger(budget: Budget, last_year: Budget, last_year_file: str) -> None:
    """Refuse a ledger that is not this department's of the year before, in the same template (PriorLedgerError)."""
    if last_year.year != budget.year - 1:
        raise PriorLedgerError(
            f"上年账本 {last_year_file} 是 {last_year.year} 年的预算，"
            f"而本预算是 {budget.year} 年的：上年数应取自 {budget.year - 1} 年的账本"
        )
    this, that = budget.department, last_year.department
    if that.code != this.code:
        raise PriorLedgerError(
            f"上年账本 {last_year_file} 是{that.name}（部门代码 {that.code}）的，"
            f"而本账本是{this.name}（部门代码 {this.code}）的：上年数应取自同一部门的账本"
        )
    if last_year.template != budget.template:
        # each template sums the compared figures by its own table layout: the two years' sums would differ in kind
        raise PriorLedgerError(
            f"上年账本 {last_year_file} 用的是「{last_year.template}」模板，"
            f"而本预算用「{budget.template}」模板：口径不同，上年数不能由它计算"
        )


def with_prior_ledger(budget: Budget, last_year: Budget, last_year_file: str) -> Budget:
    """The budget with last year's figures computed from last year's ledger (its reasons are kept)."""
    check_last_years_ledger(budget, last_year, last_year_file)
    amounts = comparable_amounts(last_year)
    return dataclasses.replace(budget, prior_year=PriorYear(amounts, dict(budget.prior_year.reasons)))


def missing_prior(budget: Budget) -> list[str]:
    """The compared figures that have no prior-year amount (their Chinese names)."""
    return [name for key, name in PRIOR_YEAR_KEYS.items() if key not in budget.prior_year.amounts]


#: how the command line fills in missing prior-year figures
PRIOR_REMEDY_CLI = "可在「上年数」中填写，或用 --prior 从上年账本导入"


def missing_prior_warning(budget: Budget, remedy: str = PRIOR_REMEDY_CLI) -> str | None:
    """The warning for a budget some of whose comparisons cannot be made, or None; ``remedy`` says
    how the user can supply them where the warning is shown."""
    missing = missing_prior(budget)
    if not missing:
        return None
    return f"账本没有上年数：{'、'.join(missing)}；说明中这些对比写作“{NO_COMPARISON}”（{remedy}）"


def change_reasons(budget: Budget, catalog: Catalog) -> dict[str, str]:
    """The reason for each compared figure: the prior-year section's own, else the reasons given
    for the 功能分类 类/款/项 and projects that the figure sums."""
    reasons = dict(budget.prior_year.reasons)
    if not budget.reasons:
        return reasons
    profile = load_profile(budget.template)
    spending = expenditure_facts(budget)
    projects = {p.code: p.name for p in budget.projects}
    for key, group in _ITEMISED.items():
        if key in reasons:
            continue
        facts = spending if group is None else _in_group(spending, profile, group)
        parts = []
        for item in budget.reasons:
            is_project = item.code in projects
            concerns = any(f.project == item.code if is_project else f.function.startswith(item.code) for f in facts)
            if concerns or group is None:  # the total also explains what fell to zero
                name = projects[item.code] if is_project else catalog.name("function", item.code)
                parts.append(f"{name}，{item.reason.strip().rstrip('。；')}")
        if parts:
            reasons[key] = "；".join(parts)
    return reasons
