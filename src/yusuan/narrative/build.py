"""Budget + TableSet → Narrative: compute every figure, then render the profile's template.

The prose lives in ``templates/<profile>.j2`` (Jinja2). This module only
computes what the text states, through a ``FigureBook`` so each number is
formatted one way and recorded; the template decides the wording.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

import jinja2

from yusuan.catalog import Catalog, load_catalog
from yusuan.ledger.model import Assets, Budget
from yusuan.narrative.figures import FigureBook
from yusuan.narrative.model import Block, Narrative
from yusuan.narrative.prior import (
    NO_COMPARISON,
    THREE_PUBLIC_PARTS,
    change_reasons,
    comparable_amounts,
    missing_prior_warning,
)
from yusuan.tables.facts import Fact, expenditure_facts, income_facts
from yusuan.tables.model import TableSet
from yusuan.tables.profile import Profile, load_profile
from yusuan.tables.scope import Scope, scoped

#: the parts of the “三公”经费 as the narratives (budget and 决算) name them
THREE_PUBLIC_NAMES = {
    "abroad": "因公出国（境）费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行维护费",
    "reception": "公务接待费",
}
OPERATING_COSTS = "机关（机构）运行经费"
_MARKERS = {"#": "part", "##": "title", "###": "heading", "####": "subheading"}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("yusuan.narrative", "templates"),
        autoescape=False,  # plain text with block markers; renderers escape for HTML/Typst
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def parse_blocks(text: str) -> list[Block]:
    """Template output → blocks: '#'…'####' lines are headings, other lines paragraphs."""
    blocks = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        marker, _, rest = line.partition(" ")
        if marker in _MARKERS and rest:
            blocks.append(Block(_MARKERS[marker], rest.strip()))
        else:
            blocks.append(Block("paragraph", line))
    return blocks


def _sum(facts: list[Fact], profile: Profile, *groups: str) -> int:
    funds = {f for g in groups for f in profile.fund_groups[g]}
    return sum(f.amount for f in facts if f.fund in funds)


def _class_parts(facts: list[Fact]) -> dict[str, int]:
    parts: dict[str, int] = defaultdict(int)
    for f in facts:
        parts[f.function[:3]] += f.amount
    return {k: v for k, v in sorted(parts.items()) if v}


def _econ_names(catalog: Catalog, facts: list[Fact]) -> list[str]:
    codes = sorted({f.econ for f in facts if f.amount})
    return [catalog.name("dept_econ", c) for c in codes]


def asset_figures(book: FigureBook, assets: Assets) -> dict[str, str]:
    """The 国有资产占用 figures a narrative states (budget and 决算 alike), recorded in ``book``."""
    return {
        "total": book.amount("assets.total", assets.total),
        "buildings": book.amount("assets.buildings", assets.buildings),
        "vehicles": book.amount("assets.vehicles", assets.vehicles),
        "office_equipment": book.amount("assets.office_equipment", assets.office_equipment),
        "special_equipment": book.amount("assets.special_equipment", assets.special_equipment),
        "other": book.amount("assets.other", assets.other),
        "vehicle_count": book.count("assets.vehicle_count", assets.vehicle_count),
        "general_vehicles": book.count("assets.general_vehicles", assets.general_vehicles),
        "law_enforcement_vehicles": book.count("assets.law_enforcement_vehicles", assets.law_enforcement_vehicles),
        "other_vehicles": book.count("assets.other_vehicles", assets.other_vehicles),
        "large_general_equipment": book.count("assets.large_general_equipment", assets.large_general_equipment),
        "large_special_equipment": book.count("assets.large_special_equipment", assets.large_special_equipment),
    }


def narrative_context(
    budget: Budget, tables: TableSet, book: FigureBook, catalog: Catalog, scope: Scope | None = None
) -> dict[str, Any]:
    """Everything the narrative template states, computed from the ledger (already restricted to
    the scope's unit, see :func:`yusuan.tables.scope.scoped`)."""
    profile = load_profile(budget.template)
    scope = scope or Scope(budget.department)
    spending = expenditure_facts(budget)
    income = income_facts(budget)
    prior = budget.prior_year
    reasons = change_reasons(budget, catalog)
    current = comparable_amounts(budget)
    dept = budget.department

    def change(key: str, label: str) -> Any:
        return book.change(key, current[key], prior.amounts.get(key), reasons.get(key, ""), label)

    total = sum(f.amount for f in spending)
    basic = [f for f in spending if f.part == "basic"]
    projects_facts = [f for f in spending if f.part == "project"]
    basic_total = sum(f.amount for f in basic)
    project_total = total - basic_total
    gpb = [f for f in spending if f.fund in profile.fund_groups["gpb"]]
    gpb_total = current["gpb"]
    gov_fund = [f for f in spending if f.fund in profile.fund_groups["gov_fund"]]
    soe = [f for f in spending if f.fund in profile.fund_groups["soe"]]
    gpb_basic = [f for f in basic if f.fund in profile.fund_groups["gpb"]]
    personnel = [f for f in gpb_basic if f.cost == "personnel"]
    public = [f for f in gpb_basic if f.cost == "public"]

    three_parts = {k: current[f"three_public.{k}"] for k in THREE_PUBLIC_PARTS}
    three_total = current["three_public"]
    operating = current["operating_costs"]
    # a 事业单位's own disclosure has no 机关运行经费 (the profile's unit_kinds say which kinds do)
    operating_reported = scope.reports("operating_costs", profile)

    income_sources = [
        ("gpb", "一般公共预算收入", _sum(income, profile, "gpb")),
        ("gov_fund", "政府性基金预算收入", _sum(income, profile, "gov_fund")),
        ("soe", "国有资本经营预算收入", _sum(income, profile, "soe")),
        ("special", "财政专户管理资金收入", _sum(income, profile, "special")),
        ("business", "事业收入", _sum(income, profile, "business")),
        ("operating", "事业单位经营收入", _sum(income, profile, "operating")),
        ("superior", "上级补助收入", _sum(income, profile, "superior")),
        ("subsidiary", "附属单位上缴收入", _sum(income, profile, "subsidiary")),
        ("other", "其他收入", _sum(income, profile, "other")),
        ("carry", "上年结转结余", _sum(income, profile, "carry")),
    ]
    # the four budget sources are always named; the others only when present
    always = {"gpb", "gov_fund", "soe", "special"}
    income_lines = [
        (label, book.amount(f"income.{key}", fen)) for key, label, fen in income_sources if key in always or fen
    ]
    structure = book.shares("expenditure.share", {"basic": basic_total, "project": project_total})
    gpb_classes = _class_parts(gpb)
    gpb_shares = book.shares("gpb.share", gpb_classes)
    managed = [p for p in budget.projects if p.indicators]
    managed_total = basic_total + sum(p.amount for p in managed)
    assets = budget.assets
    procurement: dict[str, int] = defaultdict(int)
    for item in budget.procurement:
        procurement[item.category] += item.amount

    return {
        "scope": scope.kind,
        "words": scope.words(profile),
        "parent": scope.department,
        "unit_kind": scope.unit_kind(profile).get("name", ""),
        "dept": dept,
        "dept_label": tables.department,
        "year": budget.year,
        "fiscal_level": dept.fiscal_level,
        "units": budget.units,
        "staffing": dept.staffing,
        "functions": dept.functions,
        "headcount": book.count("staffing.headcount", dept.staffing.headcount),
        "administrative": book.count("staffing.administrative", dept.staffing.administrative),
        "institution": book.count("staffing.institution", dept.staffing.institution),
        "income_total": book.amount("income.total", sum(f.amount for f in income)),
        "income_lines": income_lines,
        "expenditure_total": book.amount("expenditure.total", total),
        "total_change": change("total", "收支总计"),
        "basic_total": book.amount("expenditure.basic", basic_total),
        "project_total": book.amount("expenditure.project", project_total),
        "structure": structure,
        "gpb_total": book.amount("gpb.total", gpb_total),
        "gpb_change": change("gpb", "一般公共预算收支"),
        "gov_fund_total": book.amount("gov_fund.total", sum(f.amount for f in gov_fund)),
        "gov_fund_change": change("gov_fund", "政府性基金收支"),
        "gov_fund_classes": [
            (catalog.name("function", c), book.amount(f"gov_fund.class.{c}", v))
            for c, v in _class_parts(gov_fund).items()
        ],
        "soe_total": book.amount("soe.total", sum(f.amount for f in soe)),
        "soe_change": change("soe", "国有资本经营收支"),
        "soe_classes": [
            (catalog.name("function", c), book.amount(f"soe.class.{c}", v)) for c, v in _class_parts(soe).items()
        ],
        "gpb_classes": [
            (catalog.name("function", c), book.amount(f"gpb.class.{c}", v), gpb_shares[c])
            for c, v in gpb_classes.items()
        ],
        "gpb_basic_total": book.amount("gpb_basic.total", sum(f.amount for f in gpb_basic)),
        "personnel_total": book.amount("gpb_basic.personnel", sum(f.amount for f in personnel)),
        "personnel_items": _econ_names(catalog, personnel),
        "public_total": book.amount("gpb_basic.public", sum(f.amount for f in public)),
        "public_items": _econ_names(catalog, public),
        "three_total": book.amount("three_public.total", three_total),
        "three_change": change("three_public", "“三公”经费"),
        "three": {k: book.amount(f"three_public.{k}", v) for k, v in three_parts.items()},
        "three_vehicle": book.amount(
            "three_public.vehicle", three_parts["vehicle_purchase"] + three_parts["vehicle_operation"]
        ),
        "three_changes": {k: change(f"three_public.{k}", THREE_PUBLIC_NAMES[k]) for k in three_parts},
        "operating_reported": operating_reported,
        "operating_total": book.amount("operating_costs.total", operating) if operating_reported else "",
        "operating_change": change("operating_costs", OPERATING_COSTS) if operating_reported else None,
        "procurement_total": book.amount("procurement.total", sum(procurement.values())),
        "procurement": [(c, book.amount(f"procurement.{c}", v)) for c, v in sorted(procurement.items())],
        "managed_total": book.amount("performance.total", managed_total),
        "managed_basic": book.amount("performance.basic", basic_total),
        "managed_projects": book.amount("performance.projects", managed_total - basic_total),
        "managed_count": book.count("performance.project_count", len(managed)),
        "key_projects": [
            (p.name, book.amount(f"project.{p.code}", p.amount), p.purpose) for p in budget.projects if p.key
        ],
        "assets": asset_figures(book, assets),
        "transfers": [(t.name, book.amount(f"transfer.{t.name}", t.amount)) for t in budget.transfers],
        "transfer_count": book.count("transfers.count", len(budget.transfers)),
        "project_facts": projects_facts,
        "no_comparison": NO_COMPARISON,
        "extra": _extra_paragraphs(budget),
        "terms": [(t.term, t.explanation) for t in budget.terms],
    }


def _extra_paragraphs(budget: Budget) -> dict[str, list[str]]:
    """The department's own paragraphs by narrative section id, in ledger order."""
    extra: dict[str, list[str]] = defaultdict(list)
    for paragraph in budget.paragraphs:
        # one paragraph per line of text: a line break in a cell starts a new paragraph, never a heading
        extra[paragraph.section] += [
            line.strip().lstrip("#").strip() for line in paragraph.text.splitlines() if line.strip()
        ]
    return extra


def build_narrative(
    budget: Budget, tables: TableSet, catalog: Catalog | None = None, unit: str | None = None
) -> Narrative:
    """The narrative of the disclosure, rendered from the profile's template; unit ``unit``'s own
    (单位预算公开) when given, with ``tables`` built for the same unit."""
    budget, scope = scoped(budget, unit)
    book = FigureBook()
    context = narrative_context(budget, tables, book, catalog or load_catalog(), scope)
    text = _environment().get_template(f"{budget.template}.j2").render(**context)
    # last year's figures are the department's: a unit's document says it has none, without a warning each
    missing = missing_prior_warning(budget) if scope.unit is None else ""
    if missing:
        book.warnings.append(missing)
    noun = context["words"]["noun"]
    title = f"{tables.department}{budget.year}年{noun}预算公开"
    attachment = f"附件：{tables.department}{budget.year}年度{noun}预算表"
    return Narrative(title, parse_blocks(text), book.figures, book.warnings, attachment)
